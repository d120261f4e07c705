"""Attacks on the InferenceOracle: proofs for another version or input, late challenges, a
griefing challenger, hostile consumers (revert, gas burn, returndata bomb, reentrancy), a
caller starving the callback of gas, a version activation racing a request, a refund racing an
answer, an answer of a suspended version, and a challenger griefing near a request's timeout."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from oracle_helpers import (
    CALLBACK_GAS,
    CHALLENGE_WINDOW,
    CHALLENGED,
    CHALLENGER_BOND,
    FEE,
    FINAL,
    INPUT,
    OPEN,
    PROPOSED,
    PROPOSER_BOND,
    REFUNDED,
    RESPONSE_WINDOW,
    TREASURY_BPS,
    TRUE_OUTPUT,
    WRONG_OUTPUT,
    StatefulOracle,
    active_model,
    add_version,
    config,
    event_args,
    instances,
    pk,
)

PROOF = b"\x02" * 64
OTHER_INPUT = [9, 9, 9, 9]
V2_OUTPUT = [1, 1, 1000]



@pytest.fixture(scope="module")
def v1_verifier(project, deployer):
    """v1's circuit: INPUT → TRUE_OUTPUT and OTHER_INPUT → V2_OUTPUT are provable."""
    v = deployer.deploy(project.MockZkVerifier, False)
    v.setValid(instances(INPUT, TRUE_OUTPUT), True, sender=deployer)
    v.setValid(instances(OTHER_INPUT, V2_OUTPUT), True, sender=deployer)
    return v


@pytest.fixture(scope="module")
def v2_verifier(project, deployer):
    """v2's circuit (other weights): INPUT → V2_OUTPUT."""
    v = deployer.deploy(project.MockZkVerifier, False)
    v.setValid(instances(INPUT, V2_OUTPUT), True, sender=deployer)
    return v


@pytest.fixture(scope="module")
def model(registry, governance, auditors, deployer, v1_verifier):
    return active_model(registry, governance, auditors, deployer, v1_verifier.address)


@pytest.fixture(scope="module")
def oracle(project, deployer, timelock, registry, treasury_account):
    return StatefulOracle(deployer.deploy(project.InferenceOracle, timelock.address, registry.address,
                                          config(treasury_account.address)))


@pytest.fixture(scope="module")
def hostile(project, deployer, oracle):
    return deployer.deploy(project.HostileConsumer, oracle.address)


def _request(oracle, model, sender, inp=INPUT) -> int:
    oracle.request(model[0], pk(inp), sender=sender, value=FEE)
    return oracle.requestCount()


def test_fixtures(oracle, hostile, model, v1_verifier, v2_verifier, registry, governance, auditors, proposer,
                  challenger, prover, treasury_account, stranger, deployer, suite):
    assert hostile.oracle() == oracle.address


# --- proofs that prove something else ------------------------------------------------------------
def test_activation_racing_a_request_keeps_the_pinned_version(oracle, model, registry, governance, auditors,
                                                              deployer, v1_verifier, v2_verifier, stranger, prover):
    rid = _request(oracle, model, stranger)
    v2 = add_version(registry, model[0], deployer, auditors, v2_verifier.address, "race-v2")
    registry.activateVersion(model[0], v2, model[1], sender=governance)
    assert registry.activeVersionId(model[0]) == v2
    r = oracle.getRequest(rid)
    assert r.versionId == model[1] and r.verifier == v1_verifier.address
    # a valid proof of the NEW version's answer is refused: the request is v1's
    with ape.reverts(oracle.InferenceOracleProofRejected, requestId=rid, verifier=v1_verifier.address):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(V2_OUTPUT), PROOF, sender=prover)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    assert oracle.isAnswer(rid, TRUE_OUTPUT)
    # a request made after the activation pins v2
    rid2 = _request(oracle, model, stranger)
    assert oracle.getRequest(rid2).versionId == v2 and oracle.getRequest(rid2).verifier == v2_verifier.address
    with ape.reverts(oracle.InferenceOracleProofRejected, requestId=rid2, verifier=v2_verifier.address):
        oracle.fulfillWithProof(rid2, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    oracle.fulfillWithProof(rid2, pk(INPUT), pk(V2_OUTPUT), PROOF, sender=prover)


def test_proof_for_another_input_is_refused(oracle, model, stranger, prover):
    rid = _request(oracle, model, stranger)
    # the other input is provable, but it is not this request's input
    with ape.reverts(oracle.InferenceOracleInputMismatch, requestId=rid):
        oracle.fulfillWithProof(rid, pk(OTHER_INPUT), pk(V2_OUTPUT), PROOF, sender=prover)
    # the other input's output claimed for this input: the verifier refuses input ‖ output
    with ape.reverts(oracle.InferenceOracleProofRejected):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(V2_OUTPUT), PROOF, sender=prover)
    # the same input values in another width are other bytes than the committed ones: refused
    assert oracle.unpack(pk(INPUT, width=8)) == INPUT
    with ape.reverts(oracle.InferenceOracleInputMismatch, requestId=rid):
        oracle.fulfillWithProof(rid, pk(INPUT, width=8), pk(TRUE_OUTPUT), PROOF, sender=prover)
    # no aliasing: a packed value is at most 16 bytes (|v| < 2^127 < p), so it has one field element
    with ape.reverts(oracle.InferenceOracleInvalidEncoding, width=17):
        oracle.fulfillWithProof(rid, pk(INPUT), bytes([17]) + b"\x00" * 17, PROOF, sender=prover)
    assert oracle.getRequest(rid).status == OPEN


