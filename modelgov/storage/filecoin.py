"""Filecoin piece CIDs (CommP) of a byte stream, computed in one streaming pass.

What a storage deal names is the *piece commitment* of the payload (for modelgov, a CAR):

1. the payload is zero-padded to ``127 * 2**k`` bytes (the smallest such size holding it, at
   least 127), then **fr32-padded**: every 127 bytes (1016 bits) become 128 bytes, two zero bits
   being inserted after every 254 bits (each 32-byte word then holds a BLS12-381 field element);
2. the padded bytes are cut into 32-byte leaves and hashed pairwise up a binary merkle tree
   with **sha256-trunc254**: ``sha256(left || right)`` with the top two bits of the last byte
   cleared; the tree's root is CommP.

Two CIDs name it:

- v1 (what Lotus/Boost deal tools take): CIDv1, codec ``fil-commitment-unsealed`` (0xf101),
  multihash ``sha2-256-trunc254-padded`` (0x1012) over the 32-byte root; base32 ``baga6ea4seaq…``.
  A deal also needs the *padded piece size* (``2**height * 32``) next to it.
- v2 (FRC-0069): CIDv1, codec ``raw``, multihash ``fr32-sha256-trunc254-padbintree`` (0x1011)
  whose digest is ``uvarint(padding) || height || root``; base32 ``bafkzcib…``. ``padding`` is
  the number of zero bytes added to the payload before fr32 (so the payload size is in the CID).

Memory stays flat: the payload is processed in batches of 127 * 8192 bytes (one 1 MiB subtree
each) and only one node per tree level is kept between batches.

Every core by default: a batch's subtree is ~32k sha256 calls over 64 bytes each, too small for
hashlib to release the GIL, so threads cannot share them; with more than one thread
(:func:`modelgov.threads.resolve_threads`) the batches after the first :data:`INLINE_BATCHES`
go to a pool of that many worker *processes* (spawned once per process and kept), at most
``2 * threads`` batches in flight, their roots taken back in order: the same piece at every
count.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from modelgov.errors import PathError, PieceError

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future, ProcessPoolExecutor

#: unpadded bytes per fr32 quad (4 field elements of 254 bits)
QUAD_IN = 127
#: padded bytes per quad
QUAD_OUT = 128
#: quads per batch: 127 * 8192 bytes in, one 1 MiB (height-15) subtree out
BATCH_QUADS = 8192
BATCH_IN = QUAD_IN * BATCH_QUADS
BATCH_HEIGHT = 15  # log2(BATCH_QUADS * 4 leaves)
#: payloads below this cannot be stored in a deal (go-fil-commp-hashhash, FRC-0069)
MIN_DEAL_PAYLOAD = 65
#: the height byte of FRC-0069 caps the tree
MAX_HEIGHT = 255

FIL_COMMITMENT_UNSEALED = 0xF101
SHA2_256_TRUNC254_PADDED = 0x1012
FR32_SHA256_TRUNC254_PADBINTREE = 0x1011
RAW = 0x55

_SHA = hashlib.sha256
_UNPACK64 = struct.Struct("64s").iter_unpack


def _uvarint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _trunc(digest: bytes) -> bytes:
    return digest[:31] + bytes((digest[31] & 0x3F,))


def node_hash(left: bytes, right: bytes) -> bytes:
    """One merkle step: sha256-trunc254 of the two 32-byte children."""
    return _trunc(_SHA(left + right).digest())


def _zero_nodes() -> list[bytes]:
    nodes = [bytes(32)]
    for _ in range(MAX_HEIGHT):
        nodes.append(node_hash(nodes[-1], nodes[-1]))
    return nodes


#: root of an all-zero subtree of each height (zero bytes stay zero under fr32)
ZERO = _zero_nodes()


def fr32_pad(data: bytes | bytearray | memoryview) -> bytes:
    """fr32-pad ``data`` (a multiple of 127 bytes): 127 bytes in, 128 bytes out per quad.

    Raises:
        PieceError: ``len(data)`` is not a multiple of 127.
    """
    if len(data) % QUAD_IN:
        raise PieceError(f"fr32 input must be a multiple of 127 bytes, not {len(data)}", size=len(data))
    n = len(data) // QUAD_IN
    x = np.zeros((n, QUAD_OUT), dtype=np.uint8)
    x[:, :QUAD_IN] = np.frombuffer(data, dtype=np.uint8).reshape(n, QUAD_IN)
    out = np.empty((n, QUAD_OUT), dtype=np.uint8)
    out[:, 0:32] = x[:, 0:32]
    out[:, 32:64] = (x[:, 31:63] >> 6) | (x[:, 32:64] << 2)
    out[:, 64:96] = (x[:, 63:95] >> 4) | (x[:, 64:96] << 4)
    out[:, 96:128] = (x[:, 95:127] >> 2) | (x[:, 96:128] << 6)
    out[:, 31::32] &= 0x3F
    return out.tobytes()


def _level_up(nodes: bytes) -> bytes:
    """Hash a level of 32-byte nodes (an even number of them) into the level above."""
    out = bytearray(b"".join([_SHA(pair).digest() for (pair,) in _UNPACK64(nodes)]))
    np.frombuffer(out, dtype=np.uint8)[31::32] &= 0x3F
    return bytes(out)


#: batches hashed in this process before a process pool is worth its start-up (~0.2 s)
INLINE_BATCHES = 8

_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process pool of ``workers`` processes (spawned, kept; replaced if the count changes)."""
    global _POOL
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if _POOL is not None and _POOL[0] == workers:
        return _POOL[1]
    if _POOL is not None:
        _POOL[1].shutdown(wait=True)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    if _POOL is None:
        import atexit

        atexit.register(_drop_pool)
    _POOL = (workers, pool)
    return pool


