"""``modelgov oracle deploy|request|status|finalize|withdraw`` and the typed wrapper's error
mapping, on the session suite with a mock verifier (no EZKL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oracle_helpers import FIELD, INPUT, TRUE_OUTPUT, WRONG_OUTPUT, active_model, instances


@pytest.fixture(scope="module")
def verifier(project, deployer):
    v = deployer.deploy(project.MockZkVerifier, False)
    v.setValid(instances(INPUT, TRUE_OUTPUT), True, sender=deployer)
    return v


@pytest.fixture(scope="module")
def model(registry, governance, auditors, deployer, verifier):
    return active_model(registry, governance, auditors, deployer, verifier.address, name="cli-oracle-model")


def test_fixtures(model, verifier, registry, governance, suite, stranger, deployer, run_cli):
    assert model[0] >= 1


def test_deploy_request_status_finalize_withdraw(model, run_cli, tmp_path, chain, accounts, timelock, suite):
    deployed = run_cli("oracle", "deploy", "--window", 60, "--json")
    assert deployed.exit_code == 0, deployed.stderr
    doc = json.loads(deployed.stdout)
    address = doc["oracle"]
    assert doc["config"]["treasury"] == timelock.address and doc["config"]["challenge_window"] == 60
    # the deployment record now names the oracle: later commands find it without --oracle
    record = json.loads(Path(doc["deployment"]).read_text())
    assert record["contracts"]["oracle"] == address

    words = tmp_path / "input.json"
    words.write_text(json.dumps({"words": INPUT}))
    asked = run_cli("oracle", "request", "cli-oracle-model", "--input", words, "--account", "TEST::9", "--json")
    assert asked.exit_code == 0, asked.stderr
    req = json.loads(asked.stdout)
    assert req["request_id"] == 1 and req["status"] == "open" and req["version_id"] == model[1]
    assert req["input"] == INPUT

    from modelgov.chain.client import ModelGov
    from modelgov.chain.oracle import Oracle
    from modelgov.errors import DeploymentNotFoundError

    gov = ModelGov.from_suite(suite)
    with pytest.raises(DeploymentNotFoundError, match="no InferenceOracle"):
        _ = gov.oracle  # the session suite has none: this one is reached by address

    proposed = Oracle.at(gov, address).propose(1, TRUE_OUTPUT, sender=accounts[6])
    assert proposed.value.status == "proposed" and proposed.value.proposer == accounts[6].address
    shown = json.loads(run_cli("oracle", "status", 1, "--json").stdout)
    assert shown["status"] == "proposed" and shown["output"] == TRUE_OUTPUT
    assert shown["proposer"] == accounts[6].address
    early = run_cli("oracle", "finalize", 1)
    assert early.exit_code != 0
    assert len(early.stderr.strip().splitlines()) == 1 and "window of request 1 is open" in early.stderr
    chain.mine(deltatime=61)
    done = run_cli("oracle", "finalize", 1, "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "final"
    text = run_cli("oracle", "status", 1)
    assert "final" in text.stdout and "answer hash" in text.stdout
    paid = run_cli("oracle", "withdraw", "--account", "TEST::6", "--json")
    assert paid.exit_code == 0, paid.stderr
    assert json.loads(paid.stdout)["withdrawn_wei"] == 10**17  # the local bond back (fee 0)
    again = run_cli("oracle", "withdraw", "--account", "TEST::6")
    assert again.exit_code != 0 and "nothing to withdraw" in again.stderr


def test_cli_errors_are_one_line(model, run_cli, tmp_path, project, deployer, timelock, registry, governance):
    no_oracle = run_cli("oracle", "status", 1)
    assert no_oracle.exit_code != 0 and "no InferenceOracle" in no_oracle.stderr
    from modelgov.chain.oracle import deploy_oracle, local_config

    contract = deploy_oracle(deployer, timelock.address, registry.address, local_config(timelock.address))
    unknown = run_cli("oracle", "status", 5, "--oracle", contract.address)
    assert unknown.exit_code != 0 and "no request 5" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"words": [FIELD]}))
    refused = run_cli("oracle", "request", "cli-oracle-model", "--input", bad, "--oracle", contract.address)
    assert refused.exit_code == 2 and "not a field element" in refused.stderr
    registry.createModel("cli-no-active", b"", sender=governance)
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"words": INPUT}))
    none = run_cli("oracle", "request", "cli-no-active", "--input", ok, "--oracle", contract.address)
    assert none.exit_code != 0 and "has no active version" in none.stderr


def test_wrapper_maps_reverts(model, project, deployer, timelock, registry, accounts, suite):
    from modelgov.chain import oracle as orc
    from modelgov.chain.client import ModelGov
    from modelgov.errors import NotFoundError, OracleError, StateError

    contract = orc.deploy_oracle(deployer, timelock.address, registry.address, orc.local_config(timelock.address))
    gov = ModelGov.from_suite(suite, accounts[9])
    oracle = orc.Oracle.at(gov, contract.address)
    asked = oracle.request(model[0], INPUT)  # the client's account signs
    rid = asked.value
    assert rid == 1 and asked.gas_used > 0 and asked.tx_hash.startswith("0x")
    assert oracle.requested(request_id=rid)[0].input == tuple(INPUT)
    assert oracle.input_of(rid) == INPUT
    with pytest.raises(NotFoundError, match="no request 9") as unknown:
        oracle.record(9)
    assert unknown.value.revert is not None and unknown.value.revert.name == "InferenceOracleUnknownRequest"
    with pytest.raises(OracleError, match="rejected the proof"):
        oracle.fulfill(rid, INPUT, WRONG_OUTPUT, b"\x00", sender=accounts[8])
    with pytest.raises(OracleError, match="request 1 is open"):
        oracle.challenge(rid, sender=accounts[7])
    with pytest.raises(StateError, match="not governance"):
        oracle._send("set fee", "setFee", (1,), None)
    # a registry error bubbling up through the oracle is decoded with the registry's ABI
    with pytest.raises(NotFoundError, match="unknown model #999") as no_model:
        oracle.request(999, INPUT)
    assert no_model.value.revert.name == "ModelRegistryUnknownModel"
    assert no_model.value.revert.contract == "ModelRegistry"
    proven = oracle.fulfill(rid, INPUT, TRUE_OUTPUT, b"\x00", sender=accounts[8])
    record = proven.value
    assert record.status == "final" and record.proven and record.version_id == model[1]
    assert oracle.record(rid) == record and oracle.is_answer(rid, TRUE_OUTPUT)
    with pytest.raises(OracleError, match="nothing to withdraw"):
        oracle.withdraw(sender=accounts[8])  # the local fee is 0: nothing credited


def test_refund_and_from_block(model, run_cli, tmp_path, chain, deployer, timelock, registry, accounts, suite):
    from modelgov.chain import oracle as orc
    from modelgov.chain.client import ModelGov

    contract = orc.deploy_oracle(deployer, timelock.address, registry.address, orc.local_config(timelock.address))
    address = contract.address
    gov = ModelGov.from_suite(suite, accounts[9])
    client = orc.Oracle.at(gov, address)
    rid = client.request(model[0], INPUT).value
    block = chain.blocks.head.number
    early = run_cli("oracle", "refund", rid, "--oracle", address)
    assert early.exit_code != 0 and "not refundable" in early.stderr
    assert len(early.stderr.strip().splitlines()) == 1
    chain.mine(deltatime=3600)
    shown = json.loads(run_cli("oracle", "status", rid, "--oracle", address, "--json").stdout)
    assert shown["status"] == "open" and shown["refundable"] and shown["expires_at"] > 0

    # a node started at the request's block skips it (expired: nothing to answer, nothing computed)
    state = tmp_path / "serve.json"
    node = ("oracle", "serve", "--once", "--oracle", address, "--account", "TEST::6", "--state", state, "--json")
    first = run_cli(*node, "--from-block", block)
    assert first.exit_code == 0, first.stderr
    assert [json.loads(x)["action"] for x in first.stdout.splitlines()] == ["skipped"]
    resumed = json.loads(state.read_text())["next_block"]
    assert resumed == chain.blocks.head.number + 1
    assert run_cli(*node).stdout.strip() == ""  # resumes after the last pass
    again = run_cli(*node, "--from-block", 0)  # re-scans from 0: a handled request is never redone
    assert again.exit_code == 0 and again.stdout.strip() == ""
    ahead = run_cli(*node, "--from-block", resumed + 100)
    assert ahead.exit_code == 0 and json.loads(state.read_text())["next_block"] == chain.blocks.head.number + 1
    watch = run_cli("oracle", "watch", "--once", "--oracle", address, "--account", "TEST::8", "--state",
                    tmp_path / "watch.json", "--from-block", block, "--json")
    assert watch.exit_code == 0 and watch.stdout.strip() == ""
    bad = run_cli(*node, "--from-block", -1)
    assert bad.exit_code == 2

    done = run_cli("oracle", "refund", rid, "--oracle", address, "--account", "TEST::7", "--json")
    assert done.exit_code == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "refunded" and record["requester"] == accounts[9].address
    assert client.refundable(rid) is False
    twice = run_cli("oracle", "refund", rid, "--oracle", address)
    assert twice.exit_code != 0 and "is refunded" in twice.stderr
