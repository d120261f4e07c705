"""A small Kubo RPC client (``/api/v0``, POST only) over httpx, and what modelgov does with it.

Why not ``ipfshttpclient``: its last release (0.7.0) refuses current daemons with
``VersionMismatch`` and it is unmaintained. This module needs six calls, all plain HTTP.

Endpoint: ``--api`` / ``$MODELGOV_IPFS_API`` (``http://host:port`` or a multiaddr such as
``/ip4/127.0.0.1/tcp/5001``), else the local node (:mod:`modelgov.devnet.ipfs_node`). Plain
HTTP is refused outside loopback unless ``allow_insecure`` (``$MODELGOV_IPFS_ALLOW_INSECURE=1``).

- :func:`pin_path`: our CAR streamed to ``dag/import`` (the node stores exactly our DAG,
  whatever its own ``add`` defaults), pinned, and the node's root checked against ours.
- :func:`fetch`: ``dag/export`` streamed through the verifying CAR reader into a temp folder.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import quote, urlsplit

import httpx

from modelgov.cid.car import iter_car
from modelgov.cid.dag import build_path
from modelgov.cid.profiles import Profile, get_profile
from modelgov.cid.text import cid_from_bytes, normalize, parse_cid
from modelgov.cid.unpack import UnpackResult, unpack_car
from modelgov.endpoints import INSECURE_ENV, check_transport, insecure_allowed
from modelgov.errors import IntegrityError, IPFSError, NodeUnreachableError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.pipeline import DigestCache

ENV_API = "MODELGOV_IPFS_API"
ENV_INSECURE = "MODELGOV_IPFS_ALLOW_INSECURE"


def resolve_endpoint(api: str | None = None, *, allow_insecure: bool | None = None) -> str:
    """Base URL (``scheme://host:port``) of the RPC endpoint to use.

    Raises:
        ValidationError: ``api`` is neither a URL nor a ``/ip4|ip6|dns*/…/tcp/…`` multiaddr.
        InsecureEndpointError: plain HTTP to a non-loopback host without permission.
    """
    raw = (api or os.environ.get(ENV_API) or "").strip()
    if not raw:
        from modelgov.devnet.ipfs_node import local_api_url

        return local_api_url()
    if raw.startswith("/"):  # noqa: SIM108 (one case per branch reads better than nested ifs)
        url = _multiaddr_to_url(raw)
    else:
        url = raw if "://" in raw else f"http://{raw}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"IPFS API endpoint {raw!r} is not an http(s) URL or a multiaddr")
    check_transport(parts.scheme, parts.hostname, f"IPFS API {url}",
                    allowed=insecure_allowed(allow_insecure, ENV_INSECURE),
                    how=f"--allow-insecure, {INSECURE_ENV}=1 or {ENV_INSECURE}=1")
    return f"{parts.scheme}://{parts.netloc}".rstrip("/")


def _multiaddr_to_url(addr: str) -> str:
    parts = addr.strip("/").split("/")
    try:
        proto, host, tcp, port = parts[:4]
    except ValueError:
        raise ValidationError(f"IPFS API multiaddr {addr!r} is not /ip4|ip6|dns/<host>/tcp/<port>") from None
    if proto not in ("ip4", "ip6", "dns", "dns4", "dns6") or tcp != "tcp" or not port.isdigit():
        raise ValidationError(f"IPFS API multiaddr {addr!r} is not /ip4|ip6|dns/<host>/tcp/<port>")
    scheme = "https" if "https" in parts[4:] or "tls" in parts[4:] else "http"
    host = f"[{host}]" if proto == "ip6" else host
    return f"{scheme}://{host}:{port}"




class _IterStream:
    """A read-only binary stream over an iterator of byte pieces (for the CAR reader)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buf = b""
        self._pos = 0
        self.on_read: Callable[[int], None] | None = None  # told each piece's size as it arrives

    def read(self, n: int = -1) -> bytes:
        out = bytearray()
        while n < 0 or len(out) < n:
            if self._pos >= len(self._buf):
                self._buf = next(self._pieces, b"")
                self._pos = 0
                if not self._buf:
                    break
                if self.on_read is not None:
                    self.on_read(len(self._buf))
            take = len(self._buf) - self._pos if n < 0 else min(n - len(out), len(self._buf) - self._pos)
            out += self._buf[self._pos : self._pos + take]
            self._pos += take
        return bytes(out)


class IPFSClient:
    """Kubo RPC calls modelgov needs. Every method raises:

    Raises:
        NodeUnreachableError: the endpoint does not answer (or stops answering mid-call).
        IPFSError: the node answered with an error.
    """

    def __init__(
        self, api: str | None = None, *, allow_insecure: bool | None = None, timeout: float = 60.0
    ) -> None:
        self.url = resolve_endpoint(api, allow_insecure=allow_insecure)
        self._client = httpx.Client(
            base_url=f"{self.url}/api/v0", timeout=httpx.Timeout(timeout, connect=5.0)
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> IPFSClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------
    def _unreachable(self, exc: Exception, during: str = "") -> NodeUnreachableError:
        if during:
            return NodeUnreachableError(
                f"IPFS node at {self.url} stopped answering during {during} ({type(exc).__name__}); "
                "nothing was pinned, re-run to resume"
            )
        return NodeUnreachableError(
            f"IPFS node at {self.url} is not reachable; start it with `modelgov node start`"
        )

    @staticmethod
    def _error(path: str, response: httpx.Response) -> IPFSError:
        text = response.text
        try:
            message = json.loads(text).get("Message") or text
        except (ValueError, AttributeError):
            message = text
        return IPFSError(f"IPFS {path} failed ({response.status_code}): {message.strip()[:300]}")

    def _post(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.post(path, params=params, **kwargs)
        except httpx.TimeoutException as exc:
            raise NodeUnreachableError(f"IPFS node at {self.url} timed out on {path}") from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc, "" if isinstance(exc, httpx.ConnectError) else path) from exc
        if response.status_code >= 400:
            raise self._error(path, response)
        return response

    def _ndjson(self, response: httpx.Response) -> list[dict[str, Any]]:
        out = []
        for line in response.text.splitlines():
            if line.strip():
                item = json.loads(line)
                if isinstance(item, dict) and item.get("Type") == "error":
                    raise IPFSError(f"IPFS error: {item.get('Message')}")
                out.append(item)
        return out

    # -- calls ------------------------------------------------------------------------------
    def id(self) -> dict[str, Any]:
        """``/id``: the node's peer identity."""
        return cast(dict[str, Any], self._post("id").json())

    def version(self) -> str:
        """``/version``: the daemon's version string."""
        return str(self._post("version").json().get("Version"))

    def pinned(self, cid: str) -> bool:
        """True if ``cid`` is pinned recursively (``pin/ls --type=recursive``)."""
        try:
            response = self._client.post("pin/ls", params={"arg": cid, "type": "recursive"})
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            return False  # "not pinned" is an error answer in Kubo and js-ipfs
        keys = response.json().get("Keys") or {}
        return any(normalize(k) == normalize(cid) for k in keys)

    def block_get(self, cid: str, timeout: float = 60.0) -> bytes:
        """``block/get``: one block's bytes (not verified here)."""
        return self._post("block/get", {"arg": cid, "timeout": f"{int(timeout)}s"},
                          timeout=httpx.Timeout(timeout + 10, connect=5.0)).content

    def pin_add(self, cid: str) -> None:
        """``pin/add`` (recursive)."""
        self._post("pin/add", {"arg": cid, "recursive": "true"})

    def dag_import(self, pieces: Iterator[bytes], *, pin_roots: bool = True) -> list[tuple[str, str]]:
        """Stream a CAR as one multipart file to ``dag/import``.

        Returns:
            (root CID, pin error message) for each root the node reports.
        """
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dag.car\"\r\n"
            "Content-Type: application/vnd.ipld.car\r\n\r\n"
        ).encode()

        def body() -> Iterator[bytes]:
            yield head
            yield from pieces
            yield f"\r\n--{boundary}--\r\n".encode()

        try:
            response = self._client.post(
                "dag/import",
                params={"pin-roots": str(pin_roots).lower()},
                content=body(),
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                timeout=httpx.Timeout(None, connect=5.0),
            )
        except httpx.ConnectError as exc:
            raise self._unreachable(exc) from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc, "the upload") from exc
        if response.status_code >= 400:
            raise self._error("dag/import", response)
        roots = []
        for item in self._ndjson(response):
            root = item.get("Root") or {}
            cid = (root.get("Cid") or {}).get("/")
            if cid:
                roots.append((normalize(cid), str(root.get("PinErrorMsg") or "")))
        return roots

    @contextmanager
    def dag_export(self, cid: str, timeout: float = 60.0) -> Iterator[_IterStream]:
        """``dag/export``: the CAR of ``cid`` as a readable stream (not verified here)."""
        try:
            with self._client.stream("POST", "dag/export", params={"arg": cid, "timeout": f"{int(timeout)}s"},
                                     timeout=httpx.Timeout(timeout + 30, connect=5.0)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error("dag/export", response)

                def pieces() -> Iterator[bytes]:
                    try:
                        yield from response.iter_bytes()
                    except httpx.TransportError as exc:
                        raise self._unreachable(exc, "the download") from exc

                yield _IterStream(pieces())
        except httpx.ConnectError as exc:
            raise self._unreachable(exc) from exc
        except httpx.TransportError as exc:
            raise self._unreachable(exc, "the download") from exc

    def add_only_hash(self, path: str | os.PathLike[str], *, cid_version: int = 0, raw_leaves: bool = False,
                      chunk_size: int = 262144) -> str:
        """``add --only-hash`` of a file or directory: the node's own CID (a reference for tests).

        Hidden names are skipped, as ``ipfs add -r`` does.
        """
        root = Path(path)
        files: list[Path] = []
        dirs: list[str] = []
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for d in dirnames:  # only empty ones: a directory part resets what it holds
                    if not any(not n.startswith(".") for n in os.listdir(Path(dirpath) / d)):
                        dirs.append((Path(dirpath) / d).relative_to(root.parent).as_posix())
                files.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
        else:
            files.append(root)
        params = {"only-hash": "true", "cid-version": str(cid_version), "raw-leaves": str(raw_leaves).lower(),
                  "chunker": f"size-{chunk_size}", "pin": "false", "wrap-with-directory": "false"}
        if cid_version == 1:
            params["cid-base"] = "base32"
        with ExitStack() as stack:
            # files first (js-ipfs rejects a request whose first part is a directory); names
            # percent-encoded as Kubo's own clients send them; file parts streamed from disk
            parts: list[tuple[str, tuple[str, Any, str]]] = [
                ("file", (quote(f.relative_to(root.parent).as_posix(), safe=""),
                          stack.enter_context(open(f, "rb")), "application/octet-stream"))
                for f in files
            ]
            parts += [("file", (quote(d, safe=""), b"", "application/x-directory")) for d in dirs]
            items = self._ndjson(self._post("add", params, files=parts, timeout=None))
        if not items:
            raise IPFSError("IPFS add returned nothing")
        return normalize(items[-1]["Hash"])


# --- what modelgov does with a node -----------------------------------------------------------
@dataclass(frozen=True)
class PinResult:
    """Outcome of :func:`pin_path`."""

    cid: str
    profile: str
    api: str
    size: int
    blocks: int
    already_pinned: bool

    def as_dict(self) -> dict[str, object]:
        return {"cid": self.cid, "profile": self.profile, "api": self.api, "size": self.size,
                "blocks": self.blocks, "already_pinned": self.already_pinned}


def _import_and_pin(client: IPFSClient, car: Iterator[bytes], root: str, expected: str) -> None:
    """Stream ``car`` to ``dag/import`` and make sure the node pinned exactly ``root``
    (``expected`` names where that root came from, for the message).

    Raises:
        NodeUnreachableError: the node does not answer or dies during the upload.
        IPFSError: the node refused the CAR, reports another root, or does not pin it.
    """
    reported = client.dag_import(car)
    if not reported:
        raise IPFSError("the IPFS node reported no root for the imported CAR")
    for cid, error in reported:
        if cid != root:
            raise IPFSError(f"the IPFS node reports root {cid}, but {expected} is {root}")
        if error:
            raise IPFSError(f"the IPFS node could not pin {cid}: {error}")
    if not client.pinned(root):
        client.pin_add(root)
        if not client.pinned(root):
            raise IPFSError(f"the IPFS node does not list {root} as pinned after import")


def pin_path(
    path: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    client: IPFSClient | None = None,
    on_total: Callable[[int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
    cache: DigestCache | None = None,
) -> PinResult:
    """Pin a file or folder: local CID first, then our CAR streamed to ``dag/import``.

    Safe to re-run: an already pinned root is not uploaded again; an interrupted upload just
    repeats (the node stores each block once) and nothing is pinned until the DAG is complete.

    Args:
        on_total: told the number of bytes to upload once known (for a progress bar).
        on_bytes: told about each uploaded chunk of file bytes.
        threads: hash the UnixFS leaves on that many threads (None: every core; see
            :func:`modelgov.threads.resolve_threads`).
        cache: a :class:`modelgov.pipeline.DigestCache`: pass 1 (the root CID) does not read
            files that provably have not changed since they were recorded.

    Raises:
        PathError, UnknownProfileError, ValidationError: bad path or profile.
        NodeUnreachableError: the node does not answer or dies during the upload.
        IPFSError: the node refused the CAR, or its root differs from the local CID.
        IntegrityError: the files changed between the two passes.
    """
    prof = get_profile(profile)
    # pass 1: the root CID (the CAR header carries it first)
    local = build_path(path, prof, threads=threads, cache=cache)
    size = sum(f.size for f in local.files)
    own = client is None
    client = client or IPFSClient()
    try:
        if client.pinned(local.cid):
            return PinResult(local.cid, prof.name, client.url, size, local.blocks, True)
        if on_total is not None:
            on_total(size)
        _import_and_pin(client, iter_car(path, prof, local.root.cid, on_bytes=on_bytes, threads=threads),
                        local.cid, "the local CID")
        return PinResult(local.cid, prof.name, client.url, size, local.blocks, False)
    finally:
        if own:
            client.close()


def pin_car(
    car: str | os.PathLike[str],
    *,
    client: IPFSClient | None = None,
    on_bytes: Callable[[int], None] | None = None,
    piece: int = 1 << 20,
) -> PinResult:
    """Pin a CARv1 file as it is (e.g. the one ``modelgov pin prepare --car`` wrote): its bytes
    are streamed to ``dag/import`` without building the DAG again; the node checks every block
    and must report the CAR's one root pinned.

    Raises:
        PathError: ``car`` is missing or unreadable.
        IntegrityError: not a CARv1 file with exactly one root.
        NodeUnreachableError: the node does not answer or dies during the upload.
        IPFSError: the node refused the CAR, or reports another root, or does not pin it.
    """
    from modelgov.cid.car import CarReader
    from modelgov.errors import PathError

    path = Path(car)
    try:
        size = path.stat().st_size
        with open(path, "rb") as head:
            roots = CarReader(head).roots
    except OSError as exc:
        raise PathError(f"{path}: {exc.strerror or exc}") from None
    if len(roots) != 1:
        raise IntegrityError(f"{path}: a CAR to pin must have exactly one root, it has {len(roots)}")
    root = cid_from_bytes(roots[0])

    def pieces() -> Iterator[bytes]:
        with open(path, "rb") as stream:
            while chunk := stream.read(piece):
                if on_bytes is not None:
                    on_bytes(len(chunk))
                yield chunk

    own = client is None
    client = client or IPFSClient()
    try:
        if client.pinned(root):
            return PinResult(root, "car", client.url, size, 0, True)
        _import_and_pin(client, pieces(), root, "the CAR's root")
        return PinResult(root, "car", client.url, size, 0, False)
    finally:
        if own:
            client.close()


def fetch(cid: str, out: str | os.PathLike[str], *, client: IPFSClient | None = None, timeout: float = 60.0,
          threads: int | None = None, on_bytes: Callable[[int], None] | None = None) -> UnpackResult:
    """Download the DAG of ``cid`` (CAR export), verify every block (on ``threads`` threads;
    None: every core), write it at ``out``. ``on_bytes`` is told about each piece of the CAR
    as it arrives (for a progress bar).

    Raises:
        InvalidCIDError: ``cid`` is malformed.
        PathError: ``out`` already exists or is not writable.
        NodeUnreachableError: the node does not answer (or stops during the download).
        IPFSError: the node cannot export the DAG (unknown or incomplete on the node).
        IntegrityError: a block does not match its hash, the DAG is incomplete or malformed.
    """
    root = bytes(parse_cid(cid))
    text = cid_from_bytes(root)
    target = Path(out)
    if target.exists():
        from modelgov.errors import PathError

        raise PathError(f"{target} already exists; choose a new output path")
    own = client is None
    client = client or IPFSClient()
    try:
        with client.dag_export(text, timeout=timeout) as stream:
            if on_bytes is not None:
                stream.on_read = on_bytes
            return unpack_car(stream, root, target, threads=threads)  # type: ignore[arg-type]
    finally:
        if own:
            client.close()


class BlockSource(Protocol):
    """Where :func:`verify_sample` gets blocks: the node (:class:`IPFSClient`) or a gateway
    (:class:`modelgov.storage.gateway.TrustlessGateway`)."""

    url: str

    def block_get(self, cid: str, timeout: float = 60.0) -> bytes: ...


@dataclass(frozen=True)
class SampleReport:
    """Outcome of :func:`verify_sample`: blocks fetched and checked, and how they were chosen.

    Attributes:
        source: ``node`` (Kubo RPC ``block/get``) or ``gateway`` (trustless gateway).
        url: the node's API or the gateway's base URL.
        checked: distinct blocks fetched and hashed; ``bytes``: their total size.
        leaves: blocks without links among them; ``complete``: every block of the DAG was checked.
        service: the pinning service whose gateway was asked, if any.
    """

    cid: str
    url: str
    checked: int
    leaves: int
    complete: bool
    source: str = "node"
    bytes: int = 0
    service: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"cid": self.cid, "source": self.source, "url": self.url, "service": self.service,
                "checked": self.checked, "bytes": self.bytes, "leaves": self.leaves,
                "complete": self.complete, "ok": True}


def verify_sample(
    cid: str, *, samples: int = 16, everything: bool = False, client: BlockSource | None = None,
    seed: int | None = None, timeout: float = 60.0, source: str = "node", service: str | None = None,
    on_block: Callable[[int], None] | None = None,
) -> SampleReport:
    """Fetch blocks of ``cid``'s DAG (from the node, or any :class:`BlockSource`) and check each
    against its CID.

    The root is always checked; then ``samples`` random root-to-leaf walks (each block on the
    way is checked, so every sampled leaf is proven to belong to the root), or, with
    ``everything``, every block. Hashes other than sha2-256 are refused. ``on_block(size)`` is
    called after each block is checked.

    Raises:
        InvalidCIDError: malformed CID.
        NodeUnreachableError: the node (or gateway) does not answer.
        IPFSError: the node (or gateway) lacks a block (it cannot serve the DAG).
        IntegrityError: a block does not match its CID (the message names it), or is not valid
            dag-pb/raw.
    """
    import random

    from modelgov.cid.car import verify_block
    from modelgov.cid.unpack import decode_node

    root = bytes(parse_cid(cid))
    text = cid_from_bytes(root)
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    own = client is None
    source_client: BlockSource = client if client is not None else IPFSClient()
    cache: dict[bytes, list[bytes]] = {}
    leaves: set[bytes] = set()
    total = 0

    def links(block_cid: bytes) -> list[bytes]:
        nonlocal total
        if block_cid not in cache:
            data = source_client.block_get(cid_from_bytes(block_cid), timeout=timeout)
            try:
                verify_block(block_cid, data)
            except IntegrityError as exc:
                raise IntegrityError(f"{exc}; served by the {source} at {source_client.url}") from None
            node = decode_node(block_cid, data)
            cache[block_cid] = [link.cid for link in node.links]
            total += len(data)
            if not node.links:
                leaves.add(block_cid)
            if on_block is not None:
                on_block(len(data))
        return cache[block_cid]

    try:
        if everything:
            stack, seen = [root], set()
            while stack:
                block_cid = stack.pop()
                if block_cid not in seen:
                    seen.add(block_cid)
                    stack.extend(reversed(links(block_cid)))
        else:
            links(root)
            for _ in range(max(0, samples)):
                node = root
                while True:
                    children = links(node)
                    if not children:
                        break
                    node = rng.choice(children)
    finally:
        if own and isinstance(source_client, IPFSClient):
            source_client.close()
    return SampleReport(text, source_client.url, len(cache), len(leaves), everything, source, total, service)
