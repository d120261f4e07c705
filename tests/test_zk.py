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
        self.proof2_path = root / "proof-v2.json"
        self.pk_regenerated = False
        self.expected_output: list[float] = []

    @property
    def proof(self) -> ProofFile:
        return load_proof(self.proof_path)

    @property
    def proof2(self) -> ProofFile:
        return load_proof(self.proof2_path)


@pytest.fixture(scope="session")
def zk(tmp_path_factory) -> ZkSession:
    """v1: trained weights, calibrated; v2: trained further, built with v1's settings (``like``):
    one architecture, one verifying key, two weights commitments."""
    s = ZkSession(tmp_path_factory.mktemp("zk"))
    x, _ = mlp._data()
    calibration = s.root / "calibration.json"
    calibration.write_text(json.dumps(x[:16].tolist()))
    s.input.write_text(json.dumps({"input": x[100].tolist()}))
    w1, _ = mlp.train(mlp.initial_weights())
    w2, _ = mlp.train(w1)
    s.expected_output = ((x[100:101] @ w1["fc1.weight"].T + w1["fc1.bias"]).clip(0) @ w1["fc2.weight"].T
                         + w1["fc2.bias"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODELGOV_HOME", str(s.home))
        mp.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))
        mlp.write_model(s.v1, w1, 1)
        pipeline.build(s.v1, calibration=calibration)
        mlp.write_model(s.v2, w2, 2)
        pipeline.build(s.v2, calibration=calibration, like=s.v1)
        circuit = load_circuit(s.v1)
        pk_path(circuit.vk_sha256).unlink()  # the pk is not pinned: regenerate it from the artifacts
        pipeline.setup(s.v1)
        s.pk_regenerated = pk_path(circuit.vk_sha256).is_file()
        pipeline.prove(s.v1, s.input, s.proof_path)
        pipeline.prove(s.v2, s.input, s.proof2_path)  # the same (shared) proving key
    return s


@pytest.fixture(autouse=True)
def zk_home(zk, monkeypatch):
    monkeypatch.setenv("MODELGOV_HOME", str(zk.home))
    monkeypatch.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))


@pytest.fixture(scope="session")
def verifiers(zk, deployer):
    """The architecture's shared EZKL verifier (compiled from v1's pinned Verifier.sol, which is
    v2's too), the factory, and v1's and v2's weights-bound clones."""
    from modelgov.chain.zk_verifier import create_bound_verifier, deploy_factory, deploy_verifier
    from modelgov.zk.check import compile_pinned

    shared = deploy_verifier(deployer, compile_pinned(zk.v1))
    factory = deploy_factory(deployer)
    out: dict[str, object] = {"shared": shared, "factory": factory}
    for name, folder in (("v1", zk.v1), ("v2", zk.v2)):
        commitment = bytes.fromhex(load_circuit(folder).meta["weights_commitment"][2:])
        out[name] = create_bound_verifier(factory.address, shared.address, commitment, sender=deployer)
    return out


def _addr(verifiers, name: str) -> str:
    return verifiers[name].value.address if name in ("v1", "v2") else verifiers[name].address


def test_fixtures_ready(zk, verifiers, deployer, suite, registry, governance, stranger, run_cli):
    assert zk.pk_regenerated and zk.proof_path.is_file() and zk.proof2_path.is_file()
    assert {"v1", "v2", "shared", "factory"} <= set(verifiers)


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
    assert meta["visibility"]["param_visibility"] == "polycommit"
    assert meta["accuracy"]["argmax_agreement"] >= 0.9
    assert meta["accuracy"]["max_abs_error"] < 0.05 * meta["accuracy"]["max_abs_output"]
    # v1 and v2 differ only in weights: one verifying key (and verifier), two weights commitments
    c1, c2 = load_circuit(zk.v1), load_circuit(zk.v2)
    assert c1.vk_sha256 == c2.vk_sha256
    assert c2.meta["settings_of_vk"] == c1.vk_sha256 and c2.meta["same_vk_as_settings_source"] is True
    assert c1.paths.verifier.read_text() == c2.paths.verifier.read_text()
    assert len(bytes.fromhex(c1.meta["weights_commitment"][2:])) % 64 == 0
    assert c1.meta["weights_commitment"] != c2.meta["weights_commitment"]


