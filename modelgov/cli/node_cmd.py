"""``modelgov node start|stop|status``: the embedded js-ipfs node."""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option


@click.group()
def node() -> None:
    """Start, stop or inspect the local IPFS node (js-ipfs, offline, 127.0.0.1)."""


def _show(state: object, as_json: bool) -> None:
    data = state.as_dict()  # type: ignore[attr-defined]
    if as_json:
        echo_json(data)
    elif data["ready"]:
        pid = f" (pid {data['pid']})" if data["pid"] else " (not started by modelgov)"
        click.echo(f"IPFS node ready at {data['url']}{pid}")
    elif data["running"]:
        click.echo(f"IPFS node running (pid {data['pid']}) but not answering at {data['url']}")
    else:
        click.echo(f"IPFS node not running ({data['url']})")


@node.command()
@json_option
def start(as_json: bool) -> None:
    """Start the node (first start initialises its repo) and wait until its API answers."""
    from modelgov.devnet import ipfs_node

    _show(ipfs_node.start(), as_json)


@node.command()
@json_option
def stop(as_json: bool) -> None:
    """Stop the node started by `modelgov node start` (by its PID)."""
    from modelgov.devnet import ipfs_node

    stopped = ipfs_node.stop()
    if as_json:
        echo_json({"stopped": stopped})
    else:
        click.echo("IPFS node stopped" if stopped else "IPFS node was not running")


@node.command()
@json_option
def status(as_json: bool) -> None:
    """Whether the node runs and answers."""
    from modelgov.devnet import ipfs_node

    _show(ipfs_node.status(), as_json)