def test_a_reverting_verifier_counts_as_a_rejection(oracle, model, v1_verifier, stranger, prover, deployer):
    rid = _request(oracle, model, stranger)
    v1_verifier.setRevertAll(True, sender=deployer)
    with ape.reverts(oracle.InferenceOracleProofRejected, requestId=rid):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)


# --- windows -----------------------------------------------------------------------------------
def test_challenge_at_or_after_the_deadline_is_refused(oracle, model, stranger, proposer, challenger, chain):
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    deadline = oracle.getRequest(rid).deadline
    chain.pending_timestamp = deadline
    with ape.reverts(oracle.InferenceOracleChallengeWindowClosed, requestId=rid, deadline=deadline):
        oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    # unchallenged in time: the (wrong) answer is final by the optimistic rule
    oracle.finalize(rid, pk(WRONG_OUTPUT), sender=stranger)
    assert oracle.getRequest(rid).status == FINAL


# --- griefing ----------------------------------------------------------------------------------
def test_griefing_challenger_loses_its_bond(oracle, model, stranger, proposer, challenger, treasury_account):
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    # the honest proposer defends with a proof of its own answer
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=proposer)
    cut = CHALLENGER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(proposer) == PROPOSER_BOND + CHALLENGER_BOND - cut + FEE
    assert oracle.creditOf(challenger) == 0 and oracle.creditOf(treasury_account) == cut
    with ape.reverts(oracle.InferenceOracleNothingToWithdraw):
        oracle.withdraw(sender=challenger)
    assert oracle.balance == oracle.creditOf(proposer) + oracle.creditOf(treasury_account)


def test_repeated_dishonest_proposals_each_cost_a_bond(oracle, model, stranger, proposer, challenger, prover, chain):
    """A dishonest node that re-proposes after each expired challenge... cannot: an expired
    challenge means nobody proved; an honest challenger with a proof ends it at once."""
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    chain.mine(deltatime=RESPONSE_WINDOW)
    oracle.expireChallenge(rid, sender=stranger)
    oracle.propose(rid, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=challenger)
    assert oracle.creditOf(proposer) == 0
    cut = PROPOSER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(challenger) == 2 * (CHALLENGER_BOND + PROPOSER_BOND - cut) + FEE
    assert oracle.isAnswer(rid, TRUE_OUTPUT)


