"""``modelgov pin service|status|ls|verify``: a thin face over :mod:`modelgov.storage.pinning`
(IPFS Pinning Service API) and the node's block sampling. ``pin ipfs --service`` lives with
``pin ipfs`` in :mod:`modelgov.cli.ipfs_cmd`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from modelgov.cli._common import echo_json, json_option

service_option = click.option(
    "--service", "services", multiple=True, metavar="NAME",
    help="Pinning service (repeatable); see `modelgov pin service ls`.",
)
insecure_option = click.option(
    "--allow-insecure", is_flag=True, default=None,
    help="Allow a plain-HTTP endpoint outside loopback (the token would travel in clear).",
)


@click.group("service")
def service() -> None:
    """Configure pinning services (endpoint + where the token is; never the token itself)."""


@service.command("add")
@click.argument("name")
@click.option("--endpoint", required=True, metavar="URL", help="Pinning Service API base URL.")
@click.option("--token-env", metavar="VAR", help="Environment variable that holds the access token.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=str),
              help="File that holds the access token (must be mode 0600).")
@click.option("--gateway", metavar="URL",
              help="The service's HTTP gateway (trustless gateway protocol), used by `pin verify --service`.")
@insecure_option
@json_option
def service_add(name: str, endpoint: str, token_env: str | None, token_file: str | None,
                gateway: str | None, allow_insecure: bool | None, as_json: bool) -> None:
    """Add (or replace) service NAME in the pinning config file."""
    from modelgov.storage.pinning import config_path, save_service

    cfg = save_service(name, endpoint, token_env=token_env, token_file=token_file, gateway=gateway,
                       allow_insecure=allow_insecure)
    if as_json:
        echo_json({**cfg.as_dict(), "config": str(config_path())})
    else:
        via = f"  gateway {cfg.gateway}" if cfg.gateway else ""
        click.echo(f"{cfg.name}  {cfg.endpoint}{via}  (saved in {config_path()})")


@service.command("ls")
@json_option
def service_ls(as_json: bool) -> None:
    """List configured services (endpoints and token sources, never tokens)."""
    from modelgov.storage.pinning import load_config

    services = load_config()
    if as_json:
        echo_json([c.as_dict() for c in services.values()])
        return
    if not services:
        click.echo("no pinning service configured (modelgov pin service add NAME --endpoint URL ...)")
    for cfg in services.values():
        source = f"env {cfg.token_env}" if cfg.token_env else f"file {cfg.token_file}"
        via = f"  gateway {cfg.gateway}" if cfg.gateway else ""
        click.echo(f"{cfg.name:<16}{cfg.endpoint}{via}  token from {source}  ({cfg.source})")


@service.command("rm")
@click.argument("name")
def service_rm(name: str) -> None:
    """Remove service NAME from the config file."""
    from modelgov.storage.pinning import remove_service

    click.echo(f"{name} removed" if remove_service(name) else f"{name} was not in the config file")


def _status_line(name: str, st: Any) -> str:
    from modelgov.storage.pinning import PinStatus
    from modelgov.storage.untrusted import clean

    if isinstance(st, PinStatus):
        return f"{name:<16}{st.status:<9}{st.requestid}"
    return f"{name:<16}{'error':<9}{clean(st)}"


@click.command("status")
@click.argument("cid")
@service_option
@json_option
def pin_status(cid: str, services: tuple[str, ...], as_json: bool) -> None:
    """Each service's status for CID: queued, pinning, pinned or failed.

    Asks the services recorded for CID (or --service, else every configured one).
    """
    from modelgov.storage.pinning import PinStatus, status_of

    found = status_of(cid, list(services) or None)
    if as_json:
        echo_json({name: st.as_dict() if isinstance(st, PinStatus) else {"error": st}
                   for name, st in found.items()})
        return
    for name, st in found.items():
        click.echo(_status_line(name, st))


@click.command("ls")
@service_option
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["queued", "pinning", "pinned", "failed"]),
              help="Only these statuses (repeatable; default all four).")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@json_option
def pin_ls(services: tuple[str, ...], statuses: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List the pins of each --service (default every configured one)."""
    from modelgov.errors import PinningServiceError
    from modelgov.storage.pinning import STATUSES, PinningClient, get_service, load_config

    names = list(services) or sorted(load_config())
    if not names:
        from modelgov.errors import PinningConfigError

        raise PinningConfigError("no pinning service is configured (modelgov pin service add)")
    out: dict[str, Any] = {}
    errors: list[PinningServiceError] = []
    for name in names:
        try:
            with PinningClient(get_service(name)) as client:
                out[name] = client.list(statuses=statuses or STATUSES, limit=limit)
        except PinningServiceError as exc:
            if len(names) == 1:
                raise
            out[name] = str(exc)
            errors.append(exc)
    if as_json:
        echo_json({n: [p.as_dict() for p in v] if isinstance(v, list) else {"error": v}
                   for n, v in out.items()})
    else:
        for name, pins in out.items():
            if isinstance(pins, str):
                click.echo(_status_line(name, pins))
                continue
            for p in pins:
                click.echo(f"{name:<16}{p.status:<9}{p.cid}  {p.name or ''}  {p.requestid}".rstrip())
    if errors and len(errors) == len(names):
        raise errors[0]


