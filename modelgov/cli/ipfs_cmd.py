"""``modelgov pin ipfs`` and ``modelgov fetch``: thin faces over :mod:`modelgov.storage.ipfs`."""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option, progress, threads_option
from modelgov.cli.cid_cmd import profile_option

api_option = click.option(
    "--api", default=None, metavar="URL",
    help="Kubo RPC endpoint (URL or multiaddr); default $MODELGOV_IPFS_API, else the local node.",
)
insecure_option = click.option(
    "--allow-insecure", is_flag=True, default=None,
    help="Allow plain HTTP to a non-loopback endpoint.",
)


@click.command("ipfs")
@click.argument("path", type=click.Path(path_type=str))
@api_option
@profile_option
@insecure_option
@click.option("--service", "services", multiple=True, metavar="NAME",
              help="Also ask this pinning service to pin it (repeatable; `modelgov pin service add`).")
@click.option("--replicas", type=click.IntRange(1), default=None,
              help="Services that must report pinned (default: every --service).")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the replicas.")
@click.option("--no-wait", is_flag=True, help="Return once the services accepted the request.")
@click.option("--skip-node", is_flag=True,
              help="Do not import into the IPFS node (the services fetch the CID elsewhere).")
@click.option("--name", "pin_name", metavar="TEXT", help="Pin name sent to the services.")
@click.option("--from-car", is_flag=True,
              help="PATH is a CARv1 file (e.g. from `pin prepare --car`): import it as it is.")
@click.option("--poll", type=float, default=2.0, show_default=True, hidden=True)
@threads_option
@json_option
def pin_ipfs(path: str, api: str | None, profile: str | None, allow_insecure: bool | None,
             services: tuple[str, ...], replicas: int | None, timeout: float, no_wait: bool,
             skip_node: bool, pin_name: str | None, from_car: bool, poll: float, threads: int | None,
             as_json: bool) -> None:
    """Pin a file or folder: stream its CAR to dag/import, pin, check the root CID.

    With --from-car, PATH is a CAR already written (`modelgov pin prepare DIR --car X.car`
    read the folder once for the manifest, the CAR and the Arweave roots): its bytes go to the
    node as they are, nothing is hashed again.

    With --service, then ask each pinning service to pin the CID (the node's addresses are sent
    as origins) and wait until --replicas of them report pinned, or --timeout.
    """
    from modelgov.cid.dag import tree_size
    from modelgov.storage.ipfs import IPFSClient, pin_path

    if skip_node and not services:
        from modelgov.cli._common import fail

        fail("--skip-node needs at least one --service", 2)
    node_result = None
    origins: list[str] = []
    if from_car and skip_node:
        from modelgov.cli._common import fail

        fail("--from-car imports into the node: it does not go with --skip-node", 2)
    if from_car:
        import os

        from modelgov.storage.ipfs import pin_car

        with (IPFSClient(api, allow_insecure=allow_insecure) as client,
              progress("pin", os.path.getsize(path) if os.path.isfile(path) else None) as advance):
            node_result = pin_car(path, client=client, on_bytes=advance)
            if services:
                origins = _origins(client)
        cid = node_result.cid
    elif skip_node:
        from modelgov.cid.dag import cid_of_path

        cid = cid_of_path(path, profile, threads=threads)
    else:
        from modelgov.pipeline import DigestCache

        cache = DigestCache()  # pass 1 (the root CID) skips files recorded unchanged
        with (IPFSClient(api, allow_insecure=allow_insecure) as client,
              progress("pin", tree_size(path)) as advance):
            node_result = pin_path(path, profile, client=client, on_bytes=advance, threads=threads,
                                   cache=cache)
            if services:
                origins = _origins(client)
        cache.save()
        cid = node_result.cid
    if node_result is not None and not services:  # without services the node pinned it (no --skip-node)
        if as_json:
            echo_json(node_result.as_dict())
        else:
            click.echo(node_result.cid)
        return

    from modelgov.cli.pinning_cmd import replica_progress
    from modelgov.storage.pinning import pin_to_services

    total = replicas or len(services)
    with replica_progress(total) as update:
        result = pin_to_services(cid, list(services), replicas=replicas, name=pin_name, origins=origins,
                                 wait=not no_wait, timeout=timeout, poll=poll, on_progress=update)
    if as_json:
        echo_json({"cid": cid, "node": node_result.as_dict() if node_result else None,
                   "services": result.as_dict()})
        return
    click.echo(cid)
    for name, st in result.statuses.items():
        click.echo(f"  {name:<16}{st.status:<9}{st.requestid}")
    for name, error in result.errors.items():
        if name not in result.statuses:
            click.echo(f"  {name:<16}error    {error}")


