"""Attacks on the governance core (token, governor, timelock). Each test states the attack and
asserts that it fails; a regression in the contracts or the deployment wiring makes it pass.

Covered here (see SECURITY.md): vote buying/borrowing after the snapshot, flash-loan votes,
early or repeated execution (through the governor and directly through the timelock), proposal-id
front-running, vote-signature replay (plain and keyed nonces), and changing governor settings, timelock roles or the
DAO's ERC-4824 registration (DaoRegistration) without a passed proposal; from the external review (issue 14): a stopped activation executed much later
over a newer version, and the proposal guardian's cancel.
"""

from __future__ import annotations

import ape
import pytest
from eth_account.messages import encode_typed_data

from governance_helpers import (
    AGAINST,
    CANCELED,
    EXECUTED,
    FOR,
    QUEUED,
    advance_past_deadline,
    advance_to_voting,
    execute_proposal,
    make_proposal,
    pass_proposal,
    propose,
)
from registry_helpers import cid, version_input

ZERO = "0x0000000000000000000000000000000000000000"


def harmless(timelock, delay: int, title: str):
    """A proposal whose only effect is `timelock.updateDelay(delay)`."""
    return make_proposal([(timelock, "updateDelay", (delay,))], f"# {title}")


def ballot(chain, governor, signer, proposal_id, support, *, nonce=None, chain_id=None,
           verifying=None) -> bytes:
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Ballot": [
                {"name": "proposalId", "type": "uint256"},
                {"name": "support", "type": "uint8"},
                {"name": "voter", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "Ballot",
        "domain": {
            "name": "ModelGovernor",
            "version": "1",
            "chainId": chain.chain_id if chain_id is None else chain_id,
            "verifyingContract": str(verifying or governor.address),
        },
        "message": {
            "proposalId": proposal_id,
            "support": support,
            "voter": signer.address,
            "nonce": governor.nonces(signer) if nonce is None else nonce,
        },
    }
    return bytes(signer.sign_message(encode_typed_data(full_message=typed)).encode_rsv())


@pytest.fixture(scope="module")
def flash_voter(project, deployer):
    return deployer.deploy(project.FlashVoter)


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, governance,
                        registry, treasury, dao, flash_voter, accounts, project, chain):
    assert governor.proposalThreshold() == suite.params.proposal_threshold
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), deployer)
    assert token.getVotes(deployer) == 0  # the deployer's 40 % are not delegated


def test_the_deployer_keeps_no_power_after_deployment(suite, deployer, governor, timelock,
                                                     registry, treasury, token, dao):
    """A compromised deployer key must be worth nothing once deploy_suite returned: every admin
    role of the suite is held by the timelock alone, which only the governor can schedule."""
    for role in (timelock.DEFAULT_ADMIN_ROLE(), timelock.PROPOSER_ROLE(),
                 timelock.CANCELLER_ROLE(), timelock.EXECUTOR_ROLE()):
        assert not timelock.hasRole(role, deployer)
    assert timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), timelock)
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), governor)
    assert governor.timelock() == timelock.address and governor.token() == token.address
    for contract in (registry, treasury):
        admin = contract.DEFAULT_ADMIN_ROLE()
        assert contract.hasRole(admin, timelock) and not contract.hasRole(admin, deployer)
    for role in (registry.AUDITOR_ROLE(), registry.GUARDIAN_ROLE()):
        assert not registry.hasRole(role, deployer)
    assert treasury.getRoleMemberCount(treasury.DEFAULT_ADMIN_ROLE()) == 1
    assert treasury.getRoleMemberCount(treasury.STEWARD_ROLE()) == 0
    assert treasury.registry() == registry.address
    assert governor.proposalGuardian() == ZERO  # set by governance (the onboarding proposal)
    assert dao.owner() == timelock.address  # the ERC-4824 registration: governance only


