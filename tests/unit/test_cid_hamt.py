"""HAMT sharded directories (modelgov.cid.hamt) against ipfs-unixfs-importer and the js-ipfs node.

The importer is told each profile's size estimation (``links-bytes`` for Kubo's default,
``block-bytes`` for IPIP-499 ``unixfs-v1-2025``). It only counts *files* in its estimate (a
subdirectory has no CID yet when it decides) where Kubo counts every link, so the cases here
keep subdirectory links away from the threshold; Kubo's rule is the one modelgov follows.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import IPFSNode, job_for
from modelgov.cid import PROFILES, Profile, build_file_stream, build_path, cid_of_path, get_profile, normalize
from modelgov.cid.car import CarWriter, read_car, write_car
from modelgov.cid.dag import Node, _pb_link, directory_estimate, encode_directory
from modelgov.cid.hamt import UNIXFS_HAMT_SHARD, build_hamt, hamt_hash, iter_entries, shard_data
from modelgov.cid.text import DAG_PB, cid_bytes_for
from modelgov.cid.unpack import UNIXFS_DIRECTORY, decode_node, unpack_car_file
from modelgov.cli import cli
from modelgov.errors import IntegrityError

PROFILE_LIST = [get_profile(n) for n in PROFILES]


def ref_job(profile: Profile, path: Path) -> dict[str, object]:
    """A reference job with the profile's HAMT estimation and threshold."""
    strategy = "block-bytes" if profile.shard_estimation == "block" else "links-bytes"
    return job_for(profile, path=str(path), shardSplitStrategy=strategy,
                   shardSplitThresholdBytes=profile.shard_threshold)


def root_type(path: Path, profile: Profile) -> int | None:
    """UnixFS type of the root block ``build_path`` makes for ``path``."""
    blocks: dict[bytes, bytes] = {}
    result = build_path(path, profile, sink=lambda cid, parts: blocks.setdefault(cid, b"".join(parts)))
    return decode_node(result.root.cid, blocks[result.root.cid]).type


def empty_file(profile: Profile) -> Node:
    return build_file_stream(io.BytesIO(b""), profile)[0]


def names_for(profile: Profile, estimate: int) -> list[str]:
    """Distinct long names of empty files whose directory estimate is exactly ``estimate``.

    Every name is 200..255 bytes, where one more byte of name adds exactly one byte to both
    estimates (no varint length changes), so the remainder is spread a byte at a time.
    """
    child = empty_file(profile)

    def est(names: list[str]) -> int:
        entries = [(n.encode(), child) for n in names]
        return directory_estimate(profile, entries, encode_directory(entries))

    base = 235
    one = est(["x" * base]) - est([])
    count = (estimate - est([])) // one
    names = [f"{i:05}-" + "n" * (base - 6) for i in range(count)]
    left = estimate - est(names)
    i = 0
    while left > 0:
        grow = min(left, 20)
        names[i] += "m" * grow
        left -= grow
        i += 1
    assert est(names) == estimate
    return names


def make_files(folder: Path, names: list[str], content: Callable[[int], bytes] = lambda i: b"") -> Path:
    folder.mkdir(parents=True)
    for i, name in enumerate(names):
        (folder / name).write_bytes(content(i))
    return folder


# --- the threshold, exactly ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def threshold_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Profile, Path, bool]]:
    """For each profile: a folder exactly at the threshold (basic) and one byte above (HAMT)."""
    root = tmp_path_factory.mktemp("threshold")
    out = []
    for prof in PROFILE_LIST:
        names = names_for(prof, prof.shard_threshold)
        out.append((prof, make_files(root / f"{prof.name}-at", names), False))
        names[-1] += "+"
        out.append((prof, make_files(root / f"{prof.name}-above", names), True))
    return out


def test_threshold_is_strictly_above(threshold_dirs, js_reference) -> None:  # type: ignore[no-untyped-def]
    ours = [cid_of_path(path, prof) for prof, path, _ in threshold_dirs]
    assert ours == js_reference([ref_job(prof, path) for prof, path, _ in threshold_dirs])
    for prof, path, sharded in threshold_dirs:
        assert root_type(path, prof) == (UNIXFS_HAMT_SHARD if sharded else UNIXFS_DIRECTORY), (prof.name, path)