@click.command("verify")
@click.argument("cid")
@click.option("--samples", type=click.IntRange(0, 100000), default=16, show_default=True,
              help="Random root-to-leaf walks; every block on the way is checked.")
@click.option("--all", "everything", is_flag=True, help="Check every block of the DAG.")
@click.option("--service", metavar="NAME",
              help="Fetch the blocks from this pinning service's gateway (see `pin service add --gateway`).")
@click.option("--gateway", metavar="URL",
              help="Fetch the blocks from this HTTP gateway (GET /ipfs/<block>?format=raw).")
@click.option("--api", default=None, metavar="URL",
              help="Kubo RPC endpoint; default $MODELGOV_IPFS_API, else the local node.")
@click.option("--seed", type=int, default=None, help="Seed of the random walks (reproducible sample).")
@insecure_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds per block.")
@json_option
def pin_verify(cid: str, samples: int, everything: bool, service: str | None, gateway: str | None,
               api: str | None, seed: int | None, allow_insecure: bool | None, timeout: float,
               as_json: bool) -> None:
    """Fetch sampled blocks of CID and check each against its CID.

    From the IPFS node by default; with --service or --gateway, from an HTTP gateway by the
    trustless gateway protocol (nothing it says is believed: every block is hashed).
    """
    from modelgov.cid.text import parse_cid
    from modelgov.cli._common import fail, progress
    from modelgov.storage.ipfs import IPFSClient, verify_sample
    from modelgov.storage.pinning import verify_from_gateway

    if service and gateway:
        fail("give --service or --gateway, not both", 2)
    if api and (service or gateway):
        fail("--api names the node; --service/--gateway fetch from a gateway instead: give one", 2)
    parse_cid(cid)
    with progress("Checking blocks", None, unit="blocks") as advance:
        if service or gateway:
            report = verify_from_gateway(cid, service=service, gateway=gateway, samples=samples,
                                         everything=everything, timeout=timeout, seed=seed,
                                         allow_insecure=allow_insecure, on_block=lambda _n: advance(1))
        else:
            with IPFSClient(api, allow_insecure=allow_insecure) as client:
                report = verify_sample(cid, samples=samples, everything=everything, client=client,
                                       timeout=timeout, seed=seed, on_block=lambda _n: advance(1))
    if as_json:
        echo_json(report.as_dict())
        return
    where = f"the {report.source} at {report.url}"
    where += f" (service {report.service})" if report.service else ""
    leaves = "1 leaf" if report.leaves == 1 else f"{report.leaves} leaves"
    what = "every block" if report.complete else "sampled blocks"
    click.echo(f"ok  {report.cid}: {what} ({report.checked}, {report.bytes:,} bytes, {leaves}) from {where} "
               "match their CIDs")


@contextmanager
def replica_progress(total: int) -> Iterator[Callable[[Any], None]]:
    """A progress bar (stderr, terminals only) of pinned replicas; yields ``update(result)``."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("pinned", total=total)

        def update(result: Any) -> None:
            summary = " ".join(f"{n}:{s.status}" for n, s in result.statuses.items())
            bar.update(task, completed=min(total, len(result.pinned)),
                       description=escape(f"pinned ({summary})"))

        yield update