# --------------------------------------------------------------------------- vote weight
def test_tokens_bought_or_borrowed_after_the_snapshot_give_no_votes(chain, governor, token,
                                                                   timelock, voters, deployer,
                                                                   accounts):
    """The undelegated 40 % of the deployer are sold/lent to an accomplice once the vote is
    open; the accomplice delegates and votes: weight 0. A voter who transfers after the snapshot still votes
    with its snapshot weight, and its counterparty gets nothing: no double counting."""
    accomplice = accounts[8]
    proposal2 = harmless(timelock, 300, "Snapshot")
    pid2 = propose(governor, proposal2, voters[0])
    snap2 = governor.proposalSnapshot(pid2)
    chain.pending_timestamp = snap2 + 1  # the first second of the vote
    token.transfer(accomplice, token.balanceOf(deployer), sender=deployer)
    token.invoke_transaction("delegate", accomplice, sender=accomplice)
    weight_voter = token.getPastVotes(voters[0], snap2)
    token.transfer(accomplice, token.balanceOf(voters[0]), sender=voters[0])
    r1 = governor.castVote(pid2, AGAINST, sender=voters[0])
    r2 = governor.castVote(pid2, AGAINST, sender=accomplice)
    assert r1.events.filter(governor.VoteCast)[0].weight == weight_voter > 0
    assert r2.events.filter(governor.VoteCast)[0].weight == 0
    assert governor.proposalVotes(pid2)[AGAINST] == weight_voter
    with ape.reverts(governor.GovernorAlreadyCastVote, voter=voters[0].address):
        governor.castVote(pid2, FOR, sender=voters[0])


def test_flash_loan_vote_in_one_transaction_weighs_nothing(chain, governor, token, timelock,
                                                           voters, deployer, flash_voter):
    """Borrow the deployer's 40 %, self-delegate, vote and repay inside ONE transaction while
    the vote is open: the weight is read at the snapshot, so the vote counts 0."""
    proposal = harmless(timelock, 300, "Flash")
    pid = propose(governor, proposal, voters[0])
    advance_to_voting(chain, governor, pid)
    amount = token.balanceOf(deployer)
    token.approve(flash_voter, amount, sender=deployer)  # the "lending pool"
    before = governor.proposalVotes(pid)
    receipt = flash_voter.borrowAndVote(token, deployer, amount, governor, pid, AGAINST,
                                        sender=voters[2])
    votes = receipt.events.filter(governor.VoteCast)
    assert len(votes) == 1 and votes[0].voter == flash_voter.address and votes[0].weight == 0
    assert governor.proposalVotes(pid) == before
    assert token.balanceOf(deployer) == amount  # repaid in the same transaction
    # the loan left no voting power behind at any later snapshot either
    chain.mine(deltatime=1)
    assert token.getVotes(flash_voter) == 0


# --------------------------------------------------------------------------- execution
def test_no_execution_before_the_timelock_delay_nor_twice(chain, governor, timelock, voters,
                                                          stranger):
    proposal = harmless(timelock, 301, "Delay")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    eta = governor.proposalEta(pid)
    assert eta >= chain.blocks.head.timestamp + timelock.getMinDelay() - 1
    op = timelock.hashOperationBatch(proposal.targets, proposal.values, proposal.calldatas,
                                     b"\x00" * 32, _salt(governor, proposal))
    assert timelock.isOperationPending(op) and not timelock.isOperationReady(op)
    chain.pending_timestamp = eta - 1
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        governor.execute(*proposal.args(), sender=stranger)
    # the timelock's executor role is open to anyone: going around the governor is no shortcut
    chain.pending_timestamp = eta - 1
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        timelock.executeBatch(proposal.targets, proposal.values, proposal.calldatas,
                              b"\x00" * 32, _salt(governor, proposal), sender=stranger)
    chain.pending_timestamp = eta
    governor.execute(*proposal.args(), sender=stranger)
    assert governor.state(pid) == EXECUTED and timelock.getMinDelay() == 301
    for attempt in (lambda: governor.execute(*proposal.args(), sender=stranger),
                    lambda: timelock.executeBatch(proposal.targets, proposal.values,
                                                  proposal.calldatas, b"\x00" * 32,
                                                  _salt(governor, proposal), sender=stranger)):
        with ape.reverts():
            attempt()


def test_executing_through_the_timelock_directly_counts_as_the_one_execution(
        chain, governor, timelock, voters, stranger):
    proposal = harmless(timelock, 302, "Direct")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    chain.pending_timestamp = governor.proposalEta(pid)
    timelock.executeBatch(proposal.targets, proposal.values, proposal.calldatas, b"\x00" * 32,
                          _salt(governor, proposal), sender=stranger)
    assert governor.state(pid) == EXECUTED
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.execute(*proposal.args(), sender=stranger)


