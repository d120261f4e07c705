"""DaoRegistration: the DAO's ERC-4824 ``daoURI``, owned by the timelock (issue 15).

Deployed by ``deploy_suite`` as suite member ``dao``; only a passed proposal (the timelock)
sets it. Covers access control, the event, ERC-165, a proposal that sets it (helpers and a
proposal file naming contract ``dao``), ``modelgov dao uri`` and a state machine for the
invariant "daoURI is the last value its owner set; nobody else changes it".
"""

from __future__ import annotations

import json
import textwrap

import ape
import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from governance_helpers import govern

IERC165_ID = bytes.fromhex("01ffc9a7")
IERC4824_ID = keccak(text="daoURI()")[:4]  # the interface's only function


@pytest.fixture(scope="module")
def governor_account(accounts, governor):
    """The governor contract as a sender (it is the timelock's proposer, not the owner)."""
    account = accounts[governor.address]
    account.balance += 10**20
    return account


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, governance,
                        dao, governor_account, chain, accounts, project):
    assert dao.owner() == timelock.address


def test_deployed_with_the_suite_and_owned_by_the_timelock(suite, dao, timelock, deployer, chain):
    assert suite.addresses()["dao"] == dao.address
    assert suite.to_record(chain.chain_id)["contracts"]["dao"] == dao.address
    assert dao.owner() == timelock.address != deployer.address
    assert dao.daoURI() == ""


def test_only_the_owner_sets_the_uri_and_it_emits_the_erc4824_event(
        dao, governance, governor_account, deployer, voters, stranger):
    for who in (stranger, deployer, voters[0], governor_account):
        with ape.reverts(dao.OwnableUnauthorizedAccount, account=who.address):
            dao.setDaoURI("ipfs://evil", sender=who)
    assert dao.daoURI() == ""
    long_uri = "https://dao.example/" + "x" * 100  # a string over one storage slot
    for uri in ("ipfs://bafydao", long_uri, ""):
        receipt = dao.setDaoURI(uri, sender=governance)
        events = receipt.events.filter(dao.DAOURIUpdate)
        assert len(events) == 1 and events[0].daoURI == uri
        assert dao.daoURI() == uri


def test_supports_erc165_and_erc4824(dao):
    assert dao.supportsInterface(IERC165_ID)
    assert dao.supportsInterface(IERC4824_ID)
    assert not dao.supportsInterface(bytes.fromhex("ffffffff"))
    assert not dao.supportsInterface(keccak(text="setDaoURI(string)")[:4])


def test_a_passed_proposal_sets_the_uri(chain, dao, governor, voters):
    receipt = govern(chain, governor, [(dao, "setDaoURI", ("ipfs://bafydao",))], "# daoURI",
                     voters[0], voters)
    events = receipt.events.filter(dao.DAOURIUpdate)
    assert len(events) == 1 and events[0].daoURI == "ipfs://bafydao"
    assert dao.daoURI() == "ipfs://bafydao"


def test_a_proposal_file_calls_set_dao_uri_on_contract_dao(run_cli, tmp_path, dao):
    path = tmp_path / "0001-dao-uri.yaml"
    path.write_text(textwrap.dedent("""
        title: Register the DAO (ERC-4824)
        body: Point daoURI at the registration document.
        actions:
          - type: call
            contract: dao
            function: setDaoURI
            args: ["ipfs://bafydao"]
        """))
    result = run_cli("proposal", "build", path, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["targets"] == [dao.address]
    assert data["calldatas"] == ["0x" + bytes(dao.setDaoURI.encode_input("ipfs://bafydao")).hex()]


def test_dao_uri_builds_the_erc4824_document(run_cli, tmp_path, governor, dao, token, chain,
                                             governance):
    out = tmp_path / "dao.json"
    r = run_cli("dao", "uri", "--base-url", "https://dao.example/", "--governance-uri",
                "ipfs://bafygov", "-o", out)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["@context"] == "http://www.daostar.org/schemas" and doc["type"] == "DAO"
    assert doc["name"] == f"{token.name()} DAO"
    assert doc["proposalsURI"] == "https://dao.example/api/proposals"
    assert doc["membersURI"] == "https://dao.example/api/treasury"
    assert doc["governanceURI"] == "ipfs://bafygov"
    assert doc["contracts"]["governor"] == f"eip155:{chain.chain_id}:{governor.address}"
    assert doc["contracts"]["dao"] == f"eip155:{chain.chain_id}:{dao.address}"
    assert run_cli("dao", "uri", "--current").stdout.strip() == "(not set)"
    dao.setDaoURI("ipfs://bafydoc", sender=governance)
    assert run_cli("dao", "uri", "--current").stdout.strip() == "ipfs://bafydoc"


def test_dao_uri_state_machine(chain, dao, governance, governor_account, deployer, stranger):
    """daoURI is always the last value its current owner set; a call by anyone else reverts and
    changes nothing, also after the owner handed ownership on (a proposal may do so)."""
    actors = {"timelock": governance, "governor": governor_account, "deployer": deployer,
              "stranger": stranger}
    uris = st.text(max_size=80) | st.sampled_from(["", "ipfs://bafydao", "https://x/" + "y" * 40])

    class DaoURIMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.owner = "timelock"
            self.uri = dao.daoURI()

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        @rule(who=st.sampled_from(sorted(actors)), uri=uris)
        def set_uri(self, who: str, uri: str) -> None:
            sender = actors[who]
            if who == self.owner:
                receipt = dao.setDaoURI(uri, sender=sender)
                assert [e.daoURI for e in receipt.events.filter(dao.DAOURIUpdate)] == [uri]
                self.uri = uri
            else:
                with ape.reverts(dao.OwnableUnauthorizedAccount, account=sender.address):
                    dao.setDaoURI(uri, sender=sender)

        @rule(who=st.sampled_from(sorted(actors)), to=st.sampled_from(sorted(actors)))
        def transfer_ownership(self, who: str, to: str) -> None:
            sender = actors[who]
            if who == self.owner:
                dao.transferOwnership(actors[to].address, sender=sender)
                self.owner = to
            else:
                with ape.reverts(dao.OwnableUnauthorizedAccount, account=sender.address):
                    dao.transferOwnership(sender.address, sender=sender)

        @invariant()
        def uri_is_the_owners_last_value(self) -> None:
            assert dao.daoURI() == self.uri
            assert dao.owner() == actors[self.owner].address

    run_state_machine_as_test(
        DaoURIMachine,
        settings=settings(max_examples=10, stateful_step_count=10, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
