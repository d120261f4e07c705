"""Our UnixFS DAG builder: files and directories to dag-pb/raw blocks, byte-identical to Kubo.

Single pass, streamed, flat memory: a file is read chunk by chunk into reused buffers (with
worker threads, each worker reads and hashes its own 1 MiB ranges); each chunk is hashed
(hashlib releases the GIL) and becomes a leaf, joining the DAG in order; leaves are grouped into balanced
internal nodes of ``profile.max_links`` children as soon as a group is full, so at most
``max_links`` links per tree level are held.

Encoding (written by hand; see the dag-pb and UnixFS specs):

- dag-pb ``PBNode``: ``Links`` (field 2, repeated ``PBLink``) first, then ``Data`` (field 1).
- ``PBLink``: ``Hash`` (1, binary CID), ``Name`` (2, always written, "" for file chunks),
  ``Tsize`` (3, the child's block size plus its own children's Tsize).
- UnixFS ``Data``: ``Type`` (1), ``Data`` (2, omitted when empty), ``filesize`` (3, files only),
  ``blocksizes`` (4, repeated, not packed).

Layout rules (``ipfs add`` / ipfs-unixfs-importer "balanced"): a file of one chunk is that
leaf; otherwise leaves are batched ``max_links`` at a time into internal nodes, and those
again, until one node remains. An empty file is one empty leaf. Directories are basic UnixFS
directories with links sorted by name bytes, or HAMT sharded directories (:mod:`modelgov.cid.hamt`)
when their estimated size passes the profile's ``shard_threshold``; names starting with "." are
skipped like ``ipfs add -r`` without ``--hidden``; symlinks and special files are refused.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from modelgov.cid.profiles import Profile, get_profile
from modelgov.cid.text import DAG_PB, RAW, cid_bytes_for, cid_from_bytes
from modelgov.errors import PathError, ValidationError

#: receives every block once, children before parents: (binary CID, data parts to concatenate)
BlockSink = Callable[[bytes, Sequence[bytes | memoryview]], None]
#: receives every chunk of a file's bytes in order (e.g. a sha256 ``update``, a progress bar)
ChunkObserver = Callable[[memoryview], None]

#: bytes read per system call (a multiple of the chunk size; 1 MiB keeps them in the CPU cache)
READ_SIZE = 1024 * 1024

_UNIXFS_DIRECTORY = b"\x0a\x02\x08\x01"  # PBNode.Data = UnixFS{Type: Directory}
_EMPTY_FILE_LEAF = b"\x0a\x04\x08\x02\x18\x00"  # PBNode.Data = UnixFS{Type: File, filesize: 0}


def uvarint(n: int) -> bytes:
    """Unsigned LEB128 varint (protobuf, multiformats and CAR all use it)."""
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


@dataclass(frozen=True)
class Node:
    """A built DAG node: what a parent links to.

    Attributes:
        cid: binary CID.
        tsize: cumulative size of the node's block and all blocks below it (the link Tsize).
        size: file bytes below this node (0 for a directory).
    """

    cid: bytes
    tsize: int
    size: int

    @property
    def cid_text(self) -> str:
        return cid_from_bytes(self.cid)


@dataclass(frozen=True)
class FileEntry:
    """One file of a built directory (paths use "/" and are relative to the root)."""

    path: str
    size: int
    cid: bytes
    sha256: str | None = None


@dataclass(frozen=True)
class BuildResult:
    """The root of a build, whether it is a directory, and the files it contains."""

    root: Node
    is_dir: bool
    files: list[FileEntry] = field(default_factory=list)
    blocks: int = 0

    @property
    def cid(self) -> str:
        """The root CID as Kubo prints it."""
        return self.root.cid_text


# --- block encoders ---------------------------------------------------------------------------
def _pb_link(cid: bytes, name: bytes, tsize: int) -> bytes:
    body = b"\x0a" + uvarint(len(cid)) + cid + b"\x12" + uvarint(len(name)) + name + b"\x18" + uvarint(tsize)
    return b"\x12" + uvarint(len(body)) + body


def encode_pb_node(links: Iterable[bytes], unixfs: bytes) -> bytes:
    """A dag-pb ``PBNode``: encoded ``PBLink``s first, then ``Data`` = the UnixFS message."""
    return b"".join(links) + b"\x0a" + uvarint(len(unixfs)) + unixfs


def encode_file_node(children: Sequence[Node]) -> bytes:
    """dag-pb internal file node linking ``children`` (UnixFS File with blocksizes)."""
    total = sum(c.size for c in children)
    unixfs = b"\x08\x02\x18" + uvarint(total) + b"".join(b"\x20" + uvarint(c.size) for c in children)
    return encode_pb_node((_pb_link(c.cid, b"", c.tsize) for c in children), unixfs)


def encode_directory(entries: Sequence[tuple[bytes, Node]]) -> bytes:
    """dag-pb UnixFS directory with ``entries`` (name bytes, node), sorted by name bytes."""
    ordered = sorted(entries, key=lambda e: e[0])
    return b"".join(_pb_link(n.cid, name, n.tsize) for name, n in ordered) + _UNIXFS_DIRECTORY


@functools.lru_cache(maxsize=16)
def _leaf_parts(n: int) -> tuple[bytes, bytes]:
    """Prefix and suffix that wrap a chunk of ``n`` bytes into a dag-pb UnixFS File leaf
    (cached: every chunk but a file's last has the profile's chunk size)."""
    vn = uvarint(n)
    unixfs_len = 2 + 1 + len(vn) + n + 1 + len(vn)
    return b"\x0a" + uvarint(unixfs_len) + b"\x08\x02\x12" + vn, b"\x18" + vn


def _hash_leaf(raw: bool, version: int, chunk: memoryview | bytes) -> tuple[bytes, tuple]:
    """Hash one chunk as a leaf; returns (binary CID, block parts)."""
    if raw:
        return cid_bytes_for(1, RAW, hashlib.sha256(chunk).digest()), (chunk,)
    if len(chunk) == 0:
        return cid_bytes_for(version, DAG_PB, hashlib.sha256(_EMPTY_FILE_LEAF).digest()), (_EMPTY_FILE_LEAF,)
    prefix, suffix = _leaf_parts(len(chunk))
    h = hashlib.sha256(prefix)
    h.update(chunk)
    h.update(suffix)
    return cid_bytes_for(version, DAG_PB, h.digest()), (prefix, chunk, suffix)


def _block_size(parts: Sequence[bytes | memoryview]) -> int:
    return sum(len(p) for p in parts)


# --- files ------------------------------------------------------------------------------------
class FileDag:
    """Builds one file's DAG from its chunks, in order; call :meth:`add_leaf` then :meth:`finish`."""

    def __init__(self, profile: Profile, sink: BlockSink | None = None) -> None:
        self.profile = profile
        self.sink = sink
        self.levels: list[list[Node]] = [[]]
        self.counts: list[int] = [0]
        self.blocks = 0

    def add_chunk(self, chunk: memoryview | bytes) -> None:
        """Hash ``chunk`` (exactly ``chunk_size`` bytes except the last) and add it as a leaf."""
        cid, parts = _hash_leaf(self.profile.raw_leaves, self.profile.cid_version, chunk)
        self.add_leaf(cid, parts, len(chunk))

    def add_leaf(self, cid: bytes, parts: Sequence[bytes | memoryview], size: int) -> None:
        """Add a leaf already hashed (the two-thread mode hashes elsewhere)."""
        if self.sink is not None:
            self.sink(cid, parts)
        self.blocks += 1
        self._push(0, Node(cid, _block_size(parts), size))

    def _push(self, level: int, node: Node) -> None:
        if level == len(self.levels):
            self.levels.append([])
            self.counts.append(0)
        self.levels[level].append(node)
        self.counts[level] += 1
        if len(self.levels[level]) == self.profile.max_links:
            self._flush(level)

    def _flush(self, level: int) -> None:
        children = self.levels[level]
        self.levels[level] = []
        block = encode_file_node(children)
        cid = cid_bytes_for(self.profile.cid_version, DAG_PB, hashlib.sha256(block).digest())
        if self.sink is not None:
            self.sink(cid, (block,))
        self.blocks += 1
        self._push(level + 1, Node(cid, len(block) + sum(c.tsize for c in children), sum(c.size for c in children)))

    def finish(self) -> Node:
        """Close the tree and return its root.

        Raises:
            ValidationError: no chunk was added (an empty file must add one empty chunk).
        """
        level = 0
        while True:
            if self.counts[level] == 0:
                raise ValidationError("no chunk was added to the file DAG")
            if self.counts[level] == 1 and level == len(self.levels) - 1:
                return self.levels[level][0]
            if self.levels[level]:
                self._flush(level)
            level += 1