def test_weights_commitment_is_the_proof_prefix_and_is_rederived_from_the_weights(zk):
    """Deterministic (no blinding): the pinned commitment = each proof's first G1 points = what
    `zk check` recomputes from model.safetensors; another version's weights give another one."""
    from modelgov.zk.check import rederive_commitment

    c1 = bytes.fromhex(load_circuit(zk.v1).meta["weights_commitment"][2:])
    c2 = bytes.fromhex(load_circuit(zk.v2).meta["weights_commitment"][2:])
    assert zk.proof.proof_bytes[:len(c1)] == c1 and zk.proof2.proof_bytes[:len(c2)] == c2
    assert rederive_commitment(zk.v1) == c1


def test_proof_made_with_regenerated_pk_verifies_off_and_on_chain(zk, verifiers, deployer):
    from modelgov.chain.zk_verifier import verify_on_chain, verify_transaction

    proof = zk.proof
    # the proven output is the float model's answer, up to quantization
    assert max(abs(a - b) for a, b in zip(proof.output, zk.expected_output[0], strict=False)) < 0.1
    assert pipeline.verify(proof, zk.v1)["valid"] is True
    assert verify_on_chain(_addr(verifiers, "v1"), proof) is True
    through_clone = verify_transaction(_addr(verifiers, "v1"), proof, sender=deployer).value
    direct = verify_transaction(_addr(verifiers, "shared"), proof, sender=deployer).value
    assert 200_000 < direct < through_clone < direct + 20_000


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
        verify_on_chain(_addr(verifiers, "v1"), forged)
    # the readable output alone changed: refused before EZKL runs
    lied = _tampered(proof, output=lambda doc: doc["output"].__setitem__(0, 99.0))
    with pytest.raises(ProofRejectedError, match="not its public instances"):
        pipeline.verify(lied, zk.v1)


def _with_proof_bytes(proof: ProofFile, fn) -> ProofFile:
    def edit(doc):
        raw = bytearray(bytes.fromhex(doc["ezkl"]["hex_proof"][2:]))
        fn(raw)
        doc["ezkl"]["hex_proof"] = "0x" + raw.hex()
        doc["ezkl"]["proof"] = list(raw)

    return _tampered(proof, ezkl=edit)


def test_changed_proof_byte_is_refused(zk, verifiers):
    from modelgov.chain.zk_verifier import verify_on_chain

    forged = _with_proof_bytes(zk.proof, lambda raw: raw.__setitem__(200, raw[200] ^ 0x01))
    with pytest.raises(ProofRejectedError):
        pipeline.verify(forged, zk.v1)
    with pytest.raises(ProofRejectedError, match="rejected the proof"):
        verify_on_chain(_addr(verifiers, "v1"), forged)


def test_attack_proof_of_other_weights_is_refused(zk, verifiers):
    """v2's proof is a valid proof of the shared circuit (the shared verifier accepts it) but of
    v2's weights: v1's clone refuses it, v2's accepts it."""
    from modelgov.chain.zk_verifier import verify_on_chain

    assert verify_on_chain(_addr(verifiers, "shared"), zk.proof2) is True
    assert verify_on_chain(_addr(verifiers, "v2"), zk.proof2) is True
    with pytest.raises(ProofRejectedError, match="weights commitment is not this version's"):
        verify_on_chain(_addr(verifiers, "v1"), zk.proof2)
    with pytest.raises(ProofRejectedError, match="weights commitment is not this version's"):
        verify_on_chain(_addr(verifiers, "v2"), zk.proof)


