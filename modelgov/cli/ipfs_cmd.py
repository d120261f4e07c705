"""``modelgov pin ipfs`` and ``modelgov fetch``: thin faces over :mod:`modelgov.storage.ipfs`."""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option, progress
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
@json_option
def pin_ipfs(path: str, api: str | None, profile: str | None, allow_insecure: bool | None, as_json: bool) -> None:
    """Pin a file or folder: stream its CAR to dag/import, pin, check the root CID."""
    from modelgov.cid.dag import tree_size
    from modelgov.storage.ipfs import IPFSClient, pin_path

    with IPFSClient(api, allow_insecure=allow_insecure) as client, progress("pin", tree_size(path)) as advance:
        result = pin_path(path, profile, client=client, on_bytes=advance)
    if as_json:
        echo_json(result.as_dict())
    else:
        click.echo(result.cid)


@click.command()
@click.argument("cid")
@click.option("-o", "--output", required=True, type=click.Path(path_type=str),
              help="Where the content goes (must not exist yet).")
@api_option
@insecure_option
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds the node may take.")
@json_option
def fetch(cid: str, output: str, api: str | None, allow_insecure: bool | None, timeout: float, as_json: bool) -> None:
    """Download CID's DAG, verify every block, and write it at OUTPUT."""
    from modelgov.cid.text import parse_cid
    from modelgov.storage.ipfs import IPFSClient
    from modelgov.storage.ipfs import fetch as fetch_dag

    parse_cid(cid)  # a malformed CID fails before any connection
    with IPFSClient(api, allow_insecure=allow_insecure) as client:
        result = fetch_dag(cid, output, client=client, timeout=timeout)
    if as_json:
        echo_json({"cid": result.cid, "path": str(result.path), "blocks": result.blocks,
                   "files": result.files, "bytes": result.bytes})
    else:
        click.echo(str(result.path))
