"""CARv1 (content-addressed archive) writer and verifying reader.

Format: ``varint(len(header)) header`` where header is dag-cbor
``{"roots": [CID], "version": 1}``, then blocks ``varint(len(cid)+len(data)) cid data``.
The writer emits each block once, children before parents (so a reader can check links).
The reader recomputes every block's sha2-256 and refuses the first that does not match.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Unpack

from modelgov.cid.dag import BuildOptions, BuildResult, build_path, uvarint
from modelgov.cid.profiles import Profile, get_profile
from modelgov.cid.text import cid_from_bytes, split_cid_bytes
from modelgov.errors import IntegrityError, InvalidCIDError, PathError

#: blocks larger than this are refused when reading (Kubo's own limit is 2 MiB)
MAX_BLOCK = 4 * 1024 * 1024
MAX_HEADER = 64 * 1024


def encode_header(roots: Sequence[bytes]) -> bytes:
    """dag-cbor ``{"roots": [...], "version": 1}`` with its varint length prefix."""
    body = bytearray(b"\xa2\x65roots")
    body += _cbor_head(4, len(roots))
    for cid in roots:
        body += b"\xd8\x2a" + _cbor_head(2, len(cid) + 1) + b"\x00" + cid
    body += b"\x67version\x01"
    return uvarint(len(body)) + bytes(body)


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 256:
        return bytes((major << 5 | 24, n))
    if n < 65536:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")


class CarWriter:
    """Writes blocks to a binary stream once each (use as a :data:`~modelgov.cid.dag.BlockSink`)."""

    def __init__(self, stream: BinaryIO, roots: Sequence[bytes]) -> None:
        self.stream = stream
        self.seen: set[bytes] = set()
        self.bytes_written = 0
        self._write(encode_header(roots))

    def _write(self, data: bytes | memoryview) -> None:
        self.stream.write(data)
        self.bytes_written += len(data)

    def __call__(self, cid: bytes, parts: Sequence[bytes | memoryview]) -> None:
        if cid in self.seen:
            return
        self.seen.add(cid)
        self._write(uvarint(len(cid) + sum(len(p) for p in parts)) + cid)
        for part in parts:
            self._write(part)


def _placeholder_root(profile: Profile) -> bytes:
    return bytes(34 if profile.cid_version == 0 else 36)


def write_car(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
    **build_options: Unpack[BuildOptions],
) -> BuildResult:
    """Write a CARv1 of ``path`` (file or directory) to ``out`` in one pass over the bytes.

    ``threads``: as for :func:`~modelgov.cid.dag.build_path` (None: every core);
    ``build_options``: further keywords of :func:`~modelgov.cid.dag.build_path` (``with_sha256``,
    ``file_hook``, ``cache``: what :func:`modelgov.pipeline.prepare` computes in the same pass).

    The header's root is written as zeros of the right length and patched at the end; the
    file appears at ``out`` only once complete (written to ``out.partial`` first).

    Raises:
        PathError: ``path`` is missing/unreadable, or ``out`` cannot be written.
        UnknownProfileError, ValidationError, ConfigError: see :func:`~modelgov.cid.dag.build_path`.
    """
    prof = get_profile(profile)
    target = Path(out)
    partial = target.with_name(target.name + ".partial")
    try:
        stream = open(partial, "wb")  # noqa: SIM115
    except OSError as exc:
        raise PathError(f"{target}: cannot write: {exc.strerror or exc}") from None
    try:
        with stream:
            writer = CarWriter(stream, [_placeholder_root(prof)])
            result = build_path(path, prof, sink=writer, on_bytes=on_bytes, threads=threads,
                                **build_options)
            stream.seek(0)
            stream.write(encode_header([result.root.cid]))
        # A rename over an existing file makes ext4 (auto_da_alloc) write the whole new file back
        # before the rename returns: remove the old CAR first. `out` is never a partial CAR (at
        # most absent for an instant), and a reader of the old one keeps its open file.
        if target.is_file():
            target.unlink()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


def iter_car(
    path: str | os.PathLike[str],
    profile: str | Profile | None,
    root: bytes,
    *,
    piece: int = 1 << 20,
    on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> Iterator[bytes]:
    """Yield the CARv1 of ``path`` as byte pieces, for streaming uploads (bounded memory).

    ``root`` must be the root CID found by a previous build (the header comes first); if the
    bytes changed in between, :class:`IntegrityError` is raised at the end of the stream.
    ``threads``: as for :func:`build_path` (None: every core).

    Raises:
        IntegrityError: the content no longer has root ``root``.
        PathError, UnknownProfileError, ValidationError: see :func:`build_path`.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=16)
    done = object()
    stop = threading.Event()

    class _QueueStream:
        def __init__(self) -> None:
            self.buf = bytearray()

        def write(self, data: bytes | memoryview) -> None:
            if stop.is_set():
                raise _Cancelled
            self.buf += data
            if len(self.buf) >= piece:
                q.put(bytes(self.buf))
                self.buf.clear()

        def flush(self) -> None:
            if self.buf:
                q.put(bytes(self.buf))
                self.buf.clear()

    def produce() -> None:
        try:
            stream = _QueueStream()
            writer = CarWriter(stream, [root])  # type: ignore[arg-type]
            result = build_path(path, profile, sink=writer, on_bytes=on_bytes, threads=threads)
            stream.flush()
            if result.root.cid != root:
                raise IntegrityError(
                    f"{path} changed while uploading: root is now {result.cid}, "
                    f"expected {cid_from_bytes(root)}"
                )
            q.put(done)
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=produce, name="modelgov-car", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock the producer
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(0.01)


