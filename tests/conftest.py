"""Fixtures for the chain tests (run by `ape test` on the foundry provider).

The suite is deployed once per session with short local periods; each test runs inside an
isolated snapshot (Ape's default ``chain.isolate`` per test), so tests don't see each other.
"""

from __future__ import annotations

import pytest

from modelgov.chain.ape_env import prepare_environment

# Before any test compiles: the solc shim, and Ape's compiles isolated wherever the checkout lives.
prepare_environment()

from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite  # noqa: E402

SUPPLY = LOCAL_PARAMS.initial_supply


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def voters(accounts):
    """Three token holders: 30 %, 20 %, 10 % of the supply (deployer keeps 40 %)."""
    return accounts[1], accounts[2], accounts[3]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def suite(deployer, voters, chain):
    s = deploy_suite(deployer, LOCAL_PARAMS)
    for voter, share in zip(voters, (30, 20, 10), strict=False):
        s.token.transfer(voter, SUPPLY * share // 100, sender=deployer)
        s.token.invoke_transaction("delegate", voter, sender=voter)
    chain.mine(deltatime=1)  # votes are read strictly in the past
    return s


@pytest.fixture(scope="session")
def token(suite):
    return suite.token


@pytest.fixture(scope="session")
def governor(suite):
    return suite.governor


@pytest.fixture(scope="session")
def timelock(suite):
    return suite.timelock


@pytest.fixture(scope="session")
def dao(suite):
    """The DaoRegistration (ERC-4824 ``daoURI``), owned by the timelock."""
    return suite.dao


@pytest.fixture(scope="session")
def governance(accounts, timelock):
    """The timelock as an impersonated account: acts 'as governance' without a full proposal.

    Tests of the proposal path itself use ``governance_helpers.govern``.
    """
    account = accounts[timelock.address]
    account.balance += 10**20
    return account


@pytest.fixture(scope="session")
def registry(suite):
    return suite.registry


@pytest.fixture(scope="session")
def treasury(suite):
    return suite.treasury


@pytest.fixture
def deployment_file(suite, chain, tmp_path, monkeypatch):
    """``deployments/local.json`` of the session suite in this test's own folder, where the CLI
    looks for it (a test that runs ``modelgov deploy`` can't leave a stale one for the next)."""
    from modelgov.chain.deployments import write_deployment

    monkeypatch.setenv("MODELGOV_DEPLOYMENTS", str(tmp_path / "deployments"))
    return write_deployment("ethereum:local:foundry", suite.to_record(chain.chain_id))


@pytest.fixture
def run_cli(deployment_file):
    """Run ``modelgov ARGS…`` in-process against the test chain; returns click's Result
    (``exit_code``, ``stdout``, ``stderr``)."""
    from click.testing import CliRunner

    from modelgov.cli import cli

    def run(*args: str, input: str | None = None):
        runner = CliRunner(mix_stderr=False)
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


# --- GrantTreasury (issue 8): a treasury over a mock registry, so its tests need no registry ---
@pytest.fixture(scope="session")
def steward(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def grantee(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def mock_registry(project, deployer):
    return deployer.deploy(project.MockModelRegistry)


@pytest.fixture(scope="session")
def stablecoin(project, deployer):
    return deployer.deploy(project.MockStablecoin)


@pytest.fixture(scope="session")
def grant_treasury(project, deployer, timelock, mock_registry):
    """GrantTreasury(admin = timelock, registry = MockModelRegistry)."""
    return deployer.deploy(project.GrantTreasury, timelock.address, mock_registry.address)


# --- InferenceOracle (issue 20): who plays which part in the oracle tests ---------------------
@pytest.fixture(scope="session")
def auditors(accounts):
    return accounts[4], accounts[5]


@pytest.fixture(scope="session")
def proposer(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def challenger(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def prover(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def treasury_account(accounts):
    return accounts[3]
