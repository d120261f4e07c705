"""ModelGovernor + ModelTimelock + GovernanceToken: the governance core."""

from __future__ import annotations

import json

import ape
from eth_utils import keccak

from governance_helpers import (
    ABSTAIN,
    ACTIVE,
    AGAINST,
    CANCELED,
    DEFEATED,
    EXECUTED,
    FOR,
    PENDING,
    QUEUED,
    SUCCEEDED,
    advance_past_deadline,
    advance_to_voting,
    execute_proposal,
    make_proposal,
    pass_proposal,
    propose,
)


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock):
    # requests every session fixture first (avoids Ape's InvalidIsolationWarning)
    assert token.getVotes(voters[0]) == token.balanceOf(voters[0]) > 0


def test_token_uses_timestamp_clock(token, governor, chain):
    assert token.CLOCK_MODE() == "mode=timestamp"
    assert governor.CLOCK_MODE() == "mode=timestamp"
    assert abs(token.clock() - chain.pending_timestamp) <= 2


def test_governor_settings(suite, governor, token, timelock):
    p = suite.params
    assert governor.votingDelay() == p.voting_delay
    assert governor.votingPeriod() == p.voting_period
    assert governor.proposalThreshold() == p.proposal_threshold
    assert governor.lateQuorumVoteExtension() == p.late_quorum_extension
    assert governor.token() == token.address
    assert governor.timelock() == timelock.address
    assert governor.COUNTING_MODE() == "support=bravo&quorum=for,abstain"


def test_full_lifecycle_executes_timelocked_call(chain, governor, token, timelock, voters, deployer):
    # the call: the timelock (treasury of the DAO) pays 1 token to the deployer
    token.transfer(timelock, 10, sender=deployer)
    proposal = make_proposal([(token, "transfer", (deployer.address, 7))], "# Pay 7\n\nbody")
    pid = propose(governor, proposal, voters[0])
    assert governor.state(pid) == PENDING
    assert governor.proposalProposer(pid) == voters[0].address
    advance_to_voting(chain, governor, pid)
    assert governor.state(pid) == ACTIVE
    receipts = [governor.castVote(pid, FOR, sender=v) for v in voters]
    assert receipts[0].events[0].event_name == "VoteCast"
    advance_past_deadline(chain, governor, pid)
    assert governor.state(pid) == SUCCEEDED
    q = governor.queue(*proposal.args(), sender=voters[0])
    assert q.events.filter(governor.ProposalQueued)[0].proposalId == pid
    assert governor.state(pid) == QUEUED
    before = token.balanceOf(deployer)
    r = execute_proposal(chain, governor, proposal, pid, voters[0])
    assert r.events.filter(governor.ProposalExecuted)[0].proposalId == pid
    assert governor.state(pid) == EXECUTED
    assert token.balanceOf(deployer) == before + 7
    assert token.balanceOf(timelock) == 3


def test_execute_before_eta_and_twice_fail(chain, governor, token, timelock, voters, deployer):
    token.transfer(timelock, 5, sender=deployer)
    proposal = make_proposal([(token, "transfer", (deployer.address, 5))], "# Once")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    with ape.reverts():
        governor.execute(*proposal.args(), sender=voters[0])  # eta not reached
    execute_proposal(chain, governor, proposal, pid, voters[0])
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.execute(*proposal.args(), sender=voters[0])


def test_defeated_when_against_wins(chain, governor, token, voters, deployer):
    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# Defeat me")
    pid = propose(governor, proposal, voters[0])
    advance_to_voting(chain, governor, pid)
    governor.castVote(pid, AGAINST, sender=voters[0])  # 30 %
    governor.castVote(pid, FOR, sender=voters[1])  # 20 %
    advance_past_deadline(chain, governor, pid)
    assert governor.state(pid) == DEFEATED
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        governor.queue(*proposal.args(), sender=voters[0])