class _Cancelled(Exception):
    pass


# --- reading ----------------------------------------------------------------------------------
def _read_exact(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if data is None:
        data = b""
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            break
        data += more
    return data


def _read_varint(stream: BinaryIO) -> int | None:
    """Read a varint; None at a clean end of stream."""
    result = shift = 0
    first = True
    while True:
        b = stream.read(1)
        if not b:
            if first:
                return None
            raise IntegrityError("CAR truncated inside a length prefix")
        first = False
        result |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise IntegrityError("CAR has a malformed length prefix")


def decode_header(data: bytes) -> list[bytes]:
    """Decode a CARv1 header (dag-cbor) and return its roots as binary CIDs.

    Raises:
        IntegrityError: not a CARv1 header.
    """
    try:
        value, _ = _cbor_decode(data, 0)
    except (IndexError, ValueError) as exc:
        raise IntegrityError(f"not a CAR file: bad header ({exc})") from None
    if not isinstance(value, dict) or value.get("version") != 1 or not isinstance(value.get("roots"), list):
        raise IntegrityError("not a CARv1 file: header lacks version 1 and roots")
    roots = value["roots"]
    if not all(isinstance(r, _CidTag) for r in roots):
        raise IntegrityError("not a CARv1 file: roots are not CIDs")
    return [bytes(r) for r in roots]


class _CidTag(bytes):
    pass


def _cbor_decode(data: bytes, pos: int) -> tuple[object, int]:
    ib = data[pos]
    major, info = ib >> 5, ib & 31
    pos += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        n = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise ValueError("indefinite lengths are not dag-cbor")
    if major == 0:
        return n, pos
    if major in (2, 3):
        raw = data[pos : pos + n]
        if len(raw) != n:
            raise ValueError("truncated")
        return (raw if major == 2 else raw.decode()), pos + n
    if major == 4:
        items = []
        for _ in range(n):
            item, pos = _cbor_decode(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        out = {}
        for _ in range(n):
            key, pos = _cbor_decode(data, pos)
            out[key], pos = _cbor_decode(data, pos)
        return out, pos
    if major == 6 and n == 42:
        tagged, pos = _cbor_decode(data, pos)
        if not isinstance(tagged, bytes) or not tagged.startswith(b"\x00"):
            raise ValueError("bad CID tag")
        return _CidTag(tagged[1:]), pos
    if major == 7 and info in (20, 21, 22):
        return {20: False, 21: True, 22: None}[info], pos
    raise ValueError(f"unsupported CBOR item 0x{ib:02x}")


def verify_block(cid: bytes, data: bytes) -> None:
    """Check that ``data`` hashes to ``cid``.

    Raises:
        IntegrityError: it does not, or the CID uses a hash modelgov cannot check.
    """
    try:
        _, _, _, digest, _ = split_cid_bytes(cid)
    except InvalidCIDError as exc:
        raise IntegrityError(f"block with unverifiable CID: {exc}") from None
    if hashlib.sha256(data).digest() != digest:
        raise IntegrityError(f"block {cid_from_bytes(cid)} does not match its hash (tampered or corrupt)")


class CarReader:
    """Iterate the verified blocks of a CARv1 stream.

    ``roots`` is read at construction; iterating yields ``(cid, data)`` after checking each
    block's hash. With ``threads`` > 1 the blocks are read here, in order, and hashed on that
    many threads (:func:`modelgov.threads.ordered_map`; at most ``threads + 2`` blocks of up
    to 4 MiB in flight); they come out in the same order, a bad block at its place.

    Raises (at construction or while iterating):
        IntegrityError: bad header, truncated block, oversized block, hash mismatch.
    """

    def __init__(self, stream: BinaryIO, threads: int = 1) -> None:
        self.stream = stream
        self.threads = threads
        n = _read_varint(stream)
        if n is None or n == 0 or n > MAX_HEADER:
            raise IntegrityError("not a CAR file: empty or oversized header")
        header = _read_exact(stream, n)
        if len(header) != n:
            raise IntegrityError("CAR truncated inside its header")
        self.roots = decode_header(header)

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        from modelgov.threads import ordered_map

        def check(block: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
            verify_block(*block)
            return block

        return ordered_map(check, self._sections(), self.threads)

    def _sections(self) -> Iterator[tuple[bytes, bytes]]:
        """The ``(cid, data)`` sections as read (hashes not checked yet)."""
        while True:
            n = _read_varint(self.stream)
            if n is None:
                return
            if n > MAX_BLOCK + 64:
                raise IntegrityError(f"CAR block of {n} bytes exceeds the {MAX_BLOCK} byte limit")
            section = _read_exact(self.stream, n)
            if len(section) != n:
                raise IntegrityError("CAR truncated inside a block")
            try:
                _, _, _, _, cid_len = split_cid_bytes(section)
            except InvalidCIDError as exc:
                raise IntegrityError(f"CAR block has a bad CID: {exc}") from None
            yield section[:cid_len], section[cid_len:]


def read_car(path: str | os.PathLike[str]) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """Read and verify a whole (small) CAR file: (roots, blocks). For tests and tools.

    Raises:
        PathError: unreadable file. IntegrityError: see :class:`CarReader`.
    """
    try:
        with open(path, "rb") as f:
            reader = CarReader(f)
            return reader.roots, list(reader)
    except OSError as exc:
        raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
