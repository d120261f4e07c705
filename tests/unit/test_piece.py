"""Filecoin piece CIDs (CommP) against npm @web3-storage/data-segment, streaming, CLI, manifest."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelgov import manifest as mf
from modelgov.cli import cli
from modelgov.errors import PieceError
from modelgov.storage.filecoin import (
    BATCH_IN,
    PieceHasher,
    fr32_pad,
    piece_of_bytes,
    piece_of_car,
    piece_of_file,
)

ROOT = Path(__file__).resolve().parents[2]
MIB = 1 << 20

SIZES = [
    1, 64, 65, 126, 127, 128, 254, 255, 127 * 3, 127 * 4 + 1,
    MIB - 1, MIB, MIB + 1,
    BATCH_IN - 1, BATCH_IN, BATCH_IN + 1, 2 * BATCH_IN + 1, 3 * BATCH_IN - 5,
    127 * (1 << 16), 127 * (1 << 16) + 1,
]
if os.environ.get("MODELGOV_SLOW_TESTS"):
    SIZES.append(64 * MIB)


def reference(paths: list[Path]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@web3-storage" / "data-segment").is_dir():
        pytest.fail("node or @web3-storage/data-segment missing")
    proc = subprocess.run(
        [node, str(ROOT / "tests" / "reference" / "piece_cid.mjs")],
        input=json.dumps([str(p) for p in paths]), capture_output=True, text=True, cwd=ROOT,
        timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_matches_data_segment(tmp_path: Path) -> None:
    rng = random.Random(17)
    paths = []
    for n in SIZES:
        p = tmp_path / f"payload-{n}"
        p.write_bytes(rng.randbytes(n))
        paths.append(p)
    zeros = tmp_path / "zeros-1000"
    zeros.write_bytes(bytes(1000))
    paths.append(zeros)
    for p, ref in zip(paths, reference(paths), strict=True):
        info = piece_of_file(p)
        got = {"v1": info.cid_v1, "v2": info.cid_v2, "paddedSize": info.padded_size,
               "height": info.height, "padding": info.padding}
        assert got == ref, p.name


def test_known_zero_piece() -> None:
    # the 128-byte zero piece every Filecoin tool knows
    info = piece_of_bytes(bytes(127))
    assert info.cid_v1 == "baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy"
    assert info.padded_size == 128 and info.padding == 0
    assert info.cid_v2.startswith("bafkzcib")


def test_fr32_inserts_two_zero_bits_every_254() -> None:
    ones = fr32_pad(b"\xff" * 127)
    bits = "".join(f"{b:08b}"[::-1] for b in ones)  # little-endian bit order
    for word in range(4):
        assert bits[word * 256: word * 256 + 254] == "1" * 254
        assert bits[word * 256 + 254: word * 256 + 256] == "00"
    with pytest.raises(PieceError):
        fr32_pad(b"x" * 128)


def test_streaming_any_split_and_flat_memory() -> None:
    data = random.Random(3).randbytes(3 * BATCH_IN + 12345)
    whole = piece_of_bytes(data)
    hasher = PieceHasher()
    pos = 0
    rng = random.Random(4)
    while pos < len(data):
        step = rng.choice([1, 63, 127, 4096, BATCH_IN - 1, BATCH_IN + 7])
        hasher.write(data[pos:pos + step])
        pos += step
    assert hasher.info() == whole

    # 24 MiB streamed in 1 MiB writes: memory stays around a few batches
    tracemalloc.start()
    hasher = PieceHasher()
    block = bytes(MIB)
    for _ in range(24):
        hasher.write(block)
    hasher.info()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 12 * MIB, peak


def test_empty_payload_is_refused() -> None:
    with pytest.raises(PieceError) as err:
        piece_of_bytes(b"")
    assert err.value.size == 0


def test_car_piece_cli(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(random.Random(5).randbytes(300_000))
    (folder / "README.md").write_text("# model\n")
    runner = CliRunner()

    streamed = runner.invoke(cli, ["car", str(folder), "--piece", "--json"])
    assert streamed.exit_code == 0, streamed.output
    doc = json.loads(streamed.output)
    car_file = tmp_path / "m.car"
    written = runner.invoke(cli, ["car", str(folder), "-o", str(car_file), "--piece", "--json"])
    assert written.exit_code == 0, written.output
    assert json.loads(written.output)["piece"] == doc["piece"]
    assert doc["car_size"] == car_file.stat().st_size
    assert doc["piece"]["piece_cid"] == piece_of_file(car_file).cid_v1
    assert doc["piece"]["piece_cid_v2"] == reference([car_file])[0]["v2"]
    assert piece_of_car(folder)[1].cid_v1 == doc["piece"]["piece_cid"]

    text = runner.invoke(cli, ["car", str(car_file), "--from-car"])
    assert text.exit_code == 0
    assert f"piece       {doc['piece']['piece_cid']}" in text.output
    assert f"padded-size {doc['piece']['padded_size']}" in text.output

    missing = runner.invoke(cli, ["car", str(folder)])
    assert missing.exit_code == 2


def test_manifest_piece_is_optional_and_verified(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"weights" * 1000)
    plain = mf.build(folder)
    assert "piece" not in plain["root"]  # earlier manifests keep their bytes and digest
    with_piece = mf.build(folder, piece=True)
    assert {k: v for k, v in with_piece["root"].items() if k != "piece"} == plain["root"]
    _, info = piece_of_car(folder)
    assert with_piece["root"]["piece"] == {"cid": info.cid_v1, "cid_v2": info.cid_v2,
                                           "padded_size": info.padded_size,
                                           "car_size": info.payload_size}
    mf.validate(with_piece)
    assert mf.verify(folder, with_piece).ok
    forged = json.loads(json.dumps(with_piece))
    forged["root"]["piece"]["cid"] = piece_of_bytes(b"other" * 20).cid_v1
    report = mf.verify(folder, forged)
    assert not report.ok and "piece CID" in report.mismatches[0].reason