def test_attack_swapped_commitment_is_refused(zk, verifiers):
    """v2's proof with v1's commitment pasted over its own passes v1's clone's check and is
    refused by the shared EZKL verifier (the commitment is bound into the transcript), on and off
    chain."""
    from modelgov.chain.zk_verifier import verify_on_chain

    c1 = bytes.fromhex(load_circuit(zk.v1).meta["weights_commitment"][2:])
    swapped = _with_proof_bytes(zk.proof2, lambda raw: raw.__setitem__(slice(0, len(c1)), c1))
    with pytest.raises(ProofRejectedError, match=r"rejected the proof \(reverted\)"):
        verify_on_chain(_addr(verifiers, "v1"), swapped)
    with pytest.raises(ProofRejectedError, match="rejected off chain"):
        pipeline.verify(swapped, zk.v1)


def test_cli_deploy_reuses_the_shared_verifier_and_check_refuses_other_weights(zk, verifiers, run_cli,
                                                                               registry, governance, stranger):
    """``zk deploy`` v1: factory + shared verifier + clone; v2: only a clone (the set-up of a new
    version). ``zk check`` re-derives the shared verifier and the commitment from the weights:
    v1's clone matches v1, v2's clone (other weights) is refused."""
    from registry_helpers import version_input

    first = run_cli("zk", "deploy", zk.v1, "--json")
    assert first.exit_code == 0, first.stderr
    d1 = json.loads(first.stdout)
    assert d1["mode"] == "bound" and not d1["steps"]["verifier"]["reused"]
    second = run_cli("zk", "deploy", zk.v2, "--json")
    assert second.exit_code == 0, second.stderr
    d2 = json.loads(second.stdout)
    assert d2["steps"]["factory"]["reused"] and d2["steps"]["verifier"]["reused"]
    assert d2["verifier"] == d1["verifier"] and d2["address"] != d1["address"]
    # the per-version set-up: the clone + the submitter's bindVerifier
    registry.createModel("zk-setup-gas", b"", sender=governance)
    registry.submitVersion(registry.modelIdOf("zk-setup-gas"), version_input("zk-setup-gas"), sender=stranger)
    bind = registry.bindVerifier(registry.versionCount(), d2["address"], sender=stranger)
    assert d2["gas_used"] + bind.gas_used <= 250_000, (d2["gas_used"], bind.gas_used)
    again = json.loads(run_cli("zk", "deploy", zk.v2, "--json").stdout)
    assert again["gas_used"] == 0 and again["address"] == d2["address"]

    checked = run_cli("zk", "check", zk.v1, "--verifier", d1["address"], "--json")
    assert checked.exit_code == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["match"] is True and report["verifier"] == d1["verifier"]
    assert report["weights_commitment"] == load_circuit(zk.v1).meta["weights_commitment"]
    verified = run_cli("zk", "verify", zk.proof_path, "--model-dir", zk.v1, "--verifier", d1["address"], "--json")
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(verified.stdout)["on_chain"] is True and json.loads(verified.stdout)["off_chain"] is True
    other = run_cli("zk", "check", zk.v1, "--verifier", d2["address"])
    assert other.exit_code != 0
    assert len(other.stderr.strip().splitlines()) == 1 and "bound to other weights" in other.stderr
    plain = run_cli("zk", "check", zk.v1, "--verifier", d1["verifier"])
    assert plain.exit_code != 0 and "not a WeightsBoundVerifier clone" in plain.stderr
    refused = run_cli("zk", "verify", zk.proof_path, "--verifier", d2["address"])
    assert refused.exit_code != 0 and "weights commitment is not this version's" in refused.stderr


