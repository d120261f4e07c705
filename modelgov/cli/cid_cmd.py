"""``modelgov cid`` and ``modelgov car``: a thin face over :mod:`modelgov.cid`.

Only click is imported at module level, so ``modelgov cid --help`` stays fast.
"""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option, progress

PROFILE_HELP = (
    "Import profile: unixfs-v1-2025 (default; CIDv1, raw leaves, 1 MiB, 1024 links), "
    "kubo-cidv1 (`ipfs add --cid-version=1`), unixfs-v0-2015 (`ipfs add`, CIDv0)."
)
profile_option = click.option("--profile", "-p", default=None, metavar="NAME", help=PROFILE_HELP)


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@profile_option
@click.option("--threads", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Hash leaves on this many threads (same CID).")
def cid(path: str, profile: str | None, threads: int) -> None:
    """Print the CID of a file or directory (what `ipfs add [-r]` prints for it)."""
    from modelgov.cid.dag import cid_of_path

    click.echo(cid_of_path(path, profile, threads=threads))


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="Where to write the CARv1.")
@profile_option
@json_option
def car(path: str, output: str, profile: str | None, as_json: bool) -> None:
    """Write a CARv1 of a file or directory; its root is the CID `modelgov cid` prints."""
    from modelgov.cid.car import write_car
    from modelgov.cid.dag import tree_size

    with progress("CAR", tree_size(path)) as advance:
        result = write_car(path, output, profile, on_bytes=advance)
    if as_json:
        echo_json({"cid": result.cid, "car": output, "blocks": result.blocks,
                   "size": sum(f.size for f in result.files)})
    else:
        click.echo(result.cid)