def _read_full(stream: BinaryIO, view: memoryview) -> int:
    """Fill ``view`` as far as the stream allows (short reads from pipes are retried)."""
    got = 0
    size = len(view)
    while got < size:
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _stream_chunks(stream: BinaryIO, size: int) -> Iterator[memoryview]:
    """Chunks of ``size`` bytes (the last may be shorter; an empty stream gives one empty chunk).

    Read with ``readinto`` into one reused buffer (several chunks per system call, no
    allocation per chunk): the caller is done with a chunk before asking for the next.
    """
    view = memoryview(bytearray(size * max(1, READ_SIZE // size)))
    first = True
    while True:
        n = _read_full(stream, view)
        if n == 0 and not first:
            return
        first = False
        for off in range(0, max(n, 1), size):
            yield view[off : min(off + size, n)]
        if n < len(view):
            return


def _feed(dag: FileDag, chunks: Iterable[memoryview | bytes], observers: tuple[ChunkObserver, ...]) -> None:
    """Hash ``chunks`` into ``dag`` in order, on this thread."""
    for chunk in chunks:
        view = chunk if isinstance(chunk, memoryview) else memoryview(chunk)
        for observe in observers:
            observe(view)
        dag.add_chunk(chunk)


#: bytes of chunks hashed per task in the threaded mode (fewer hand-offs for small chunks)
TASK_BYTES = 1024 * 1024


def _window(threads: int) -> int:
    """Tasks in flight in the threaded mode (bounded memory, workers never starve)."""
    return 2 * threads + 2


def _pread_full(fd: int, view: memoryview, offset: int) -> int:
    """Fill ``view`` from ``fd`` at ``offset`` (short reads retried); fewer bytes only at EOF."""
    got = 0
    while got < len(view):
        n = os.preadv(fd, [view[got:]], offset + got)
        if not n:
            break
        got += n
    return got


def _feed_threaded(
    dag: FileDag,
    observers: tuple[ChunkObserver, ...],
    threads: int,
    *,
    stream: BinaryIO | None = None,
    fd: int | None = None,
    length: int = 0,
) -> None:
    """Hash ``threads`` tasks of :data:`TASK_BYTES` at a time into ``dag``, leaves in order.

    A regular file (``fd`` and its ``length`` > 0): each task reads its own range (``preadv``)
    and hashes it while the bytes are still in the CPU cache. A ``stream``: this thread reads
    the tasks in order, the workers only hash. Either way this thread is one of the
    ``threads`` (it hashes every threads-th task itself: a third thread only handing out work
    cost ~10 % on 2 cores), at most :func:`_window` tasks are in flight, and each owns one of a
    ring of ``window + 1`` buffers (a buffer is reused only after its task was drained).

    Raises:
        OSError: reading failed, or the file shrank while being read.
    """
    prof = dag.profile
    size = prof.chunk_size
    task_bytes = max(1, TASK_BYTES // size) * size
    window = _window(threads)
    ring = [memoryview(bytearray(task_bytes)) for _ in range(window + 1)]

    def work(view: memoryview, offset: int | None) -> tuple[list[tuple[bytes, tuple]], memoryview]:
        if offset is not None:  # a file range this worker reads itself
            got = _pread_full(fd, view, offset)  # type: ignore[arg-type]
            if got < len(view):
                raise OSError(f"file shrank while being read ({offset + got} of {length} bytes)")
        chunks = [view[o : o + size] for o in range(0, max(len(view), 1), size)]
        return [_hash_leaf(prof.raw_leaves, prof.cid_version, c) for c in chunks], view

    pending: deque[Future] = deque()

    def drain_one() -> None:
        leaves, view = pending.popleft().result()
        for (cid, parts), off in zip(leaves, range(0, max(len(view), 1), size)):
            chunk = view[off : off + size]
            for observe in observers:
                observe(chunk)
            dag.add_leaf(cid, parts, len(chunk))

    with ThreadPoolExecutor(threads - 1, thread_name_prefix="modelgov-hash") as pool:
        for task in itertools.count():
            buf, offset = ring[task % len(ring)], task * task_bytes
            if stream is None:
                if offset >= length:
                    break
                view, args = buf[: min(task_bytes, length - offset)], (offset,)
            else:
                n = _read_full(stream, buf)
                if n == 0 and task > 0:
                    break
                view, args = buf[:n], (None,)
            if task % threads == threads - 1:
                done: Future = Future()
                done.set_result(work(view, *args))
                pending.append(done)
            else:
                pending.append(pool.submit(work, view, *args))
            if len(pending) >= window:
                drain_one()
            if stream is not None and len(view) < task_bytes:
                break
        while pending:
            drain_one()


def build_file_stream(
    stream: BinaryIO,
    profile: str | Profile | None = None,
    *,
    sink: BlockSink | None = None,
    observers: Iterable[ChunkObserver] = (),
    threads: int = 1,
) -> tuple[Node, int]:
    """Build the DAG of the bytes read from ``stream`` (binary, with ``readinto``).

    Args:
        profile: profile name or :class:`Profile` (default ``unixfs-v1-2025``).
        sink: receives every block (for a CAR); called in DAG order, children first.
        observers: receive every chunk of bytes in order (hashes, progress).
        threads: >1 hashes leaves on that many worker threads (same CIDs, for big files).

    Returns:
        (root node, number of blocks).

    Raises:
        UnknownProfileError: ``profile`` is not a known name.
        OSError: reading failed (callers turn it into :class:`PathError`).
    """
    prof = get_profile(profile)
    dag = FileDag(prof, sink)
    if threads > 1:
        _feed_threaded(dag, tuple(observers), threads, stream=stream)
    else:
        _feed(dag, _stream_chunks(stream, prof.chunk_size), tuple(observers))
    return dag.finish(), dag.blocks


# --- paths ------------------------------------------------------------------------------------
def build_path(
    path: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    sink: BlockSink | None = None,
    with_sha256: bool = False,
    on_bytes: Callable[[int], None] | None = None,
    threads: int = 1,
) -> BuildResult:
    """Build the DAG of a file or a directory tree, as ``ipfs add [-r]`` would.

    Args:
        with_sha256: also compute each file's sha256 in the same read (for manifests).
        on_bytes: called with the number of bytes after each chunk (progress bars).

    Raises:
        PathError: the path is missing or unreadable, or holds a symlink or special file.
        UnknownProfileError: ``profile`` is not a known name.
        ValidationError: two names in one directory share their whole 64-bit HAMT hash.
    """
    prof = get_profile(profile)
    root = Path(path)
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        raise PathError(f"{root}: no such file or directory") from None
    except OSError as exc:
        raise PathError(f"{root}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(root)  # a symlink named on the command line is followed, as by ipfs add
        except OSError:
            raise PathError(f"{root}: broken symlink") from None
    files: list[FileEntry] = []
    counter = [0]

    def counting_sink(cid: bytes, parts: Sequence[bytes | memoryview]) -> None:
        counter[0] += 1
        if sink is not None:
            sink(cid, parts)

    if stat.S_ISDIR(st.st_mode):
        node = _build_dir(root, "", prof, counting_sink, with_sha256, on_bytes, threads, files)
        return BuildResult(node, True, files, counter[0])
    if stat.S_ISREG(st.st_mode):
        entry, node = _build_file(root, root.name, prof, counting_sink, with_sha256, on_bytes, threads)
        files.append(entry)
        return BuildResult(node, False, files, counter[0])
    raise PathError(f"{root}: not a regular file or directory")


def _build_file(
    path: Path,
    rel: str,
    prof: Profile,
    sink: BlockSink,
    with_sha256: bool,
    on_bytes: Callable[[int], None] | None,
    threads: int,
) -> tuple[FileEntry, Node]:
    observers: list[ChunkObserver] = []
    digest = hashlib.sha256() if with_sha256 else None
    if digest is not None:
        observers.append(digest.update)
    if on_bytes is not None:
        observers.append(lambda chunk: on_bytes(len(chunk)))
    try:
        with open(path, "rb", buffering=0) as stream:
            length = os.fstat(stream.fileno()).st_size
            if threads > 1 and length > 0:
                dag = FileDag(prof, sink)
                _feed_threaded(dag, tuple(observers), threads, fd=stream.fileno(), length=length)
                node = dag.finish()
            else:
                node, _ = build_file_stream(stream, prof, sink=sink, observers=observers)
            if node.size != length or os.fstat(stream.fileno()).st_size != length:
                raise PathError(f"{path}: changed size while being read")
    except PermissionError:
        raise PathError(f"{path}: permission denied") from None
    except OSError as exc:
        raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return FileEntry(rel, node.size, node.cid, digest.hexdigest() if digest else None), node


def _build_dir(
    path: Path,
    rel: str,
    prof: Profile,
    sink: BlockSink,
    with_sha256: bool,
    on_bytes: Callable[[int], None] | None,
    threads: int,
    files: list[FileEntry],
) -> Node:
    try:
        with os.scandir(path) as it:
            dirents = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: os.fsencode(e.name))
    except PermissionError:
        raise PathError(f"{path}: permission denied") from None
    except OSError as exc:
        raise PathError(f"{path}: cannot list: {exc.strerror or exc}") from None
    entries: list[tuple[bytes, Node]] = []
    for entry in dirents:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        child = Path(entry.path)
        if entry.is_symlink():
            raise PathError(f"{child}: symlinks inside a folder are not supported")
        if entry.is_dir(follow_symlinks=False):
            node = _build_dir(child, child_rel, prof, sink, with_sha256, on_bytes, threads, files)
        elif entry.is_file(follow_symlinks=False):
            fe, node = _build_file(child, child_rel, prof, sink, with_sha256, on_bytes, threads)
            files.append(fe)
        else:
            raise PathError(f"{child}: not a regular file or directory")
        entries.append((os.fsencode(entry.name), node))
    block = encode_directory(entries)
    if entries and directory_estimate(prof, entries, block) > prof.shard_threshold:  # boxo decides in AddChild
        from modelgov.cid.hamt import build_hamt  # hamt uses this module's encoders

        cid, tsize, _ = build_hamt(entries, prof.cid_version, sink)
        return Node(cid, tsize, 0)
    cid = cid_bytes_for(prof.cid_version, DAG_PB, hashlib.sha256(block).digest())
    sink(cid, (block,))
    return Node(cid, len(block) + sum(n.tsize for _, n in entries), 0)


def directory_estimate(prof: Profile, entries: Sequence[tuple[bytes, Node]], block: bytes) -> int:
    """The size Kubo compares with ``shard_threshold`` (boxo ``needsToSwitchToHAMTDir``).

    ``links``: the sum of ``len(name) + len(cid bytes)``; ``block``: the basic directory block's
    exact size (what boxo's ``SizeEstimationBlock`` computes arithmetically).
    """
    if prof.shard_estimation == "block":
        return len(block)
    return sum(len(name) + len(n.cid) for name, n in entries)


def tree_size(path: str | os.PathLike[str]) -> int:
    """Bytes :func:`build_path` will read under ``path`` (same skipping rules; for progress bars).

    Raises:
        PathError: ``path`` does not exist.
    """
    root = Path(path)
    if not root.exists():
        raise PathError(f"{root}: no such file or directory")
    if not root.is_dir():
        return root.stat().st_size
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_size
                except OSError:
                    pass
    return total


def cid_of_path(path: str | os.PathLike[str], profile: str | Profile | None = None, threads: int = 1) -> str:
    """The CID ``ipfs add [-r]`` (with the profile's settings) prints for ``path``.

    Raises:
        PathError, UnknownProfileError, ValidationError: see :func:`build_path`.
    """
    return build_path(path, profile, threads=threads).cid


def cid_of_bytes(data: bytes, profile: str | Profile | None = None) -> str:
    """The CID of a file holding ``data``."""
    import io

    node, _ = build_file_stream(io.BytesIO(data), profile)
    return node.cid_text
