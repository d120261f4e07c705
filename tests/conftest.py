"""Fixtures for the chain tests (run by `ape test` on the foundry provider).

The suite is deployed once per session with short local periods; each test runs inside an
isolated snapshot (Ape's default ``chain.isolate`` per test), so tests don't see each other.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".toolchain" / "solcx"))

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
    for voter, share in zip(voters, (30, 20, 10)):
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
