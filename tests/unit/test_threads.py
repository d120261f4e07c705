"""Hashing on every core: one place decides the thread count, and the bytes out are the same at
every thread count (UnixFS CIDs and blocks of every profile, Arweave data_root and proofs),
with flat memory.

The references are independent of the task engine and of ``FileDag``: the balanced layout
built level by level from plain slices (leaves hashed as prefix, chunk and suffix apart), and
``tree_from_bytes``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _pattern import pattern_bytes
from modelgov import threads as threads_mod
from modelgov.cid import PROFILES, get_profile
from modelgov.cid import dag as dag_mod
from modelgov.cid.dag import Node, _hash_leaf, build_file_stream, build_path, encode_file_node
from modelgov.cid.text import DAG_PB, cid_bytes_for
from modelgov.errors import ConfigError, ValidationError
from modelgov.storage import arweave_merkle as am

ROOT = Path(__file__).resolve().parents[2]


# --- the thread count -----------------------------------------------------------------------
def test_given_count_wins_over_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MODELGOV_THREADS", "3")
    assert threads_mod.resolve_threads(5) == 5
    assert threads_mod.resolve_threads(None) == 3


def test_default_is_every_core_this_process_may_use(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MODELGOV_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 5, 7, 9})
    assert threads_mod.resolve_threads() == 6


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5", "257"])
def test_bad_environment_value_is_a_config_error(monkeypatch, text: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MODELGOV_THREADS", text)
    with pytest.raises(ConfigError, match="MODELGOV_THREADS"):
        threads_mod.resolve_threads()


@pytest.mark.parametrize("value", [0, -1, 257, True, 2.0])
def test_bad_requested_count_is_a_validation_error(value: object) -> None:
    with pytest.raises(ValidationError, match="threads"):
        threads_mod.resolve_threads(value)  # type: ignore[arg-type]


def test_every_hashing_command_takes_threads_and_the_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """--threads is on every command that hashes; a bad $MODELGOV_THREADS is one error line."""
    from click.testing import CliRunner

    from modelgov.cli import cli

    commands = [["cid"], ["car"], ["manifest", "build"], ["manifest", "verify"], ["pin", "ipfs"],
                ["pin", "arweave"], ["pin", "prepare"], ["arweave", "data-root"], ["arweave", "fetch"],
                ["fetch"]]
    runner = CliRunner()
    for argv in commands:
        out = runner.invoke(cli, [*argv, "--help"])
        assert out.exit_code == 0 and "--threads" in out.output, argv
    f = tmp_path / "f.bin"
    f.write_bytes(pattern_bytes(3 << 20, 2))
    one = runner.invoke(cli, ["cid", "--threads", "1", str(f)])
    four = runner.invoke(cli, ["cid", "--threads", "4", str(f)])
    assert one.exit_code == four.exit_code == 0 and one.output == four.output
    monkeypatch.setenv("MODELGOV_THREADS", "many")
    bad = runner.invoke(cli, ["arweave", "data-root", str(f)])
    assert bad.exit_code == 2 and "MODELGOV_THREADS" in bad.output


# --- ordered_map ----------------------------------------------------------------------------
@settings(deadline=None)
@given(count=st.integers(0, 60), threads=st.integers(1, 8))
def test_ordered_map_keeps_order_and_bounds_what_is_in_flight(count: int, threads: int) -> None:
    taken: list[int] = []
    consumed: list[int] = []

    def tasks():  # type: ignore[no-untyped-def]
        for i in range(count):
            # task i is taken only once task i - window was consumed (a ring of buffers is safe)
            assert i < threads_mod.window(threads) or consumed[-1] >= i - threads_mod.window(threads)
            taken.append(i)
            yield i

    for r in threads_mod.ordered_map(lambda i: i * i, tasks(), threads):
        consumed.append(int(r**0.5))
    assert consumed == list(range(count)) == taken


def test_ordered_map_raises_the_first_failure_in_order() -> None:
    def work(i: int) -> int:
        if i in (5, 9):
            raise OSError(f"task {i}")
        return i

    seen: list[int] = []
    with pytest.raises(OSError, match="task 5"):
        for r in threads_mod.ordered_map(work, range(20), 3):
            seen.append(r)
    assert seen == [0, 1, 2, 3, 4]


# --- UnixFS: every profile, every thread count, chunk and task edges -------------------------
def _reference_dag(data: bytes, profile) -> tuple[Node, list[tuple[bytes, bytes]]]:  # type: ignore[no-untyped-def]
    """The balanced layout level by level, from plain slices (no task engine, no FileDag)."""
    blocks: list[tuple[bytes, bytes]] = []
    level: list[Node] = []
    size = profile.chunk_size
    for off in range(0, max(len(data), 1), size):
        chunk = data[off : off + size]
        cid, parts = _hash_leaf(profile.raw_leaves, profile.cid_version, chunk)
        block = b"".join(bytes(p) for p in parts)
        blocks.append((cid, block))
        level.append(Node(cid, len(block), len(chunk)))
    while len(level) > 1:
        upper = []
        for i in range(0, len(level), profile.max_links):
            group = level[i : i + profile.max_links]
            block = encode_file_node(group)
            cid = cid_bytes_for(profile.cid_version, DAG_PB, hashlib.sha256(block).digest())
            blocks.append((cid, block))
            upper.append(Node(cid, len(block) + sum(n.tsize for n in group), sum(n.size for n in group)))
        level = upper
    return level[0], sorted(blocks)


@st.composite
def dag_case(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    profile = get_profile(draw(st.sampled_from(sorted(PROFILES))))
    chunk = draw(st.sampled_from([1, 7, 100, 2048, 4096]))
    links = draw(st.sampled_from([2, 3, 11]))
    per_task = draw(st.integers(1, 4))
    chunks = draw(st.integers(0, 40))
    delta = draw(st.sampled_from([-1, 0, 1, chunk // 2]))
    size = max(0, chunks * chunk + delta)
    return profile.scaled(chunk, links), per_task, size, draw(st.integers(1, 8)), draw(st.integers(0, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dag_case())
def test_every_profile_gives_the_same_blocks_at_every_thread_count(tmp_path_factory, case) -> None:  # type: ignore[no-untyped-def]
    profile, per_task, size, threads, seed = case
    data = pattern_bytes(size, seed)
    want_root, want_blocks = _reference_dag(data, profile)
    f = tmp_path_factory.mktemp("dag") / "f.bin"
    f.write_bytes(data)
    saved = dag_mod.TASK_BYTES
    dag_mod.TASK_BYTES = per_task * profile.chunk_size  # many tasks: the ring of buffers turns
    try:
        blocks: list[tuple[bytes, bytes]] = []
        seen: list[bytes] = []
        result = build_path(f, profile, threads=threads, with_sha256=True, on_bytes=lambda n: seen.append(n),
                            sink=lambda cid, parts: blocks.append((cid, b"".join(bytes(p) for p in parts))))
        import io

        streamed = build_file_stream(io.BytesIO(data), profile, threads=threads)[0]
        plain = build_path(f, profile, threads=threads)  # nothing keeps the bytes: per-thread buffers
    finally:
        dag_mod.TASK_BYTES = saved
    assert result.root == streamed == plain.root == want_root
    assert sorted(blocks) == want_blocks
    assert result.files[0].sha256 == hashlib.sha256(data).hexdigest() and sum(seen) == size


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_real_profiles_at_real_edges_on_eight_threads(tmp_path, name: str) -> None:
    """The real chunk sizes, at chunk and task boundaries (a task is 1 MiB), 1 and 8 threads."""
    prof = get_profile(name)
    c = prof.chunk_size
    for size in (c - 1, c, c + 1, dag_mod.TASK_BYTES * 3, dag_mod.TASK_BYTES * 3 + 1, 5 * c - 7):
        data = pattern_bytes(size, 4)
        f = tmp_path / f"{size}.bin"
        f.write_bytes(data)
        want = _reference_dag(data, prof)[0]
        assert build_path(f, prof, threads=1).root == build_path(f, prof, threads=8).root == want


# --- Arweave data_root ----------------------------------------------------------------------
K256 = am.MAX_CHUNK_SIZE


@st.composite
def arweave_size(draw: st.DrawFn) -> int:
    chunks = draw(st.integers(0, 9))
    edge = draw(st.sampled_from([0, 1, -1, am.MIN_CHUNK_SIZE - 1, am.MIN_CHUNK_SIZE, am.MIN_CHUNK_SIZE + 1,
                                 K256 // 2, 100]))
    return max(0, chunks * K256 + edge)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=arweave_size(), threads=st.integers(1, 8), group=st.integers(1, 4), seed=st.integers(0, 3))
def test_data_root_and_proofs_are_the_same_at_every_thread_count(tmp_path_factory, size, threads, group, seed) -> None:  # type: ignore[no-untyped-def]
    data = pattern_bytes(size, seed)
    f = tmp_path_factory.mktemp("ar") / "f.bin"
    f.write_bytes(data)
    want = am.tree_from_bytes(data)
    saved = am._GROUP
    am._GROUP = group  # tasks of 1..4 chunks: many tasks, the last two chunks rebalanced inside one
    try:
        seen: list[int] = []
        tree, digest = am.tree_from_file(f, seen.append, also_sha256=True, threads=threads)
        plain, _ = am.tree_from_file(f, threads=threads)  # per-thread buffers
    finally:
        am._GROUP = saved
    assert tree.data_root == plain.data_root == want.data_root
    assert [tree.proof(i) for i in range(len(am.chunk_ranges(size)))] == \
        [want.proof(i) for i in range(len(am.chunk_ranges(size)))]
    assert digest == hashlib.sha256(data).hexdigest() and sum(seen) == size


def test_data_root_refuses_a_file_that_shrinks_under_the_workers(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from modelgov.errors import PathError

    f = tmp_path / "f.bin"
    f.write_bytes(bytes(6 * K256))
    real = os.preadv
    calls: list[int] = []

    def shrinking(fd, buffers, offset):  # type: ignore[no-untyped-def]
        calls.append(offset)
        return 0 if len(calls) > 1 else real(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", shrinking)
    with pytest.raises(PathError, match="changed while it was being read"):
        am.tree_from_file(f, threads=2)


# --- flat memory ----------------------------------------------------------------------------
def test_memory_stays_flat_on_eight_threads(tmp_path) -> None:
    """A child hashes a 768 MB sparse file on 8 threads (CID of every profile and data_root):
    its peak RSS (VmHWM) stays far under 200 MB."""
    f = tmp_path / "sparse.bin"
    with open(f, "wb") as out:
        out.truncate(768 * 1000 * 1000)
    code = (
        "import sys; from modelgov.cid import cid_of_path, PROFILES; "
        "from modelgov.storage.arweave_merkle import tree_from_file; "
        "[cid_of_path(sys.argv[1], p, threads=8) for p in PROFILES]; tree_from_file(sys.argv[1], threads=8); "
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, check=True, env=env)
    assert int(out.stdout.strip()) / 1024 < 120


# --- Filecoin piece CID ---------------------------------------------------------------------
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.integers(0, 5), delta=st.sampled_from([-1, 0, 1, 127, 5000]),
       threads=st.integers(1, 8), cut=st.integers(1, 3 << 20), seed=st.integers(0, 3))
def test_piece_is_the_same_at_every_thread_count(batches, delta, threads, cut, seed) -> None:  # type: ignore[no-untyped-def]
    """Batches go to worker processes (none hashed inline here), roots taken back in order."""
    from modelgov.storage import filecoin as fc

    size = max(1, batches * fc.BATCH_IN + delta)
    data = pattern_bytes(size, seed)
    want = fc.piece_of_bytes(data, threads=1)
    saved = fc.INLINE_BATCHES
    fc.INLINE_BATCHES = 0
    try:
        got = fc.piece_of_chunks((data[i : i + cut] for i in range(0, size, cut)), threads=threads)
    finally:
        fc.INLINE_BATCHES = saved
    assert (got.cid_v1, got.cid_v2, got.padded_size) == (want.cid_v1, want.cid_v2, want.padded_size)


# --- CAR verification (fetch) ---------------------------------------------------------------
@settings(max_examples=10, deadline=None)
@given(threads=st.integers(1, 8), bad=st.one_of(st.none(), st.integers(0, 40)))
def test_car_blocks_verified_on_threads_come_in_order_and_a_bad_one_at_its_place(threads, bad) -> None:  # type: ignore[no-untyped-def]
    import io

    from modelgov.cid.car import CarReader, CarWriter
    from modelgov.errors import IntegrityError

    blocks: list[tuple[bytes, bytes]] = []
    data = pattern_bytes(41 * 3000 + 7, 5)
    build_file_stream(io.BytesIO(data), get_profile("kubo-cidv1").scaled(3000, 4),
                      sink=lambda cid, parts: blocks.append((cid, b"".join(bytes(p) for p in parts))))
    if bad is not None:
        bad %= len(blocks)
        cid, block = blocks[bad]
        blocks[bad] = (cid, block[:-1] + bytes([block[-1] ^ 1]))
    out = io.BytesIO()
    writer = CarWriter(out, [blocks[-1][0]])
    for cid, block in blocks:
        writer(cid, (block,))
    got: list[tuple[bytes, bytes]] = []
    reader = CarReader(io.BytesIO(out.getvalue()), threads)
    if bad is None:
        got = list(reader)
        assert got == blocks
    else:
        with pytest.raises(IntegrityError, match="does not match its hash"):
            for item in reader:
                got.append(item)
        assert got == blocks[:bad]