def test_nobody_but_the_governor_schedules_or_cancels_timelock_operations(
        chain, governor, timelock, voters, deployer, stranger):
    call = harmless(timelock, 1, "Sneak")
    for who in (deployer, voters[0]):
        with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=who.address):
            timelock.scheduleBatch(call.targets, call.values, call.calldatas, b"\x00" * 32,
                                   b"\x01" * 32, timelock.getMinDelay(), sender=who)
    proposal = harmless(timelock, 303, "Keep")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    op = timelock.hashOperationBatch(proposal.targets, proposal.values, proposal.calldatas,
                                     b"\x00" * 32, _salt(governor, proposal))
    with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=stranger.address):
        timelock.cancel(op, sender=stranger)
    for who in (stranger, voters[0]):  # OZ: only the proposer, and only while Pending
        with ape.reverts():
            governor.cancel(*proposal.args(), sender=who)
    assert governor.state(pid) == QUEUED


# --------------------------------------------------------------------------- proposal ids
def test_proposer_suffix_defeats_front_running(governor, timelock, voters, stranger):
    """The attacker copies a pending proposal from the mempool and sends it first: with the OZ
    `#proposer=` suffix the copy reverts, and the author's proposal still goes through."""
    victim = voters[1]
    description = f"# Raise the delay\n\nbody#proposer={victim.address}"
    proposal = make_proposal([(timelock, "updateDelay", (600,))], description)
    with ape.reverts(governor.GovernorRestrictedProposer, proposer=stranger.address):
        governor.propose(proposal.targets, proposal.values, proposal.calldatas, description,
                         sender=stranger)
    pid = propose(governor, proposal, victim)
    assert governor.proposalProposer(pid) == victim.address
    # without the suffix, the first sender takes the id and the author's transaction reverts
    open_desc = "# Unprotected"
    copy = make_proposal([(timelock, "updateDelay", (600,))], open_desc)
    propose(governor, copy, stranger)
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.propose(copy.targets, copy.values, copy.calldatas, open_desc, sender=victim)


# --------------------------------------------------------------------------- vote signatures
def test_cast_vote_by_sig_cannot_be_replayed(chain, project, governor, token, timelock, voters,
                                             deployer, stranger, suite):
    signer = voters[1]
    p1 = harmless(timelock, 304, "Sig one")
    p2 = harmless(timelock, 305, "Sig two")
    id1, id2 = propose(governor, p1, voters[0]), propose(governor, p2, voters[0])
    advance_to_voting(chain, governor, id2)
    sig = ballot(chain, governor, signer, id1, FOR)
    # on another proposal (same nonce, still unused): the digest differs -> invalid
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(id2, FOR, signer.address, sig, sender=stranger)
    # with another support value
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(id1, AGAINST, signer.address, sig, sender=stranger)
    # signed for another chain, or for another governor contract
    for kw in ({"chain_id": chain.chain_id + 1}, {"verifying": timelock.address}):
        bad = ballot(chain, governor, signer, id1, FOR, **kw)
        with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
            governor.castVoteBySig(id1, FOR, signer.address, bad, sender=stranger)
    # claimed for another voter
    with ape.reverts(governor.GovernorInvalidSignature, voter=voters[2].address):
        governor.castVoteBySig(id1, FOR, voters[2].address, sig, sender=stranger)
    governor.castVoteBySig(id1, FOR, signer.address, sig, sender=stranger)
    assert governor.nonces(signer) == 1
    # replay on the same proposal and, re-targeted, on the other one: the nonce moved on
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(id1, FOR, signer.address, sig, sender=stranger)
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(id2, FOR, signer.address, sig, sender=stranger)
    assert not governor.hasVoted(id2, signer)
    # a second governor over the same token (another DAO): the signature is worthless there
    other = deployer.deploy(project.ModelGovernor, token.address, timelock.address, 60, 600, 0, 4, 0)
    with ape.reverts(other.GovernorInvalidSignature, voter=signer.address):
        other.castVoteBySig(id1, FOR, signer.address, ballot(chain, governor, signer, id1, FOR,
                                                             nonce=0), sender=stranger)


