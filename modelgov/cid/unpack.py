"""Turn verified blocks back into files: dag-pb/UnixFS decoding and a verifying CAR unpacker.

:func:`unpack_car` is what ``modelgov fetch`` relies on: every block's hash is checked before
it is stored, the DAG must be complete, and the output appears at its final path only by a
rename once everything was written (a refused DAG leaves nothing behind).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from modelgov.cid.car import CarReader, verify_block
from modelgov.cid.hamt import iter_entries
from modelgov.cid.text import DAG_PB, RAW, _uvarint, cid_from_bytes, split_cid_bytes
from modelgov.errors import IntegrityError, InvalidCIDError, PathError

UNIXFS_RAW, UNIXFS_DIRECTORY, UNIXFS_FILE, UNIXFS_METADATA, UNIXFS_SYMLINK, UNIXFS_HAMT = range(6)


@dataclass(frozen=True)
class PBLink:
    cid: bytes
    name: bytes
    tsize: int


@dataclass(frozen=True)
class UnixFSNode:
    """A decoded dag-pb node with its UnixFS data (``type`` is ``None`` for raw leaves)."""

    type: int | None
    data: bytes
    filesize: int | None
    blocksizes: list[int]
    links: list[PBLink]
    hash_type: int | None = None
    fanout: int | None = None


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Protobuf fields: (number, wire type, value) for varint and length-delimited fields."""
    pos = 0
    end = len(buf)
    while pos < end:
        key, pos = _uvarint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _uvarint(buf, pos)
            yield num, wire, value
        elif wire == 2:
            n, pos = _uvarint(buf, pos)
            if pos + n > end:
                raise ValueError("truncated field")
            yield num, wire, buf[pos : pos + n]
            pos += n
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def decode_node(cid: bytes, data: bytes) -> UnixFSNode:
    """Decode a block as UnixFS (dag-pb) or as a raw leaf.

    Raises:
        IntegrityError: the block is not well-formed dag-pb / UnixFS.
    """
    try:
        _, codec, _, _, _ = split_cid_bytes(cid)
    except InvalidCIDError as exc:
        raise IntegrityError(str(exc)) from None
    if codec == RAW:
        return UnixFSNode(None, data, len(data), [], [])
    if codec != DAG_PB:
        raise IntegrityError(f"block {cid_from_bytes(cid)} has codec 0x{codec:x}, not dag-pb or raw")
    try:
        links: list[PBLink] = []
        unixfs = b""
        for num, wire, value in _fields(data):
            if num == 2 and wire == 2:
                h, name, tsize = b"", b"", 0
                for lnum, lwire, lvalue in _fields(value):  # type: ignore[arg-type]
                    if lnum == 1 and lwire == 2:
                        h = bytes(lvalue)
                    elif lnum == 2 and lwire == 2:
                        name = bytes(lvalue)
                    elif lnum == 3 and lwire == 0:
                        tsize = int(lvalue)
                split_cid_bytes(h)
                links.append(PBLink(h, name, tsize))
            elif num == 1 and wire == 2:
                unixfs = bytes(value)
        ftype: int | None = None
        fdata = b""
        filesize: int | None = None
        blocksizes: list[int] = []
        hash_type: int | None = None
        fanout: int | None = None
        for num, wire, value in _fields(unixfs):
            if num == 1 and wire == 0:
                ftype = int(value)
            elif num == 2 and wire == 2:
                fdata = bytes(value)
            elif num == 3 and wire == 0:
                filesize = int(value)
            elif num == 4 and wire == 0:
                blocksizes.append(int(value))
            elif num == 5 and wire == 0:
                hash_type = int(value)
            elif num == 6 and wire == 0:
                fanout = int(value)
            elif num == 4 and wire == 2:  # packed
                pos = 0
                while pos < len(value):  # type: ignore[arg-type]
                    v, pos = _uvarint(value, pos)  # type: ignore[arg-type]
                    blocksizes.append(v)
    except (ValueError, IndexError, InvalidCIDError) as exc:
        raise IntegrityError(f"block {cid_from_bytes(cid)} is not valid dag-pb: {exc}") from None
    if ftype is None:
        raise IntegrityError(f"block {cid_from_bytes(cid)} carries no UnixFS data")
    return UnixFSNode(ftype, fdata, filesize, blocksizes, links, hash_type, fanout)


