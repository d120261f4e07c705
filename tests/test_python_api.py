"""Issue 21: the README's "Python API" script runs a whole upgrade through the typed client, on
a suite onboarded like the demo's (auditors TEST::4 and TEST::5, voters TEST::1-3, demo-mlp)."""

from __future__ import annotations

import re
import shutil

import pytest

from modelgov.chain.client import ModelGov
from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite
from modelgov.chain.deployments import write_deployment
from modelgov.errors import NotFoundError, StateError
from modelgov.paths import CHECKOUT_ROOT

README = CHECKOUT_ROOT / "README.md"


def readme_script() -> str:
    text = README.read_text()
    found = re.search(r"<!-- python-api: run by tests/test_python_api.py -->\n```python\n(.*?)```",
                      text, re.S)
    assert found, "README lost its Python API script"
    return found.group(1)


@pytest.fixture
def onboarded(accounts, chain, tmp_path, monkeypatch):
    """A fresh suite, onboarded by the demo's own proposal file through Governor.run."""
    deployer = accounts[0]
    suite = deploy_suite(deployer, LOCAL_PARAMS)
    for n, share in ((1, 30), (2, 20), (3, 10)):
        suite.token.transfer(accounts[n], LOCAL_PARAMS.initial_supply * share // 100, sender=deployer)
        suite.token.invoke_transaction("delegate", accounts[n], sender=accounts[n])
    chain.mine(deltatime=1)
    monkeypatch.setenv("MODELGOV_DEPLOYMENTS", str(tmp_path / "deployments"))
    write_deployment("ethereum:local:foundry", suite.to_record(chain.chain_id))
    gov = ModelGov("local", accounts[1])
    built = gov.governor.build(CHECKOUT_ROOT / "governance/proposals/0001-onboard-demo-mlp.yaml")
    run = gov.governor.run(built, proposer=accounts[1],
                           votes=[(accounts[n], "for") for n in (1, 2, 3)])
    assert run.state == "Executed" and set(run.steps) >= {"propose", "queue", "execute"}
    assert all(r.gas_used > 0 and r.tx_hash.startswith("0x") for r in run.steps.values())
    shutil.copytree(CHECKOUT_ROOT / "models", tmp_path / "models")
    monkeypatch.chdir(tmp_path)
    return gov


def test_readme_script_runs_a_whole_upgrade(onboarded, capsys):
    exec(compile(readme_script(), "README.md", "exec"), {})  # noqa: S102 - the README's own code
    assert capsys.readouterr().out.split() == ["Executed", "True"]
    registry = onboarded.registry
    model = registry.model("demo-mlp")
    active = registry.active_version(model.model_id)
    assert active is not None and active.version_id == model.active_version_id
    assert registry.audit_status(active.version_id).audited
    proposals = onboarded.governor.proposals("executed")
    assert [p.title for p in proposals][-1] == f"Activate v{active.version_id}"


def test_client_errors_keep_the_custom_error_and_writes_return_results(onboarded, accounts):
    registry = onboarded.registry
    with pytest.raises(NotFoundError) as err:
        registry.version(999)
    assert err.value.revert is not None
    assert (err.value.revert.name, err.value.revert.args) == ("ModelRegistryUnknownVersion", {"versionId": 999})
    from modelgov.chain.registry import prepare_version

    result = registry.submit_version("demo-mlp", prepare_version(
        "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", manifest_digest="0x" + "ab" * 32),
        sender=accounts[6])
    assert result.value.submitter == accounts[6].address and result.gas_used > 100_000
    assert result.to_json()["value"]["version_id"] == result.value.version_id
    with pytest.raises(StateError) as err:  # not audited: refused by simulation, nothing sent
        onboarded.governor.run(onboarded.governor.build(
            __import__("modelgov.chain.proposal_spec", fromlist=["parse_proposal"]).parse_proposal(
                f"title: T\nactions:\n  - {{type: model-upgrade, model: demo-mlp, version: {result.value.version_id}}}\n")),
            proposer=accounts[1], votes=[(accounts[1], "for")])
    assert "not audited" in str(err.value)
