"""Verifiable inference with real EZKL (in subprocesses) on the ape test chain.

One session builds the demo's v1 (initial weights) and v2 (trained) circuits in a temporary
MODELGOV_HOME, drops v1's proving key, regenerates it with ``zk setup`` and proves one inference
with it; the tests check that proof off chain and through deployed verifiers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelgov.demo import mlp
from modelgov.errors import ProofRejectedError
from modelgov.zk import pipeline
from modelgov.zk.artifacts import load_circuit, pk_path
from modelgov.zk.proof import FIELD_MODULUS, ProofFile, load_proof

#: Development SRS files are slow to make (~25 s for logrows 16 on 2 cores) and secret-known
#: anyway: the suite keeps them across runs in the checkout's (gitignored) state folder.
SRS_DIR = Path(__file__).resolve().parents[1] / ".modelgov" / "zk" / "srs"


class ZkSession:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.v1 = root / "demo-mlp" / "v1"
        self.v2 = root / "demo-mlp" / "v2"
        self.input = root / "input.json"
        self.proof_path = root / "proof-v1.json"
        self.pk_regenerated = False
        self.expected_output: list[float] = []

    @property
    def proof(self) -> ProofFile:
        return load_proof(self.proof_path)


@pytest.fixture(scope="session")
def zk(tmp_path_factory) -> ZkSession:
    s = ZkSession(tmp_path_factory.mktemp("zk"))
    x, _ = mlp._data()
    calibration = s.root / "calibration.json"
    calibration.write_text(json.dumps(x[:16].tolist()))
    s.input.write_text(json.dumps({"input": x[100].tolist()}))
    w1 = mlp.initial_weights()
    w2, _ = mlp.train(w1)
    s.expected_output = (x[100:101] @ w1["fc1.weight"].T).clip(0) @ w1["fc2.weight"].T
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODELGOV_HOME", str(s.home))
        mp.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))
        for folder, weights, number in ((s.v1, w1, 1), (s.v2, w2, 2)):
            mlp.write_model(folder, weights, number)
            pipeline.build(folder, calibration=calibration)
        circuit = load_circuit(s.v1)
        pk_path(circuit.vk_sha256).unlink()  # the pk is not pinned: regenerate it from the artifacts
        pipeline.setup(s.v1)
        s.pk_regenerated = pk_path(circuit.vk_sha256).is_file()
        pipeline.prove(s.v1, s.input, s.proof_path)
    return s


@pytest.fixture(autouse=True)
def zk_home(zk, monkeypatch):
    monkeypatch.setenv("MODELGOV_HOME", str(zk.home))
    monkeypatch.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))


@pytest.fixture(scope="session")
def verifiers(zk, deployer):
    """v1's and v2's verifiers, compiled from their pinned Verifier.sol and deployed."""
    from modelgov.chain.zk_verifier import deploy_verifier
    from modelgov.zk.check import compile_pinned

    return {name: deploy_verifier(deployer, compile_pinned(folder))
            for name, folder in (("v1", zk.v1), ("v2", zk.v2))}


def test_fixtures_ready(zk, verifiers, deployer, suite, registry, governance, stranger, run_cli):
    assert zk.pk_regenerated and zk.proof_path.is_file()
    assert set(verifiers) == {"v1", "v2"}


def _tampered(proof: ProofFile, **changes) -> ProofFile:
    doc = json.loads(json.dumps(proof.as_dict()))
    for _key, fn in changes.items():
        fn(doc)
    return ProofFile(doc["vk_sha256"], doc["input"], doc["output"], doc["ezkl"])


def test_artifacts_pinned_in_version_folder_and_pk_not(zk):
    from modelgov import manifest

    files = {f["path"] for f in manifest.build(zk.v1)["files"]}
    assert {"zk/settings.json", "zk/model.compiled", "zk/vk.key", "zk/Verifier.sol",
            "zk/calibration.json", "zk/meta.json", "zk/model.onnx"} <= files
    assert not any(p.endswith(".pk") or "pk" in Path(p).stem for p in files)
    meta = json.loads((zk.v1 / "zk" / "meta.json").read_text())
    assert meta["srs"]["kind"] == "dev" and meta["logrows"] == meta["srs"]["logrows"] >= 10
    assert meta["visibility"]["param_visibility"] == "fixed"
    assert meta["accuracy"]["argmax_agreement"] >= 0.9
    assert meta["accuracy"]["max_abs_error"] < 0.05 * meta["accuracy"]["max_abs_output"]
    # v1 and v2 differ only in weights: with fixed params, their verifying keys differ
    assert load_circuit(zk.v1).vk_sha256 != load_circuit(zk.v2).vk_sha256


def test_proof_made_with_regenerated_pk_verifies_off_and_on_chain(zk, verifiers, deployer):
    from modelgov.chain.zk_verifier import verify_on_chain, verify_transaction

    proof = zk.proof
    # the proven output is the float model's answer, up to quantization
    assert max(abs(a - b) for a, b in zip(proof.output, zk.expected_output[0], strict=False)) < 0.1
    assert pipeline.verify(proof, zk.v1)["valid"] is True
    assert verify_on_chain(verifiers["v1"].address, proof) is True
    gas = verify_transaction(verifiers["v1"].address, proof, sender=deployer).value
    assert 200_000 < gas < 1_500_000


def test_changed_output_is_refused(zk, verifiers):
    from modelgov.chain.zk_verifier import verify_on_chain

    proof = zk.proof
    # change the last output instance (and its readable value, consistently): the proof no longer holds
    def bump(doc):
        felt = doc["ezkl"]["instances"][0][-1]
        value = (int.from_bytes(bytes.fromhex(felt), "little") + 1) % FIELD_MODULUS
        doc["ezkl"]["instances"][0][-1] = value.to_bytes(32, "little").hex()
        doc["output"][-1] = doc["output"][-1] + 2 ** -load_circuit(zk.v1).output_scale

    forged = _tampered(proof, output=bump)
    with pytest.raises(ProofRejectedError, match="rejected off chain"):
        pipeline.verify(forged, zk.v1)
    with pytest.raises(ProofRejectedError, match="rejected the proof"):
        verify_on_chain(verifiers["v1"].address, forged)
    # the readable output alone changed: refused before EZKL runs
    lied = _tampered(proof, output=lambda doc: doc["output"].__setitem__(0, 99.0))
    with pytest.raises(ProofRejectedError, match="not its public instances"):
        pipeline.verify(lied, zk.v1)


def test_changed_proof_byte_is_refused(zk, verifiers):
    from modelgov.chain.zk_verifier import verify_on_chain

    def flip(doc):
        raw = bytearray(bytes.fromhex(doc["ezkl"]["hex_proof"][2:]))
        raw[200] ^= 0x01
        doc["ezkl"]["hex_proof"] = "0x" + raw.hex()
        doc["ezkl"]["proof"] = list(raw)

    forged = _tampered(zk.proof, ezkl=flip)
    with pytest.raises(ProofRejectedError):
        pipeline.verify(forged, zk.v1)
    with pytest.raises(ProofRejectedError, match="rejected the proof"):
        verify_on_chain(verifiers["v1"].address, forged)


def test_v1_proof_is_refused_by_v2_verifier(zk, verifiers):
    from modelgov.chain.zk_verifier import verify_on_chain

    proof = zk.proof
    with pytest.raises(ProofRejectedError, match="rejected the proof"):
        verify_on_chain(verifiers["v2"].address, proof)
    with pytest.raises(ProofRejectedError, match="is for circuit"):
        pipeline.verify(proof, zk.v2)
    # even when it claims v2's circuit, EZKL with v2's key refuses it
    relabelled = _tampered(proof, vk=lambda doc: doc.__setitem__("vk_sha256", load_circuit(zk.v2).vk_sha256))
    with pytest.raises(ProofRejectedError, match="rejected off chain"):
        pipeline.verify(relabelled, zk.v2)


def test_cli_deploy_verify_check_refuses_verifier_of_other_weights(zk, verifiers, run_cli):
    """``zk check`` regenerates the verifier from the pinned vk + settings, compiles it and
    compares runtime code: v1's deployed verifier matches, v2's (other weights) is refused."""
    deployed = run_cli("zk", "deploy", zk.v1, "--json")
    assert deployed.exit_code == 0, deployed.stderr
    address = json.loads(deployed.stdout)["address"]
    checked = run_cli("zk", "check", zk.v1, "--verifier", address, "--json")
    assert checked.exit_code == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["match"] is True and report["vk_sha256"] == load_circuit(zk.v1).vk_sha256
    verified = run_cli("zk", "verify", zk.proof_path, "--model-dir", zk.v1, "--verifier", address, "--json")
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(verified.stdout)["on_chain"] is True and json.loads(verified.stdout)["off_chain"] is True
    # v2's verifier is not v1's: one line, non-zero exit
    other = run_cli("zk", "check", zk.v1, "--verifier", verifiers["v2"].address)
    assert other.exit_code != 0
    assert len(other.stderr.strip().splitlines()) == 1 and "not this version's verifier" in other.stderr
    refused = run_cli("zk", "verify", zk.proof_path, "--verifier", verifiers["v2"].address)
    assert refused.exit_code != 0 and "rejected the proof" in refused.stderr


def test_cli_address_without_verifier_says_so(zk, run_cli, stranger):
    result = run_cli("zk", "verify", zk.proof_path, "--verifier", stranger.address)
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "no contract at" in result.stderr


def test_cli_prove_a_registered_version_checked_by_cid(zk, registry, governance, stranger, run_cli, tmp_path,
                                                       suite):
    """``zk prove --version ID``: the version's files (here already in the cache, as a fetch
    from IPFS leaves them) are checked against the registered CID before proving."""
    import shutil

    from modelgov.chain.client import ModelGov
    from modelgov.chain.zk_versions import cached_folder
    from modelgov.cid.dag import build_path
    from modelgov.cid.text import cid_to_bytes
    from registry_helpers import version_input

    profile = "unixfs-v1-2025"
    registry.createModel("demo-mlp", b"", sender=governance)
    root = build_path(zk.v1, profile).cid
    registry.submitVersion(1, version_input("v1", profile=profile, cid_bytes=cid_to_bytes(root)), sender=stranger)
    record = ModelGov.from_suite(suite).registry.version(1)
    shutil.copytree(zk.v1, cached_folder(record))
    out = tmp_path / "proof.json"
    result = run_cli("zk", "prove", "--version", 1, "--input", zk.input, "-o", out, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["version_id"] == 1 and doc["cid"] == record.cid
    assert pipeline.verify(load_proof(out), zk.v1)["valid"]
    # a changed file in the cached folder: refused before proving
    (cached_folder(record) / "zk" / "calibration.json").write_text("[]")
    refused = run_cli("zk", "prove", "--version", 1, "--input", zk.input, "-o", out)
    assert refused.exit_code != 0 and "not version 1's" in refused.stderr


def test_check_refuses_an_edited_pinned_verifier_source(zk, verifiers, tmp_path):
    """The pinned Verifier.sol must be what the pinned vk + settings generate."""
    import shutil

    from modelgov.chain.zk_verifier import runtime_code
    from modelgov.errors import VerifierMismatchError
    from modelgov.zk.check import check_deployed

    copy = tmp_path / "v1"
    shutil.copytree(zk.v1, copy)
    sol = copy / "zk" / "Verifier.sol"
    sol.write_text(sol.read_text().replace("contract Halo2Verifier", "// edited\ncontract Halo2Verifier", 1))
    with pytest.raises(VerifierMismatchError, match="is not what the pinned verifying key"):
        check_deployed(copy, runtime_code(verifiers["v1"].address))


def test_registry_binding_verifies_a_proof_of_the_active_version(zk, verifiers, registry, governance,
                                                                  accounts, stranger, run_cli, suite):
    """The verifier is bound to the version before its audit; once governance activates the
    version, ``zk verify --model`` checks a proof through the registry's binding, and a proof of
    other weights (v2's circuit) is refused by it."""
    from modelgov.chain.client import ModelGov
    from registry_helpers import version_input

    auditors = accounts[4], accounts[5]
    for a in auditors:
        registry.grantRole(registry.AUDITOR_ROLE(), a, sender=governance)
    registry.createModel("zk-bound", b"", sender=governance)
    mid = registry.modelIdOf("zk-bound")
    registry.submitVersion(mid, version_input("zk-bound-v1"), sender=stranger)
    vid = registry.versionCount()
    unbound = run_cli("zk", "verify", zk.proof_path, "--version", vid)
    assert unbound.exit_code != 0 and "no zk verifier bound" in unbound.stderr
    bound = ModelGov.from_suite(suite).registry.bind_verifier(vid, verifiers["v1"].address, sender=stranger)
    assert bound.value == verifiers["v1"].address
    for i, a in enumerate(auditors):
        registry.attest(vid, 1, bytes.fromhex("01551220") + bytes([i]) * 32, sender=a)
    registry.activateVersion(mid, vid, 0, sender=governance)
    result = run_cli("zk", "verify", zk.proof_path, "--model", "zk-bound", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["on_chain"] is True and doc["verifier"] == verifiers["v1"].address and doc["version_id"] == vid
    shown = json.loads(run_cli("version", "show", vid, "--json").stdout)
    assert shown["verifier"] == verifiers["v1"].address