def test_a_keyed_ballot_works_only_for_its_proposal_and_only_once(chain, governor, timelock,
                                                                  voters, stranger):
    """Keyed nonces (key = proposal id): a ballot signed for proposal A with A's keyed nonce is
    refused on B (both the digest and the key differ), is refused when replayed on A, and using
    it moves only A's sequence (B's ballot, signed earlier, still relays)."""
    signer = voters[1]
    pa, pb = harmless(timelock, 306, "Keyed A"), harmless(timelock, 307, "Keyed B")
    ida, idb = propose(governor, pa, voters[0]), propose(governor, pb, voters[0])
    advance_to_voting(chain, governor, idb)
    sig_a = ballot(chain, governor, signer, ida, FOR, nonce=ida << 64)
    sig_b = ballot(chain, governor, signer, idb, FOR, nonce=idb << 64)
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(idb, FOR, signer.address, sig_a, sender=stranger)
    governor.castVoteBySig(ida, FOR, signer.address, sig_a, sender=stranger)
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(ida, FOR, signer.address, sig_a, sender=stranger)
    assert governor.nonces(signer, ida) == (ida << 64) + 1 and governor.nonces(signer, idb) == idb << 64
    governor.castVoteBySig(idb, FOR, signer.address, sig_b, sender=stranger)
    assert governor.hasVoted(ida, signer) and governor.hasVoted(idb, signer)


# --------------------------------------------------------------------------- governance only
def test_governor_settings_change_only_through_a_passed_proposal(chain, governor, governance,
                                                                 voters, deployer, stranger):
    setters = [
        ("setVotingDelay", (1,)),
        ("setVotingPeriod", (1,)),
        ("setProposalThreshold", (10**30,)),
        ("updateQuorumNumerator", (100,)),
        ("setLateQuorumVoteExtension", (0,)),
        ("updateTimelock", (stranger.address,)),
        ("relay", (stranger.address, 0, b"")),
        ("setProposalGuardian", (stranger.address,)),
    ]
    # every setter for a stranger; the deployer and a big holder are no different
    for who, calls in ((stranger, setters), (deployer, setters[:1]), (voters[0], setters[3:4])):
        for name, args in calls:
            with ape.reverts(governor.GovernorOnlyExecutor, account=who.address):
                getattr(governor, name)(*args, sender=who)
    # even the timelock itself cannot call them outside the execution of a governor proposal
    # (an operation scheduled around the governor would be refused: the governance call queue
    # is empty)
    for name, args in (setters[0], setters[5]):
        with pytest.raises(ape.exceptions.VirtualMachineError, match="0x31"):  # pop on empty
            getattr(governor, name)(*args, sender=governance)
    proposal = make_proposal([(governor, "setVotingDelay", (77,)),
                              (governor, "updateQuorumNumerator", (5,))], "# Settings")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    execute_proposal(chain, governor, proposal, pid, voters[0])
    assert governor.votingDelay() == 77
    assert governor.quorumNumerator() == 5


def test_dao_registration_changes_only_through_a_passed_proposal(chain, accounts, governor, dao,
                                                                timelock, voters, deployer,
                                                                stranger):
    """Nobody repoints the DAO's ERC-4824 document (an indexer would follow it to a forged
    members/proposals list) or takes the registration over: not a stranger, the deployer or a
    big holder, and not the governor itself — it is the timelock's proposer, not the owner, so
    even a passed proposal relaying through the governor (`relay`) is refused."""
    as_governor = accounts[governor.address]
    as_governor.balance += 10**20
    for who in (stranger, deployer, voters[0], as_governor):
        with ape.reverts(dao.OwnableUnauthorizedAccount, account=who.address):
            dao.setDaoURI("ipfs://evil", sender=who)
        with ape.reverts(dao.OwnableUnauthorizedAccount, account=who.address):
            dao.transferOwnership(who.address, sender=who)
        with ape.reverts(dao.OwnableUnauthorizedAccount, account=who.address):
            dao.renounceOwnership(sender=who)
    relayed = bytes(dao.setDaoURI.encode_input("ipfs://relayed"))
    proposal = make_proposal([(governor, "relay", (dao.address, 0, relayed))], "# Relay daoURI")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    with ape.reverts(dao.OwnableUnauthorizedAccount, account=governor.address):  # bubbled up
        execute_proposal(chain, governor, proposal, pid, voters[0])
    assert dao.daoURI() == "" and dao.owner() == timelock.address
    proposal = make_proposal([(dao, "setDaoURI", ("ipfs://bafydao",))], "# daoURI")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    execute_proposal(chain, governor, proposal, pid, voters[0])
    assert dao.daoURI() == "ipfs://bafydao"