def test_estimation_modes_differ_where_kubo_does(tmp_path: Path) -> None:
    """The same folder: basic under ``links`` (v0), sharded under ``block`` (IPIP-499 v1)."""
    v1 = get_profile("unixfs-v1-2025")
    v1_links = replace(v1, shard_estimation="links")
    folder = make_files(tmp_path / "d", names_for(v1_links, v1.shard_threshold - 1000))
    assert root_type(folder, v1_links) == UNIXFS_DIRECTORY
    assert root_type(folder, v1) == UNIXFS_HAMT_SHARD


# --- nested ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sharded folder holding a sharded folder, a small basic folder and files with content."""
    root = tmp_path_factory.mktemp("nested") / "model"
    names = [f"{i:05}-" + "w" * 240 for i in range(1100)]
    make_files(root, names, lambda i: (b"%d" % i) * (i % 4))
    make_files(root / "zz-shards", [f"{i:05}-" + "s" * 240 for i in range(1100)], lambda i: b"x" * (i % 3))
    make_files(root / "zz-shards" / "inner", ["a.txt", "b.bin"], lambda i: b"inner %d" % i)
    make_files(root / "small", ["config.json", "Ünïcode"], lambda i: b"{}" if i == 0 else "é".encode())
    (root / "empty-dir").mkdir()
    return root


def test_nested_sharded_dirs_match_importer(nested: Path, js_reference) -> None:  # type: ignore[no-untyped-def]
    assert [cid_of_path(nested, p) for p in PROFILE_LIST] == js_reference([ref_job(p, nested) for p in PROFILE_LIST])
    for prof in PROFILE_LIST:
        assert root_type(nested, prof) == UNIXFS_HAMT_SHARD
        assert root_type(nested / "zz-shards", prof) == UNIXFS_HAMT_SHARD
        assert root_type(nested / "small", prof) == UNIXFS_DIRECTORY


# --- collisions -----------------------------------------------------------------------------------
@cache
def colliding_groups() -> tuple[tuple[str, ...], ...]:
    """Names whose hashes share their first 1, 2 or 3 bytes (shards 2, 3 and 4 levels deep)."""
    by_prefix: dict[int, list[str]] = {}
    for i in range(60_000):
        name = f"c{i}"
        by_prefix.setdefault(hamt_hash(name.encode()) >> 40, []).append(name)
    deep = [tuple(g) for g in by_prefix.values() if len(g) > 1][:6]
    by16: dict[int, list[str]] = {}
    for i in range(3000):
        name = f"m{i}"
        by16.setdefault(hamt_hash(name.encode()) >> 48, []).append(name)
    mid = [tuple(g) for g in by16.values() if len(g) > 1][:10]
    assert len(deep) >= 3 and len(mid) >= 5
    return tuple(deep + mid)


def test_deep_collisions_match_importer(tmp_path: Path, js_reference) -> None:  # type: ignore[no-untyped-def]
    names = [n for g in colliding_groups() for n in g] + [f"plain-{i}" for i in range(40)]
    folder = make_files(tmp_path / "deep", names, lambda i: b"%d" % i)
    profiles = [replace(p, shard_threshold=0) for p in PROFILE_LIST]
    assert [cid_of_path(folder, p) for p in profiles] == js_reference([ref_job(p, folder) for p in profiles])
    # the trie really is 4 levels deep somewhere
    blocks: dict[bytes, bytes] = {}
    root = build_path(folder, profiles[0], sink=lambda c, parts: blocks.setdefault(c, b"".join(parts))).root
    shards = [decode_node(c, b) for c, b in blocks.items() if decode_node(c, b).type == UNIXFS_HAMT_SHARD]
    assert len(shards) >= 1 + 3 * 3  # root, and 3 levels under each 3-byte collision
    found = dict(iter_entries(root.cid, decode_node(root.cid, blocks[root.cid]),
                              lambda c: decode_node(c, blocks[c])))
    assert sorted(found) == sorted(n.encode() for n in names)


name_text = st.text(st.characters(codec="utf-8", exclude_characters="/\\\x00", exclude_categories=("Cs", "Cc")),
                    min_size=1, max_size=20).filter(lambda s: not s.startswith(".") and len(s.encode()) < 200)


