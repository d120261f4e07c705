"""Model artifacts on Arweave: gateway client, signed upload in chunks, resumable, verified fetch.

- Gateway: the embedded arlocal (``http://127.0.0.1:$MODELGOV_ARLOCAL_PORT``, default 1984)
  unless ``--gateway``/``$MODELGOV_ARWEAVE_GATEWAY`` names one. Every request goes to that URL
  only: no proxies from the environment, redirects followed only within the gateway's host.
  Plain-HTTP gateways outside loopback are refused unless explicitly allowed.
- Upload: data_root and proofs from :mod:`modelgov.storage.arweave_merkle`, a format-2
  transaction signed by :mod:`modelgov.storage.arweave_wallet`, the header posted without data,
  then every chunk through ``POST /chunk``. State is kept beside the file, hidden
  (``.<file>.arweave-upload.json``, so a folder's CID and manifest do not change): a re-run
  continues with the chunks not yet accepted, and does nothing once the upload is confirmed.
  Against arlocal ("local mode") test AR is minted when the wallet is short and a block is mined
  so that the transaction confirms.
- Fetch: the header is checked (id = sha256(signature), signature valid over the deep hash),
  the data is streamed to a temporary file and kept only if it matches the header's data_root
  (and the sha256 given).

The arweave-python-client package is not used here: it computes wrong data_roots for data
>= 256 KiB and sends requests to https://arweave.net from several code paths.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import httpx

from modelgov.devnet import arlocal
from modelgov.endpoints import INSECURE_ENV, check_transport, insecure_allowed, is_loopback
from modelgov.errors import (
    ArweaveError,
    ConfigError,
    IntegrityError,
    NodeUnreachableError,
    PathError,
    StorageError,
    ValidationError,
)
from modelgov.storage.arweave_merkle import (
    ChunkTree,
    b64url_decode,
    b64url_encode,
    tree_from_file,
)
from modelgov.storage.arweave_wallet import Wallet, deep_hash, verify

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.pipeline import DigestCache

GATEWAY_ENV = "MODELGOV_ARWEAVE_GATEWAY"
STATE_SUFFIX = ".arweave-upload.json"
STATE_VERSION = 1
APP_NAME = "modelgov"
Progress = Callable[[int], None]


# --- gateway ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Gateway:
    """A checked gateway URL. ``embedded`` is True for the default (the local arlocal)."""

    url: str
    embedded: bool

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def resolve_gateway(gateway: str | None = None, allow_insecure_http: bool = False) -> Gateway:
    """The gateway to use: ``gateway``, else ``$MODELGOV_ARWEAVE_GATEWAY``, else local arlocal.

    Raises:
        ConfigError: not an http(s) URL.
        InsecureEndpointError: plain HTTP to a host outside loopback, not explicitly allowed
            (``allow_insecure_http`` or ``MODELGOV_ALLOW_INSECURE_HTTP=1``).
    """
    named = gateway or os.environ.get(GATEWAY_ENV) or None
    if not named:
        return Gateway(arlocal.default_url(), embedded=True)
    url = named.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"gateway must be an http(s) URL, not {named!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"gateway URL must not carry credentials, a query or a fragment: {named!r}")
    check_transport(parts.scheme, parts.hostname, f"gateway {url}",
                    allowed=insecure_allowed(allow_insecure_http),
                    how=f"--allow-insecure-http or {INSECURE_ENV}=1")
    return Gateway(url, embedded=False)


def _short(text: str, limit: int = 160) -> str:
    return " ".join(text.split())[:limit] or "(empty body)"


class ArweaveClient:
    """A small HTTP client for one gateway (httpx; no environment proxies).

    ``transport`` lets tests put a fault injector between us and the gateway.
    """

    def __init__(
        self,
        gateway: Gateway,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        retry_delays: Sequence[float] = (0.2, 0.8, 2.0),
    ) -> None:
        self.gateway = gateway
        self.retry_delays = tuple(retry_delays)
        self._http = httpx.Client(
            base_url=gateway.url,
            timeout=httpx.Timeout(timeout, connect=5.0),
            trust_env=False,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": "modelgov"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArweaveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # low level
    def request(self, method: str, path: str, *, retry: bool = True, **kwargs: Any) -> httpx.Response:
        """One request, retried on connection errors, 429 and 5xx.

        Raises:
            NodeUnreachableError: the gateway does not answer (after retries).
        """
        delays = self.retry_delays if retry else ()
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if attempt < len(delays):
                    time.sleep(delays[attempt])
                    attempt += 1
                    continue
                raise NodeUnreachableError(
                    f"Arweave gateway {self.gateway.url} does not answer ({type(exc).__name__})"
                    + (
                        "; start the embedded one with `modelgov arweave node start`"
                        if self.gateway.embedded
                        else ""
                    )
                ) from None
            if (response.status_code == 429 or response.status_code >= 500) and attempt < len(delays):
                time.sleep(delays[attempt])
                attempt += 1
                continue
            return response

    def _get_text(self, path: str, what: str) -> str:
        response = self.request("GET", path)
        if response.status_code != 200:
            raise ArweaveError(
                f"gateway {self.gateway.url} refused {what}: HTTP {response.status_code} "
                f"{_short(response.text)}"
            )
        return response.text

    # API
    def info(self) -> dict[str, Any]:
        text = self._get_text("/info", "/info")
        try:
            return cast(dict[str, Any], json.loads(text))
        except json.JSONDecodeError:
            raise ArweaveError(
                f"{self.gateway.url}/info is not JSON; is it an Arweave gateway?"
            ) from None

    def is_arlocal(self) -> bool:
        """True for a loopback arlocal (local mode: mint and mine are available)."""
        return self.gateway.loopback and str(self.info().get("network", "")).startswith("arlocal")

    def price(self, size: int) -> int:
        return _int(self._get_text(f"/price/{size}", "a price"), "price")

    def balance(self, address: str) -> int:
        return _int(self._get_text(f"/wallet/{address}/balance", "a balance"), "balance")

    def anchor(self) -> str:
        return self._get_text("/tx_anchor", "an anchor").strip()

    def mint(self, address: str, winston: int) -> None:
        self._get_text(f"/mint/{address}/{winston}", "minting")

    def mine(self) -> None:
        self._get_text("/mine", "mining")

    def post_tx(self, tx: dict[str, Any]) -> httpx.Response:
        return self.request("POST", "/tx", json=tx)

    def post_chunk(self, body: dict[str, Any]) -> httpx.Response:
        return self.request("POST", "/chunk", json=body)

    def tx_status(self, txid: str) -> tuple[int, Any]:
        """``(http status, JSON body or text)`` of ``GET /tx/<id>/status``."""
        response = self.request("GET", f"/tx/{txid}/status")
        try:
            return response.status_code, response.json()
        except (json.JSONDecodeError, ValueError):
            return response.status_code, response.text.strip()

    def tx_header(self, txid: str) -> dict[str, Any]:
        response = self.request("GET", f"/tx/{txid}")
        if response.status_code == 404:
            raise ArweaveError(f"transaction {txid} is not known to {self.gateway.url}")
        if response.status_code == 202:
            raise ArweaveError(f"transaction {txid} is still pending on {self.gateway.url}")
        if response.status_code != 200:
            raise ArweaveError(
                f"gateway refused transaction {txid}: HTTP {response.status_code} "
                f"{_short(response.text)}"
            )
        try:
            header = response.json()
        except (json.JSONDecodeError, ValueError):
            raise ArweaveError(
                f"transaction {txid}: header is not JSON ({_short(response.text)})"
            ) from None
        if not isinstance(header, dict):
            raise ArweaveError(f"transaction {txid}: header is not a JSON object")
        return header

    @contextmanager
    def stream_data(self, txid: str) -> Iterator[httpx.Response]:
        """Stream ``GET /<txid>``; redirects are followed only within the gateway's host."""
        url: str = f"{self.gateway.url}/{txid}"
        for _ in range(5):
            try:
                with self._http.stream("GET", url) as response:
                    if response.is_redirect:
                        target = response.next_request.url if response.next_request else None
                        if target is None or not _same_site(self.gateway, str(target)):
                            raise ArweaveError(
                                f"gateway redirected the download of {txid} outside "
                                f"{self.gateway.host}; refusing"
                            )
                        url = str(target)
                        continue
                    if response.status_code != 200:
                        response.read()
                        raise ArweaveError(
                            f"gateway refused the data of {txid}: HTTP {response.status_code} "
                            f"{_short(response.text)}"
                        )
                    yield response
                    return
            except httpx.TransportError as exc:
                raise NodeUnreachableError(
                    f"download of {txid} from {self.gateway.url} failed ({type(exc).__name__})"
                ) from None
        raise ArweaveError(f"too many redirects downloading {txid}")