def _drop_pool() -> None:
    """Stop the worker processes while the interpreter is whole (at exit)."""
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(wait=True)
        _POOL = None


def batch_root(data: bytes | bytearray | memoryview) -> bytes:
    """Root of the height-15 subtree of one batch of :data:`BATCH_IN` payload bytes."""
    return _subtree_root(fr32_pad(data))


def _subtree_root(padded: bytes) -> bytes:
    """Root of the tree whose leaves are ``padded`` (a power-of-two number of 32-byte leaves)."""
    level = padded
    while len(level) > 32:
        level = _level_up(level)
    return level


def height_for(size: int) -> int:
    """Tree height of a ``size``-byte payload (at least 2: one 128-byte quad = 4 leaves)."""
    quads = max(1, -(-size // QUAD_IN))
    return 2 + (quads - 1).bit_length()


@dataclass(frozen=True)
class PieceInfo:
    """A payload's piece commitment and the two CIDs that name it.

    Attributes:
        payload_size: bytes hashed (the CAR's size).
        height: merkle tree height (``2**height`` 32-byte leaves).
        padded_size: the padded piece size a deal takes (``32 * 2**height``).
        padding: zero bytes appended to the payload before fr32 (FRC-0069).
        root: CommP, 32 bytes.
    """

    payload_size: int
    height: int
    padded_size: int
    padding: int
    root: bytes

    @property
    def cid_v1(self) -> str:
        """``baga6ea4seaq…``: fil-commitment-unsealed / sha2-256-trunc254-padded."""
        mh = _uvarint(SHA2_256_TRUNC254_PADDED) + _uvarint(32) + self.root
        return _base32_cid(_uvarint(1) + _uvarint(FIL_COMMITMENT_UNSEALED) + mh)

    @property
    def cid_v2(self) -> str:
        """``bafkzcib…``: raw / fr32-sha256-trunc254-padbintree (FRC-0069)."""
        digest = _uvarint(self.padding) + bytes((self.height,)) + self.root
        mh = _uvarint(FR32_SHA256_TRUNC254_PADBINTREE) + _uvarint(len(digest)) + digest
        return _base32_cid(_uvarint(1) + _uvarint(RAW) + mh)

    @property
    def deal_ready(self) -> bool:
        """Whether deal tools accept it (payloads below 65 bytes are refused)."""
        return self.payload_size >= MIN_DEAL_PAYLOAD

    def as_dict(self) -> dict[str, object]:
        return {
            "piece_cid": self.cid_v1,
            "piece_cid_v2": self.cid_v2,
            "padded_size": self.padded_size,
            "payload_size": self.payload_size,
            "padding": self.padding,
            "height": self.height,
            "commp": self.root.hex(),
        }


def _base32_cid(raw: bytes) -> str:
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


class PieceHasher:
    """Streaming CommP: :meth:`write` bytes in any pieces, then :meth:`info` (once).

    Memory: one batch buffer (~1 MiB) plus one node per level; with more than one thread, up
    to ``2 * threads`` batches in flight to the worker processes.

    Args:
        threads: None: :func:`modelgov.threads.resolve_threads` (``$MODELGOV_THREADS``, else
            every core); 1 hashes every batch in this process.

    Raises:
        ValidationError, ConfigError: ``threads`` (or ``$MODELGOV_THREADS``) is out of range.
    """

    def __init__(self, threads: int | None = None) -> None:
        from collections import deque

        from modelgov.threads import resolve_threads

        self._threads = resolve_threads(threads)
        self._buf = bytearray()
        self._size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, node), heights strictly decreasing
        self._done = False
        self._batches = 0
        self._pending: deque[Future[bytes]] = deque()  # futures of batch roots, in payload order

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Add payload bytes.

        Raises:
            PieceError: called after :meth:`info`.
        """
        if self._done:
            raise PieceError("piece hasher already finished", size=self._size)
        self._size += len(data)
        self._buf += data
        if len(self._buf) >= 2 * BATCH_IN:
            cut = len(self._buf) - len(self._buf) % BATCH_IN - BATCH_IN
            view = memoryview(self._buf)
            for start in range(0, cut, BATCH_IN):
                self._batch(view[start:start + BATCH_IN])
            view.release()
            del self._buf[:cut]

    def _batch(self, data: memoryview | bytes) -> None:
        """Hash one full batch here, or hand it to the worker processes (roots kept in order)."""
        self._batches += 1
        if self._threads <= 1 or self._batches <= INLINE_BATCHES:
            self._drain(0)
            self._push(batch_root(data), BATCH_HEIGHT)
            return
        self._pending.append(_pool(self._threads).submit(batch_root, bytes(data)))
        self._drain(2 * self._threads)

    def _drain(self, keep: int) -> None:
        """Take finished roots back, in order, until at most ``keep`` batches are in flight.

        Raises:
            PieceError: a worker process died (the pool is dropped; the next hasher starts anew).
        """
        from concurrent.futures.process import BrokenProcessPool

        global _POOL
        while len(self._pending) > keep:
            try:
                root = self._pending.popleft().result()
            except BrokenProcessPool:
                _POOL = None
                self._pending.clear()
                raise PieceError("a piece hashing worker process died; retry with --threads 1",
                                 size=self._size) from None
            self._push(root, BATCH_HEIGHT)

    def _push(self, node: bytes, height: int) -> None:
        while self._stack and self._stack[-1][0] == height:
            node = node_hash(self._stack.pop()[1], node)
            height += 1
        self._stack.append((height, node))

    def info(self) -> PieceInfo:
        """Finish and return the piece.

        Raises:
            PieceError: no bytes were written, or the payload is too large for FRC-0069.
        """
        if self._done:
            raise PieceError("piece hasher already finished", size=self._size)
        self._done = True
        self._drain(0)
        size = self._size
        if size == 0:
            raise PieceError("an empty payload has no piece CID", size=0)
        height = height_for(size)
        if height > MAX_HEIGHT:
            raise PieceError(f"payload of {size} bytes is too large for a piece", size=size)
        padded_in = QUAD_IN << (height - 2)
        if not self._stack and height <= BATCH_HEIGHT:
            data = bytes(self._buf) + bytes(padded_in - len(self._buf))
            root = _subtree_root(fr32_pad(data))
        else:
            # whole batches, then the tail zero-filled to one batch (zeros are the tree padding)
            view = memoryview(self._buf)
            for start in range(0, len(self._buf), BATCH_IN):
                part = bytes(view[start:start + BATCH_IN])
                part += bytes(BATCH_IN - len(part))
                self._push(batch_root(part), BATCH_HEIGHT)
            view.release()
            node_height, root = self._stack.pop()
            while node_height < height:
                if self._stack and self._stack[-1][0] == node_height:
                    root = node_hash(self._stack.pop()[1], root)
                else:
                    root = node_hash(root, ZERO[node_height])
                node_height += 1
        self._buf = bytearray()
        self._stack = []
        return PieceInfo(
            payload_size=size,
            height=height,
            padded_size=32 << height,
            padding=padded_in - size,
            root=root,
        )


def piece_of_bytes(data: bytes | bytearray | memoryview, threads: int | None = None) -> PieceInfo:
    """The piece of an in-memory payload (``threads``: see :class:`PieceHasher`).

    Raises:
        PieceError: empty payload.
        ValidationError, ConfigError: bad ``threads`` or ``$MODELGOV_THREADS``.
    """
    hasher = PieceHasher(threads)
    hasher.write(data)
    return hasher.info()


def piece_of_chunks(
    chunks: Iterable[bytes | bytearray | memoryview], threads: int | None = None
) -> PieceInfo:
    """The piece of a payload given as an iterable of byte pieces (e.g. a streamed CAR).

    Raises:
        PieceError: empty payload.
        ValidationError, ConfigError: bad ``threads`` or ``$MODELGOV_THREADS``.
    """
    hasher = PieceHasher(threads)
    for chunk in chunks:
        hasher.write(chunk)
    return hasher.info()


def piece_of_stream(
    stream: BinaryIO, *, on_bytes: Callable[[int], None] | None = None, read_size: int = BATCH_IN,
    threads: int | None = None,
) -> PieceInfo:
    """The piece of everything left in a binary stream, read ``read_size`` bytes at a time.

    Raises:
        PieceError: empty payload. OSError from the stream propagates.
        ValidationError, ConfigError: bad ``threads`` or ``$MODELGOV_THREADS``.
    """
    hasher = PieceHasher(threads)
    while True:
        data = stream.read(read_size)
        if not data:
            break
        hasher.write(data)
        if on_bytes is not None:
            on_bytes(len(data))
    return hasher.info()


def piece_of_file(
    path: str | os.PathLike[str], *, on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> PieceInfo:
    """The piece of a file (e.g. a CAR written by ``modelgov car``).

    Raises:
        PathError: missing or unreadable file. PieceError: empty file.
        ValidationError, ConfigError: bad ``threads`` or ``$MODELGOV_THREADS``.
    """
    p = Path(path)
    try:
        with open(p, "rb") as stream:
            return piece_of_stream(stream, on_bytes=on_bytes, threads=threads)
    except FileNotFoundError:
        raise PathError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise PathError(f"{p}: is a directory (give a CAR file)") from None
    except OSError as exc:
        raise PathError(f"{p}: cannot read: {exc.strerror or exc}") from None


def piece_of_car(
    path: str | os.PathLike[str],
    profile: str | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
) -> tuple[str, PieceInfo]:
    """The root CID and piece of the CARv1 of ``path`` (file or folder), without writing the CAR.

    Two passes over the bytes: one for the root CID (the CAR header names it), one streaming
    the CAR into the hasher. ``threads`` hash the UnixFS leaves of both passes (None: every
    core; see :func:`modelgov.threads.resolve_threads`).

    Raises:
        PathError, UnknownProfileError, ValidationError: see :func:`modelgov.cid.dag.build_path`.
        IntegrityError: the content changed between the two passes.
    """
    from modelgov.cid.car import iter_car
    from modelgov.cid.dag import build_path

    result = build_path(path, profile, threads=threads)
    car = iter_car(path, profile, result.root.cid, on_bytes=on_bytes, threads=threads)
    return result.cid, piece_of_chunks(car, threads)


__all__ = [
    "PieceHasher",
    "PieceInfo",
    "fr32_pad",
    "height_for",
    "piece_of_bytes",
    "piece_of_car",
    "piece_of_chunks",
    "piece_of_file",
    "piece_of_stream",
]