@st.composite
def name_sets(draw: st.DrawFn) -> tuple[list[str], int]:
    groups = colliding_groups()
    picked = draw(st.lists(st.sampled_from(groups), max_size=4))
    names = {n for g in picked for n in g}
    names |= set(draw(st.lists(name_text, max_size=40)))
    if not names:
        names = {"only"}
    threshold = draw(st.sampled_from([0, 1, 50, 200, 400, 1000, 3000]))
    return sorted(names), threshold


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cases=st.lists(name_sets(), min_size=1, max_size=3))
def test_random_name_sets_match_importer(tmp_path_factory, js_reference, cases) -> None:  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("names")
    jobs = []
    ours = []
    for k, (names, threshold) in enumerate(cases):
        folder = make_files(base / f"d{k}", names, lambda i: b"v" * (i % 5))
        for prof in PROFILE_LIST:
            p = replace(prof, shard_threshold=threshold)
            ours.append(cid_of_path(folder, p))
            jobs.append(ref_job(p, folder))
    assert ours == js_reference(jobs)


def test_hash_is_go_murmur3_sum64_big_endian() -> None:
    # go: murmur3.New64().Write([]byte("hello")).Sum(nil) -> h1 of x64_128, big-endian
    assert hamt_hash(b"hello").to_bytes(8, "big").hex() == "cbd8a7b341bd9b02"
    assert hamt_hash(b"") == 0


# --- CAR round trip, tampering, CLI -----------------------------------------------------------------
def tree_of(root: Path) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = None
        for f in filenames:
            out[os.path.relpath(os.path.join(dirpath, f), root)] = Path(dirpath, f).read_bytes()
    return out


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_car_round_trip_through_unpack(nested: Path, tmp_path: Path, profile: str) -> None:
    src = nested / "zz-shards"
    car = tmp_path / "n.car"
    result = write_car(src, car, profile)
    unpacked = unpack_car_file(car, tmp_path / "out")
    assert unpacked.cid == result.cid and unpacked.blocks == len(read_car(car)[1])  # each verified
    assert unpacked.files == len(result.files) == 1100 + 2
    assert tree_of(tmp_path / "out") == tree_of(src)
    assert cid_of_path(tmp_path / "out", profile) == result.cid


def _car_with(tmp_path: Path, blocks: dict[bytes, bytes], root: bytes) -> Path:
    car = tmp_path / "bad.car"
    with open(car, "wb") as f:
        writer = CarWriter(f, [root])
        for cid, data in blocks.items():
            writer(cid, (data,))
    return car


def _hamt_blocks(names: list[bytes]) -> tuple[bytes, dict[bytes, bytes]]:
    """Blocks of a CIDv1 HAMT of empty files called ``names``, and its root."""
    blocks: dict[bytes, bytes] = {}

    def keep(c: bytes, parts) -> None:  # type: ignore[no-untyped-def]
        blocks.setdefault(c, b"".join(parts))

    leaf, _ = build_file_stream(io.BytesIO(b""), "kubo-cidv1", sink=keep)
    root, _, _ = build_hamt([(n, leaf) for n in names], 1, keep)
    return root, blocks