def _same_site(gateway: Gateway, url: str) -> bool:
    parts = urlsplit(url)
    base = urlsplit(gateway.url)
    host = parts.hostname or ""
    return parts.scheme == base.scheme and (
        host == gateway.host or host.endswith("." + gateway.host)
    )


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ArweaveError(f"gateway sent a non-numeric {what}: {_short(text, 40)}") from None


# --- transactions ----------------------------------------------------------------------------
def _validate_tags(tags: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, value in tags:
        if not name or not value:
            raise ValidationError(f"tag {name!r}={value!r}: names and values must not be empty")
        out.append((str(name), str(value)))
    size = sum(len(n.encode()) + len(v.encode()) for n, v in out)
    if size > 2048:
        raise ValidationError(f"tags take {size} bytes; Arweave allows 2048")
    return out


def model_tags(
    content_type: str = "application/octet-stream",
    model: str | None = None,
    version: str | None = None,
    ipfs_cid: str | None = None,
    manifest_digest: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """The tags modelgov puts on an artifact (``App-Name: modelgov`` always)."""
    tags = [("Content-Type", content_type), ("App-Name", APP_NAME)]
    for name, value in (
        ("Model", model),
        ("Version", version),
        ("IPFS-CID", ipfs_cid),
        ("Manifest-Digest", manifest_digest),
    ):
        if value:
            tags.append((name, value))
    tags.extend(extra)
    return _validate_tags(tags)


def _signature_data(tx: dict[str, Any]) -> bytes:
    return deep_hash(
        [
            str(tx["format"]).encode(),
            b64url_decode(tx["owner"]),
            b64url_decode(tx.get("target") or ""),
            str(tx.get("quantity") or "0").encode(),
            str(tx["reward"]).encode(),
            b64url_decode(tx.get("last_tx") or ""),
            [[b64url_decode(t["name"]), b64url_decode(t["value"])] for t in tx.get("tags") or []],
            str(tx["data_size"]).encode(),
            b64url_decode(tx.get("data_root") or ""),
        ]
    )


def build_transaction(
    wallet: Wallet, tree: ChunkTree, tags: Sequence[tuple[str, str]], anchor: str, reward: int
) -> dict[str, Any]:
    """A signed format-2 data transaction (JSON form, without data: chunks go to /chunk)."""
    tx: dict[str, Any] = {
        "format": 2,
        "id": "",
        "last_tx": anchor,
        "owner": wallet.owner,
        "tags": [
            {"name": b64url_encode(n.encode()), "value": b64url_encode(v.encode())} for n, v in tags
        ],
        "target": "",
        "quantity": "0",
        "data": "",
        "data_size": str(tree.data_size),
        "data_root": tree.data_root_b64 if tree.data_size else "",
        "reward": str(reward),
        "signature": "",
    }
    signature = wallet.sign(_signature_data(tx))
    tx["signature"] = b64url_encode(signature)
    tx["id"] = b64url_encode(hashlib.sha256(signature).digest())
    return tx


def verify_header(txid: str, header: dict[str, Any]) -> None:
    """Check a format-2 header really is transaction ``txid``, signed by its owner.

    Raises:
        IntegrityError: the id or the signature does not match.
    """
    try:
        signature = b64url_decode(header["signature"])
        if int(header.get("format") or 0) != 2:
            raise IntegrityError(f"transaction {txid} is not format 2; cannot check its data_root")
        if b64url_encode(hashlib.sha256(signature).digest()) != txid:
            raise IntegrityError(f"the gateway's header is not transaction {txid} (id mismatch)")
        if not verify(header["owner"], _signature_data(header), signature):
            raise IntegrityError(f"the signature of transaction {txid} does not verify")
    except (KeyError, TypeError, ValidationError) as exc:
        raise IntegrityError(f"the header of transaction {txid} is malformed ({exc})") from None


def decode_tags(header: dict[str, Any]) -> dict[str, str]:
    out = {}
    for tag in header.get("tags") or []:
        try:
            out[b64url_decode(tag["name"]).decode()] = b64url_decode(tag["value"]).decode()
        except (KeyError, UnicodeDecodeError, ValidationError):
            continue
    return out


# --- upload state ----------------------------------------------------------------------------
def state_path(path: Path) -> Path:
    """The upload record of ``path``: a hidden file beside it, ``.<name>.arweave-upload.json``.

    Hidden, so that a model folder keeps its CID and manifest after its weights were pinned
    (``ipfs add -r`` without ``--hidden``, and so :mod:`modelgov.cid`, skips dot-files).
    """
    return path.with_name("." + path.name + STATE_SUFFIX)


def _load_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return {"version": STATE_VERSION, "uploads": {}}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise StorageError(f"upload state {path} is corrupt; move it away to start over") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise StorageError(f"upload state {path} has an unknown format; move it away to start over")
    state.setdefault("uploads", {})
    return state


def _save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PathError(f"cannot write the upload state {path}: {exc.strerror}") from None


def _add_done(ranges: list[list[int]], index: int) -> None:
    """Record chunk ``index`` in a sorted list of ``[first, last]`` ranges."""
    if ranges and ranges[-1][1] + 1 == index:
        ranges[-1][1] = index
    elif not any(a <= index <= b for a, b in ranges):
        ranges.append([index, index])
        ranges.sort()


def _done_set(ranges: list[list[int]]) -> set[int]:
    return {i for a, b in ranges for i in range(a, b + 1)}


@dataclass
class UploadResult:
    txid: str
    data_root: str
    data_size: int
    chunks: int
    chunks_sent: int
    gateway: str
    confirmed: bool
    already_done: bool
    tags: dict[str, str] = field(default_factory=dict)
    state_file: str = ""
    minted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def upload_file(
    path: str | os.PathLike[str],
    wallet: Wallet,
    gateway: Gateway,
    tags: Sequence[tuple[str, str]],
    *,
    mint: bool | None = None,
    wait: bool = True,
    confirm_timeout: float | None = None,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    retry_delays: Sequence[float] = (0.2, 0.8, 2.0),
    threads: int | None = None,
    cache: DigestCache | None = None,
) -> UploadResult:
    """Upload one file as one Arweave transaction, resuming a previous attempt if any.

    Args:
        mint: mint test AR when the wallet is short (default: only in local mode, i.e. against
            a loopback arlocal). Ignored elsewhere.
        wait: wait for the transaction to be in a block (in local mode: mine one).
        confirm_timeout: seconds to wait for confirmation (default 10 s local, 30 min remote).
        progress: called with bytes, for the whole file (already accepted chunks at once).
        threads: hash the chunks (data_root) on that many threads (None: every core; see
            :func:`modelgov.threads.resolve_threads`).
        cache: a :class:`modelgov.pipeline.DigestCache`: the chunk tree recorded for the file
            (``modelgov pin prepare``) is reused while the file provably has not changed.

    Raises:
        PathError, ValidationError: bad file or tags.
        NodeUnreachableError: the gateway does not answer.
        ArweaveError: unfunded wallet, rejected transaction or chunk.
        StorageError: not confirmed in time (the upload itself is complete; re-run to wait).
    """
    path = Path(path)
    tags = _validate_tags(tags)
    if not path.is_file():
        raise PathError(f"{path} does not exist or is not a file")
    spath = state_path(path)
    state = _load_state(spath)
    tree = cache.arweave_tree(path) if cache is not None else None
    if tree is None:
        tree, _ = tree_from_file(path, threads=threads)
    if tree.data_size == 0:
        raise ValidationError(f"{path} is empty: nothing to upload")
    entry = state["uploads"].get(gateway.url)
    if entry and (entry.get("data_root"), entry.get("data_size")) != (
        tree.data_root_b64,
        tree.data_size,
    ):
        entry = None  # the file changed since: that upload cannot be finished
    if entry and entry.get("confirmed"):
        if progress:
            progress(tree.data_size)
        return _result(entry, gateway, tree, spath, chunks_sent=0, already_done=True)

    with ArweaveClient(gateway, transport=transport, retry_delays=retry_delays) as client:
        local = client.is_arlocal() if gateway.loopback else False
        minted = 0
        same_tags = entry and [list(t) for t in entry["tags"]] == [list(t) for t in tags]
        if entry and entry.get("tx_posted") and not same_tags:
            raise ValidationError(
                f"an upload of {path.name} with other tags is in progress (tx {entry['tx']['id']}); "
                f"re-run it with the same tags, or remove {spath} to start over"
            )
        if entry and not entry.get("tx_posted"):
            # signed but maybe not received: ask before building another (no double payment)
            code, _ = client.tx_status(entry["tx"]["id"])
            if code in (200, 202):
                entry["tx_posted"] = True
            else:
                entry = None
        if entry is None:
            anchor = client.anchor()
            reward = client.price(tree.data_size)
            balance = client.balance(wallet.address)
            if balance < reward:
                if local and mint is not False:
                    minted = max(reward * 2, 10**12)
                    client.mint(wallet.address, minted)
                else:
                    raise ArweaveError(
                        f"wallet {wallet.address} holds {balance} winston but this upload costs "
                        f"{reward} winston; fund the wallet first"
                    )
            tx = build_transaction(wallet, tree, tags, anchor, reward)
            entry = {
                "data_root": tree.data_root_b64,
                "data_size": tree.data_size,
                "tags": [list(t) for t in tags],
                "tx": tx,
                "tx_posted": False,
                "chunks_done": [],
                "confirmed": False,
            }
            state["uploads"][gateway.url] = entry
            _save_state(spath, state)
            _post_header(client, tx)
            entry["tx_posted"] = True
            _save_state(spath, state)

        sent = _post_chunks(client, path, tree, entry, state, spath, progress)

        if wait:
            timeout = confirm_timeout if confirm_timeout is not None else (10.0 if local else 1800.0)
            block = _wait_confirmed(client, entry["tx"]["id"], local, timeout)
            entry["confirmed"] = True
            entry["block"] = block
            _save_state(spath, state)
        result = _result(entry, gateway, tree, spath, chunks_sent=sent, already_done=False)
        result.minted = minted
        return result


def _result(
    entry: dict[str, Any],
    gateway: Gateway,
    tree: ChunkTree,
    spath: Path,
    chunks_sent: int,
    already_done: bool,
) -> UploadResult:
    return UploadResult(
        txid=entry["tx"]["id"],
        data_root=entry["data_root"],
        data_size=entry["data_size"],
        chunks=tree.chunk_count,
        chunks_sent=chunks_sent,
        gateway=gateway.url,
        confirmed=bool(entry.get("confirmed")),
        already_done=already_done,
        tags={k: v for k, v in entry["tags"]},
        state_file=str(spath),
    )


def _post_header(client: ArweaveClient, tx: dict[str, Any]) -> None:
    response = client.post_tx(tx)
    if response.status_code in (200, 202, 208):
        return
    if response.status_code in (402, 410):
        raise ArweaveError(
            f"gateway refused transaction {tx['id']}: wallet is not funded enough "
            f"({_short(response.text)})"
        )
    code, _ = client.tx_status(tx["id"])
    if code in (200, 202):  # it got there after all (e.g. a retried post)
        return
    raise ArweaveError(
        f"gateway rejected transaction {tx['id']}: HTTP {response.status_code} {_short(response.text)}"
    )


def _post_chunks(
    client: ArweaveClient,
    path: Path,
    tree: ChunkTree,
    entry: dict[str, Any],
    state: dict[str, Any],
    spath: Path,
    progress: Progress | None,
) -> int:
    done = _done_set(entry["chunks_done"])
    total = tree.chunk_count
    if progress:
        already = sum(tree.chunk(i).size for i in done if i < total)
        if already:
            progress(already)
    sent = 0
    data_root = tree.data_root_b64
    try:
        f = open(path, "rb")  # noqa: SIM115 (only open's own errors become PathError; `with f` below)
    except OSError as exc:
        raise PathError(f"cannot read {path}: {exc.strerror}") from None
    with f:
        for chunk in tree.chunks():
            if chunk.index in done:
                continue
            f.seek(chunk.start)
            data = f.read(chunk.size)
            if len(data) != chunk.size or hashlib.sha256(data).digest() != tree.chunk_hash(chunk.index):
                raise IntegrityError(
                    f"{path} changed since its data_root was computed (chunk {chunk.index + 1}); "
                    f"re-run to start a fresh upload"
                )
            body = {
                "data_root": data_root,
                "data_size": str(tree.data_size),
                "data_path": b64url_encode(chunk.data_path),
                "offset": str(chunk.offset),
                "chunk": b64url_encode(data),
            }
            try:
                response = client.post_chunk(body)
            except NodeUnreachableError as exc:
                raise NodeUnreachableError(
                    f"{exc}; {len(done)}/{total} chunks accepted so far, re-run to resume"
                ) from None
            if response.status_code not in (200, 208):
                raise ArweaveError(
                    f"gateway rejected chunk {chunk.index + 1}/{total} of tx {entry['tx']['id']}: "
                    f"HTTP {response.status_code} {_short(response.text)}; {len(done)}/{total} "
                    f"chunks accepted, re-run to resume"
                )
            done.add(chunk.index)
            _add_done(entry["chunks_done"], chunk.index)
            _save_state(spath, state)
            sent += 1
            if progress:
                progress(chunk.size)
    return sent


def _wait_confirmed(client: ArweaveClient, txid: str, local: bool, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.1 if local else 5.0
    while True:
        if local:
            client.mine()
        code, body = client.tx_status(txid)
        if code == 200 and isinstance(body, dict) and body.get("block_indep_hash"):
            return {
                "height": body.get("block_height"),
                "indep_hash": body.get("block_indep_hash"),
            }
        if code not in (200, 202, 404):
            raise ArweaveError(f"status of {txid}: HTTP {code} {_short(str(body))}")
        if time.monotonic() + delay > deadline:
            raise StorageError(
                f"transaction {txid} is uploaded but not confirmed after {timeout:.0f} s; "
                f"re-run the same command to keep waiting"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0 if local else 30.0)


# --- fetch -----------------------------------------------------------------------------------
@dataclass
class FetchResult:
    txid: str
    path: str
    data_size: int
    data_root: str
    sha256: str
    tags: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _check_txid(txid: str) -> str:
    txid = txid.strip()
    if len(txid) != 43 or any(c not in _B64URL for c in txid):
        raise ValidationError(f"not an Arweave transaction id: {txid!r} (43 base64url characters)")
    return txid


_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def fetch(
    txid: str,
    out: str | os.PathLike[str],
    gateway: Gateway,
    *,
    sha256: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    threads: int | None = None,
) -> FetchResult:
    """Download transaction ``txid`` to ``out``, verified; ``out`` is written only if it verifies.

    ``threads`` hash the downloaded chunks for the data_root check (None: every core).

    Raises:
        ValidationError: bad txid or sha256.
        PathError: ``out`` exists (without ``force``) or cannot be written.
        IntegrityError: header, data_root, size or sha256 mismatch (nothing written).
        ArweaveError, NodeUnreachableError: gateway errors.
    """
    txid = _check_txid(txid)
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationError(f"--sha256 must be 64 hex digits, not {sha256!r}")
    out = Path(out)
    if out.exists() and not force:
        raise PathError(f"{out} exists already; not overwriting it")
    if not out.parent.is_dir():
        raise PathError(f"folder {out.parent} does not exist")
    with ArweaveClient(gateway, transport=transport) as client:
        header = client.tx_header(txid)
        verify_header(txid, header)
        try:
            size = int(header["data_size"])
            expected_root = str(header.get("data_root") or "")
        except (KeyError, ValueError):
            raise IntegrityError(f"the header of transaction {txid} has no valid data_size") from None
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        except OSError as exc:
            raise PathError(f"cannot write in {out.parent}: {exc.strerror}") from None
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            got = 0
            with os.fdopen(fd, "wb") as f, client.stream_data(txid) as response:
                for piece in response.iter_bytes(1 << 20):
                    got += len(piece)
                    if got > size:
                        raise IntegrityError(
                            f"gateway sent more than the {size} bytes of {txid}; nothing written"
                        )
                    f.write(piece)
                    digest.update(piece)
                    if progress:
                        progress(len(piece))
            if got != size:
                raise IntegrityError(
                    f"gateway sent {got} of the {size} bytes of {txid}; nothing written"
                )
            tree, _ = tree_from_file(tmp, threads=threads)
            actual_root = tree.data_root_b64 if size else ""
            if actual_root != expected_root:
                raise IntegrityError(
                    f"downloaded data of {txid} does not match its data_root "
                    f"(got {actual_root}, signed {expected_root}); nothing written"
                )
            if sha256 is not None and digest.hexdigest() != sha256:
                raise IntegrityError(
                    f"downloaded data of {txid} has sha256 {digest.hexdigest()}, expected {sha256}; "
                    f"nothing written"
                )
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return FetchResult(txid, str(out), size, expected_root, digest.hexdigest(), decode_tags(header))
