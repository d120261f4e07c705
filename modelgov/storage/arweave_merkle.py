"""Arweave transaction data_root, chunks and proofs, streamed from a file.

The same algorithm as arweave-js ``generateTransactionChunks`` (``src/common/lib/merkle.ts``):

- chunks of 256 KiB; when what is left would end in a chunk under 32 KiB, the second-to-last
  chunk takes ``ceil(rest / 2)`` bytes instead (the last two chunks are rebalanced);
- when the size is a multiple of 256 KiB a zero-length last chunk is part of the tree (it moves
  the root) but is not uploaded;
- leaf id = ``H(H(sha256(chunk)) || H(note(end)))``; branch id =
  ``H(H(left.id) || H(right.id) || H(note(left.end)))``; an odd node at the end of a layer moves
  up unchanged; notes are 32-byte big-endian integers; ``H`` is sha256;
- the proof (``data_path``) of a leaf is, from the root down, ``left.id || right.id ||
  note(left.end)`` for every branch, then ``sha256(chunk) || note(end)``.

The file is read once, in 1 MiB tasks into a small ring of reused buffers, each chunk hashed
while it is in the CPU cache, on every core by default (:mod:`modelgov.threads`): memory
stays flat whatever the size, and the tree is the same at every thread count. Proofs are derived
on demand from the tree kept in memory (about 64 bytes per chunk: ~0.5 MB for a 1 GB file).

arweave-python-client's own ``merkle`` module gets the root wrong for data >= 256 KiB: do not
use it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from modelgov.errors import IntegrityError, PathError, ValidationError

MAX_CHUNK_SIZE = 256 * 1024
MIN_CHUNK_SIZE = 32 * 1024
NOTE_SIZE = 32
HASH_SIZE = 32

_sha256 = hashlib.sha256


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as Arweave writes ids, roots, proofs and chunks."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode` (accepts padded or unpadded text).

    Raises:
        ValidationError: the text is not base64url.
    """
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"not base64url: {text[:20]!r}") from exc


def note(value: int) -> bytes:
    """A 32-byte big-endian integer (arweave-js ``intToBuffer``)."""
    return value.to_bytes(NOTE_SIZE, "big")


