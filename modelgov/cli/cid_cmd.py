"""``modelgov cid`` and ``modelgov car``: a thin face over :mod:`modelgov.cid`.

Only click is imported at module level, so ``modelgov cid --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelgov.cli._common import echo_json, json_option, progress, threads_option

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.storage.filecoin import PieceInfo

PROFILE_HELP = (
    "Import profile: unixfs-v1-2025 (default; CIDv1, raw leaves, 1 MiB, 1024 links), "
    "kubo-cidv1 (`ipfs add --cid-version=1`), unixfs-v0-2015 (`ipfs add`, CIDv0)."
)
profile_option = click.option("--profile", "-p", default=None, metavar="NAME", help=PROFILE_HELP)


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@profile_option
@threads_option
def cid(path: str, profile: str | None, threads: int | None) -> None:
    """Print the CID of a file or directory (what `ipfs add [-r]` prints for it)."""
    from modelgov.cid.dag import build_path, tree_size

    with progress("cid", tree_size(path)) as advance:
        result = build_path(path, profile, on_bytes=advance, threads=threads)
    click.echo(result.cid)


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Where to write the CARv1 (optional with --piece).")
@profile_option
@click.option("--piece", is_flag=True,
              help="Also print the CAR's Filecoin piece CID (v1 baga…, padded size, FRC-0069 v2).")
@click.option("--from-car", is_flag=True,
              help="PATH is already a CAR file: only compute its piece CID (implies --piece).")
@threads_option
@json_option
def car(path: str, output: str | None, profile: str | None, piece: bool, from_car: bool,
        threads: int | None, as_json: bool) -> None:
    """Write a CARv1 of a file or directory; its root is the CID `modelgov car` prints.

    With --piece, also print the CAR's piece CID for a Filecoin storage deal (without -o the
    CAR is streamed into the hasher, never written).
    """
    import os

    from modelgov.cli._common import fail

    if from_car:
        from modelgov.storage.filecoin import piece_of_file

        size = os.path.getsize(path) if os.path.isfile(path) else None
        with progress("piece", size) as advance:
            info = piece_of_file(path, on_bytes=advance, threads=threads)
        _print_piece(None, output=None, blocks=None, size=None, info=info, as_json=as_json)
        return
    if output is None and not piece:
        fail("give -o/--output (where to write the CAR) or --piece", 2)

    from modelgov.cid.dag import tree_size

    total = tree_size(path)
    if output is None:
        from modelgov.storage.filecoin import piece_of_car

        with progress("piece", total) as advance:
            root, info = piece_of_car(path, profile, on_bytes=advance, threads=threads)
        _print_piece(root, output=None, blocks=None, size=total, info=info, as_json=as_json)
        return

    from modelgov.cid.car import write_car

    with progress("CAR", total) as advance:
        result = write_car(path, output, profile, on_bytes=advance, threads=threads)
    car_piece: PieceInfo | None = None
    if piece:
        from modelgov.storage.filecoin import piece_of_file

        with progress("piece", os.path.getsize(output)) as advance:
            car_piece = piece_of_file(output, on_bytes=advance, threads=threads)
    size = sum(f.size for f in result.files)
    if car_piece is not None:
        _print_piece(result.cid, output=output, blocks=result.blocks, size=size, info=car_piece,
                     as_json=as_json)
    elif as_json:
        echo_json({"cid": result.cid, "car": output, "blocks": result.blocks, "size": size})
    else:
        click.echo(result.cid)


def _print_piece(root: str | None, *, output: str | None, blocks: int | None, size: int | None,
                 info: PieceInfo, as_json: bool) -> None:
    if as_json:
        doc: dict[str, object] = {"piece": info.as_dict(), "car_size": info.payload_size}
        if root is not None:
            doc.update({"cid": root, "car": output, "blocks": blocks, "size": size})
        echo_json(doc)
        return
    rows = [("root", root)] if root is not None else []
    rows += [
        ("piece", info.cid_v1),
        ("padded-size", str(info.padded_size)),
        ("piece-v2", info.cid_v2),
        ("car-size", str(info.payload_size)),
    ]
    for name, value in rows:
        click.echo(f"{name:<12}{value}")
    if not info.deal_ready:
        click.echo("note: deal tools refuse payloads under 65 bytes", err=True)