def test_timelock_roles_and_delay_change_only_through_a_passed_proposal(
        chain, governor, timelock, voters, deployer, stranger):
    roles = [timelock.PROPOSER_ROLE(), timelock.CANCELLER_ROLE(), timelock.EXECUTOR_ROLE(),
             timelock.DEFAULT_ADMIN_ROLE()]
    for role in roles:
        with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=deployer.address):
            timelock.grantRole(role, stranger, sender=deployer)  # the deployer renounced admin
    for who in (stranger, voters[0]):
        with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=who.address):
            timelock.revokeRole(timelock.PROPOSER_ROLE(), governor, sender=who)
        with ape.reverts(timelock.TimelockUnauthorizedCaller, caller=who.address):
            timelock.updateDelay(0, sender=who)
    assert [timelock.getRoleAdmin(r) for r in roles] == [timelock.DEFAULT_ADMIN_ROLE()] * 4
    proposal = make_proposal([(timelock, "grantRole", (roles[1], voters[2].address))],
                             "# A second canceller")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    assert not timelock.hasRole(roles[1], voters[2])  # queued is not enough
    execute_proposal(chain, governor, proposal, pid, voters[0])
    assert timelock.hasRole(roles[1], voters[2])
    assert not timelock.hasRole(roles[0], voters[2])


def test_last_minute_quorum_extends_the_vote(chain, governor, timelock, voters, suite):
    """A whale waits until the last second to reach quorum: the others get the extension."""
    proposal = harmless(timelock, 306, "Late")
    pid = propose(governor, proposal, voters[0])
    deadline = governor.proposalDeadline(pid)
    chain.pending_timestamp = deadline  # the last second of the vote
    governor.castVote(pid, FOR, sender=voters[2])
    extended = governor.proposalDeadline(pid)
    assert extended >= deadline + suite.params.late_quorum_extension - 1
    chain.pending_timestamp = deadline + 2
    governor.castVote(pid, AGAINST, sender=voters[0])  # still open for the others
    advance_past_deadline(chain, governor, pid)
    assert governor.proposalVotes(pid)[AGAINST] > governor.proposalVotes(pid)[FOR]


def _salt(governor, proposal) -> bytes:
    """GovernorTimelockControl's salt: bytes20(governor) XOR descriptionHash."""
    gov = bytes.fromhex(str(governor.address)[2:]) + b"\x00" * 12
    return bytes(a ^ b for a, b in zip(gov, proposal.description_hash, strict=False))


# --------------------------------------------------------------------------- review (issue 14)
def _stale_world(registry, governance, accounts, stranger):
    auditors = accounts[4], accounts[5], accounts[6]
    for a in auditors:
        registry.grantRole(registry.AUDITOR_ROLE(), a, sender=governance)
    registry.createModel("stale", b"\x01", sender=governance)
    model = registry.modelIdOf("stale")
    versions = []
    for seed in ("v1", "v2"):
        r = registry.submitVersion(model, version_input(seed), sender=stranger)
        v = r.events.filter(registry.VersionSubmitted)[0].versionId
        for a in auditors[:2]:
            registry.attest(v, 1, cid(f"{seed}-{a.address}"), sender=a)
        versions.append(v)
    return model, auditors, versions