def chunk_ranges(size: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` byte ranges arweave-js cuts ``size`` bytes into.

    Includes the zero-length last range when ``size`` is a multiple of 256 KiB (or 0): it is a
    leaf of the tree, but not a chunk to upload.
    """
    if size < 0:
        raise ValidationError(f"negative size: {size}")
    ranges: list[tuple[int, int]] = []
    cursor = 0
    rest = size
    while rest >= MAX_CHUNK_SIZE:
        chunk = MAX_CHUNK_SIZE
        after = rest - MAX_CHUNK_SIZE
        if 0 < after < MIN_CHUNK_SIZE:
            chunk = -(-rest // 2)  # ceil
        ranges.append((cursor, cursor + chunk))
        cursor += chunk
        rest -= chunk
    ranges.append((cursor, cursor + rest))
    return ranges


@dataclass(frozen=True)
class Chunk:
    """One chunk to upload: its byte range, its proof and the offset the gateway wants."""

    index: int
    start: int
    end: int
    data_path: bytes

    @property
    def offset(self) -> int:
        """The ``offset`` field of a ``POST /chunk`` body (end - 1, relative to the data)."""
        return self.end - 1

    @property
    def size(self) -> int:
        return self.end - self.start


class ChunkTree:
    """The merkle tree of one transaction's data.

    Build it with :func:`tree_from_file` or :func:`tree_from_bytes`.
    """

    def __init__(self, size: int, ranges: list[tuple[int, int]], chunk_hashes: list[bytes]):
        if len(ranges) != len(chunk_hashes):
            raise ValueError("one hash per range")
        self.data_size = size
        self._ranges = ranges
        self._hashes = chunk_hashes
        # layers[0] = leaves; each layer is (ids, ends)
        ids = [
            _sha256(_sha256(h).digest() + _sha256(note(end)).digest()).digest()
            for h, (_, end) in zip(chunk_hashes, ranges, strict=True)
        ]
        ends = [end for _, end in ranges]
        self._layers: list[tuple[list[bytes], list[int]]] = [(ids, ends)]
        while len(ids) > 1:
            next_ids: list[bytes] = []
            next_ends: list[int] = []
            for i in range(0, len(ids), 2):
                if i + 1 == len(ids):
                    next_ids.append(ids[i])
                    next_ends.append(ends[i])
                    continue
                next_ids.append(
                    _sha256(
                        _sha256(ids[i]).digest()
                        + _sha256(ids[i + 1]).digest()
                        + _sha256(note(ends[i])).digest()
                    ).digest()
                )
                next_ends.append(ends[i + 1])
            ids, ends = next_ids, next_ends
            self._layers.append((ids, ends))
        self.data_root: bytes = ids[0]

    @property
    def data_root_b64(self) -> str:
        return b64url_encode(self.data_root)

    @property
    def chunk_count(self) -> int:
        """Chunks to upload (the zero-length last leaf is not one)."""
        count = len(self._ranges)
        if self._ranges[-1][0] == self._ranges[-1][1]:
            count -= 1
        return count

    def chunk_hash(self, index: int) -> bytes:
        return self._hashes[index]

    def chunk_hashes(self) -> bytes:
        """Every leaf's sha256, concatenated (with :func:`chunk_ranges` they rebuild the tree)."""
        return b"".join(self._hashes)

    def proof(self, index: int) -> bytes:
        """The ``data_path`` of chunk ``index``, exactly as arweave-js builds it."""
        if not 0 <= index < len(self._ranges):
            raise IndexError(index)
        parts: list[bytes] = []
        j = index
        for ids, ends in self._layers[:-1]:
            if j % 2 == 1:
                parts.append(ids[j - 1] + ids[j] + note(ends[j - 1]))
            elif j + 1 < len(ids):
                parts.append(ids[j] + ids[j + 1] + note(ends[j]))
            j //= 2
        parts.reverse()
        parts.append(self._hashes[index] + note(self._ranges[index][1]))
        return b"".join(parts)

    def chunk(self, index: int) -> Chunk:
        if not 0 <= index < self.chunk_count:
            raise IndexError(index)
        start, end = self._ranges[index]
        return Chunk(index, start, end, self.proof(index))

    def chunks(self) -> Iterator[Chunk]:
        for index in range(self.chunk_count):
            yield self.chunk(index)


def tree_from_bytes(data: bytes) -> ChunkTree:
    """The tree of an in-memory byte string (tests, small data)."""
    view = memoryview(data)
    ranges = chunk_ranges(len(data))
    return ChunkTree(len(data), ranges, [_sha256(view[a:b]).digest() for a, b in ranges])


_GROUP = 4  # chunks per task (1 MiB)


def tree_from_file(
    path: str | os.PathLike[str],
    progress: Callable[[int], None] | None = None,
    also_sha256: bool = False,
    threads: int | None = None,
) -> tuple[ChunkTree, str | None]:
    """Read ``path`` once and build its tree, hashing its chunks on ``threads`` threads.

    The chunks are cut into tasks of 4 (1 MiB); each task reads its own range (``preadv``) into
    one buffer of a small ring and hashes its chunks there while they are in the CPU cache
    (hashlib releases the GIL), on :func:`modelgov.threads.ordered_map`'s threads; the hashes
    come back in order, so the tree (and data_root) is the same at every thread count. Memory
    stays flat: ``threads + 2`` buffers of 1 MiB plus ~64 bytes per chunk for the tree.

    Args:
        progress: called with the number of bytes hashed after each task.
        also_sha256: also return the sha256 (hex) of the whole file, from the same read
            (computed on this thread, in order: one core's worth of hashing).
        threads: None: ``--threads`` was not given (:func:`modelgov.threads.resolve_threads`).

    Raises:
        PathError: the file is missing, unreadable, or changed size while being read.
        ValidationError: ``threads`` is out of range.
        ConfigError: ``threads`` is None and ``$MODELGOV_THREADS`` is invalid.
    """
    import threading

    from modelgov.threads import FREE_WINDOW, ordered_map, pread_full, resolve_threads, window

    threads = resolve_threads(threads)
    path = Path(path)
    try:
        f = open(path, "rb", buffering=0)  # noqa: SIM115 (open's errors are told apart below)
    except IsADirectoryError as exc:
        raise PathError(f"{path} is a folder, not a file") from exc
    except FileNotFoundError as exc:
        raise PathError(f"{path} does not exist") from exc
    except PermissionError as exc:
        raise PathError(f"{path} is not readable") from exc
    whole = _sha256() if also_sha256 else None
    hashes: list[bytes] = []
    with f:
        fd = f.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PathError(f"{path} is not a regular file")
        size = os.fstat(fd).st_size
        ranges = chunk_ranges(size)
        groups = [ranges[g : g + _GROUP] for g in range(0, len(ranges), _GROUP)]
        if len(groups) == 1:
            threads = 1
        # the last two chunks may be rebalanced: a group spans at most _GROUP full chunks.
        # Without the whole-file sha256 nothing wants the bytes after their task: each thread
        # reads into its own buffer (hot in its cache) and the threads run far apart.
        local = whole is None and threads > 1
        buffers = 1 if local or threads == 1 else window(threads)
        ring = [memoryview(bytearray(_GROUP * MAX_CHUNK_SIZE)) for _ in range(buffers)]
        mine = threading.local()

        def work(
            task: tuple[int, list[tuple[int, int]]],
        ) -> tuple[memoryview, list[tuple[int, int]], list[bytes]]:
            index, group = task
            base, n = group[0][0], group[-1][1] - group[0][0]
            if local:
                mine.buf = getattr(mine, "buf", None) or memoryview(bytearray(_GROUP * MAX_CHUNK_SIZE))
                view = mine.buf[:n]
            else:
                view = ring[index % len(ring)][:n]
            if pread_full(fd, view, base) < n:
                raise PathError(f"{path} changed while it was being read")
            return view, group, [_sha256(view[a - base : b - base]).digest() for a, b in group]

        try:
            results = ordered_map(work, enumerate(groups), threads, FREE_WINDOW if local else None)
            for view, _group, digests in results:
                hashes += digests
                if whole is not None:
                    whole.update(view)
                if progress is not None and len(view):
                    progress(len(view))
            if os.fstat(fd).st_size != size:
                raise PathError(f"{path} changed while it was being read")
        except OSError as exc:
            raise PathError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return ChunkTree(size, ranges, hashes), (whole.hexdigest() if whole else None)


class ChunkHashHook:
    """The Arweave chunk hashes of one file, computed from the read that builds its UnixFS DAG
    (a :class:`modelgov.cid.dag.FileHook`; :meth:`finish` gives the file's :class:`ChunkTree`).

    Every full 256 KiB chunk but the last two lies inside one UnixFS chunk when the profile's
    chunk size is a multiple of 256 KiB: the worker that read it hashes it, except the first
    chunk of every full raw leaf, whose hash the leaf's own hash gives (:attr:`head_bytes`: a
    quarter of the hashing with 1 MiB leaves, all of it with 256 KiB ones). The last two
    chunks (rebalanced, at most 288 KiB) are copied out and hashed at the end.

    Raises:
        ValidationError: (at the first task) the UnixFS chunk size is not a multiple of 256 KiB.
    """

    #: the sha256 of each full raw leaf's first 256 KiB is that of an Arweave chunk
    head_bytes = MAX_CHUNK_SIZE

    def __init__(self, size: int) -> None:
        self.size = size
        self.ranges = chunk_ranges(size)
        self.regular = max(0, len(self.ranges) - 2)
        self.tail_start = self.ranges[-2][0] if len(self.ranges) >= 2 else 0
        self.hashes: list[bytes] = []
        self.tail = bytearray()

    def work(
        self, data: list[memoryview], offset: int, n: int, chunk_size: int, heads: list[bytes]
    ) -> tuple[list[bytes], bytes]:
        if chunk_size % MAX_CHUNK_SIZE or offset % MAX_CHUNK_SIZE:
            raise ValidationError(
                f"Arweave chunks need UnixFS chunks of a multiple of 256 KiB, not {chunk_size}"
            )
        out: list[bytes] = []
        for k in range(offset // MAX_CHUNK_SIZE, min((offset + n) // MAX_CHUNK_SIZE, self.regular)):
            j, inner = divmod(k * MAX_CHUNK_SIZE - offset, chunk_size)
            if inner == 0 and j < len(heads):  # the first 256 KiB of a full raw leaf
                out.append(heads[j])
            else:
                out.append(_sha256(data[j][inner : inner + MAX_CHUNK_SIZE]).digest())
        tail = b""
        if offset + n > self.tail_start:
            start = max(offset, self.tail_start) - offset
            pieces = []
            for j, view in enumerate(data):
                a = j * chunk_size
                b = min(a + chunk_size, n)
                if a >= n:
                    break
                if b > start:
                    pieces.append(bytes(view[max(start, a) - a : b - a]))
            tail = b"".join(pieces)
        return out, tail

    def deliver(self, result: tuple[list[bytes], bytes]) -> None:
        hashes, tail = result
        self.hashes += hashes
        self.tail += tail

    def finish(self) -> ChunkTree:
        """The file's tree.

        Raises:
            IntegrityError: the hashes do not cover the file (a bug, or the file changed).
        """
        base = self.tail_start
        tail = memoryview(self.tail)
        tail_hashes = [_sha256(tail[a - base : b - base]).digest() for a, b in self.ranges[self.regular :]]
        hashes = self.hashes + tail_hashes
        if len(hashes) != len(self.ranges) or len(self.tail) != self.size - base:
            raise IntegrityError("the Arweave chunk hashes do not cover the file")
        return ChunkTree(self.size, self.ranges, hashes)


def data_root_of_file(path: str | os.PathLike[str], threads: int | None = None) -> str:
    """The base64url data_root of a file (what ``modelgov arweave data-root`` prints).

    Raises:
        PathError, ValidationError, ConfigError: see :func:`tree_from_file`.
    """
    tree, _ = tree_from_file(path, threads=threads)
    return tree.data_root_b64


def validate_path(data_root: bytes, offset: int, data_size: int, path: bytes) -> tuple[int, int]:
    """Check a ``data_path`` against ``data_root`` for the byte at ``offset``.

    Returns:
        The ``(start, end)`` range of the chunk the proof leads to; its leaf hash is
        ``path[-64:-32]``.

    Raises:
        IntegrityError: the proof does not lead to ``data_root``.
    """

    left, right = 0, data_size
    node_id = data_root
    rest = path
    while len(rest) > HASH_SIZE + NOTE_SIZE:
        left_id, right_id = rest[:HASH_SIZE], rest[HASH_SIZE : 2 * HASH_SIZE]
        boundary_note = rest[2 * HASH_SIZE : 2 * HASH_SIZE + NOTE_SIZE]
        expected = _sha256(
            _sha256(left_id).digest() + _sha256(right_id).digest() + _sha256(boundary_note).digest()
        ).digest()
        if expected != node_id:
            raise IntegrityError("chunk proof does not match the data_root")
        boundary = int.from_bytes(boundary_note, "big")
        if offset < boundary:
            node_id, right = left_id, min(right, boundary)
        else:
            node_id, left = right_id, max(left, boundary)
        rest = rest[2 * HASH_SIZE + NOTE_SIZE :]
    if len(rest) != HASH_SIZE + NOTE_SIZE:
        raise IntegrityError("chunk proof has a malformed length")
    leaf_hash, end_note = rest[:HASH_SIZE], rest[HASH_SIZE:]
    if _sha256(_sha256(leaf_hash).digest() + _sha256(end_note).digest()).digest() != node_id:
        raise IntegrityError("chunk proof does not match the data_root")
    return left, int.from_bytes(end_note, "big")
