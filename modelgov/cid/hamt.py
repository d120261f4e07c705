"""UnixFS HAMT sharded directories, as Kubo (boxo ``ipld/unixfs/hamt``) builds and reads them.

A directory whose basic node would pass the profile's ``shard_threshold`` becomes a HAMT:

- The key of an entry is its name; its hash is the first 64 bits (``h1``) of MurmurHash3
  x64 128 (seed 0), big-endian, as Go's ``murmur3.New64().Sum(nil)`` gives it (multihash code
  0x22). Each level of the trie consumes ``log2(fanout)`` bits of it, most significant first
  (fanout 256: level ``k`` uses byte ``k``).
- A shard node is a dag-pb node whose UnixFS data is ``Type=HAMTShard (5)``, ``Data`` = the
  bitfield of occupied slots (big-endian, slot ``i`` is bit ``i``, leading zero bytes dropped,
  as go-bitfield's ``Bytes``), ``hashType=0x22`` and ``fanout``; its links come in slot order.
- A slot holding one entry links to it under ``"%02X" % slot + name``; a slot where several
  entries land links to a child shard (built the same way one level down) under just
  ``"%02X" % slot``. The trie is canonical: it only depends on the set of names, not on the
  order they were added in (boxo's insert splits a slot exactly when a second name lands in it).
- Link ``Tsize`` is the child's cumulative size; a shard's own is its block plus its links'.

When to shard (boxo ``io/directory.go``): the estimate is strictly greater than
``HAMTShardingSize`` (256 KiB); the estimate is either ``links`` (Kubo's default, and
IPIP-499 ``unixfs-v0-2015``): the sum of ``len(name) + len(cid bytes)``, or ``block``
(IPIP-499 ``unixfs-v1-2025``): the exact size of the basic directory block.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import mmh3

from modelgov.cid.dag import _pb_link, encode_pb_node, uvarint
from modelgov.cid.text import DAG_PB, cid_bytes_for, cid_from_bytes
from modelgov.errors import IntegrityError, ValidationError

#: multihash code of murmur3-x64-64, the only hash function UnixFS HAMTs use
HASH_MURMUR3 = 0x22
#: boxo ``DefaultShardWidth``
DEFAULT_FANOUT = 256
#: UnixFS ``Data.Type`` of a shard node
UNIXFS_HAMT_SHARD = 5
#: boxo refuses wider shards (``maximumHamtWidth``)
MAX_FANOUT = 1024

_HASH_BITS = 64


def hamt_hash(name: bytes) -> int:
    """The 64-bit HAMT hash of an entry name (``h1`` of MurmurHash3 x64 128, seed 0)."""
    return mmh3.hash64(name, seed=0, x64arch=True, signed=False)[0]


def _check_fanout(fanout: int) -> int:
    """log2(fanout); boxo wants a power of two, a multiple of 8, at most 1024."""
    if fanout < 8 or fanout > MAX_FANOUT or fanout & (fanout - 1) or fanout % 8:
        raise ValidationError(f"HAMT fanout must be a power of two between 8 and {MAX_FANOUT}, not {fanout}")
    return fanout.bit_length() - 1


def _slot(h: int, depth: int, bits: int) -> int:
    shift = _HASH_BITS - (depth + 1) * bits
    if shift < 0:
        raise ValidationError("sharded directory too deep (two names share their whole 64-bit hash)")
    return (h >> shift) & ((1 << bits) - 1)


def shard_data(bitfield: bytes, fanout: int) -> bytes:
    """The UnixFS ``Data`` message of a shard node (Type, Data, hashType, fanout)."""
    out = b"\x08" + uvarint(UNIXFS_HAMT_SHARD)
    if bitfield:
        out += b"\x12" + uvarint(len(bitfield)) + bitfield
    return out + b"\x28" + uvarint(HASH_MURMUR3) + b"\x30" + uvarint(fanout)


class ChildLike(Protocol):
    """What a shard links to: :class:`modelgov.cid.dag.Node` fits."""

    @property
    def cid(self) -> bytes: ...
    @property
    def tsize(self) -> int: ...


#: receives each shard block once, children first: (binary CID, block)
ShardSink = Callable[[bytes, Sequence[bytes]], None]


def build_hamt(
    entries: Sequence[tuple[bytes, ChildLike]],
    cid_version: int,
    sink: ShardSink | None = None,
    fanout: int = DEFAULT_FANOUT,
) -> tuple[bytes, int, int]:
    """Build the HAMT of a directory's entries (name bytes, child), as Kubo would.

    Returns:
        (binary CID of the root shard, its Tsize, number of shard blocks).

    Raises:
        ValidationError: a bad fanout, duplicate names, or two names with the same 64-bit hash.
    """
    bits = _check_fanout(fanout)
    pad = len(f"{fanout - 1:X}")
    hashed = [(hamt_hash(name), name, child) for name, child in entries]
    if len({name for _, name, _ in hashed}) != len(hashed):
        raise ValidationError("a directory cannot hold two entries with the same name")
    blocks = [0]

    def shard(items: list[tuple[int, bytes, ChildLike]], depth: int) -> tuple[bytes, int]:
        slots: dict[int, list[tuple[int, bytes, ChildLike]]] = {}
        for item in items:
            slots.setdefault(_slot(item[0], depth, bits), []).append(item)
        links: list[bytes] = []
        children_tsize = 0
        bitmap = 0
        for slot in sorted(slots):
            bitmap |= 1 << slot
            prefix = f"{slot:0{pad}X}".encode()
            group = slots[slot]
            if len(group) == 1:
                _, name, child = group[0]
                links.append(_pb_link(child.cid, prefix + name, child.tsize))
                children_tsize += child.tsize
            else:
                cid, tsize = shard(group, depth + 1)
                links.append(_pb_link(cid, prefix, tsize))
                children_tsize += tsize
        bitfield = bitmap.to_bytes(fanout // 8, "big").lstrip(b"\x00")
        block = encode_pb_node(links, shard_data(bitfield, fanout))
        cid = cid_bytes_for(cid_version, DAG_PB, hashlib.sha256(block).digest())
        if sink is not None:
            sink(cid, (block,))
        blocks[0] += 1
        return cid, len(block) + children_tsize

    cid, tsize = shard(hashed, 0)
    return cid, tsize, blocks[0]


# --- reading ----------------------------------------------------------------------------------
class LinkLike(Protocol):
    @property
    def cid(self) -> bytes: ...
    @property
    def name(self) -> bytes: ...


class ShardNodeLike(Protocol):
    """A decoded dag-pb/UnixFS node: :class:`modelgov.cid.unpack.UnixFSNode` fits."""

    # read-only members: frozen dataclasses fit
    @property
    def type(self) -> int | None: ...
    @property
    def data(self) -> bytes: ...
    @property
    def fanout(self) -> int | None: ...
    @property
    def hash_type(self) -> int | None: ...
    @property
    def links(self) -> Sequence[LinkLike]: ...


def iter_entries(
    cid: bytes,
    node: ShardNodeLike,
    load: Callable[[bytes], ShardNodeLike],
) -> Iterator[tuple[bytes, bytes]]:
    """The (name bytes, binary CID) entries of the HAMT rooted at ``node``, in link order.

    Child shards are fetched with ``load``. Everything a reader can check is checked: the
    hash function and fanout, that the bitfield names exactly the linked slots in order,
    that every name hashes to the slots it sits under, and that no name appears twice.

    Raises:
        IntegrityError: the DAG is not a well-formed UnixFS HAMT.
    """
    seen: set[bytes] = set()
    fanout = node.fanout
    yield from _walk(cid, node, load, fanout, 0, [], seen)


def _walk(
    cid: bytes,
    node: ShardNodeLike,
    load: Callable[[bytes], ShardNodeLike],
    fanout: int | None,
    depth: int,
    path: list[int],
    seen: set[bytes],
) -> Iterator[tuple[bytes, bytes]]:
    where = cid_from_bytes(cid)
    if node.type != UNIXFS_HAMT_SHARD:
        raise IntegrityError(f"block {where} inside a sharded directory is not a HAMT shard")
    if node.hash_type != HASH_MURMUR3:
        raise IntegrityError(f"HAMT shard {where} uses hash function {node.hash_type}, not murmur3 (0x22)")
    if node.fanout is None or node.fanout != fanout:
        raise IntegrityError(f"HAMT shard {where} has fanout {node.fanout}, expected {fanout}")
    try:
        bits = _check_fanout(node.fanout)
    except ValidationError as exc:
        raise IntegrityError(f"HAMT shard {where}: {exc}") from None
    if len(node.data) > node.fanout // 8:
        raise IntegrityError(f"HAMT shard {where} has a bitfield longer than its fanout")
    if (depth + 1) * bits > _HASH_BITS:
        raise IntegrityError(f"HAMT shard {where} is deeper than the 64-bit hash allows")
    pad = len(f"{node.fanout - 1:X}")
    bitmap = int.from_bytes(node.data, "big")
    slots = [i for i in range(node.fanout) if bitmap >> i & 1]
    if len(slots) != len(node.links):
        raise IntegrityError(f"HAMT shard {where}: {len(node.links)} links but {len(slots)} bits set")
    for slot, link in zip(slots, node.links, strict=True):
        prefix = f"{slot:0{pad}X}".encode()
        if link.name[:pad] != prefix:
            raise IntegrityError(
                f"HAMT shard {where}: link {link.name!r} does not match slot {prefix.decode()}"
            )
        if len(link.name) == pad:
            child = load(link.cid)
            yield from _walk(link.cid, child, load, fanout, depth + 1, [*path, slot], seen)
            continue
        name = link.name[pad:]
        h = hamt_hash(name)
        if [_slot(h, d, bits) for d in range(depth + 1)] != [*path, slot]:
            raise IntegrityError(f"HAMT shard {where}: entry {name!r} is not where its hash puts it")
        if name in seen:
            raise IntegrityError(f"HAMT shard {where}: entry {name!r} appears twice")
        seen.add(name)
        yield name, link.cid
