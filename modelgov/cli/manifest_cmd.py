"""``modelgov manifest build|verify|diff`` and ``modelgov card validate``."""

from __future__ import annotations

import click

from modelgov.cli._common import echo_json, json_option, progress, threads_option
from modelgov.cli.cid_cmd import profile_option


@click.group()
def manifest() -> None:
    """Build or verify a model manifest (files, sha256, CIDs, safetensors facts)."""


@manifest.command("build")
@click.argument("directory", type=click.Path(path_type=str))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="Where to write the manifest (canonical JSON).")
@profile_option
@click.option("--piece", is_flag=True,
              help="Add root.piece: the Filecoin piece CID of the folder's CAR (one more pass).")
@threads_option
@click.option("--no-cache", is_flag=True,
              help="Re-hash every file (default: reuse the digests of files whose size, mtime and "
                   "inode are those recorded by an earlier command).")
@json_option
def build_cmd(directory: str, output: str, profile: str | None, piece: bool, threads: int | None,
              no_cache: bool, as_json: bool) -> None:
    """Write DIRECTORY's manifest; print its root CID and manifest digest."""
    from modelgov import manifest as mf
    from modelgov.cid.dag import tree_size
    from modelgov.pipeline import DigestCache

    cache = DigestCache(reuse=not no_cache)
    passes = 2 if piece else 1  # the piece CID reads the folder again (its CAR, streamed)
    with progress("manifest", tree_size(directory) * passes) as advance:
        built = mf.build(directory, profile, on_bytes=advance, piece=piece, threads=threads, cache=cache)
    cache.save()
    digest = mf.write(built, output)
    if as_json:
        echo_json({"manifest": output, "digest": digest, "root": built["root"],
                   "files": len(built["files"]), "total_size": built["total_size"]})
    else:
        click.echo(f"root    {built['root']['cid']} ({built['root']['profile']})")
        if "piece" in built["root"]:
            click.echo(f"piece   {built['root']['piece']['cid']} "
                       f"(padded size {built['root']['piece']['padded_size']})")
        click.echo(f"digest  {digest}")


@manifest.command("verify")
@click.argument("directory", type=click.Path(path_type=str))
@click.argument("manifest_file", type=click.Path(path_type=str))
@threads_option
@json_option
def verify_cmd(directory: str, manifest_file: str, threads: int | None, as_json: bool) -> None:
    """Check DIRECTORY against MANIFEST_FILE; every mismatching file is named."""
    from modelgov import manifest as mf
    from modelgov.cid.dag import tree_size

    loaded = mf.load(manifest_file)
    with progress("verify", tree_size(directory)) as advance:
        report = mf.verify(directory, loaded, threads=threads, on_bytes=advance)
    if as_json:
        echo_json(report.as_dict())
    report.raise_for_mismatch(manifest_file)
    if not as_json:
        click.echo(f"ok  {report.root_cid}")


@manifest.command("diff")
@click.argument("old", type=click.Path(path_type=str))
@click.argument("new", type=click.Path(path_type=str))
@json_option
def diff_cmd(old: str, new: str, as_json: bool) -> None:
    """Files added, removed and changed between two manifests."""
    from modelgov import manifest as mf

    result = mf.diff(mf.load(old), mf.load(new)).as_dict()
    if as_json:
        echo_json(result)
        return
    for item in result["added"]:
        click.echo(f"+ {item['path']} ({item['size']} B)")
    for item in result["removed"]:
        click.echo(f"- {item['path']} ({item['size']} B)")
    for item in result["changed"]:
        click.echo(f"~ {item['path']} ({item['old_size']} B -> {item['new_size']} B)")


@click.group()
def card() -> None:
    """Model cards: models/<name>/README.md with Hugging Face YAML front matter."""


@card.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@json_option
def validate_cmd(paths: tuple[str, ...], as_json: bool) -> None:
    """Validate model cards (README.md files, model folders, or a folder of models)."""
    from modelgov import modelcard

    cards = [c for p in paths for c in modelcard.find_cards(p)]
    results = {str(c): modelcard.validate(c) for c in cards}  # raises on the first bad card
    if as_json:
        echo_json({"valid": sorted(results)})
    else:
        for name in results:
            click.echo(f"ok  {name}")
