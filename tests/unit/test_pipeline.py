"""One read per model folder (manifest digests, UnixFS DAG + CAR, Arweave chunk trees) and the
digest cache that later commands reuse only while a file provably has not changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from _pattern import pattern_bytes
from modelgov import manifest as mf
from modelgov.cid import get_profile
from modelgov.cid.car import write_car
from modelgov.errors import ValidationError
from modelgov.pipeline import DigestCache, prepare
from modelgov.storage.arweave_merkle import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, tree_from_file

K = MAX_CHUNK_SIZE
SIZES = [0, 1, K - 1, K, K + 1, K + MIN_CHUNK_SIZE - 1, 4 * K + 100, 5 * K, 8 * K + 3]
OLD = 1_600_000_000  # a file mtime far in the past (not "racily clean")


def _folder(root: Path) -> Path:
    folder = root / "model"
    (folder / "sub").mkdir(parents=True)
    for i, size in enumerate(SIZES):
        f = folder / ("sub" if i % 2 else "") / f"f{i}.bin"
        f.write_bytes(pattern_bytes(size, i))
        os.utime(f, (OLD, OLD))
    return folder


def _count_reads(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    read: list[int] = []
    real = os.preadv

    def counting(fd, buffers, offset):  # type: ignore[no-untyped-def]
        n = real(fd, buffers, offset)
        read.append(n)
        return n

    monkeypatch.setattr(os, "preadv", counting)
    return read


@pytest.mark.parametrize(("name", "threads"), [
    ("unixfs-v0-2015", 3), ("kubo-cidv1", 1), ("kubo-cidv1", 2), ("unixfs-v1-2025", 2), ("unixfs-v1-2025", 1),
    (get_profile("kubo-cidv1").scaled(2 * K, 3), 2),  # raw leaves of two Arweave chunks, two per task
])
def test_one_read_gives_the_manifest_the_car_and_every_arweave_tree(tmp_path, monkeypatch, name, threads) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    read = _count_reads(monkeypatch)
    got = prepare(folder, name, car=tmp_path / "one.car", threads=threads)
    assert sum(read) == sum(SIZES)  # every byte read once
    monkeypatch.undo()
    assert got.manifest == mf.build(folder, name, threads=1)
    write_car(folder, tmp_path / "ref.car", name, threads=1)
    assert (tmp_path / "one.car").read_bytes() == (tmp_path / "ref.car").read_bytes()
    trees = got.arweave_trees()
    assert len(trees) == len(SIZES)
    for rel, tree in trees.items():
        ref, _ = tree_from_file(folder / rel, threads=1)
        assert tree.data_root == ref.data_root, rel
        assert [tree.proof(i) for i in range(ref.chunk_count)] == [ref.proof(i) for i in range(ref.chunk_count)]


def test_profiles_whose_chunks_cut_arweave_chunks_are_refused(tmp_path) -> None:
    folder = _folder(tmp_path)
    with pytest.raises(ValidationError, match="multiple of 256 KiB"):
        prepare(folder, get_profile("kubo-cidv1").scaled(1000, 11))


def test_cache_skips_unchanged_files_and_rehashes_changed_ones(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    cache_file = tmp_path / "cache.json"
    first = prepare(folder, cache=DigestCache(cache_file), threads=2)

    read = _count_reads(monkeypatch)
    cache = DigestCache(cache_file)
    again = prepare(folder, cache=cache, threads=2)
    assert sum(read) == 0 and cache.hits == len(SIZES)  # nothing read again
    assert again.manifest == first.manifest
    assert {p: t.data_root for p, t in again.arweave_trees().items()} == \
        {p: t.data_root for p, t in first.arweave_trees().items()}

    # same size, same mtime, new content through a new inode: re-hashed
    victim = folder / "f4.bin"
    replacement = tmp_path / "new.bin"
    replacement.write_bytes(pattern_bytes(victim.stat().st_size, 99))
    os.utime(replacement, (OLD, OLD))
    os.replace(replacement, victim)
    # same inode, same size, new mtime: re-hashed
    other = folder / "f6.bin"
    with open(other, "r+b") as f:
        f.write(b"\xff")
    os.utime(other, (OLD + 10, OLD + 10))
    read.clear()
    cache = DigestCache(cache_file)
    changed = prepare(folder, cache=cache, threads=2)
    assert sum(read) == victim.stat().st_size + other.stat().st_size
    assert cache.hits == len(SIZES) - 2
    monkeypatch.undo()
    assert changed.manifest == mf.build(folder)
    assert changed.manifest != first.manifest


def test_racily_clean_files_are_not_trusted(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A file written in the tick its digest was recorded may change without moving its mtime:
    such an entry is not reused (git's racily-clean rule)."""
    folder = tmp_path / "m"
    folder.mkdir()
    f = folder / "w.bin"
    f.write_bytes(pattern_bytes(3 * K, 1))
    now = time.time_ns()
    os.utime(f, ns=(now, now))
    cache_file = tmp_path / "cache.json"
    prepare(folder, cache=DigestCache(cache_file))
    with open(f, "r+b") as out:  # same size, mtime put back: only the racy rule catches it
        out.write(b"changed")
    os.utime(f, ns=(now, now))
    cache = DigestCache(cache_file)
    result = prepare(folder, cache=cache)
    assert cache.hits == 0
    assert result.manifest["files"][0]["sha256"] == mf.build(folder)["files"][0]["sha256"]


def test_a_broken_cache_file_is_an_empty_cache(tmp_path) -> None:
    folder = _folder(tmp_path)
    bad = tmp_path / "cache.json"
    bad.write_text("{not json")
    cache = DigestCache(bad)
    assert prepare(folder, cache=cache).manifest == mf.build(folder)
    assert cache.hits == 0 and DigestCache(bad).entries  # rewritten, usable


def test_cli_prepare_then_manifest_build_reuses_the_digests(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from modelgov.cli import cli

    folder = _folder(tmp_path)
    monkeypatch.setenv("MODELGOV_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    first = runner.invoke(cli, ["pin", "prepare", str(folder), "-o", str(tmp_path / "a.json"),
                                "--car", str(tmp_path / "a.car"), "--threads", "2"])
    assert first.exit_code == 0, first.output
    assert first.output.count("arweave ") == len(SIZES)
    read = _count_reads(monkeypatch)
    second = runner.invoke(cli, ["manifest", "build", str(folder), "-o", str(tmp_path / "b.json")])
    assert second.exit_code == 0, second.output
    assert sum(read) == 0  # every digest reused
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    forced = runner.invoke(cli, ["manifest", "build", str(folder), "-o", str(tmp_path / "c.json"), "--no-cache"])
    assert forced.exit_code == 0 and sum(read) == sum(SIZES)
    assert (tmp_path / "c.json").read_bytes() == (tmp_path / "a.json").read_bytes()