def test_check_refuses_forged_clones(zk, verifiers, project, deployer, stranger):
    """Clones not made by the factory: v1's commitment with an accept-all "verifier", and a
    clone of another implementation with v1's exact arguments."""
    from eth_abi import encode
    from eth_utils import keccak

    from modelgov.chain.zk_verifier import implementation_runtime, runtime_code
    from modelgov.errors import VerifierMismatchError
    from modelgov.zk.check import check_bound

    c1 = bytes.fromhex(load_circuit(zk.v1).meta["weights_commitment"][2:])
    maker = deployer.deploy(project.ForgedCloneMaker)
    lenient = deployer.deploy(project.MockZkVerifier, True)
    impl = project.WeightsBoundVerifierFactory.at(_addr(verifiers, "factory")).implementation()

    def forge(implementation: str, verifier: str) -> str:
        args = encode(["address", "uint256", "bytes32"], [verifier, len(c1), keccak(c1)])
        return maker.make(implementation, args, sender=stranger).events[-1].event_arguments["clone"]

    with pytest.raises(VerifierMismatchError, match="not this version's verifier"):
        check_bound(zk.v1, forge(impl, lenient.address), runtime_code, implementation_runtime())
    with pytest.raises(VerifierMismatchError, match="is not the compiled WeightsBoundVerifier"):
        check_bound(zk.v1, forge(lenient.address, _addr(verifiers, "shared")), runtime_code,
                    implementation_runtime())
    # and the genuine one passes
    assert check_bound(zk.v1, _addr(verifiers, "v1"), runtime_code, implementation_runtime())["match"]


def test_check_refuses_a_folder_whose_weights_changed(zk, tmp_path):
    """The commitment is re-derived from model.safetensors: v1's artifacts with v2's weights no
    longer give the ONNX the circuit was compiled from."""
    import shutil

    from modelgov.errors import VerifierMismatchError
    from modelgov.zk.check import rederive_commitment

    copy = tmp_path / "v1"
    shutil.copytree(zk.v1, copy)
    shutil.copy(zk.v2 / "model.safetensors", copy / "model.safetensors")
    with pytest.raises(VerifierMismatchError, match="do not give the ONNX"):
        rederive_commitment(copy)


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
        check_deployed(copy, runtime_code(_addr(verifiers, "shared")))


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
    bound = ModelGov.from_suite(suite).registry.bind_verifier(vid, _addr(verifiers, "v1"), sender=stranger)
    assert bound.value == _addr(verifiers, "v1")
    for i, a in enumerate(auditors):
        registry.attest(vid, 1, bytes.fromhex("01551220") + bytes([i]) * 32, sender=a)
    registry.activateVersion(mid, vid, 0, sender=governance)
    result = run_cli("zk", "verify", zk.proof_path, "--model", "zk-bound", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["on_chain"] is True and doc["verifier"] == _addr(verifiers, "v1") and doc["version_id"] == vid
    shown = json.loads(run_cli("version", "show", vid, "--json").stdout)
    assert shown["verifier"] == _addr(verifiers, "v1")
    refused = run_cli("zk", "verify", zk.proof2_path, "--model", "zk-bound")
    assert refused.exit_code != 0 and "weights commitment is not this version's" in refused.stderr
    checked = run_cli("zk", "check", zk.v1, "--version", vid, "--json")
    assert checked.exit_code == 0, checked.stderr
    assert json.loads(checked.stdout)["bound_verifier"] == _addr(verifiers, "v1")


def test_one_changed_bias_gives_another_commitment(zk, tmp_path):
    """Biases are committed too: v1 with one output bias moved by 1/4 (same settings, same vk)
    gets another commitment."""
    from modelgov.zk.commitment import compute_commitment
    from modelgov.zk.onnx_model import load_mlp, mlp_onnx_bytes
    from modelgov.zk.runner import run_step
    from modelgov.zk.srs import dev_srs_path

    circuit = load_circuit(zk.v1)
    weights = load_mlp(zk.v1)
    weights.fc2_bias[0] += 0.25
    onnx = tmp_path / "model.onnx"
    onnx.write_bytes(mlp_onnx_bytes(weights))
    run_step("settings", onnx=onnx, settings=tmp_path / "settings.json", compiled=tmp_path / "model.compiled",
             settings_from=circuit.paths.settings)
    changed, _ = compute_commitment(tmp_path / "model.compiled", circuit.paths.vk, dev_srs_path(circuit.logrows),
                                    circuit.input_size)
    pinned = bytes.fromhex(circuit.meta["weights_commitment"][2:])
    assert len(changed) == len(pinned) and changed != pinned