# --- hostile consumers -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [1, 2, 4], ids=["revert", "burn-gas", "returndata-bomb"])
def test_hostile_consumer_cannot_block_settlement(oracle, model, hostile, stranger, proposer, chain, mode):
    hostile.setMode(mode, sender=stranger)
    hostile.ask(model[0], pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    receipt = oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    [delivered] = event_args(receipt, "AnswerDelivered")
    assert delivered["consumer"] == hostile.address and delivered["succeeded"] == 0
    assert oracle.callbackFailed(rid) and oracle.getRequest(rid).status == FINAL
    assert oracle.creditOf(proposer) == PROPOSER_BOND + FEE
    assert oracle.isAnswer(rid, TRUE_OUTPUT)  # the pull path still answers
    # settlement paid at most the callback's gas plus the oracle's own work
    assert receipt.gas_used < CALLBACK_GAS + 150_000


def test_caller_cannot_starve_the_callback_of_gas(oracle, model, hostile, stranger, proposer, chain):
    hostile.setMode(0, sender=stranger)
    hostile.ask(model[0], pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    # enough gas for the settlement, not for the callback's full allowance: the whole call reverts
    with ape.reverts():
        oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger, gas=CALLBACK_GAS)
    assert oracle.getRequest(rid).status == PROPOSED and not oracle.callbackFailed(rid)
    receipt = oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    assert event_args(receipt, "AnswerDelivered")[0]["succeeded"] == 1
    assert list(hostile.lastOutput(i) for i in range(3)) == TRUE_OUTPUT


def test_reentrancy_through_the_callback_is_refused(oracle, model, hostile, stranger, prover):
    hostile.setMode(3, sender=stranger)
    hostile.ask(model[0], pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    receipt = oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    # the callback ran and returned, but every re-entry into the oracle was refused
    assert event_args(receipt, "AnswerDelivered")[0]["succeeded"] == 1
    assert hostile.calls() == 1 and not hostile.reenterSucceeded()
    assert bytes(hostile.reenterError())[:4] == keccak(text="ReentrancyGuardReentrantCall()")[:4]
    assert oracle.creditOf(prover) == FEE and oracle.creditOf(hostile) == 0
    assert oracle.balance == FEE


# --- timeout and suspension --------------------------------------------------------------------
def test_a_refund_cannot_race_a_timely_proof_or_proposal(oracle, model, stranger, proposer, prover, chain):
    """The requester (or anyone) racing a refund against a proof or a proposal sent before the
    expiry: validity depends on the block's time only, never on the order inside the block."""
    rid = _request(oracle, model, stranger)
    expires = oracle.getRequest(rid).expiresAt
    # in the last second before the expiry, a refund fails whatever its position or gas price...
    chain.pending_timestamp = expires - 1
    with ape.reverts(oracle.InferenceOracleRequestNotExpired, requestId=rid, expiresAt=expires):
        oracle.refund(rid, sender=stranger)
    # ...and the proof lands
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=FINAL):
        oracle.refund(rid, sender=stranger)
    assert oracle.creditOf(prover) == FEE and oracle.creditOf(stranger) == 0
    # a proposal in time cannot be refunded away either, even once the request has expired
    rid2 = _request(oracle, model, stranger)
    chain.pending_timestamp = oracle.getRequest(rid2).expiresAt - 1
    oracle.propose(rid2, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=2)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid2, status=PROPOSED):
        oracle.refund(rid2, sender=stranger)
    # and after the expiry, a late proof cannot snatch the fee from a requester owed a refund
    rid3 = _request(oracle, model, stranger)
    chain.pending_timestamp = oracle.getRequest(rid3).expiresAt
    with ape.reverts(oracle.InferenceOracleRequestExpired):
        oracle.fulfillWithProof(rid3, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    oracle.refund(rid3, sender=prover)
    assert oracle.creditOf(stranger) == FEE


def test_no_answer_of_a_suspended_version_becomes_final(oracle, model, registry, governance, accounts, stranger,
                                                        proposer, challenger, prover, chain):
    guardian = accounts[2]
    registry.grantRole(registry.GUARDIAN_ROLE(), guardian, sender=governance)
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    other = _request(oracle, model, stranger)
    registry.suspendVersion(model[1], sender=guardian)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    # the window passed unchallenged, but the version is suspended: nothing becomes final
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=rid, versionId=model[1]):
        oracle.finalize(rid, pk(WRONG_OUTPUT), sender=proposer)
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=other, versionId=model[1]):
        oracle.fulfillWithProof(other, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    # a proposal made during the suspension only posts a bond: its window passes, it never becomes final
    oracle.propose(other, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=other, versionId=model[1]):
        oracle.finalize(other, pk(WRONG_OUTPUT), sender=proposer)
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=other, versionId=model[1]):
        oracle.finalize(other, sender=proposer)
    # the proposer cannot keep its wrong answers alive: anyone ends the requests, bonds go back
    oracle.refund(rid, sender=stranger)
    oracle.refund(other, sender=stranger)
    assert oracle.creditOf(proposer) == 2 * PROPOSER_BOND and oracle.creditOf(stranger) == 2 * FEE
    assert not oracle.isAnswer(other, WRONG_OUTPUT)
    assert not oracle.isAnswer(rid, WRONG_OUTPUT) and oracle.getRequest(rid).status == REFUNDED
    # reinstated and reactivated later, the refunded request stays refunded
    registry.reinstateVersion(model[1], sender=governance)
    registry.activateVersion(model[0], model[1], 0, sender=governance)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=REFUNDED):
        oracle.finalize(rid, pk(WRONG_OUTPUT), sender=proposer)


