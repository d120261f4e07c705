"""modelgov.zk without EZKL proving: ONNX export, inputs, felts, SRS policy, metadata stripping,
the subprocess runner's errors (with stand-in ``ezkl`` modules) and the CLI's one-line errors.

The real EZKL flow (build, prove, verify on chain) is tested in ``tests/test_zk.py``.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from modelgov.cli import cli
from modelgov.demo import mlp
from modelgov.errors import (
    ValidationError,
    ZkError,
    ZkModelError,
    ZkSrsError,
    ZkToolCrashedError,
    ZkToolMissingError,
)
from modelgov.zk import srs as srs_mod
from modelgov.zk.artifacts import META_SCHEMA
from modelgov.zk.inputs import ezkl_input, parse_samples
from modelgov.zk.onnx_model import check_onnx, load_mlp, mlp_onnx_bytes, run_onnx
from modelgov.zk.proof import FIELD_MODULUS, felt_to_int
from modelgov.zk.runner import run_step
from modelgov.zk.solc import strip_metadata


@pytest.fixture
def demo_v1(tmp_path) -> Path:
    return mlp.write_model(tmp_path / "v1", mlp.initial_weights(), 1)


def run(*args: object):
    return CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def one_line_error(result, text: str) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr


# --- ONNX -------------------------------------------------------------------------------------
def test_onnx_from_safetensors_matches_the_float_model(demo_v1, tmp_path):
    model = load_mlp(demo_v1)
    data = mlp_onnx_bytes(model)
    assert data == mlp_onnx_bytes(load_mlp(demo_v1))  # deterministic bytes
    path = tmp_path / "m.onnx"
    path.write_bytes(data)
    assert check_onnx(path) == (128, 10)
    x, _ = mlp._data()
    assert np.allclose(run_onnx(path, x[:8]), model.forward(x[:8]), atol=1e-4)


def test_onnx_with_an_unsupported_op_is_refused(tmp_path):
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    path = tmp_path / "model.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString())
    with pytest.raises(ZkModelError, match="Sigmoid"):
        check_onnx(path)


def test_non_mlp_folder_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architecture": "transformer"}))
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ZkModelError, match="only architecture 'mlp'"):
        load_mlp(tmp_path)


# --- inputs and field elements ------------------------------------------------------------------
def test_input_formats():
    assert parse_samples([1, 2], 2, "x") == [[1.0, 2.0]]
    assert parse_samples({"input": [[1, 2], [3, 4]]}, 2, "x") == [[1.0, 2.0], [3.0, 4.0]]
    assert parse_samples({"input_data": [[1, 2, 3, 4]]}, 2, "x") == [[1.0, 2.0], [3.0, 4.0]]
    assert ezkl_input([[1.0, 2.0], [3.0, 4.0]]) == {"input_data": [[1.0, 2.0, 3.0, 4.0]]}
    with pytest.raises(ValidationError, match="multiple of the input size"):
        parse_samples([1, 2, 3], 2, "x")
    with pytest.raises(ValidationError, match="NaN"):
        parse_samples([1, float("nan")], 2, "x")
    with pytest.raises(ValidationError, match="numbers"):
        parse_samples([[1, "a"]], 2, "x")


def test_felts_decode_signed_little_endian():
    assert felt_to_int((5).to_bytes(32, "little").hex()) == 5
    assert felt_to_int((FIELD_MODULUS - 5).to_bytes(32, "little").hex()) == -5
    with pytest.raises(ValidationError):
        felt_to_int(FIELD_MODULUS.to_bytes(32, "little").hex())
    with pytest.raises(ValidationError):
        felt_to_int("abcd")


# --- SRS policy ---------------------------------------------------------------------------------
def test_dev_srs_only_on_local_networks_unless_allowed():
    srs_mod.check_network("dev", "ethereum:local:foundry", False)
    srs_mod.check_network("ceremony", "ethereum:sepolia:node", False)
    srs_mod.check_network("dev", "ethereum:sepolia:node", True)
    with pytest.raises(ZkSrsError, match="refused on ethereum:sepolia"):
        srs_mod.check_network("dev", "ethereum:sepolia:node", False)


def test_srs_is_checked_by_digest(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELGOV_ZK_SRS_DIR", str(tmp_path / "srs"))
    ceremony = tmp_path / "ceremony.srs"
    ceremony.write_bytes(b"ceremony bytes")
    digest = hashlib.sha256(b"ceremony bytes").hexdigest()
    assert srs_mod.srs_for_artifacts("ceremony", digest, 16, ceremony).sha256 == digest
    with pytest.raises(ZkSrsError, match="pass the same file with --srs"):
        srs_mod.srs_for_artifacts("ceremony", digest, 16, None)
    with pytest.raises(ZkSrsError, match="is not the one"):
        srs_mod.srs_for_artifacts("ceremony", "00" * 32, 16, ceremony)
    with pytest.raises(ZkSrsError, match="not on this machine"):
        srs_mod.srs_for_artifacts("dev", digest, 16, None)


# --- bytecode comparison ------------------------------------------------------------------------
def test_strip_metadata():
    code = bytes.fromhex("6080604052")
    tail = bytes.fromhex("a164736f6c634300081c") + (10).to_bytes(2, "big")
    assert strip_metadata(code + tail) == code
    assert strip_metadata(code) == code
    assert strip_metadata(code + b"\x00\x03") == code + b"\x00\x03"


# --- the EZKL subprocess: missing, failing, crashing ----------------------------------------------
def fake_ezkl(tmp_path: Path, monkeypatch, body: str) -> None:
    pkg = tmp_path / "fake" / "ezkl"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(body))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fake"))


def test_ezkl_missing_is_a_clear_error(tmp_path, monkeypatch):
    fake_ezkl(tmp_path, monkeypatch, "raise ImportError('No module named ezkl')\n")
    with pytest.raises(ZkToolMissingError, match=r"ezkl is not installed.*pip install ezkl"):
        run_step("gen_srs", srs=tmp_path / "x.srs", logrows=10)


def test_ezkl_failure_carries_its_message(tmp_path, monkeypatch):
    fake_ezkl(tmp_path, monkeypatch, """
        def gen_srs(path, logrows):
            raise RuntimeError("no space left for the SRS")
    """)
    with pytest.raises(ZkError, match="'gen_srs' failed: RuntimeError: no space left"):
        run_step("gen_srs", srs=tmp_path / "x.srs", logrows=10)


def test_ezkl_crash_is_a_clear_error(tmp_path, monkeypatch):
    fake_ezkl(tmp_path, monkeypatch, """
        import os, signal
        def gen_srs(path, logrows):
            print("thread panicked")
            os.kill(os.getpid(), signal.SIGSEGV)
    """)
    with pytest.raises(ZkToolCrashedError, match=r"crashed \(killed by signal SIGSEGV\).*thread panicked"):
        run_step("gen_srs", srs=tmp_path / "x.srs", logrows=10)


def test_cli_build_without_ezkl_is_one_line(demo_v1, tmp_path, monkeypatch):
    fake_ezkl(tmp_path, monkeypatch, "raise ImportError('No module named ezkl')\n")
    monkeypatch.setenv("MODELGOV_HOME", str(tmp_path / "home"))
    calibration = tmp_path / "cal.json"
    calibration.write_text(json.dumps([[0.0] * 128]))
    one_line_error(run("zk", "build", demo_v1, "--calibration", calibration, "--json"),
                   "ezkl is not installed")
    assert not (demo_v1 / "zk").exists()  # nothing half-built left in the version folder


# --- CLI errors that need no EZKL ---------------------------------------------------------------
def test_cli_folder_without_circuit_says_so(demo_v1, tmp_path):
    (tmp_path / "in.json").write_text("[0]")
    one_line_error(run("zk", "prove", "--model-dir", demo_v1, "--input", tmp_path / "in.json",
                       "-o", tmp_path / "p.json"), "has no circuit")


def test_cli_build_needs_calibration(demo_v1):
    one_line_error(run("zk", "build", demo_v1), "no calibration data")


def test_cli_deploy_refuses_dev_srs_on_other_networks(demo_v1):
    folder = demo_v1 / "zk"
    folder.mkdir()
    for name in ("settings.json", "model.compiled", "Verifier.sol", "model.onnx"):
        (folder / name).write_text("{}")
    (folder / "settings.json").write_text(json.dumps({"model_input_scales": [10], "model_output_scales": [10]}))
    (folder / "vk.key").write_bytes(b"vk")
    (folder / "meta.json").write_text(json.dumps({
        "schema": META_SCHEMA, "logrows": 16, "input_size": 128, "output_size": 10,
        "srs": {"kind": "dev", "sha256": "00" * 32, "logrows": 16},
        "vk_sha256": hashlib.sha256(b"vk").hexdigest()}))
    one_line_error(run("zk", "deploy", demo_v1, "--network", "ethereum:sepolia:node"),
                   "development SRS")
    (folder / "vk.key").write_bytes(b"other key")
    one_line_error(run("zk", "deploy", demo_v1, "--network", "ethereum:sepolia:node"),
                   "does not match meta.json")


# --- weights commitment and clones (pure Python) ----------------------------------------------
#: A compressed point EZKL's witness gave (polycommit) and the proof's bytes for it (measured).
COMPRESSED = "62dd33270bdeac4995ff7ec80f1a5ff116a7994fffcf1eed040cf54cbbd3d98f"
IN_PROOF = ("0fd9d3bb4cf50c04ed1ecfff4f99a716f15f1a0fc87eff9549acde0b2733dd62"
            "139787fcc43d5aad0b9f025f5049e53e2f9c93d505669580f9020b2fa7cc427d")


def test_compressed_commitment_point_is_the_proofs_evm_encoding():
    from modelgov.zk.commitment import decompress_g1

    assert decompress_g1(COMPRESSED).hex() == IN_PROOF
    flipped = bytearray(bytes.fromhex(COMPRESSED))
    flipped[31] ^= 0x80  # the other y
    other = decompress_g1(flipped.hex())
    assert other[:32] == bytes.fromhex(IN_PROOF)[:32] and other[32:] != bytes.fromhex(IN_PROOF)[32:]


@pytest.mark.parametrize("bad, match", [("00" * 31 + "40", "identity"), ("ab" * 31, "not 32 bytes"),
                                        ("zz" * 32, "not hex"), ("04" + "00" * 31, "not on BN254")])
def test_malformed_commitment_point_is_refused(bad, match):
    from modelgov.zk.commitment import decompress_g1

    with pytest.raises(ValidationError, match=match):
        decompress_g1(bad)


def test_clone_code_round_trips_and_other_code_is_refused():
    from eth_utils import keccak

    from modelgov.chain.zk_verifier import clone_args, expected_clone_code
    from modelgov.errors import VerifierMismatchError

    impl, shared = "0x" + "11" * 20, "0x" + "22" * 20
    code = expected_clone_code(impl, shared, b"\x07" * 128)
    args = clone_args(code)
    assert (args.implementation.lower(), args.verifier.lower()) == (impl, shared)
    assert args.commitment_length == 128 and args.commitment_hash == keccak(b"\x07" * 128)
    for bad in (code[:-1], code + b"\x00", b"\x00" + code[1:], code[:30] + b"\x00" + code[31:]):
        with pytest.raises(VerifierMismatchError, match="not a WeightsBoundVerifier clone"):
            clone_args(bad)
