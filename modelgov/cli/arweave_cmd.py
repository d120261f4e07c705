"""``modelgov arweave …`` and ``modelgov pin arweave``: a thin face over modelgov.storage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelgov.cli._common import echo_json, json_option, progress, threads_option

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.devnet.services import ServiceStatus

gateway_option = click.option(
    "--gateway",
    metavar="URL",
    help="Arweave gateway (default: $MODELGOV_ARWEAVE_GATEWAY, else the local arlocal).",
)
insecure_option = click.option(
    "--allow-insecure-http",
    is_flag=True,
    help="Allow a plain-HTTP gateway outside loopback.",
)


@click.group()
def arweave() -> None:
    """Arweave: data_root, the local arlocal node, wallets, verified downloads."""


@arweave.command("data-root")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@threads_option
def data_root(path: str, threads: int | None) -> None:
    """Print the transaction data_root (base64url) of PATH, as arweave-js computes it."""
    import os

    from modelgov.storage.arweave_merkle import tree_from_file

    size = os.path.getsize(path) if os.path.isfile(path) else None
    with progress("data_root", size) as advance:
        tree, _ = tree_from_file(path, advance, threads=threads)
    click.echo(tree.data_root_b64)


@arweave.group()
def node() -> None:
    """The embedded arlocal gateway (127.0.0.1:$MODELGOV_ARLOCAL_PORT, default 1984)."""


def _print_status(st: ServiceStatus, as_json: bool) -> None:
    if as_json:
        echo_json(st.as_dict())
        return
    state = "ready" if st.ready else ("running, not answering" if st.running else "stopped")
    pid = f" (pid {st.pid})" if st.pid else ""
    click.echo(f"arlocal {state} at {st.url}{pid}")


@node.command("start")
@json_option
def node_start(as_json: bool) -> None:
    """Start arlocal and wait until it answers."""
    from modelgov.devnet import arlocal

    _print_status(arlocal.start(), as_json)


@node.command("stop")
@json_option
def node_stop(as_json: bool) -> None:
    """Stop the arlocal this state folder started (by its PID)."""
    from modelgov.devnet import arlocal

    stopped = arlocal.stop()
    if as_json:
        echo_json({"name": "arlocal", "stopped": stopped})
    else:
        click.echo("arlocal stopped" if stopped else "arlocal was not running")


@node.command("status")
@json_option
def node_status(as_json: bool) -> None:
    """Say whether arlocal runs and answers."""
    from modelgov.devnet import arlocal

    _print_status(arlocal.status(), as_json)


@arweave.group()
def wallet() -> None:
    """Arweave wallets (RSA JWK files)."""


@wallet.command("new")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(path_type=str),
    help="JWK file to create (mode 0600).",
)
@json_option
def wallet_new(output: str, as_json: bool) -> None:
    """Generate an RSA-4096 wallet (takes a few seconds). Prints its address only."""
    from modelgov.storage.arweave_wallet import new_wallet

    w = new_wallet(output)
    if as_json:
        echo_json({"address": w.address, "path": output})
    else:
        click.echo(f"{w.address}  (wallet written to {output}, mode 0600)")


# an Arweave id is base64url and may begin with "-": it must not be read as an option
@arweave.command("fetch", context_settings={"ignore_unknown_options": True})
@click.argument("txid")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(path_type=str), help="File to write."
)
@click.option("--sha256", "sha256", metavar="HEX", help="Also require this sha256 (e.g. from the manifest).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@gateway_option
@insecure_option
@threads_option
@json_option
def fetch_cmd(
    txid: str, output: str, sha256: str | None, force: bool, gateway: str | None,
    allow_insecure_http: bool, threads: int | None, as_json: bool,
) -> None:
    """Download TXID and keep it only if it matches its signed data_root (and --sha256)."""
    from modelgov.storage.arweave import fetch, resolve_gateway

    gw = resolve_gateway(gateway, allow_insecure_http)
    with progress("Downloading", None) as advance:
        result = fetch(txid, output, gw, sha256=sha256, force=force, progress=advance, threads=threads)
    if as_json:
        echo_json(result.as_dict())
    else:
        click.echo(f"{result.path}: {result.data_size} bytes, data_root {result.data_root} verified")


# an Arweave id is base64url and may begin with "-": it must not be read as an option
@arweave.command("fetch-bundle", context_settings={"ignore_unknown_options": True})
@click.argument("txid")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=str),
              help="Folder to create (must not exist).")
@gateway_option
@insecure_option
@json_option
def fetch_bundle_cmd(txid: str, output: str, gateway: str | None, allow_insecure_http: bool,
                     as_json: bool) -> None:
    """Download bundle TXID, verify every data item, and rebuild the model folder at OUTPUT.

    The folder appears only if its IPFS CID and manifest digest match the bundle's.
    """
    from modelgov.storage.arweave import resolve_gateway
    from modelgov.storage.bundles import fetch_bundle

    result = fetch_bundle(txid, output, resolve_gateway(gateway, allow_insecure_http))
    if as_json:
        echo_json(result.as_dict())
    else:
        click.echo(f"{result.path}: {len(result.files)} files, CID {result.ipfs_cid}, "
                   f"digest {result.manifest_digest} verified")


def _parse_tags(values: tuple[str, ...]) -> list[tuple[str, str]]:
    from modelgov.errors import ValidationError

    tags = []
    for raw in values:
        name, sep, value = raw.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"--tag must look like NAME=VALUE, not {raw!r}")
        tags.append((name.strip(), value))
    return tags


@click.command("arweave")
@click.argument("path", type=click.Path(path_type=str))
@click.option(
    "--wallet", "wallet_path", required=True, type=click.Path(path_type=str), help="JWK wallet file."
)
@gateway_option
@insecure_option
@click.option("--bundle", is_flag=True,
              help="PATH is a model folder: every file as a signed ANS-104 data item, plus an Arweave "
                   "path manifest, in one bundle transaction.")
@click.option("--signer", type=click.Choice(["arweave", "eth"]), default="arweave", show_default=True,
              help="Who signs the bundle's data items: the Arweave --wallet (type 1) or an Ethereum "
                   "--key-file (type 3, as arbundles' EthereumSigner). The wallet still signs and pays "
                   "for the bundle transaction.")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=str),
              help="With --signer eth: a raw hex private key or an encrypted JSON keystore.")
@click.option("--password-file", type=click.Path(dir_okay=False, path_type=str),
              help="Password of an encrypted --key-file.")
@click.option("--tag", "tags", multiple=True, metavar="NAME=VALUE", help="Extra tag (repeatable).")
@click.option("--content-type", default="application/octet-stream", show_default=True)
@click.option("--model", help="Model name (tag Model).")
@click.option("--version", "version", help="Model version (tag Version).")
@click.option("--ipfs-cid", help="CID of the same bytes on IPFS (tag IPFS-CID).")
@click.option("--manifest-digest", metavar="HEX", help="Digest of the model manifest (tag Manifest-Digest).")
@click.option("--no-mint", is_flag=True, help="Local mode: do not mint test AR for the wallet.")
@click.option("--no-wait", is_flag=True, help="Do not wait for the transaction to be in a block.")
@click.option("--timeout", type=float, help="Seconds to wait for confirmation (10 local, 1800 remote).")
@threads_option
@json_option
def pin_arweave(
    path: str, wallet_path: str, gateway: str | None, allow_insecure_http: bool, bundle: bool,
    signer: str, key_file: str | None, password_file: str | None, tags: tuple[str, ...],
    content_type: str, model: str | None, version: str | None,
    ipfs_cid: str | None, manifest_digest: str | None, no_mint: bool, no_wait: bool,
    timeout: float | None, threads: int | None, as_json: bool,
) -> None:
    """Upload PATH to Arweave in chunks (resumable: re-run after an interruption).

    With --bundle, PATH is a model folder uploaded as one ANS-104 bundle; each file is then
    reachable as <gateway>/<manifest id>/<path>. IPFS-CID and Manifest-Digest are computed.
    With --signer eth --key-file F, a DAO member's Ethereum key signs every data item.
    """
    import os

    from modelgov.cli._common import fail
    from modelgov.storage.arweave import model_tags, resolve_gateway, upload_file
    from modelgov.storage.arweave_wallet import load_wallet

    if os.path.isdir(path) and not bundle:
        fail(f"{path} is a folder: give --bundle to upload it as one ANS-104 bundle", 2)
    if bundle and (tags or ipfs_cid or manifest_digest or content_type != "application/octet-stream"):
        fail("--bundle computes its own tags (Content-Type per file, IPFS-CID, Manifest-Digest); "
             "drop --tag/--content-type/--ipfs-cid/--manifest-digest", 2)
    if signer == "eth" and not (bundle and key_file):
        fail("--signer eth signs the data items of a bundle: give --bundle and --key-file", 2)
    if signer != "eth" and (key_file or password_file):
        fail("--key-file/--password-file go with --signer eth", 2)
    gw = resolve_gateway(gateway, allow_insecure_http)
    w = load_wallet(wallet_path)
    if bundle:
        from modelgov.storage.bundles import upload_bundle

        item_signer = None
        if signer == "eth" and key_file:
            from modelgov.storage.eth_signer import load_eth_signer

            item_signer = load_eth_signer(key_file, password_file)
        with progress("Bundling and uploading", None) as advance:
            up = upload_bundle(path, w, gw, signer=item_signer, model=model, version=version,
                               mint=False if no_mint else None, wait=not no_wait,
                               confirm_timeout=timeout, on_bytes=advance)
        if as_json:
            echo_json(up.as_dict())
            return
        state = "confirmed" if up.confirmed else "uploaded, not yet confirmed"
        click.echo(f"bundle    {up.bundle_txid}  ({up.bundle_size} bytes, {len(up.items)} files, {state})")
        click.echo(f"manifest  {up.manifest_id}  ({gw.url}/{up.manifest_id}/<path>)")
        click.echo(f"ipfs-cid  {up.ipfs_cid}")
        click.echo(f"digest    {up.manifest_digest}")
        click.echo(f"items by  {up.signer}  ({up.signature_type})")
        return
    all_tags = model_tags(
        content_type, model, version, ipfs_cid, manifest_digest, extra=_parse_tags(tags)
    )
    from modelgov.pipeline import DigestCache

    size = os.path.getsize(path) if os.path.isfile(path) else None
    with progress("Uploading", size) as advance:
        result = upload_file(
            path, w, gw, all_tags, mint=False if no_mint else None, wait=not no_wait,
            confirm_timeout=timeout, progress=advance, threads=threads, cache=DigestCache(),
        )
    if as_json:
        echo_json(result.as_dict())
        return
    if result.already_done:
        click.echo(f"{result.txid}  (already uploaded and confirmed; nothing to do)")
    else:
        state = "confirmed" if result.confirmed else "uploaded, not yet confirmed"
        click.echo(
            f"{result.txid}  ({result.data_size} bytes, {result.chunks} chunks, "
            f"{result.chunks_sent} sent now, {state})"
        )
