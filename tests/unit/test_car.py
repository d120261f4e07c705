"""CARv1 writer and verifying reader; unpacking refuses tampered and incomplete DAGs."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _pattern import write_pattern
from modelgov.cid import PROFILES, cid_to_bytes, get_profile
from modelgov.cid.car import CarReader, CarWriter, encode_header, iter_car, read_car, write_car
from modelgov.cid.dag import Node, _hash_leaf, build_path, encode_directory
from modelgov.cid.text import DAG_PB, cid_bytes_for, cid_from_bytes
from modelgov.cid.unpack import unpack_car, unpack_car_file
from modelgov.errors import IntegrityError, PathError


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("car") / "model"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "empty-dir").mkdir()
    write_pattern(root / "weights.bin", 2 * 1024 * 1024 + 5, seed=1)
    write_pattern(root / "sub" / "dup1", 70_000, seed=9)
    write_pattern(root / "sub" / "dup2", 70_000, seed=9)  # same blocks: written once
    (root / "empty").write_bytes(b"")
    return root


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_car_round_trip(folder: Path, tmp_path: Path, profile: str) -> None:
    car = tmp_path / "m.car"
    result = write_car(folder, car, profile)
    roots, blocks = read_car(car)
    assert roots == [result.root.cid]
    assert len({c for c, _ in blocks}) == len(blocks)  # no duplicates
    out = unpack_car_file(car, tmp_path / "out")
    assert out.cid == result.cid
    for f in result.files:
        assert (tmp_path / "out" / f.path).read_bytes() == (folder / f.path).read_bytes()
    assert (tmp_path / "out" / "sub" / "empty-dir").is_dir()
    assert b"".join(iter_car(folder, profile, result.root.cid)) == car.read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_single_file_car(tmp_path: Path) -> None:
    write_pattern(tmp_path / "w", 3 * 256 * 1024 + 1, seed=5)
    result = write_car(tmp_path / "w", tmp_path / "w.car", "unixfs-v0-2015")
    out = unpack_car_file(tmp_path / "w.car", tmp_path / "w2")
    assert out.cid == result.cid and (tmp_path / "w2").read_bytes() == (tmp_path / "w").read_bytes()


def test_header_matches_go_car(tmp_path: Path) -> None:
    # go-car / @ipld/car header of one CIDv0 root: {"roots":[CID],"version":1} in dag-cbor
    root = cid_to_bytes("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
    header = encode_header([root])
    assert header[0] == len(header) - 1
    assert header[1:9] == b"\xa2\x65roots\x81"
    assert header.endswith(b"\x67version\x01")


def _tamper(car: bytes, needle_offset: int) -> bytes:
    data = bytearray(car)
    data[needle_offset] ^= 0x01
    return bytes(data)


@settings(max_examples=15, deadline=None)
@given(where=st.floats(0.05, 0.999))
def test_any_flipped_bit_in_block_data_is_refused(tmp_path_factory, where: float) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("flip")
    write_pattern(tmp / "f", 600_000, seed=3)
    car = tmp / "f.car"
    result = write_car(tmp / "f", car, "kubo-cidv1")
    data = car.read_bytes()
    header_len = len(encode_header([result.root.cid]))
    offset = header_len + int((len(data) - header_len) * where)
    tampered = _tamper(data, min(offset, len(data) - 1))
    with pytest.raises(IntegrityError):
        unpack_car(io.BytesIO(tampered), result.root.cid, tmp / "out")
    assert not (tmp / "out").exists()
    assert [p.name for p in tmp.iterdir() if p.name.startswith(".out")] == []


def _car_without(tmp: Path, drop: int) -> tuple[bytes, bytes]:
    write_pattern(tmp / "f", 900_000, seed=8)
    result = build_path(tmp / "f", "kubo-cidv1")
    buf = io.BytesIO()
    writer = CarWriter(buf, [result.root.cid])
    seen = []

    def sink(cid: bytes, parts) -> None:  # type: ignore[no-untyped-def]
        seen.append(cid)
        if len(seen) - 1 != drop:
            writer(cid, parts)

    build_path(tmp / "f", "kubo-cidv1", sink=sink)
    return buf.getvalue(), result.root.cid


def test_incomplete_dag_is_refused(tmp_path: Path) -> None:
    car, root = _car_without(tmp_path, drop=1)
    with pytest.raises(IntegrityError, match="incomplete DAG"):
        unpack_car(io.BytesIO(car), root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_truncated_car_is_refused(tmp_path: Path) -> None:
    car, root = _car_without(tmp_path, drop=-1)
    with pytest.raises(IntegrityError, match="truncated"):
        unpack_car(io.BytesIO(car[:-10]), root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_wrong_root_is_refused(tmp_path: Path) -> None:
    car, _ = _car_without(tmp_path, drop=-1)
    other = cid_to_bytes("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
    with pytest.raises(IntegrityError, match="expected"):
        unpack_car(io.BytesIO(car), other, tmp_path / "out")


def test_block_swapped_for_another_valid_block_is_refused(tmp_path: Path) -> None:
    """A block whose bytes are valid for *another* CID is still a hash mismatch."""
    buf = io.BytesIO()
    cid, _ = _hash_leaf(True, 1, b"x" * 10)
    w = CarWriter(buf, [cid])
    w(cid, (b"y" * 10,))
    with pytest.raises(IntegrityError, match=cid_from_bytes(cid)):
        list(CarReader(io.BytesIO(buf.getvalue())))


def test_not_a_car(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="CAR"):
        CarReader(io.BytesIO(b"\x05hello"))


def test_existing_output_is_refused(tmp_path: Path) -> None:
    car, root = _car_without(tmp_path, drop=-1)
    (tmp_path / "out").mkdir()
    with pytest.raises(PathError, match="already exists"):
        unpack_car(io.BytesIO(car), root, tmp_path / "out")


def test_unsafe_names_are_refused(tmp_path: Path) -> None:
    leaf_cid, parts = _hash_leaf(True, 1, b"evil")
    block = encode_directory([(b"..", Node(leaf_cid, 4, 4))])
    root = cid_bytes_for(1, DAG_PB, hashlib.sha256(block).digest())
    buf = io.BytesIO()
    w = CarWriter(buf, [root])
    w(leaf_cid, parts)
    w(root, (block,))
    with pytest.raises(IntegrityError, match="unsafe"):
        unpack_car(io.BytesIO(buf.getvalue()), root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_profile_scaled_keeps_identity() -> None:
    p = get_profile("kubo-cidv1").scaled(10, 3)
    assert (p.chunk_size, p.max_links, p.cid_version, p.raw_leaves) == (10, 3, 1, True)


def test_an_existing_car_is_replaced_whole(tmp_path: Path) -> None:
    """A CAR written over an old one (removed first: no ext4 write-back inside the rename) holds
    the new DAG, leaves no partial file, and a reader of the old file keeps reading the old bytes."""
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"old contents" * 1000)
    b.write_bytes(b"new contents" * 3000)
    out = tmp_path / "out.car"
    old = write_car(a, out, "unixfs-v1-2025")
    old_bytes = out.read_bytes()
    with open(out, "rb") as reader:
        new = write_car(b, out, "unixfs-v1-2025")
        assert reader.read() == old_bytes
    assert read_car(out)[0] == [new.root.cid] != [old.root.cid]
    assert out.read_bytes() != old_bytes and not (tmp_path / "out.car.partial").exists()