def test_misplaced_entry_is_refused(tmp_path: Path) -> None:
    root, blocks = _hamt_blocks([b"a", b"b", b"c"])
    node = decode_node(root, blocks[root])
    links = list(node.links)
    bad_name = links[0].name[:2] + b"not-here"  # same slot, a name that hashes elsewhere
    assert hamt_hash(b"not-here") >> 56 != int(links[0].name[:2], 16)
    body = _pb_link(links[0].cid, bad_name, links[0].tsize) + b"".join(
        _pb_link(lk.cid, lk.name, lk.tsize) for lk in links[1:])
    data = shard_data(node.data, 256)
    block = body + b"\x0a" + bytes([len(data)]) + data
    bad_root = cid_bytes_for(1, DAG_PB, hashlib.sha256(block).digest())
    blocks[bad_root] = block
    with pytest.raises(IntegrityError, match="not where its hash puts it"):
        unpack_car_file(_car_with(tmp_path, blocks, bad_root), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bitfield_hash_and_fanout_are_checked() -> None:
    root, blocks = _hamt_blocks([b"a", b"b", b"c"])
    node = decode_node(root, blocks[root])

    def load(c: bytes):  # type: ignore[no-untyped-def]
        return decode_node(c, blocks[c])

    assert sorted(name for name, _ in iter_entries(root, node, load)) == [b"a", b"b", b"c"]
    bitmap = int.from_bytes(node.data, "big")
    spare = next(i for i in range(256) if not bitmap >> i & 1)
    more = (bitmap | 1 << spare).to_bytes(32, "big").lstrip(b"\x00")
    with pytest.raises(IntegrityError, match="bits set"):  # one bit more than there are links
        list(iter_entries(root, replace(node, data=more), load))
    with pytest.raises(IntegrityError, match="murmur3"):
        list(iter_entries(root, replace(node, hash_type=0x11), load))
    with pytest.raises(IntegrityError, match="fanout"):
        list(iter_entries(root, replace(node, fanout=100), load))


def test_cli_cid_prints_the_sharded_cid(nested: Path) -> None:
    runner = CliRunner(mix_stderr=False)
    r = runner.invoke(cli, ["cid", str(nested / "zz-shards")])  # checked against the importer above
    assert r.exit_code == 0, r.stderr
    assert r.stdout == cid_of_path(nested / "zz-shards") + "\n"
    r = runner.invoke(cli, ["cid", str(nested / "zz-shards"), "-p", "unixfs-v0-2015"])
    assert r.exit_code == 0 and r.stdout.startswith("Qm")
    assert root_type(nested / "zz-shards", get_profile("unixfs-v0-2015")) == UNIXFS_HAMT_SHARD
    r = runner.invoke(cli, ["car", str(nested / "zz-shards"), "-o", str(nested.parent / "z.car")])
    assert r.exit_code == 0 and r.stdout.strip() == cid_of_path(nested / "zz-shards")


# --- the js-ipfs node ---------------------------------------------------------------------------------
def _node_add_sharded(api: str, folder: Path, profile: Profile) -> str:
    """js-ipfs ``add --only-hash`` with ``shard-split-threshold=1`` (it shards by entry count)."""
    params = {"only-hash": "true", "pin": "false", "cid-version": str(profile.cid_version),
              "raw-leaves": str(profile.raw_leaves).lower(), "chunker": f"size-{profile.chunk_size}",
              "shard-split-threshold": "1", "wrap-with-directory": "false"}
    files = [("file", (f"{folder.name}/{p.name}", p.read_bytes(), "application/octet-stream"))
             for p in sorted(folder.iterdir())]
    r = httpx.post(f"{api}/api/v0/add", params=params, files=files, timeout=60)
    r.raise_for_status()
    items = [json.loads(line) for line in r.text.splitlines() if line.strip()]
    return next(i["Hash"] for i in items if i["Name"] == folder.name)


def test_js_ipfs_node_shards_the_same_way(ipfs_node: IPFSNode, tmp_path: Path) -> None:
    from modelgov.storage.ipfs import fetch, pin_path

    names = [n for g in colliding_groups()[:4] for n in g] + [f"file-{i}" for i in range(60)]
    folder = make_files(tmp_path / "d", names, lambda i: b"%d" % i * (i % 3))
    for name in ("unixfs-v0-2015", "kubo-cidv1"):
        prof = replace(get_profile(name), shard_threshold=0)  # any entry makes a HAMT, as count >= 1
        theirs = normalize(_node_add_sharded(ipfs_node.api, folder, prof))
        assert cid_of_path(folder, prof) == theirs
        assert root_type(folder, prof) == UNIXFS_HAMT_SHARD
    # a real-size sharded folder through the node: dag/import our CAR, dag/export it back
    big = make_files(tmp_path / "big", names_for(get_profile(), get_profile().shard_threshold + 1))
    with ipfs_node.client() as client:
        pinned = pin_path(big, client=client)
        fetched = fetch(pinned.cid, tmp_path / "back", client=client)
    assert fetched.cid == cid_of_path(big) and fetched.files == len(os.listdir(big))
    assert root_type(tmp_path / "back", get_profile()) == UNIXFS_HAMT_SHARD
