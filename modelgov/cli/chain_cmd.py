"""``modelgov chain start|stop|status`` and ``modelgov deploy``."""

from __future__ import annotations

import click

from modelgov.cli._chain import account_option, network_option
from modelgov.cli._common import echo_json, json_option


@click.group()
def chain() -> None:
    """The local anvil chain behind --network local (127.0.0.1:8545)."""


@chain.command("start")
@json_option
def chain_start(as_json: bool) -> None:
    """Start the local chain (idempotent); state persists across restarts."""
    from modelgov.devnet.anvil import start_chain

    st = start_chain()
    echo_json(st.as_dict()) if as_json else click.echo(f"anvil ready at {st.url} (pid {st.pid})")


@chain.command("stop")
def chain_stop() -> None:
    """Stop the local chain started by `modelgov chain start` (by its PID)."""
    from modelgov.devnet.anvil import stop_chain

    click.echo("anvil stopped" if stop_chain() else "anvil was not running")


@chain.command("status")
@json_option
def chain_status(as_json: bool) -> None:
    """Whether the local chain runs and answers."""
    from modelgov.devnet.anvil import chain_status as get_status

    st = get_status()
    if as_json:
        echo_json(st.as_dict())
    else:
        click.echo(f"anvil {'ready' if st.ready else 'not answering'} at {st.url} (pid {st.pid})")


@click.command()
@network_option
@account_option
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a deployment parameter (e.g. voting_period=600); repeatable.",
)
@click.option("--local-periods", is_flag=True, help="Use minutes instead of days (local chains).")
@json_option
def deploy(
    network: str, account: str | None, params: tuple[str, ...], local_periods: bool, as_json: bool
) -> None:
    """Deploy token, timelock, governor, registry and treasury; write deployments/<network>.json."""
    from modelgov.chain.deploy_flow import deploy_and_record, parse_param_overrides

    overrides = parse_param_overrides(params)
    result = deploy_and_record(network, account, overrides, local_periods=local_periods)
    if as_json:
        echo_json(result)
        return
    for name, address in result["contracts"].items():
        click.echo(f"{name:<9} {address}")
    click.echo(f"written {result['path']}")


@chain.command("warp")
@click.argument("seconds", type=click.IntRange(min=1))
def chain_warp(seconds: int) -> None:
    """Move the local chain's clock forward by SECONDS and mine a block (local chain only)."""
    from modelgov.devnet.anvil import warp

    click.echo(f"chain time is now {warp(seconds)}")
