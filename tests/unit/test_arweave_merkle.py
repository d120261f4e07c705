"""data_root, chunk boundaries and proofs against arweave-js ``generateTransactionChunks``.

One node process (tests/reference/arweave_chunks.mjs) answers every batch of the module.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelgov.errors import IntegrityError, PathError
from modelgov.paths import node_modules
from modelgov.storage.arweave_merkle import (
    MAX_CHUNK_SIZE,
    MIN_CHUNK_SIZE,
    b64url_decode,
    b64url_encode,
    chunk_ranges,
    data_root_of_file,
    tree_from_bytes,
    tree_from_file,
    validate_path,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "arweave_chunks.mjs"
KIB = 1024
BOUNDARIES = [
    0,
    1,
    MIN_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    MAX_CHUNK_SIZE + MIN_CHUNK_SIZE,
    2 * MAX_CHUNK_SIZE,
    2 * MAX_CHUNK_SIZE + MIN_CHUNK_SIZE,
    3 * MAX_CHUNK_SIZE,
    4 * MAX_CHUNK_SIZE + MIN_CHUNK_SIZE,
    5 * MAX_CHUNK_SIZE,
]
FIXED_SIZES = sorted({max(0, b + d) for b in BOUNDARIES for d in (-1, 0, 1)})


class Reference:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def __call__(self, paths: list[Path]) -> list[dict]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps([str(p) for p in paths]) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "reference script died"
        return json.loads(line)


@pytest.fixture(scope="module")
def reference():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run `make setup`")
    proc = subprocess.Popen(
        [node, str(REFERENCE), str(node_modules())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield Reference(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _write(folder: Path, size: int, seed: int) -> Path:
    path = folder / f"d-{size}-{seed}.bin"
    if not path.exists():
        path.write_bytes(random.Random(seed * 1_000_003 + size).randbytes(size))
    return path


def _ours(path: Path) -> dict:
    tree, _ = tree_from_file(path)
    chunks = list(tree.chunks())
    return {
        "size": tree.data_size,
        "data_root": tree.data_root_b64,
        "chunks": [[c.start, c.end] for c in chunks],
        "proofs": [[c.offset, b64url_encode(c.data_path)] for c in chunks],
    }


def _check_batch(reference: Reference, paths: list[Path]) -> None:
    expected = reference(paths)
    for path, ref in zip(paths, expected, strict=True):
        assert _ours(path) == ref, f"mismatch for {path.name}"


def test_fixed_boundaries_match_arweave_js(reference, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fixed")
    _check_batch(reference, [_write(folder, size, 1) for size in FIXED_SIZES])


def _sizes() -> st.SearchStrategy[int]:
    near = st.builds(
        lambda b, d: max(0, b + d), st.sampled_from(BOUNDARIES), st.integers(-40, 40)
    )
    near_multiple = st.builds(
        lambda k, extra, d: max(0, k * MAX_CHUNK_SIZE + extra + d),
        st.integers(1, 6),
        st.sampled_from([0, MIN_CHUNK_SIZE, MIN_CHUNK_SIZE // 2]),
        st.integers(-3, 3),
    )
    return st.one_of(near, near_multiple, st.integers(0, 7 * MAX_CHUNK_SIZE))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sizes=st.lists(_sizes(), min_size=1, max_size=6), seed=st.integers(0, 2**16))
def test_hypothesis_sizes_match_arweave_js(reference, tmp_path_factory, sizes, seed):
    folder = tmp_path_factory.mktemp("hyp")
    _check_batch(reference, [_write(folder, size, seed) for size in sizes])


def test_chunk_rule_rebalances_small_tail():
    # final piece under 32 KiB: the last two chunks share the rest
    size = MAX_CHUNK_SIZE + MIN_CHUNK_SIZE - 1
    assert chunk_ranges(size) == [(0, -(-size // 2)), (-(-size // 2), size)]
    # exactly 32 KiB left: no rebalancing
    size = MAX_CHUNK_SIZE + MIN_CHUNK_SIZE
    assert chunk_ranges(size) == [(0, MAX_CHUNK_SIZE), (MAX_CHUNK_SIZE, size)]
    # a multiple of 256 KiB has a zero-length leaf that is not uploaded
    assert chunk_ranges(2 * MAX_CHUNK_SIZE)[-1] == (2 * MAX_CHUNK_SIZE, 2 * MAX_CHUNK_SIZE)
    assert tree_from_bytes(bytes(2 * MAX_CHUNK_SIZE)).chunk_count == 2


def test_from_file_equals_from_bytes_and_sha256(tmp_path):
    import hashlib

    data = random.Random(7).randbytes(3 * MAX_CHUNK_SIZE + 12345)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    seen: list[int] = []
    tree, digest = tree_from_file(path, progress=seen.append, also_sha256=True)
    assert tree.data_root == tree_from_bytes(data).data_root
    assert digest == hashlib.sha256(data).hexdigest()
    assert sum(seen) == len(data)
    assert data_root_of_file(path) == tree.data_root_b64


def test_proofs_validate_and_tamper_is_caught():
    data = random.Random(3).randbytes(5 * MAX_CHUNK_SIZE + 100)
    tree = tree_from_bytes(data)
    for chunk in tree.chunks():
        start, end = validate_path(tree.data_root, chunk.offset, tree.data_size, chunk.data_path)
        assert (start, end) == (chunk.start, chunk.end)
    bad = bytearray(tree.proof(1))
    bad[-40] ^= 1
    with pytest.raises(IntegrityError):
        validate_path(tree.data_root, tree.chunk(1).offset, tree.data_size, bytes(bad))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(PathError, match="does not exist"):
        tree_from_file(tmp_path / "nope")
    with pytest.raises(PathError, match="folder"):
        tree_from_file(tmp_path)


def test_b64url_round_trip():
    for n in range(0, 70):
        raw = bytes(range(n))
        assert b64url_decode(b64url_encode(raw)) == raw


def test_python_client_interop_and_why_we_do_not_use_its_data_root():
    """Our deep hash / signatures agree with arweave-python-client; its data_root does not."""
    import io

    import arweave.arweave_lib as client_lib  # arweave-python-client is a pinned dependency
    from arweave.deep_hash import deep_hash as their_deep_hash
    from arweave.merkle import compute_root_hash

    from modelgov.storage.arweave_wallet import deep_hash, load_wallet, verify

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "arweave-test-wallet.json"
    ours = load_wallet(fixture)
    theirs = client_lib.Wallet.from_data(json.loads(fixture.read_text()))  # no network here
    assert theirs.address == ours.address
    fields = [b"2", b64url_decode(ours.owner), b"", b"0", b"123", b"anchor", [[b"App-Name", b"modelgov"]], b"5", b"r" * 32]
    message = deep_hash(fields)
    assert message == their_deep_hash(fields)
    assert verify(ours.owner, message, theirs.sign(message))
    assert verify(ours.owner, message, ours.sign(message))
    assert not verify(ours.owner, message + b"x", ours.sign(message))

    for size, agrees in [(1000, True), (294912, True), (262144, False), (262145, False), (524288, False)]:
        data = random.Random(size).randbytes(size)
        theirs_root = b64url_encode(compute_root_hash(io.BytesIO(data)))
        assert (theirs_root == tree_from_bytes(data).data_root_b64) is agrees, size
