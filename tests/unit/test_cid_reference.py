"""Our UnixFS CIDs against npm ipfs-unixfs-importer (an independent implementation).

Hypothesis picks sizes on and around every chunk and fan-out boundary with scaled-down
profiles (small chunks and fan-outs reach depth 3 in a few KB); the real profiles are checked
at their real boundaries (174 x 256 KiB, 1024 x 1 MiB) a few times.
"""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _pattern import PatternStream, pattern_bytes
from conftest import job_for
from modelgov.cid import PROFILES, build_file_stream, cid_of_bytes, get_profile
from modelgov.cid.profiles import KIB, MIB

MAX_CHUNKS = 4000


@st.composite
def boundary_case(draw: st.DrawFn) -> tuple[object, int, int]:
    base = draw(st.sampled_from(sorted(PROFILES)))
    chunk = draw(st.sampled_from([1, 3, 16, 100, 1000]))
    links = draw(st.sampled_from([2, 3, 5, 11, 174]))
    depth = draw(st.integers(0, 3))
    while depth and links**depth > MAX_CHUNKS:
        depth -= 1
    mult = draw(st.sampled_from(sorted({1, 2, links - 1, links})))
    if links**depth * mult > MAX_CHUNKS:
        mult = 1
    delta = draw(st.integers(-2, 2))
    size = max(0, chunk * links**depth * mult + delta)
    seed = draw(st.integers(0, 7))
    return get_profile(base).scaled(chunk, links), size, seed


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(boundary_case(), min_size=8, max_size=24))
def test_boundaries_match_importer(js_reference, cases) -> None:  # type: ignore[no-untyped-def]
    jobs = [job_for(p, size=size, seed=seed) for p, size, seed in cases]
    ours = [build_file_stream(PatternStream(size, seed), p)[0].cid_text for p, size, seed in cases]
    assert ours == js_reference(jobs)


@settings(max_examples=10, deadline=None)
@given(case=boundary_case(), threads=st.integers(2, 4))
def test_threaded_hashing_gives_the_same_cid(case, threads) -> None:  # type: ignore[no-untyped-def]
    profile, size, seed = case
    single = build_file_stream(PatternStream(size, seed), profile)[0]
    multi = build_file_stream(PatternStream(size, seed), profile, threads=threads)[0]
    assert single == multi


REAL_SIZES = {
    "unixfs-v0-2015": [0, 1, 256 * KIB - 1, 256 * KIB, 256 * KIB + 1, 174 * 256 * KIB - 1, 174 * 256 * KIB,
                       174 * 256 * KIB + 1],
    "kubo-cidv1": [0, 1, 256 * KIB, 256 * KIB + 1, 174 * 256 * KIB, 174 * 256 * KIB + 1],
    "unixfs-v1-2025": [0, 1, MIB - 1, MIB, MIB + 1, 5 * MIB + 3, 1024 * MIB + 1],
}


def test_real_profiles_at_real_boundaries(js_reference) -> None:  # type: ignore[no-untyped-def]
    cases = [(get_profile(name), size) for name, sizes in REAL_SIZES.items() for size in sizes]
    jobs = [job_for(p, size=size, seed=3) for p, size in cases]
    ours = [build_file_stream(PatternStream(size, 3), p)[0].cid_text for p, size in cases]
    assert ours == js_reference(jobs)


@pytest.mark.parametrize(
    ("data", "profile", "expected"),
    [  # well-known CIDs printed by Kubo
        (b"", "unixfs-v0-2015", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"),
        (b"hello world\n", "unixfs-v0-2015", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"),
        (b"", "kubo-cidv1", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
        (b"", "unixfs-v1-2025", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
    ],
)
def test_known_cids(data: bytes, profile: str, expected: str) -> None:
    assert cid_of_bytes(data, profile) == expected


def test_short_reads_do_not_change_the_cid() -> None:
    class Dribble(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
            n = min(len(b), 777, len(self.data))
            b[:n] = self.data[:n]
            self.data = self.data[n:]
            return n

    data = pattern_bytes(3 * MIB + 12345, 1)
    profile = get_profile("unixfs-v0-2015")
    assert build_file_stream(Dribble(data), profile)[0] == build_file_stream(io.BytesIO(data), profile)[0]


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_reused_read_buffers_match_reads_and_importer(tmp_path, js_reference, monkeypatch, threads) -> None:  # type: ignore[no-untyped-def]
    """Files (workers reading their own ranges) and streams (a small ring of reused buffers the
    workers hash while the next ones are read): many turns of the rings give the importer's CIDs."""
    from _pattern import write_pattern
    from modelgov.cid import cid_of_path
    from modelgov.cid import dag as dag_mod

    monkeypatch.setattr(dag_mod, "TASK_BYTES", 256 * KIB)  # small buffers: the ring turns often
    f = tmp_path / "big"
    write_pattern(f, 9 * MIB + 7, seed=6)
    profiles = [get_profile(n) for n in sorted(PROFILES)]
    ringed = [cid_of_path(f, p, threads=threads) for p in profiles]
    with open(f, "rb") as stream:
        read = []
        for p in profiles:
            stream.seek(0)
            read.append(build_file_stream(io.BytesIO(stream.read()), p, threads=threads)[0].cid_text)
    assert ringed == read == js_reference([job_for(p, path=str(f)) for p in profiles])


def test_threaded_file_reads_give_the_same_blocks_sha256_and_progress(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Workers that read their own ranges hand the sink the same blocks in the same order, and
    the observers (sha256, progress) the same bytes, as one thread does."""
    from _pattern import write_pattern
    from modelgov.cid import dag as dag_mod
    from modelgov.cid.dag import build_path

    monkeypatch.setattr(dag_mod, "TASK_BYTES", 512 * 1024)  # many tasks, the buffer ring turns
    f = tmp_path / "big"
    write_pattern(f, 7 * MIB + 12345, seed=8)
    for name in sorted(PROFILES):
        runs = []
        for threads in (1, 2, 3):
            blocks: list[tuple[bytes, bytes]] = []
            seen: list[int] = []
            result = build_path(f, name, threads=threads, with_sha256=True, on_bytes=seen.append,
                                sink=lambda cid, parts, blocks=blocks: blocks.append((cid, b"".join(bytes(p) for p in parts))))
            runs.append((result.cid, result.files[0].sha256, blocks, sum(seen)))
        assert runs[0] == runs[1] == runs[2]
        assert runs[0][1] == hashlib.sha256(f.read_bytes()).hexdigest() and runs[0][3] == f.stat().st_size


def test_file_shrinking_under_the_workers_is_refused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from modelgov.cid.dag import build_path
    from modelgov.errors import PathError

    f = tmp_path / "big"
    f.write_bytes(bytes(5 * MIB))
    real = os.preadv
    calls = []

    def shrinking(fd, buffers, offset):  # type: ignore[no-untyped-def]
        calls.append(offset)
        return 0 if len(calls) > 2 else real(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", shrinking)
    with pytest.raises(PathError, match="shrank"):
        build_path(f, "unixfs-v1-2025", threads=2)