def _origins(client: object) -> list[str]:
    """The node's own addresses (sent as ``origins``), without loopback ones."""
    from modelgov.errors import ModelGovError

    try:
        addresses = client.id().get("Addresses") or []  # type: ignore[attr-defined]
    except (ModelGovError, ValueError, AttributeError):
        return []
    return [a for a in addresses if isinstance(a, str) and not a.startswith(("/ip4/127.", "/ip6/::1/"))][:10]


@click.command()
@click.argument("cid", required=False)
@click.option("-o", "--output", required=True, type=click.Path(path_type=str),
              help="Where the content goes (must not exist yet).")
@click.option("--model", default=None,
              help="Pull a model by name (or #id) instead of a CID: its active version, read on chain.")
@click.option("--alias", default=None, help="With --model: the version this alias points at (e.g. canary).")
@click.option("--version", "version_id", type=int, default=None, help="With --model: this version.")
@click.option("--network", default="local", envvar="MODELGOV_NETWORK", show_default=True,
              help="With --model: the Ape network whose registry names the version.")
@api_option
@insecure_option
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds the node may take.")
@threads_option
@json_option
def fetch(cid: str | None, output: str, model: str | None, alias: str | None, version_id: int | None,
          network: str, api: str | None, allow_insecure: bool | None, timeout: float,
          threads: int | None, as_json: bool) -> None:
    """Download CID's DAG (or --model's version), verify every block, and write it at OUTPUT.

    With --model the version comes from the registry (active, --alias or --version) and the
    fetched files are also checked against the manifest digest recorded on chain.
    """
    from modelgov.cid.text import parse_cid
    from modelgov.errors import ValidationError
    from modelgov.storage.ipfs import IPFSClient
    from modelgov.storage.ipfs import fetch as fetch_dag

    if (cid is None) == (model is None):
        raise ValidationError("give a CID or --model (not both)")
    if model is None and (alias or version_id is not None):
        raise ValidationError("--alias/--version go with --model")
    if model is not None:
        from modelgov.chain.client import ModelGov
        from modelgov.chain.pull import pull

        with (ModelGov(network) as gov,
              IPFSClient(api, allow_insecure=allow_insecure, timeout=timeout) as node,
              progress("fetch", None) as advance):
            pulled = pull(gov, model, output, alias=alias, version=version_id, threads=threads,
                          ipfs=node, on_bytes=advance)
        if as_json:
            echo_json(pulled.to_json())
        else:
            click.echo(f"{pulled.path}: version {pulled.version_id} of model #{pulled.model_id} "
                       f"({pulled.chosen_by}), {pulled.files} files, {pulled.bytes:,} bytes; blocks and "
                       f"manifest digest verified")
        return
    if cid is None:  # unreachable: checked above (kept for the type checker)
        raise ValidationError("give a CID or --model")
    parse_cid(cid)  # a malformed CID fails before any connection
    with IPFSClient(api, allow_insecure=allow_insecure) as client, progress("fetch", None) as advance:
        result = fetch_dag(cid, output, client=client, timeout=timeout, threads=threads, on_bytes=advance)
    if as_json:
        echo_json({"cid": result.cid, "path": str(result.path), "blocks": result.blocks,
                   "files": result.files, "bytes": result.bytes})
    else:
        click.echo(str(result.path))