def test_quorum_not_reached(chain, governor, token, deployer, accounts):
    small = accounts[5]
    token.transfer(small, token.totalSupply() // 100, sender=deployer)  # 1 % < 4 % quorum
    token.invoke_transaction("delegate", small, sender=small)
    chain.mine(deltatime=1)
    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# Too few")
    pid = propose(governor, proposal, small)
    advance_to_voting(chain, governor, pid)
    governor.castVote(pid, FOR, sender=small)
    assert governor.quorum(governor.proposalSnapshot(pid)) == token.totalSupply() * 4 // 100
    advance_past_deadline(chain, governor, pid)
    assert governor.state(pid) == DEFEATED


def test_late_quorum_extends_deadline(chain, governor, suite, voters, token, deployer):
    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# Late")
    pid = propose(governor, proposal, voters[0])
    original = governor.proposalDeadline(pid)
    chain.pending_timestamp = original - 5  # quorum reached 5 s before the end
    receipt = governor.castVote(pid, FOR, sender=voters[2])
    extended = receipt.events.filter(governor.ProposalExtended)
    assert len(extended) == 1
    new_deadline = governor.proposalDeadline(pid)
    assert new_deadline == receipt.timestamp + suite.params.late_quorum_extension
    assert new_deadline > original
    chain.pending_timestamp = original + 1
    chain.mine()
    assert governor.state(pid) == ACTIVE  # still open thanks to the extension


def test_cancel_by_proposer_while_pending(chain, governor, token, voters, deployer):
    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# Cancel me")
    pid = propose(governor, proposal, voters[0])
    with ape.reverts(governor.GovernorUnableToCancel):
        governor.cancel(*proposal.args(), sender=voters[1])
    r = governor.cancel(*proposal.args(), sender=voters[0])
    assert r.events.filter(governor.ProposalCanceled)[0].proposalId == pid
    assert governor.state(pid) == CANCELED


def test_cast_vote_by_sig(chain, governor, token, voters, deployer):
    from eth_account.messages import encode_typed_data

    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# By sig")
    pid = propose(governor, proposal, voters[0])
    advance_to_voting(chain, governor, pid)
    signer = voters[1]
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
            "chainId": chain.chain_id,
            "verifyingContract": governor.address,
        },
        "message": {
            "proposalId": pid,
            "support": FOR,
            "voter": signer.address,
            "nonce": governor.nonces(signer),
        },
    }
    signature = signer.sign_message(encode_typed_data(full_message=typed)).encode_rsv()
    r = governor.castVoteBySig(pid, FOR, signer.address, signature, sender=deployer)
    assert r.events.filter(governor.VoteCast)[0].voter == signer.address
    assert governor.hasVoted(pid, signer)
    assert governor.proposalVotes(pid)[1] == token.getVotes(signer)
    with ape.reverts():  # replay: the nonce is used
        governor.castVoteBySig(pid, FOR, signer.address, signature, sender=deployer)


def test_only_governance_changes_settings(chain, governor, token, voters, deployer, stranger):
    with ape.reverts(governor.GovernorOnlyExecutor, account=stranger.address):
        governor.setVotingPeriod(1, sender=stranger)
    proposal = make_proposal([(governor, "setVotingPeriod", (1234,))], "# Set period")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    execute_proposal(chain, governor, proposal, pid, voters[0])
    assert governor.votingPeriod() == 1234


def test_timelock_roles_after_deploy(timelock, governor, deployer, stranger):
    admin = timelock.DEFAULT_ADMIN_ROLE()
    proposer = timelock.PROPOSER_ROLE()
    canceller = timelock.CANCELLER_ROLE()
    executor = timelock.EXECUTOR_ROLE()
    assert not timelock.hasRole(admin, deployer)
    assert timelock.hasRole(admin, timelock)  # self-administered only
    assert timelock.hasRole(proposer, governor) and timelock.hasRole(canceller, governor)
    assert not timelock.hasRole(proposer, deployer)
    assert timelock.hasRole(executor, "0x0000000000000000000000000000000000000000")
    with ape.reverts():
        timelock.grantRole(proposer, stranger, sender=deployer)


ABI_FUNCTIONS = [
    "propose", "castVote", "castVoteWithReason", "castVoteWithReasonAndParams", "castVoteBySig",
    "queue", "execute", "cancel", "state", "proposalSnapshot", "proposalDeadline",
    "proposalProposer", "proposalEta", "quorum", "votingDelay", "votingPeriod",
    "proposalThreshold", "COUNTING_MODE", "hasVoted", "proposalVotes", "hashProposal", "clock",
    "CLOCK_MODE", "timelock", "token",
]
ABI_EVENTS = {
    "ProposalCreated": "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)",
    "VoteCast": "VoteCast(address,uint256,uint8,uint256,string)",
    "ProposalQueued": "ProposalQueued(uint256,uint256)",
    "ProposalExecuted": "ProposalExecuted(uint256)",
    "ProposalCanceled": "ProposalCanceled(uint256)",
}


def test_abi_is_tally_compatible(project):
    abi = project.ModelGovernor.contract_type.abi
    functions = {item.name for item in abi if item.type == "function"}
    missing = [f for f in ABI_FUNCTIONS if f not in functions]
    assert missing == []
    events = {item.name: item.selector for item in abi if item.type == "event"}
    for name, signature in ABI_EVENTS.items():
        assert events.get(name) == signature, name
    # OZ's exact topic hashes, e.g. Tally indexes ProposalCreated by this one
    assert keccak(text=ABI_EVENTS["ProposalCreated"]).hex().startswith("7d84a626")