def test_a_challenger_griefing_near_the_timeout_loses_its_bond(oracle, model, stranger, proposer, challenger,
                                                               treasury_account, chain):
    """A challenger disputes a correct answer in the last second before the expiry, hoping the
    request dies unanswered (fee refunded, proposer slashed by an expired challenge): the response
    window is not cut by the timeout, the honest proposer proves, and the challenger pays."""
    rid = _request(oracle, model, stranger)
    expires = oracle.getRequest(rid).expiresAt
    chain.pending_timestamp = expires - CHALLENGE_WINDOW
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.pending_timestamp = expires - 1
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    chain.mine(deltatime=RESPONSE_WINDOW - 10)  # well past the request's expiry
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=CHALLENGED):
        oracle.refund(rid, sender=stranger)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=proposer)
    cut = CHALLENGER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(proposer) == PROPOSER_BOND + CHALLENGER_BOND - cut + FEE
    assert oracle.creditOf(challenger) == 0 and oracle.isAnswer(rid, TRUE_OUTPUT)


# --- the state passed back in calldata (commitment-style record) ---------------------------------
def _with(state: tuple, **changes) -> tuple:
    """``state`` (a RequestState tuple) with fields replaced by name."""
    names = ["requester", "status", "callback", "deadline", "modelId", "versionId", "verifier", "expiresAt", "fee",
             "inputHash", "proposer", "proposerBond", "outputHash", "challenger", "challengerBond"]
    out = list(state)
    for name, value in changes.items():
        out[names.index(name)] = value
    return tuple(out)


def test_a_state_with_dirty_high_bits_is_refused(oracle, model, stranger, proposer):
    """The state is copied word for word, not decoded: a word with its unused high bits set (an
    address, the status, a bool) is not the committed word, so the state is stale, never read as
    the clean value it would decode to."""
    import eth_abi

    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    ape.chain.mine(deltatime=CHALLENGE_WINDOW)
    real = oracle.state(rid)
    selector = oracle.raw.finalize.abis[0].selector
    from eth_utils import function_signature_to_4byte_selector

    sig = function_signature_to_4byte_selector(selector)
    types = ["uint256", "(address,uint8,bool,uint64,uint32,uint32,address,uint64,uint96,bytes32,address,"
             "uint96,bytes32,address,uint96)", "bytes"]
    clean = bytearray(eth_abi.encode(types, [rid, real, pk(TRUE_OUTPUT)]))
    for word, byte in ((1, 0), (2, 0), (3, 5), (11, 0)):  # requester, status, callback, proposer
        dirty = bytearray(clean)
        dirty[32 * word + byte] ^= 0x01
        with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
            stranger.transfer(oracle.address, 0, data=bytes(sig + dirty))
    receipt = stranger.transfer(oracle.address, 0, data=bytes(sig + clean))  # the clean bytes settle it
    assert not receipt.failed and oracle.isAnswer(rid, TRUE_OUTPUT)


def test_forged_state_is_refused(oracle, model, stranger, proposer, challenger, prover):
    """Every field of the state is committed: a richer fee, a later expiry, another verifier, a
    bigger bond, a friendlier status or deadline are all stale states."""
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    real = oracle.state(rid)
    forged = [_with(real, fee=FEE * 100), _with(real, proposerBond=PROPOSER_BOND * 10),
              _with(real, deadline=0), _with(real, status=CHALLENGED, challenger=challenger.address,
                                             challengerBond=CHALLENGER_BOND),
              _with(real, verifier=prover.address), _with(real, expiresAt=2**40),
              _with(real, outputHash=keccak(b"".join(w.to_bytes(32, "big") for w in WRONG_OUTPUT)))]
    for state in forged:
        with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
            oracle.raw.finalize(rid, state, pk(TRUE_OUTPUT), sender=stranger)
        with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
            oracle.raw.refund(rid, state, sender=stranger)
        assert not oracle.isCurrent(rid, state)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
        oracle.raw.expireChallenge(rid, forged[3], sender=stranger)  # a challenge that never happened
    # a forged "final" output cannot be claimed either: only the committed answer counts
    ape.chain.mine(deltatime=CHALLENGE_WINDOW)
    oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    assert oracle.isAnswer(rid, TRUE_OUTPUT) and not oracle.isAnswer(rid, WRONG_OUTPUT)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=FINAL):
        oracle.raw.refund(rid, real, sender=stranger)