class BlockSource(Protocol):
    """Where verified blocks come from: ``get(cid)`` returns a block whose hash was checked."""

    def get(self, cid: bytes) -> bytes: ...


class BlockDir:
    """A throw-away block store: one file per block under a folder (bounded memory)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, cid: bytes) -> Path:
        return self.folder / cid.hex()

    def put(self, cid: bytes, data: bytes) -> None:
        """Store a block; its hash must already have been checked (see :func:`verify_block`)."""
        self._path(cid).write_bytes(data)

    def get(self, cid: bytes) -> bytes:
        """Read a block back, re-checking its hash.

        Raises:
            IntegrityError: missing (incomplete DAG) or changed on disk.
        """
        try:
            data = self._path(cid).read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"incomplete DAG: block {cid_from_bytes(cid)} is missing") from None
        verify_block(cid, data)
        return data


def _safe_name(raw: bytes, parent: str) -> str:
    try:
        name = raw.decode()
    except UnicodeDecodeError:
        name = os.fsdecode(raw)
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise IntegrityError(f"refusing unsafe entry name {name!r} in {parent or 'the root'}")
    return name


def directory_entry(store: BlockSource, root: bytes, name: str) -> bytes | None:
    """The binary CID of entry ``name`` of the UnixFS directory ``root`` (plain or sharded), or
    None when ``root`` is not a directory or has no such entry.

    Raises:
        IntegrityError: a block is not valid dag-pb, or a shard is malformed.
    """
    node = decode_node(root, store.get(root))
    if node.type == UNIXFS_DIRECTORY:
        entries: Iterable[tuple[bytes, bytes]] = ((link.name, link.cid) for link in node.links)
    elif node.type == UNIXFS_HAMT:
        entries = iter_entries(root, node, lambda c: decode_node(c, store.get(c)))
    else:
        return None
    wanted = name.encode()
    return next((cid for raw, cid in entries if raw == wanted), None)


def file_pieces(store: BlockSource, cid: bytes) -> Iterator[bytes]:
    """The bytes of the UnixFS file ``cid``, leaf by leaf, each node's declared sizes checked.

    Raises:
        IntegrityError: ``cid`` is not a file, or its sizes are inconsistent.
    """
    return _file_pieces(store, cid)


def _file_pieces(store: BlockSource, cid: bytes) -> Iterator[bytes]:
    """The bytes of a UnixFS file, leaf by leaf, checking each node's declared sizes."""
    node = decode_node(cid, store.get(cid))
    if node.type not in (None, UNIXFS_FILE, UNIXFS_RAW):
        raise IntegrityError(f"block {cid_from_bytes(cid)} is not part of a file")
    if node.data:
        yield node.data
    if node.links and node.blocksizes and len(node.blocksizes) != len(node.links):
        raise IntegrityError(f"file node {cid_from_bytes(cid)} has inconsistent blocksizes")
    for i, link in enumerate(node.links):
        got = 0
        for piece in _file_pieces(store, link.cid):
            got += len(piece)
            yield piece
        if node.blocksizes and got != node.blocksizes[i]:
            raise IntegrityError(f"file node {cid_from_bytes(cid)}: child {i} holds {got} bytes, "
                                 f"declared {node.blocksizes[i]}")


