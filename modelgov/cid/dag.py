"""Our UnixFS DAG builder: files and directories to dag-pb/raw blocks, byte-identical to Kubo.

Single pass, streamed, flat memory: a file is read in 1 MiB tasks into a ring of reused
buffers; on every core by default (:mod:`modelgov.threads`), each worker reads its own range
and hashes its leaves with one hashlib call per leaf block (hashlib releases the GIL); the
leaves join the DAG in order; leaves are grouped into balanced internal nodes of
``profile.max_links`` children as soon as a group is full, so at most ``max_links`` links per
tree level are held. The blocks, and so the CIDs, are the same at every thread count.

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

import contextlib
import functools
import hashlib
import itertools
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypedDict, TypeVar

from modelgov.cid.profiles import Profile, get_profile
from modelgov.cid.text import DAG_PB, RAW, cid_bytes_for, cid_from_bytes
from modelgov.errors import PathError, ValidationError

#: receives every block once, children before parents: (binary CID, data parts to concatenate)
BlockSink = Callable[[bytes, Sequence[bytes | memoryview]], None]
#: receives every chunk of a file's bytes in order (e.g. a sha256 ``update``, a progress bar)
ChunkObserver = Callable[[memoryview], None]

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
    tsize: int = 0
    extra: Any = None  # what a FileHook computed from the same read (e.g. Arweave chunk hashes)


#: what a hook's :meth:`FileHook.work` gives its :meth:`FileHook.deliver` (per task)
W = TypeVar("W")
#: what a hook's :meth:`FileHook.finish` gives (``FileEntry.extra``)
E_co = TypeVar("E_co", covariant=True)


class FileHook(Protocol[W, E_co]):
    """More digests of a file's bytes from the same read as its DAG (one per file).

    :meth:`work` runs on the thread that read a task (in parallel, under no order), on the
    task's chunk views: ``data[j]`` holds file bytes ``[offset + j * chunk_size, ...)``, ``n``
    bytes in all. :meth:`deliver` gets its results on the building thread, in file order;
    :meth:`finish` gives the file's ``FileEntry.extra``.

    :attr:`head_bytes` (0: none; at most the chunk size) asks for the sha256 of the first
    ``head_bytes`` bytes of every full chunk: with raw leaves a leaf's block is its chunk, so
    that digest is the leaf hash's midstate there, finalised (a copy and one more block, not a
    second pass over those bytes); it comes as ``heads[j]`` for the full chunks ``data[j]``.
    ``heads`` is empty with dag-pb leaves (a leaf block starts with its protobuf prefix).
    """

    head_bytes: int

    def work(self, data: list[memoryview], offset: int, n: int, chunk_size: int, heads: list[bytes]) -> W: ...

    def deliver(self, result: W) -> None: ...

    def finish(self) -> E_co: ...


#: makes the hook of a file of the given size (build_path's ``file_hook``)
FileHookFactory = Callable[[int], "FileHook[Any, object]"]


class BuildOptions(TypedDict, total=False):
    """Keywords of :func:`build_path` that callers pass through (``write_car``, the pipeline)."""

    with_sha256: bool
    file_hook: FileHookFactory | None
    cache: FileCache | None


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


def _hash_leaf(
    raw: bool, version: int, chunk: memoryview | bytes
) -> tuple[bytes, tuple[bytes | memoryview, ...]]:
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
@functools.lru_cache(maxsize=4096)
def _link_parts(cid_len: int, tsize: int) -> tuple[bytes, bytes]:
    """What comes before and after a child's CID in an unnamed file ``PBLink`` (cached: in a
    file, almost every link has the same CID length and Tsize)."""
    body_len = 1 + len(uvarint(cid_len)) + cid_len + 2 + 1 + len(uvarint(tsize))
    return b"\x12" + uvarint(body_len) + b"\x0a" + uvarint(cid_len), b"\x12\x00\x18" + uvarint(tsize)


@functools.lru_cache(maxsize=4096)
def _blocksize(size: int) -> bytes:
    return b"\x20" + uvarint(size)


#: a link of a file node as FileDag keeps it: (binary CID, Tsize, file bytes below)
_Link = tuple[bytes, int, int]


def _encode_file_links(children: Sequence[_Link]) -> bytes:
    """:func:`encode_file_node` of links kept as tuples (the hot path: cached link parts)."""
    links = []
    sizes = []
    total = 0
    for cid, tsize, size in children:
        pre, post = _link_parts(len(cid), tsize)
        links.append(pre)
        links.append(cid)
        links.append(post)
        sizes.append(_blocksize(size))
        total += size
    unixfs = b"\x08\x02\x18" + uvarint(total) + b"".join(sizes)
    return b"".join(links) + b"\x0a" + uvarint(len(unixfs)) + unixfs


class FileDag:
    """Builds one file's DAG from its chunks, in order; call :meth:`add_leaf` (or
    :meth:`add_leaves`) then :meth:`finish`.

    Links are kept as plain tuples and file nodes encoded from cached link parts: the per-leaf
    Python work runs under the GIL, so with many hashing threads it bounds the scaling.
    """

    def __init__(self, profile: Profile, sink: BlockSink | None = None) -> None:
        self.profile = profile
        self.sink = sink
        self.levels: list[list[_Link]] = [[]]
        self.counts: list[int] = [0]
        self.blocks = 0
        self._max = profile.max_links
        self._prefix = cid_bytes_for(profile.cid_version, DAG_PB, b"")

    def add_chunk(self, chunk: memoryview | bytes) -> None:
        """Hash ``chunk`` (exactly ``chunk_size`` bytes except the last) and add it as a leaf."""
        cid, parts = _hash_leaf(self.profile.raw_leaves, self.profile.cid_version, chunk)
        self.add_leaf(cid, parts, len(chunk))

    def add_leaf(self, cid: bytes, parts: Sequence[bytes | memoryview], size: int) -> None:
        """Add a leaf already hashed (the threaded mode hashes elsewhere)."""
        if self.sink is not None:
            self.sink(cid, parts)
        self.blocks += 1
        self._push(0, (cid, _block_size(parts), size))

    def add_leaves(self, cids: Sequence[bytes], block_size: int, size: int) -> None:
        """Add leaves already hashed whose blocks all have ``block_size`` bytes holding ``size``
        file bytes (full chunks), in order. The sink is not called: use :meth:`add_leaf` with one.
        """
        level = self.levels[0]
        self.blocks += len(cids)
        self.counts[0] += len(cids)
        for cid in cids:
            level.append((cid, block_size, size))
            if len(level) == self._max:
                self._flush(0)
                level = self.levels[0]

    def _push(self, level: int, node: _Link) -> None:
        if level == len(self.levels):
            self.levels.append([])
            self.counts.append(0)
        self.levels[level].append(node)
        self.counts[level] += 1
        if len(self.levels[level]) == self._max:
            self._flush(level)

    def _flush(self, level: int) -> None:
        children = self.levels[level]
        self.levels[level] = []
        block = _encode_file_links(children)
        cid = self._prefix + hashlib.sha256(block).digest()
        if self.sink is not None:
            self.sink(cid, (block,))
        self.blocks += 1
        tsize = len(block)
        size = 0
        for _, t, n in children:
            tsize += t
            size += n
        self._push(level + 1, (cid, tsize, size))

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
                return Node(*self.levels[level][0])
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


#: file bytes per task: a worker reads and hashes one task while its bytes are in the CPU cache
TASK_BYTES = 1024 * 1024


class _TaskBuffer:
    """One reusable task buffer, laid out so that every full leaf *block* is contiguous.

    For dag-pb leaves each slot is ``prefix | chunk | suffix`` (the prefix and suffix written
    once, when the buffer is made): the file's bytes are scatter-read (``preadv``) straight into
    the chunk areas, and a leaf is then hashed with ONE hashlib call over its slot. (Hashing
    prefix, chunk and suffix in three calls releases and re-takes the GIL twice per chunk: once a
    hashlib object has hashed a big buffer, every later ``update`` releases the GIL, even for
    the 6-byte suffix.) Raw leaves have an empty prefix and suffix: the slots are the chunks.
    """

    __slots__ = ("data", "slots")

    def __init__(self, chunks: int, size: int, prefix: bytes, suffix: bytes) -> None:
        width = len(prefix) + size + len(suffix)
        buf = bytearray(width * chunks)
        view = memoryview(buf)
        self.slots: list[memoryview] = []
        self.data: list[memoryview] = []
        for j in range(chunks):
            slot = view[j * width : (j + 1) * width]
            slot[: len(prefix)] = prefix
            slot[width - len(suffix) :] = suffix
            self.slots.append(slot)
            self.data.append(slot[len(prefix) : len(prefix) + size])


def _feed_tasks(
    dag: FileDag,
    observers: tuple[ChunkObserver, ...],
    threads: int,
    *,
    stream: BinaryIO | None = None,
    fd: int | None = None,
    length: int = 0,
    on_bytes: Callable[[int], None] | None = None,
    hook: FileHook[Any, object] | None = None,
) -> None:
    """Hash a file's leaves in tasks of :data:`TASK_BYTES` on ``threads`` threads, in order.

    A regular file (``fd`` and its ``length``): each task scatter-reads its own range into its
    buffer (``preadv``, on the thread that hashes it). A ``stream``: this thread reads the tasks
    in order, the workers only hash. Tasks run through :func:`modelgov.threads.ordered_map`
    (this thread helps whenever the next result is not ready); each owns one buffer of a ring
    of :func:`~modelgov.threads.window` buffers, except when nothing wants the bytes after
    their task (no sink, observer or hook: ``cid``, root-CID passes): then each thread reads
    into its own buffer, kept hot in its cache, and up to
    :data:`~modelgov.threads.FREE_WINDOW` tasks may be in flight. What runs under the GIL is per task in the
    workers (the hash calls and one list of CIDs); this thread adds the leaves (in bulk when no
    sink or observer wants each one) and tells ``on_bytes`` the bytes of each task. A ``hook``
    computes more digests from each task's bytes on the worker that read them (with raw leaves,
    the digests of its chunk heads from the leaf hashes: :attr:`FileHook.head_bytes`).

    Raises:
        OSError: reading failed, or the file shrank while being read.
    """
    import threading

    from modelgov.threads import FREE_WINDOW, ordered_map, pread_full, window

    prof = dag.profile
    size = prof.chunk_size
    raw = prof.raw_leaves
    per_task = max(1, TASK_BYTES // size)
    task_bytes = per_task * size
    if raw:
        prefix, suffix = b"", b""
        head = bytes((1, RAW, 0x12, 32))
    else:
        prefix, suffix = _leaf_parts(size)
        head = b"\x12\x20" if prof.cid_version == 0 else bytes((1, DAG_PB, 0x12, 32))
    if stream is None and length <= task_bytes:
        threads = 1  # one task: no pool
    # nothing wants the bytes after their task (no sink, observer or hook): each thread reads
    # into its own buffer, hot in its cache, and the threads run far apart (large window)
    local = stream is None and not observers and dag.sink is None and hook is None and threads > 1
    buffers = 1 if local or threads == 1 else window(threads)
    ring = [_TaskBuffer(per_task, size, prefix, suffix) for _ in range(buffers)]
    mine = threading.local()
    sha = hashlib.sha256
    # raw leaves: the hook's chunk heads come from the leaf hashes (see FileHook.head_bytes)
    cut = min(hook.head_bytes, size) if hook is not None and raw else 0

    def leaves(slots: list[memoryview]) -> tuple[list[bytes], list[bytes]]:
        """The full leaves' CIDs and, when ``cut``, the sha256 of each one's first ``cut`` bytes."""
        if not cut:
            return [head + sha(slot).digest() for slot in slots], []
        if cut == size:
            heads = [sha(slot).digest() for slot in slots]
            return [head + d for d in heads], heads
        cids, heads = [], []
        for slot in slots:
            h = sha(slot[:cut])
            heads.append(h.copy().digest())
            h.update(slot[cut:])
            cids.append(head + h.digest())
        return cids, heads

    def tasks() -> Iterator[tuple[_TaskBuffer, int, int]]:
        for task in itertools.count():
            buf = ring[task % len(ring)]
            if stream is None:
                offset = task * task_bytes
                if offset >= length and task > 0:
                    return
                yield buf, offset, min(task_bytes, length - offset)
            else:
                n = 0
                for data in buf.data:
                    got = _read_full(stream, data)
                    n += got
                    if got < size:
                        break
                if n == 0 and task > 0:
                    return
                yield buf, -1 - task * task_bytes, n  # negative: already read (offset -1 - value)
                if n < task_bytes:
                    return

    def work(task: tuple[_TaskBuffer, int, int]) -> tuple[_TaskBuffer, int, list[bytes], Any, Any]:
        buf, offset, n = task
        if local:
            buf = getattr(mine, "buf", None) or _TaskBuffer(per_task, size, prefix, suffix)
            mine.buf = buf
        full = n // size
        if offset < 0:  # read by the stream reader
            offset = -1 - offset
        elif n:
            want = buf.data[:full] + ([buf.data[full][: n - full * size]] if n % size else [])
            got = pread_full(fd, want, offset)  # type: ignore[arg-type]
            if got < n:
                raise OSError(f"file shrank while being read ({offset + got} of {length} bytes)")
        cids, heads = leaves(buf.slots[:full])
        extra = hook.work(buf.data, offset, n, size, heads) if hook is not None else None
        tail = None
        if n % size or n == 0:  # the file's last, short chunk (or the one empty chunk)
            rest = n - full * size
            tail = (*_hash_leaf(raw, prof.cid_version, buf.data[full][:rest]), rest)
        return buf, n, cids, extra, tail

    block_size = len(prefix) + size + len(suffix)
    sink = dag.sink
    for buf, n, cids, extra, tail in ordered_map(work, tasks(), threads, FREE_WINDOW if local else None):
        if hook is not None:
            hook.deliver(extra)
        full = len(cids)
        if observers or sink is not None:
            for j in range(full):
                for observe in observers:
                    observe(buf.data[j])
                dag.add_leaf(cids[j], (buf.slots[j],), size)
        else:
            dag.add_leaves(cids, block_size, size)
        if tail is not None:  # parts are views of buf: still valid unless local (no sink then)
            cid, parts, rest = tail
            for observe in observers:
                observe(buf.data[full][:rest])
            dag.add_leaf(cid, parts, rest)
        if on_bytes is not None and n:
            on_bytes(n)


def build_file_stream(
    stream: BinaryIO,
    profile: str | Profile | None = None,
    *,
    sink: BlockSink | None = None,
    observers: Iterable[ChunkObserver] = (),
    threads: int | None = 1,
) -> tuple[Node, int]:
    """Build the DAG of the bytes read from ``stream`` (binary, with ``readinto``).

    Args:
        profile: profile name or :class:`Profile` (default ``unixfs-v1-2025``).
        sink: receives every block (for a CAR); called in DAG order, children first.
        observers: receive every chunk of bytes in order (hashes, progress).
        threads: hash leaves on that many threads (same CIDs); None: see
            :func:`modelgov.threads.resolve_threads`.

    Returns:
        (root node, number of blocks).

    Raises:
        UnknownProfileError: ``profile`` is not a known name.
        ValidationError: ``threads`` is out of range.
        ConfigError: ``threads`` is None and ``$MODELGOV_THREADS`` is invalid.
        OSError: reading failed (callers turn it into :class:`PathError`).
    """
    from modelgov.threads import resolve_threads

    prof = get_profile(profile)
    dag = FileDag(prof, sink)
    _feed_tasks(dag, tuple(observers), resolve_threads(threads), stream=stream)
    return dag.finish(), dag.blocks


# --- paths ------------------------------------------------------------------------------------
def build_path(
    path: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    sink: BlockSink | None = None,
    with_sha256: bool = False,
    on_bytes: Callable[[int], None] | None = None,
    threads: int | None = None,
    file_hook: FileHookFactory | None = None,
    cache: FileCache | None = None,
) -> BuildResult:
    """Build the DAG of a file or a directory tree, as ``ipfs add [-r]`` would.

    Args:
        with_sha256: also compute each file's sha256 in the same read (for manifests).
        on_bytes: called with the number of bytes after each task of 1 MiB (progress bars).
        threads: hash leaves on that many threads (same CIDs and blocks); None: ``--threads``
            was not given: :func:`modelgov.threads.resolve_threads` (``$MODELGOV_THREADS``,
            else every core).
        file_hook: makes, per file, a :class:`FileHook` computing more digests from the same
            read (its result is ``FileEntry.extra``).
        cache: digests of files read before: a file whose size, mtime and inode are those
            recorded is not read again (only without ``sink``: blocks need the bytes); every
            file read is recorded in it.

    Raises:
        PathError: the path is missing or unreadable, or holds a symlink or special file.
        UnknownProfileError: ``profile`` is not a known name.
        ValidationError: two names in one directory share their whole 64-bit HAMT hash, or
            ``threads`` is out of range.
        ConfigError: ``threads`` is None and ``$MODELGOV_THREADS`` is invalid.
    """
    from modelgov.threads import resolve_threads

    prof = get_profile(profile)
    threads = resolve_threads(threads)
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
    ctx = _Build(prof, sink, with_sha256, on_bytes, threads, file_hook, cache)
    if stat.S_ISDIR(st.st_mode):
        node = _build_dir(root, "", ctx)
        return BuildResult(node, True, ctx.files, ctx.blocks)
    if stat.S_ISREG(st.st_mode):
        entry, node = _build_file(root, root.name, ctx)
        ctx.files.append(entry)
        return BuildResult(node, False, ctx.files, ctx.blocks)
    raise PathError(f"{root}: not a regular file or directory")


class _Build:
    """What one :func:`build_path` call shares across its files and folders."""

    def __init__(self, prof: Profile, sink: BlockSink | None, with_sha256: bool,
                 on_bytes: Callable[[int], None] | None, threads: int,
                 file_hook: FileHookFactory | None = None, cache: FileCache | None = None) -> None:
        self.file_hook = file_hook
        self.cache = cache
        self.prof = prof
        self.sink = sink  # None: file DAGs take the fast path (no per-leaf call)
        self.with_sha256 = with_sha256
        self.on_bytes = on_bytes
        self.threads = threads
        self.files: list[FileEntry] = []
        self.blocks = 0

    def dir_sink(self, cid: bytes, parts: Sequence[bytes | memoryview]) -> None:
        """Counts (and forwards) directory and HAMT blocks; file DAGs count their own."""
        self.blocks += 1
        if self.sink is not None:
            self.sink(cid, parts)


def _build_file(path: Path, rel: str, ctx: _Build) -> tuple[FileEntry, Node]:
    if ctx.cache is not None and ctx.sink is None:
        hit = ctx.cache.lookup(path, ctx.prof, ctx.with_sha256, ctx.file_hook is not None)
        if hit is not None:
            if ctx.on_bytes is not None and hit.size:
                ctx.on_bytes(hit.size)
            entry = FileEntry(rel, hit.size, hit.cid, hit.sha256, hit.tsize, hit.extra)
            return entry, Node(hit.cid, hit.tsize, hit.size)
    observers: list[ChunkObserver] = []
    digest = hashlib.sha256() if ctx.with_sha256 else None
    if digest is not None:
        observers.append(digest.update)
    try:
        with open(path, "rb", buffering=0) as stream:
            st = os.fstat(stream.fileno())
            length = st.st_size
            hook = ctx.file_hook(length) if ctx.file_hook is not None else None
            dag = FileDag(ctx.prof, ctx.sink)
            _feed_tasks(dag, tuple(observers), ctx.threads, fd=stream.fileno(), length=length,
                        on_bytes=ctx.on_bytes, hook=hook)
            node = dag.finish()
            ctx.blocks += dag.blocks
            after = os.fstat(stream.fileno())
            if node.size != length or after.st_size != length:
                raise PathError(f"{path}: changed size while being read")
    except PermissionError:
        raise PathError(f"{path}: permission denied") from None
    except OSError as exc:
        raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
    entry = FileEntry(rel, node.size, node.cid, digest.hexdigest() if digest else None, node.tsize,
                      hook.finish() if hook is not None else None)
    if ctx.cache is not None and after.st_mtime_ns == st.st_mtime_ns:
        ctx.cache.record(path, after, ctx.prof, entry)
    return entry, node


class FileCache(Protocol):
    """Digests of files already read, valid while a file provably has not changed
    (:class:`modelgov.pipeline.DigestCache`)."""

    def lookup(self, path: Path, prof: Profile, need_sha256: bool, need_extra: bool) -> FileEntry | None:
        """The entry recorded for ``path`` (``FileEntry.path`` unset) if its size, mtime and
        inode are still those recorded and it holds what is needed; else None."""
        ...

    def record(self, path: Path, st: os.stat_result, prof: Profile, entry: FileEntry) -> None:
        """Remember ``entry`` as the digests of ``path`` in state ``st``."""
        ...


def _build_dir(path: Path, rel: str, ctx: _Build) -> Node:
    prof = ctx.prof
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
            node = _build_dir(child, child_rel, ctx)
        elif entry.is_file(follow_symlinks=False):
            fe, node = _build_file(child, child_rel, ctx)
            ctx.files.append(fe)
        else:
            raise PathError(f"{child}: not a regular file or directory")
        entries.append((os.fsencode(entry.name), node))
    block = encode_directory(entries)
    # boxo decides in AddChild
    if entries and directory_estimate(prof, entries, block) > prof.shard_threshold:
        from modelgov.cid.hamt import build_hamt  # hamt uses this module's encoders

        cid, tsize, _ = build_hamt(entries, prof.cid_version, ctx.dir_sink)
        return Node(cid, tsize, 0)
    cid = cid_bytes_for(prof.cid_version, DAG_PB, hashlib.sha256(block).digest())
    ctx.dir_sink(cid, (block,))
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
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def cid_of_path(path: str | os.PathLike[str], profile: str | Profile | None = None,
                threads: int | None = None) -> str:
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
