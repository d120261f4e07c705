"""``modelgov pin prepare``: read a model folder once for every pin (a thin face over
:mod:`modelgov.pipeline`)."""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option, progress, threads_option
from modelgov.cli.cid_cmd import profile_option

no_cache_option = click.option(
    "--no-cache", is_flag=True,
    help="Re-hash every file (default: reuse the digests of files whose size, mtime and inode "
         "are those recorded in $MODELGOV_HOME/digest-cache.json).",
)


@click.command("prepare")
@click.argument("folder", type=click.Path(path_type=str))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Write the manifest (canonical JSON) here.")
@click.option("--car", type=click.Path(dir_okay=False, path_type=str),
              help="Write the CARv1 for `pin ipfs`/a Filecoin deal here (from the same read).")
@profile_option
@threads_option
@no_cache_option
@json_option
def pin_prepare(folder: str, output: str | None, car: str | None, profile: str | None,
                threads: int | None, no_cache: bool, as_json: bool) -> None:
    """Read FOLDER once: manifest digests, UnixFS DAG (and CAR), every file's Arweave data_root.

    The digests are recorded, so `pin ipfs` (its root CID) and `pin arweave` (data_root and
    proofs) do not hash unchanged files again.
    """
    from modelgov import manifest as mf
    from modelgov.cid.dag import tree_size
    from modelgov.pipeline import DigestCache, prepare

    cache = DigestCache(reuse=not no_cache)  # --no-cache: nothing reused, what is read recorded
    with progress("prepare", tree_size(folder)) as advance:
        result = prepare(folder, profile, car=car, threads=threads, on_bytes=advance, cache=cache)
    digest = mf.write(result.manifest, output) if output else mf.digest(result.manifest)
    roots = {path: tree.data_root_b64 for path, tree in result.arweave_trees().items()}
    if as_json:
        echo_json({"root": result.manifest["root"], "digest": digest, "manifest": output, "car": car,
                   "arweave": roots, "files": len(roots)})
        return
    click.echo(f"root      {result.manifest['root']['cid']} ({result.manifest['root']['profile']})")
    click.echo(f"digest    {digest}")
    if car:
        click.echo(f"car       {car}")
    for path, root in sorted(roots.items()):
        click.echo(f"arweave   {root}  {path}")