def _write_tree(store: BlockDir, cid: bytes, target: Path, rel: str) -> tuple[int, int]:
    """Write the node ``cid`` at ``target``; returns (files, bytes)."""
    node = decode_node(cid, store.get(cid))
    if node.type in (UNIXFS_DIRECTORY, UNIXFS_HAMT):
        if node.type == UNIXFS_DIRECTORY:
            entries: Iterable[tuple[bytes, bytes]] = ((link.name, link.cid) for link in node.links)
        else:  # sharded: the entries sit in the leaves of the shard trie
            entries = iter_entries(cid, node, lambda c: decode_node(c, store.get(c)))
        target.mkdir()
        files = size = 0
        for raw_name, child in entries:
            name = _safe_name(raw_name, rel)
            f, s = _write_tree(store, child, target / name, f"{rel}/{name}" if rel else name)
            files += f
            size += s
        return files, size
    if node.type in (None, UNIXFS_FILE, UNIXFS_RAW):
        written = 0
        with open(target, "xb") as out:
            for piece in _file_pieces(store, cid):
                out.write(piece)
                written += len(piece)
        if node.filesize is not None and written != node.filesize:
            raise IntegrityError(f"{rel or target.name}: {written} bytes, DAG declares {node.filesize}")
        return 1, written
    if node.type == UNIXFS_SYMLINK:
        raise IntegrityError(f"refusing symlink entry {rel!r}")
    raise IntegrityError(f"unsupported UnixFS node type {node.type}")


@dataclass(frozen=True)
class UnpackResult:
    cid: str
    path: Path
    blocks: int
    files: int
    bytes: int


def unpack_car(stream: BinaryIO, root: bytes, out: str | os.PathLike[str], *,
               threads: int | None = None) -> UnpackResult:
    """Verify a CAR stream holding the DAG of ``root`` and write its content at ``out``.

    ``out`` becomes the directory (or the file) that ``root`` is; it must not exist yet.
    Everything is first written beside it in a hidden temporary folder and renamed at the end.
    ``threads`` hash the blocks (None: :func:`modelgov.threads.resolve_threads`).

    Raises:
        ValidationError, ConfigError: ``threads`` (or ``$MODELGOV_THREADS``) is out of range.
        PathError: ``out`` exists or its folder is not writable.
        IntegrityError: bad CAR, a block not matching its hash, a wrong root, a missing block,
            sizes that do not add up, unsafe names.
    """
    target = Path(out)
    if target.exists() or target.is_symlink():
        raise PathError(f"{target} already exists; choose a new output path")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.fetch-", dir=parent))
    except OSError as exc:
        raise PathError(f"{parent}: cannot write: {exc.strerror or exc}") from None
    try:
        from modelgov.threads import resolve_threads

        reader = CarReader(stream, resolve_threads(threads))
        if root not in reader.roots:
            got = ", ".join(cid_from_bytes(r) for r in reader.roots) or "none"
            raise IntegrityError(f"CAR roots are {got}, expected {cid_from_bytes(root)}")
        store = BlockDir(tmp / "blocks")
        blocks = 0
        for cid, data in reader:  # each block verified by the reader
            store.put(cid, data)
            blocks += 1
        if blocks == 0:
            raise IntegrityError(f"no blocks received for {cid_from_bytes(root)} (not available there)")
        files, size = _write_tree(store, root, tmp / "content", "")
        os.rename(tmp / "content", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return UnpackResult(cid_from_bytes(root), target, blocks, files, size)


def unpack_car_file(
    car: str | os.PathLike[str], out: str | os.PathLike[str], root: bytes | None = None
) -> UnpackResult:
    """:func:`unpack_car` from a CAR file (root: the CAR's first root when not given).

    Raises:
        PathError, IntegrityError: see :func:`unpack_car`.
    """
    try:
        f = open(car, "rb")  # noqa: SIM115
    except OSError as exc:
        raise PathError(f"{car}: cannot read: {exc.strerror or exc}") from None
    with f:
        if root is None:
            roots = CarReader(f).roots
            if not roots:
                raise IntegrityError(f"{car} names no root")
            root = roots[0]
            f.seek(0)
        return unpack_car(f, root, out)