def test_stopped_activation_cannot_execute_later_over_a_newer_version(
        chain, suite, governor, timelock, registry, governance, voters, accounts, stranger):
    """Item 2, as the review showed it: an activation of v1 passes and is queued; an auditor
    rejects v1 during the delay so `execute` reverts and the proposal stays Queued; v2 is
    activated; 180 days later governance removes that auditor (its rejection vanishes) and a
    stranger executes the stale proposal. Before the fix the model rolled back to v1. Now the
    operation expired at the timelock (through the governor and directly), and even inside the
    grace period an activation that states another active version reverts."""
    from modelgov.chain.client import ModelGov

    model, (_a1, _a2, a3), (v1, v2) = _stale_world(registry, governance, accounts, stranger)
    stale = make_proposal([(registry, "activateVersion", (model, v1, 0))], "# Activate v1")
    pid = pass_proposal(chain, governor, stale, voters[0], voters)
    registry.attest(v1, 2, cid("rejected"), sender=a3)
    chain.pending_timestamp = governor.proposalEta(pid) + 1
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v1):
        governor.execute(*stale.args(), sender=stranger)
    assert governor.state(pid) == QUEUED
    registry.activateVersion(model, v2, 0, sender=governance)
    chain.pending_timestamp = governor.proposalEta(pid) + 180 * 86_400
    chain.mine()
    registry.revokeRole(registry.AUDITOR_ROLE(), a3, sender=governance)
    assert registry.isAudited(v1)
    op = timelock.hashOperationBatch(stale.targets, stale.values, stale.calldatas, b"\x00" * 32,
                                     _salt(governor, stale))
    assert timelock.isOperationExpired(op) and not timelock.isOperationReady(op)
    assert ModelGov.from_suite(suite).governor.status(pid).state == "Expired"
    with ape.reverts(timelock.TimelockUnexpectedOperationState, operationId=op):
        governor.execute(*stale.args(), sender=stranger)
    with ape.reverts(timelock.TimelockUnexpectedOperationState, operationId=op):
        timelock.executeBatch(stale.targets, stale.values, stale.calldatas, b"\x00" * 32,
                              _salt(governor, stale), sender=stranger)
    assert registry.activeVersionId(model) == v2
    # inside the grace period: the activation states what it replaces (0), v2 is active → refused
    again = make_proposal([(registry, "activateVersion", (model, v1, 0))], "# Activate v1 again")
    pid2 = pass_proposal(chain, governor, again, voters[0], voters)
    chain.pending_timestamp = governor.proposalEta(pid2) + timelock.GRACE_PERIOD()
    with ape.reverts(registry.ModelRegistryUnexpectedActiveVersion, modelId=model,
                     expectedVersionId=0, activeVersionId=v2):
        governor.execute(*again.args(), sender=stranger)
    assert registry.activeVersionId(model) == v2


def test_operation_is_executable_until_the_end_of_its_grace_period(chain, governor, timelock,
                                                                   voters, stranger):
    proposal = harmless(timelock, 304, "Grace")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    op = timelock.hashOperationBatch(proposal.targets, proposal.values, proposal.calldatas,
                                     b"\x00" * 32, _salt(governor, proposal))
    assert timelock.GRACE_PERIOD() == 14 * 86_400
    chain.pending_timestamp = governor.proposalEta(pid) + timelock.GRACE_PERIOD()  # last second
    governor.execute(*proposal.args(), sender=stranger)
    assert governor.state(pid) == EXECUTED and not timelock.isOperationExpired(op)


def test_proposal_guardian_cancels_a_queued_proposal(chain, governor, timelock, voters, stranger,
                                                     accounts):
    """Item 2: a security council can stop a queued proposal. OZ's fallback (no guardian → a
    proposer may cancel at any stage) is disabled: a proposer still only cancels while Pending."""
    guardian = accounts[8]
    queued = harmless(timelock, 305, "Queued before a guardian exists")
    pid = pass_proposal(chain, governor, queued, voters[0], voters)
    with ape.reverts(governor.GovernorUnableToCancel, proposalId=pid, account=voters[0].address):
        governor.cancel(*queued.args(), sender=voters[0])
    setter = make_proposal([(governor, "setProposalGuardian", (guardian.address,))], "# Guardian")
    spid = pass_proposal(chain, governor, setter, voters[0], voters)
    receipt = execute_proposal(chain, governor, setter, spid, stranger)
    ev = receipt.events.filter(governor.ProposalGuardianSet)[0]
    assert (ev.oldProposalGuardian, ev.newProposalGuardian) == (ZERO, guardian.address)
    assert governor.proposalGuardian() == guardian.address
    for who in (stranger, voters[0]):
        with ape.reverts(governor.GovernorUnableToCancel, account=who.address):
            governor.cancel(*queued.args(), sender=who)
    op = timelock.hashOperationBatch(queued.targets, queued.values, queued.calldatas, b"\x00" * 32,
                                     _salt(governor, queued))
    receipt = governor.cancel(*queued.args(), sender=guardian)
    assert receipt.events.filter(governor.ProposalCanceled)[0].proposalId == pid
    assert receipt.events.filter(timelock.Cancelled)[0].id == op
    assert governor.state(pid) == CANCELED and not timelock.isOperation(op)
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.execute(*queued.args(), sender=stranger)