def test_governor_fits_eip170(project, governor, chain):
    size = len(chain.provider.get_code(governor.address))
    assert 0 < size < 24_576
    print(json.dumps({"ModelGovernor_deployed_bytes": size}))


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    choices=st.lists(st.sampled_from([None, AGAINST, FOR, ABSTAIN]), min_size=5, max_size=5),
    # each extra voter gets a share (in 1/10,000ths) of half the deployer's balance at that time:
    # earlier tests move the deployer's tokens, so absolute amounts could exceed what it holds
    shares=st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=2),
)
def test_random_vote_splits_tally_and_outcome(chain, governor, token, deployer, voters, accounts,
                                              choices, shares):
    """Votes from five accounts with random weights and choices: the tally is the sum of the
    voters' weights at the snapshot, and the outcome follows For > Against and quorum."""
    snap = chain.snapshot()
    try:
        extra = [accounts[4], accounts[5]]
        half = token.balanceOf(deployer) // 2
        amounts = [half * share // 10_000 for share in shares]
        for acct, amount in zip(extra, amounts, strict=False):
            token.transfer(acct, amount, sender=deployer)
            token.invoke_transaction("delegate", acct, sender=acct)
        chain.mine(deltatime=1)
        everyone = [*voters, *extra]
        proposal = make_proposal([(token, "transfer", (deployer.address, 0))],
                                 f"# Random split {choices} {amounts}")
        pid = propose(governor, proposal, voters[0])
        advance_to_voting(chain, governor, pid)
        snapshot = governor.proposalSnapshot(pid)
        expected = [0, 0, 0]
        for acct, choice in zip(everyone, choices, strict=False):
            if choice is None:
                continue
            weight = token.getPastVotes(acct, snapshot)
            if weight == 0:
                continue  # OZ counts zero-weight votes too, but they change nothing
            governor.castVote(pid, choice, sender=acct)
            expected[choice] += weight
        against, for_, abstain = governor.proposalVotes(pid)
        assert [against, for_, abstain] == expected
        advance_past_deadline(chain, governor, pid)
        quorum = governor.quorum(snapshot)
        passed = for_ > against and for_ + abstain >= quorum
        assert governor.state(pid) == (SUCCEEDED if passed else DEFEATED)
    finally:
        chain.restore(snap)


# --------------------------------------------------------------------------- issue 15: v2
def test_proposal_ids_are_sequential_and_the_hash_maps_to_them(chain, governor, token, voters,
                                                               deployer, stranger):
    first = governor.latestProposalId()
    a = make_proposal([(token, "transfer", (deployer.address, 1))], "# Seq a")
    b = make_proposal([(token, "transfer", (deployer.address, 2))], "# Seq b")
    ra = governor.propose(a.targets, a.values, a.calldatas, a.description, sender=voters[0])
    rb = governor.propose(b.targets, b.values, b.calldatas, b.description, sender=voters[0])
    ids = [r.events.filter(governor.ProposalCreated)[0].proposalId for r in (ra, rb)]
    assert ids == [first + 1, first + 2] and governor.latestProposalId() == first + 2
    assert governor.getProposalId(*a.args()) == first + 1
    assert governor.hashProposal(*a.args()) != first + 1  # the content hash is no longer the id
    assert governor.state(first + 1) == PENDING
    unknown = make_proposal([(token, "transfer", (deployer.address, 3))], "# Never proposed")
    with ape.reverts(governor.GovernorNonexistentProposal, proposalId=0):
        governor.getProposalId(*unknown.args())
    # anyone may call the views; nobody can re-initialise the counter (no external setter)
    assert governor.latestProposalId(sender=stranger) == first + 2
    assert "initializeLatestProposalId" not in {
        i.name for i in governor.contract_type.abi if i.type == "function"}


def test_cast_vote_by_sig_with_a_nonce_keyed_by_the_proposal(chain, governor, token, voters,
                                                             deployer, stranger):
    """GovernorNoncesKeyed: key = uint192(proposalId); the nonce signed is key << 64 | n."""
    from eth_account.messages import encode_typed_data

    from modelgov.chain.gasless import keyed_nonce, sign_ballot

    proposal = make_proposal([(token, "transfer", (deployer.address, 0))], "# Keyed")
    pid = propose(governor, proposal, voters[0])
    advance_to_voting(chain, governor, pid)
    signer = voters[2]
    assert governor.nonces(signer, pid) == keyed_nonce(pid) == pid << 64
    plain_before = governor.nonces(signer)
    signed = sign_ballot(signer, chain_id=chain.chain_id, governor=governor.address,
                         proposal_id=pid, support=FOR)
    assert encode_typed_data(full_message=signed.typed_data())  # well-formed EIP-712
    sig = bytes.fromhex(signed.signature[2:])
    r = governor.castVoteBySig(pid, FOR, signer.address, sig, sender=stranger)  # anyone relays
    ev = r.events.filter(governor.VoteCast)[0]
    assert (ev.voter, ev.proposalId, ev.support) == (signer.address, pid, FOR)
    assert governor.nonces(signer, pid) == (pid << 64) + 1
    assert governor.nonces(signer) == plain_before  # the plain sequence is untouched
    with ape.reverts(governor.GovernorInvalidSignature, voter=signer.address):
        governor.castVoteBySig(pid, FOR, signer.address, sig, sender=stranger)