def test_replaying_an_old_state_is_refused(oracle, model, stranger, proposer, challenger, prover):
    """Each step moves the record on: the state before a proposal, a challenge or an expired
    challenge is stale afterwards (no double proposal, no refund of a proposed request, no second
    expiry paying the challenger twice)."""
    rid = _request(oracle, model, stranger)
    opened = oracle.state(rid)
    oracle.propose(rid, pk(WRONG_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
        oracle.raw.propose(rid, opened, pk(TRUE_OUTPUT), sender=prover, value=PROPOSER_BOND)
    proposed = oracle.state(rid)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    challenged = oracle.state(rid)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
        oracle.raw.challenge(rid, proposed, sender=prover, value=CHALLENGER_BOND)
    ape.chain.mine(deltatime=RESPONSE_WINDOW)
    oracle.expireChallenge(rid, sender=stranger)
    paid = oracle.creditOf(challenger)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=rid):
        oracle.raw.expireChallenge(rid, challenged, sender=stranger)
    assert oracle.creditOf(challenger) == paid and oracle.getRequest(rid).status == OPEN
    # the reopened state equals the first one except nothing: the record is the same word again,
    # which is harmless (same fields, same rights)
    assert oracle.state(rid) == opened and oracle.isCurrent(rid, opened)


def test_another_requests_state_is_refused(oracle, model, stranger, proposer, prover):
    """The record commits to the request id: a state valid for one request is stale for another,
    even when every field is the same (same requester, input and block)."""
    a = _request(oracle, model, stranger)
    b = _request(oracle, model, stranger)
    oracle.propose(b, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    state_a, state_b = oracle.state(a), oracle.state(b)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=a):
        oracle.raw.challenge(a, state_b, sender=prover, value=CHALLENGER_BOND)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=b):
        oracle.raw.propose(b, state_a, pk(WRONG_OUTPUT), sender=prover, value=PROPOSER_BOND)
    assert oracle.sealOf(a, state_a) != oracle.sealOf(b, state_a)
    oracle.fulfillWithProof(a, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    with ape.reverts(oracle.InferenceOracleStaleState, requestId=b):
        oracle.raw.fulfillWithProof(b, state_a, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)


def test_a_cached_audit_never_outlives_the_audit(oracle, model, registry, governance, auditors, stranger, chain):
    """Issue 20: the registry caches an active version's audit result so a request reads three
    slots instead of tallying every auditor. Each way an audit can lapse after activation must
    still stop new requests at once: an auditor's role revoked, an approval withdrawn, the
    requirement raised, an approval expiring."""
    role = registry.AUDITOR_ROLE()
    required = registry.requiredApprovals()
    assert len(auditors) >= required  # the fixture's model is audited by exactly these auditors
    _request(oracle, model, stranger)  # cached: the cheap path answers
    lapses = [
        (lambda: registry.revokeRole(role, auditors[0], sender=governance),
         lambda: registry.grantRole(role, auditors[0], sender=governance)),
        (lambda: registry.revokeAttestation(model[1], sender=auditors[0]),
         lambda: registry.attest(model[1], 1, bytes.fromhex("01551220") + b"\x01" * 32, sender=auditors[0])),
        (lambda: registry.setRequiredApprovals(len(auditors) + 1, sender=governance),
         lambda: registry.setRequiredApprovals(required, sender=governance)),
    ]
    for lapse, restore in lapses:
        snapshot = chain.snapshot()
        lapse()
        with ape.reverts(oracle.InferenceOracleNoActiveVersion, modelId=model[0]):
            oracle.request(model[0], pk(INPUT), sender=stranger, value=FEE)
        restore()
        _request(oracle, model, stranger)  # audited again: requests resume
        chain.restore(snapshot)
    # an approval that expires: cached until the expiry, refused from it on
    snapshot = chain.snapshot()
    expires = chain.pending_timestamp + 500
    registry.attestWithExpiry(model[1], 1, bytes.fromhex("01551220") + b"\x07" * 32, expires, sender=auditors[0])
    _request(oracle, model, stranger)
    chain.mine(timestamp=expires)
    with ape.reverts(oracle.InferenceOracleNoActiveVersion, modelId=model[0]):
        oracle.request(model[0], pk(INPUT), sender=stranger, value=FEE)
    chain.restore(snapshot)
