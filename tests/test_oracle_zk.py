"""The oracle with a REAL EZKL circuit and verifier: the demo MLP's v1 is registered, bound to its
deployed Halo2 verifier and activated; a consumer contract asks it; ``modelgov oracle serve``
answers optimistically and finalizes; a dishonest answer is caught by ``modelgov oracle watch``,
which challenges it and settles it with a proof; the gas of each path is measured."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from modelgov.demo import mlp
from modelgov.zk import pipeline

ROOT = Path(__file__).resolve().parents[1]
SRS_DIR = Path(os.environ.get("MODELGOV_ZK_SRS_DIR") or ROOT / ".modelgov" / "zk" / "srs")
FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def _signed(w: int) -> int:
    return w - FIELD if w > FIELD // 2 else w


def _argmax(words: list[int]) -> int:
    values = [_signed(w) for w in words]
    return values.index(max(values))


@pytest.fixture(scope="module")
def zk1(tmp_path_factory):
    root = tmp_path_factory.mktemp("oracle-zk")
    s = SimpleNamespace(root=root, home=root / "home", v1=root / "demo-mlp" / "v1")
    x, _ = mlp._data()
    s.samples = x
    calibration = root / "calibration.json"
    calibration.write_text(json.dumps(x[:16].tolist()))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODELGOV_HOME", str(s.home))
        mp.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))
        mlp.write_model(s.v1, mlp.initial_weights(), 1)
        pipeline.build(s.v1, calibration=calibration)
    return s


@pytest.fixture(autouse=True)
def zk_env(zk1, monkeypatch):
    monkeypatch.setenv("MODELGOV_HOME", str(zk1.home))
    monkeypatch.setenv("MODELGOV_ZK_SRS_DIR", str(SRS_DIR))


def test_real_proof_settles_a_dispute_through_the_bound_verifier(zk1, registry, governance, accounts, deployer,
                                                                   timelock, project, chain, stranger, run_cli,
                                                                   tmp_path, suite):
    from modelgov.chain import oracle as orc
    from modelgov.chain.client import ModelGov
    from modelgov.chain.zk_verifier import deploy_for_version
    from modelgov.chain.zk_versions import cached_folder
    from modelgov.cid.dag import build_path
    from modelgov.cid.text import cid_to_bytes
    from modelgov.zk import answer
    from registry_helpers import version_input

    # --- the version: registered by CID, bound to its own verifier (the weights-bound clone of
    # its architecture's shared EZKL verifier, as `zk deploy` makes it), audited, activated -------
    verifier = deploy_for_version(ModelGov.from_suite(suite, deployer), zk1.v1, record=False)
    auditors = accounts[4], accounts[5]
    for a in auditors:
        registry.grantRole(registry.AUDITOR_ROLE(), a, sender=governance)
    registry.createModel("oracle-zk", b"", sender=governance)
    model_id = registry.modelIdOf("oracle-zk")
    profile = "unixfs-v1-2025"
    root_cid = build_path(zk1.v1, profile).cid
    registry.submitVersion(model_id, version_input("oracle-zk", profile=profile, cid_bytes=cid_to_bytes(root_cid)),
                           sender=deployer)
    vid = registry.versionCount()
    registry.bindVerifier(vid, verifier.address, sender=deployer)
    for i, a in enumerate(auditors):
        registry.attest(vid, 1, bytes.fromhex("01551220") + bytes([i + 7]) * 32, sender=a)
    registry.activateVersion(model_id, vid, 0, sender=governance)
    gov = ModelGov.from_suite(suite)
    shutil.copytree(zk1.v1, cached_folder(gov.registry.version(vid)))  # as an IPFS fetch leaves it

    config = orc.local_config(timelock.address)
    oracle = orc.deploy_oracle(deployer, timelock.address, registry.address, config)
    client = orc.Oracle.at(gov, oracle.address)
    consumer = deployer.deploy(project.ModelConsumer, oracle.address, model_id)
    words = answer.quantize(zk1.v1, zk1.samples[100].tolist())
    truth = answer.compute(zk1.v1, words)
    assert len(words) == 128 and len(truth) == 10

    # --- optimistic path: the node proposes, the window passes, the node finalizes --------------
    ask = consumer.ask(answer.pack(words), sender=stranger)
    rid1 = oracle.requestCount()
    state = tmp_path / "node.json"
    node = ("oracle", "serve", "--once", "--oracle", oracle.address, "--account", "TEST::6", "--state", state, "--json")
    served = run_cli(*node)
    assert served.exit_code == 0, served.stderr
    actions = [json.loads(line) for line in served.stdout.splitlines()]
    assert actions == [{"request_id": rid1, "action": "proposed", "output": truth}]
    again = run_cli(*node)  # a restarted node does not answer twice
    assert again.exit_code == 0 and again.stdout.strip() == ""
    assert client.record(rid1).proposer == accounts[6].address
    chain.mine(deltatime=config.challenge_window)
    final = run_cli(*node)
    assert [json.loads(line) for line in final.stdout.splitlines()] == [{"request_id": rid1, "action": "finalized"}]
    assert oracle.isAnswer(rid1, truth) and consumer.classOf(rid1) == _argmax(truth)

    # --- a dishonest node's answer: the watchtower challenges it and proves the truth -----------
    consumer.ask(answer.pack(words), sender=stranger)
    rid2 = oracle.requestCount()
    wrong = list(truth)
    top = _argmax(truth)
    other = (top + 1) % len(wrong)
    wrong[top], wrong[other] = wrong[other], wrong[top]  # another class wins
    client.propose(rid2, wrong, sender=accounts[7])
    watch = run_cli("oracle", "watch", "--once", "--oracle", oracle.address, "--account", "TEST::8",
                    "--state", tmp_path / "watch.json", "--json")
    assert watch.exit_code == 0, watch.stderr
    seen = [json.loads(line) for line in watch.stdout.splitlines()]
    assert {"request_id": rid2, "verdict": "wrong", "action": "challenged"} in seen
    assert {"request_id": rid2, "action": "proven", "output": truth} in seen
    record = client.record(rid2)
    assert record.status == "final" and record.proven
    assert oracle.isAnswer(rid2, truth) and consumer.classOf(rid2) == top
    cut = config.proposer_bond * config.treasury_share_bps // 10_000
    assert oracle.creditOf(accounts[8]) == config.challenger_bond + config.proposer_bond - cut
    assert oracle.creditOf(accounts[7]) == 0 and oracle.creditOf(timelock.address) == cut

    # --- gas: optimistic path vs proof path (EOA requester, no callback) ------------------------
    r_req = oracle.request(model_id, answer.pack(words), sender=deployer)
    rid3 = oracle.requestCount()
    r_prop = client.propose(rid3, truth, sender=accounts[6])
    chain.mine(deltatime=config.challenge_window)
    r_fin = client.finalize(rid3, truth, sender=accounts[6])
    r_req2 = oracle.request(model_id, answer.pack(words), sender=deployer)
    rid4 = oracle.requestCount()
    proof = answer.prove_words(zk1.v1, words, tmp_path / "proof.json")
    assert answer.output_words(proof, len(words)) == truth
    r_proof = client.fulfill(rid4, words, truth, proof.proof_bytes, sender=accounts[8])
    gas = {"request": r_req.gas_used, "propose": r_prop.gas_used, "finalize": r_fin.gas_used,
           "fulfillWithProof": r_proof.gas_used, "request_by_consumer": ask.gas_used}
    gas["optimistic_path"] = gas["request"] + gas["propose"] + gas["finalize"]
    gas["proof_path"] = r_req2.gas_used + gas["fulfillWithProof"]
    gas["ratio"] = round(gas["optimistic_path"] / gas["proof_path"], 3)
    gas["answer_only_ratio"] = round((gas["propose"] + gas["finalize"]) / gas["fulfillWithProof"], 3)
    print("ORACLE_GAS", json.dumps(gas))
    # the proof path costs the verifier's pairing checks; the optimistic one only storage and logs
    assert gas["fulfillWithProof"] > 3 * (gas["propose"] + gas["finalize"])
