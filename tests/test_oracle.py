"""InferenceOracle: every external function, its access control and its events (mock verifier).

The model is a real registry model whose active version is bound to a MockZkVerifier that
accepts only the instance arrays the test marks valid (``INPUT ‖ TRUE_OUTPUT``).
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from oracle_helpers import (
    CHALLENGE_WINDOW,
    CHALLENGED,
    CHALLENGER_BOND,
    FEE,
    FIELD,
    FINAL,
    INPUT,
    OPEN,
    PROPOSED,
    PROPOSER_BOND,
    REFUNDED,
    REQUEST_TIMEOUT,
    RESPONSE_WINDOW,
    TREASURY_BPS,
    TRUE_OUTPUT,
    WRONG_OUTPUT,
    ZERO_STATE,
    StatefulOracle,
    active_model,
    config,
    event_args,
    held,
    instances,
    pk,
)

PROOF = b"\x01" * 64



@pytest.fixture(scope="module")
def verifier(project, deployer):
    v = deployer.deploy(project.MockZkVerifier, False)
    v.setValid(instances(INPUT, TRUE_OUTPUT), True, sender=deployer)
    return v


@pytest.fixture(scope="module")
def model(registry, governance, auditors, deployer, verifier):
    return active_model(registry, governance, auditors, deployer, verifier.address)


@pytest.fixture(scope="module")
def oracle(project, deployer, timelock, registry, treasury_account):
    return StatefulOracle(deployer.deploy(project.InferenceOracle, timelock.address, registry.address,
                                          config(treasury_account.address)))


@pytest.fixture(scope="module")
def consumer(project, deployer, oracle, model):
    return deployer.deploy(project.ModelConsumer, oracle.address, model[0])


def _request(oracle, model, sender, inp=INPUT) -> int:
    oracle.request(model[0], pk(inp), sender=sender, value=FEE)
    return oracle.requestCount()


def _proposed(oracle, model, requester, proposer, output=TRUE_OUTPUT) -> int:
    rid = _request(oracle, model, requester)
    oracle.propose(rid, pk(output), sender=proposer, value=PROPOSER_BOND)
    return rid


def _challenged(oracle, model, requester, proposer, challenger, output=TRUE_OUTPUT) -> int:
    rid = _proposed(oracle, model, requester, proposer, output)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    return rid


def test_fixtures(oracle, consumer, model, verifier, registry, governance, timelock, auditors, proposer,
                  challenger, prover, treasury_account, stranger, deployer, suite):
    assert oracle.registry() == registry.address
    assert oracle.hasRole(b"\x00" * 32, timelock.address) and not oracle.hasRole(b"\x00" * 32, deployer)
    assert tuple(oracle.config()) == config(treasury_account.address)


# --- request -----------------------------------------------------------------------------------
def test_request_pins_active_version_and_verifier(oracle, model, verifier, stranger, chain):
    receipt = oracle.request(model[0], pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    assert rid == 1
    [ev] = event_args(receipt, "Requested")
    assert ev["requestId"] == 1 and ev["requester"] == stranger.address and ev["modelId"] == model[0]
    assert ev["versionId"] == model[1] and ev["verifier"] == verifier.address
    assert bytes(ev["input"]) == pk(INPUT) and ev["fee"] == FEE
    assert ev["expiresAt"] == chain.blocks.head.timestamp + REQUEST_TIMEOUT
    r = oracle.getRequest(rid)
    assert r.status == OPEN and r.versionId == model[1] and r.verifier == verifier.address
    assert r.modelId == model[0] and r.expiresAt == ev["expiresAt"] and r.inputHash == keccak(pk(INPUT))
    assert r.requester == stranger.address and r.fee == FEE
    assert held(oracle) == FEE and oracle.balance == FEE


def test_request_refusals(oracle, model, registry, governance, auditors, deployer, stranger):
    with ape.reverts(oracle.InferenceOracleWrongValue, expected=FEE, given=0):
        oracle.request(model[0], pk(INPUT), sender=stranger)
    for bad in (b"", b"\x02", b"\x00\x01", bytes([17]) + b"\x01" * 17, b"\x02\x00\x01\x00",
                b"\x01" + b"\x01" * 4097):
        width = bad[0] if bad else 0
        with ape.reverts(oracle.InferenceOracleInvalidEncoding, width=width, length=len(bad)):
            oracle.request(model[0], bad, sender=stranger, value=FEE)
    registry.createModel("no-active", b"", sender=governance)
    no_active = registry.modelIdOf("no-active")
    with ape.reverts(oracle.InferenceOracleNoActiveVersion, modelId=no_active):
        oracle.request(no_active, pk(INPUT), sender=stranger, value=FEE)
    unbound = active_model(registry, governance, auditors, deployer, None)
    with ape.reverts(oracle.InferenceOracleNoVerifier, modelId=unbound[0], versionId=unbound[1]):
        oracle.request(unbound[0], pk(INPUT), sender=stranger, value=FEE)
    assert oracle.requestCount() == 0


# --- propose -----------------------------------------------------------------------------------
def test_propose_posts_bond_and_opens_window(oracle, model, stranger, proposer, chain):
    rid = _request(oracle, model, stranger)
    receipt = oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    [ev] = event_args(receipt, "AnswerProposed")
    deadline = chain.blocks.head.timestamp + CHALLENGE_WINDOW
    assert ev["proposer"] == proposer.address and bytes(ev["output"]) == pk(TRUE_OUTPUT)
    assert ev["bond"] == PROPOSER_BOND and ev["challengeDeadline"] == deadline
    r = oracle.getRequest(rid)
    assert r.status == PROPOSED and r.proposer == proposer.address and r.proposerBond == PROPOSER_BOND
    assert held(oracle) == FEE + PROPOSER_BOND
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=PROPOSED):
        oracle.propose(rid, pk(TRUE_OUTPUT), sender=stranger, value=PROPOSER_BOND)


def test_propose_refusals(oracle, model, stranger, proposer):
    with ape.reverts(oracle.InferenceOracleUnknownRequest, requestId=7):
        oracle.propose(7, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    rid = _request(oracle, model, stranger)
    with ape.reverts(oracle.InferenceOracleWrongValue, expected=PROPOSER_BOND, given=1):
        oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=1)
    with ape.reverts(oracle.InferenceOracleInvalidEncoding, width=4, length=4):
        oracle.propose(rid, b"\x04\x00\x00\x01", sender=proposer, value=PROPOSER_BOND)


# --- challenge ---------------------------------------------------------------------------------
def test_challenge_opens_response_window(oracle, model, stranger, proposer, challenger, chain):
    rid = _proposed(oracle, model, stranger, proposer)
    with ape.reverts(oracle.InferenceOracleSelfChallenge, requestId=rid):
        oracle.challenge(rid, sender=proposer, value=CHALLENGER_BOND)
    with ape.reverts(oracle.InferenceOracleWrongValue, expected=CHALLENGER_BOND, given=0):
        oracle.challenge(rid, sender=challenger)
    receipt = oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)
    [ev] = event_args(receipt, "AnswerChallenged")
    assert ev["challenger"] == challenger.address and ev["bond"] == CHALLENGER_BOND
    assert ev["responseDeadline"] == chain.blocks.head.timestamp + RESPONSE_WINDOW
    assert oracle.getRequest(rid).status == CHALLENGED
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=CHALLENGED):
        oracle.challenge(rid, sender=stranger, value=CHALLENGER_BOND)
    open_rid = _request(oracle, model, stranger)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=open_rid, status=OPEN):
        oracle.challenge(open_rid, sender=challenger, value=CHALLENGER_BOND)


# --- fulfillWithProof --------------------------------------------------------------------------
def test_fulfill_with_proof_is_final_at_once(oracle, model, stranger, prover):
    rid = _request(oracle, model, stranger)
    receipt = oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    [proven] = event_args(receipt, "AnswerProven")
    assert proven["prover"] == prover.address and bytes(proven["output"]) == pk(TRUE_OUTPUT)
    [final] = event_args(receipt, "RequestFinalized")
    assert final["proven"] == 1
    r = oracle.getRequest(rid)
    assert r.status == FINAL and r.proven
    assert oracle.creditOf(prover) == FEE and held(oracle) == 0
    assert oracle.isAnswer(rid, TRUE_OUTPUT) and not oracle.isAnswer(rid, WRONG_OUTPUT)
    assert oracle.statusOf(rid) == FINAL and final["outputHash"] == oracle.getRequest(rid).outputHash
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=FINAL):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)


def test_fulfill_refusals(oracle, model, stranger, prover, verifier):
    rid = _request(oracle, model, stranger)
    with ape.reverts(oracle.InferenceOracleInputMismatch, requestId=rid):
        oracle.fulfillWithProof(rid, pk([1, 2, 3]), pk(TRUE_OUTPUT), PROOF, sender=prover)
    with ape.reverts(oracle.InferenceOracleProofRejected, requestId=rid, verifier=verifier.address):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(WRONG_OUTPUT), PROOF, sender=prover)
    assert oracle.getRequest(rid).status == OPEN


def test_proof_settles_unchallenged_proposals(oracle, model, stranger, proposer, prover, treasury_account):
    right = _proposed(oracle, model, stranger, proposer, TRUE_OUTPUT)
    oracle.fulfillWithProof(right, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    assert oracle.creditOf(proposer) == PROPOSER_BOND and oracle.creditOf(prover) == FEE
    wrong = _proposed(oracle, model, stranger, proposer, WRONG_OUTPUT)
    oracle.fulfillWithProof(wrong, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    cut = PROPOSER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(proposer) == PROPOSER_BOND  # nothing more
    assert oracle.creditOf(prover) == 2 * FEE + PROPOSER_BOND - cut
    assert oracle.creditOf(treasury_account) == cut
    assert oracle.isAnswer(wrong, TRUE_OUTPUT) and held(oracle) == 0


@pytest.mark.parametrize("proposal_right", [True, False])
def test_proof_settles_a_challenge(oracle, model, stranger, proposer, challenger, prover, treasury_account,
                                   proposal_right):
    output = TRUE_OUTPUT if proposal_right else WRONG_OUTPUT
    rid = _challenged(oracle, model, stranger, proposer, challenger, output)
    receipt = oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    credited = {(e["account"], e["amount"]) for e in event_args(receipt, "Credited")}
    if proposal_right:
        cut = CHALLENGER_BOND * TREASURY_BPS // 10_000
        winner, loser, award = proposer, challenger, PROPOSER_BOND + CHALLENGER_BOND - cut
    else:
        cut = PROPOSER_BOND * TREASURY_BPS // 10_000
        winner, loser, award = challenger, proposer, CHALLENGER_BOND + PROPOSER_BOND - cut
    assert credited == {(winner.address, award), (treasury_account.address, cut), (prover.address, FEE)}
    assert oracle.creditOf(loser) == 0 and held(oracle) == 0
    assert oracle.isAnswer(rid, TRUE_OUTPUT)


def test_proof_refused_after_windows(oracle, model, stranger, proposer, challenger, prover, chain):
    rid = _proposed(oracle, model, stranger, proposer)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    deadline = oracle.getRequest(rid).deadline
    with ape.reverts(oracle.InferenceOracleChallengeWindowClosed, requestId=rid, deadline=deadline):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    rid2 = _challenged(oracle, model, stranger, proposer, challenger)
    chain.mine(deltatime=RESPONSE_WINDOW)
    deadline2 = oracle.getRequest(rid2).deadline
    with ape.reverts(oracle.InferenceOracleResponseWindowClosed, requestId=rid2, deadline=deadline2):
        oracle.fulfillWithProof(rid2, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)


# --- finalize ----------------------------------------------------------------------------------
def test_finalize_after_window_pays_proposer_and_calls_back(oracle, model, consumer, proposer, stranger, chain):
    consumer.ask(pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    assert consumer.asked(rid)
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    deadline = oracle.getRequest(rid).deadline
    with ape.reverts(oracle.InferenceOracleWindowOpen, requestId=rid, deadline=deadline):
        oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    with ape.reverts(oracle.InferenceOracleOutputMismatch, requestId=rid):
        oracle.finalize(rid, pk(WRONG_OUTPUT), sender=stranger)
    receipt = oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    [final] = event_args(receipt, "RequestFinalized")
    assert final["proven"] == 0
    [delivered] = event_args(receipt, "AnswerDelivered")
    assert delivered["consumer"] == consumer.address and delivered["succeeded"] == 1
    # TRUE_OUTPUT = [10, -20, 30]: class 2
    assert consumer.decided(rid) and consumer.classOf(rid) == 2
    assert oracle.creditOf(proposer) == PROPOSER_BOND + FEE and not oracle.callbackFailed(rid)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=FINAL):
        oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)


def test_finalize_without_output_for_a_requester_without_callback(oracle, model, stranger, proposer, consumer, chain):
    """An EOA's request is finalized on the proposal's hash alone (no output in calldata); an
    output given anyway is still checked; a consumer's request needs the output for its callback."""
    rid = _proposed(oracle, model, stranger, proposer)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    with ape.reverts(oracle.InferenceOracleOutputMismatch, requestId=rid):
        oracle.finalize(rid, pk(WRONG_OUTPUT), sender=stranger)
    receipt = oracle.finalize(rid, sender=stranger)
    assert event_args(receipt, "RequestFinalized")[0]["outputHash"] == oracle.getRequest(rid).outputHash
    assert oracle.isAnswer(rid, TRUE_OUTPUT) and not oracle.isAnswer(rid, WRONG_OUTPUT)
    assert oracle.creditOf(proposer) == PROPOSER_BOND + FEE
    consumer.ask(pk(INPUT), sender=stranger, value=FEE)
    asked = oracle.requestCount()
    oracle.propose(asked, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    with ape.reverts(oracle.InferenceOracleInvalidEncoding, width=0, length=0):
        oracle.finalize(asked, sender=stranger)
    oracle.finalize(asked, pk(TRUE_OUTPUT), sender=stranger)
    assert consumer.decided(asked)


def test_finalize_refuses_a_challenged_request(oracle, model, stranger, proposer, challenger, chain):
    rid = _challenged(oracle, model, stranger, proposer, challenger)
    chain.mine(deltatime=CHALLENGE_WINDOW + RESPONSE_WINDOW)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=CHALLENGED):
        oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)


# --- expireChallenge ---------------------------------------------------------------------------
def test_expire_challenge_awards_challenger_and_reopens(oracle, model, stranger, proposer, challenger,
                                                       treasury_account, prover, chain):
    rid = _challenged(oracle, model, stranger, proposer, challenger)
    deadline = oracle.getRequest(rid).deadline
    with ape.reverts(oracle.InferenceOracleWindowOpen, requestId=rid, deadline=deadline):
        oracle.expireChallenge(rid, sender=stranger)
    chain.mine(deltatime=RESPONSE_WINDOW)
    receipt = oracle.expireChallenge(rid, sender=stranger)
    [ev] = event_args(receipt, "ChallengeExpired")
    assert ev["proposer"] == proposer.address and ev["challenger"] == challenger.address
    cut = PROPOSER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(challenger) == CHALLENGER_BOND + PROPOSER_BOND - cut
    assert oracle.creditOf(treasury_account) == cut and oracle.creditOf(proposer) == 0
    r = oracle.getRequest(rid)
    assert r.status == OPEN and r.proposer == "0x" + "00" * 20 and r.proposerBond == 0
    assert held(oracle) == FEE  # the fee waits for the next answer
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=OPEN):
        oracle.expireChallenge(rid, sender=stranger)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    assert oracle.creditOf(prover) == FEE and held(oracle) == 0


# --- withdraw ----------------------------------------------------------------------------------
def test_withdraw_pays_credit_once(oracle, model, stranger, prover):
    with ape.reverts(oracle.InferenceOracleNothingToWithdraw, account=prover.address):
        oracle.withdraw(sender=prover)
    rid = _request(oracle, model, stranger)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    before = prover.balance
    receipt = oracle.withdraw(sender=prover)
    [ev] = event_args(receipt, "Withdrawn")
    assert ev["account"] == prover.address and ev["amount"] == FEE
    assert prover.balance == before + FEE - receipt.total_fees_paid
    assert oracle.creditOf(prover) == 0 and oracle.balance == 0
    with ape.reverts(oracle.InferenceOracleNothingToWithdraw, account=prover.address):
        oracle.withdraw(sender=prover)


# --- governance --------------------------------------------------------------------------------
SETTERS = [
    ("setBonds", (2, 3), "BondsSet", {"proposerBond": 2, "challengerBond": 3}),
    ("setWindows", (120, 240), "WindowsSet", {"challengeWindow": 120, "responseWindow": 240}),
    ("setFee", (0,), "FeeSet", {"fee": 0}),
    ("setRequestTimeout", (7200,), "RequestTimeoutSet", {"timeout": 7200}),
    ("setCallbackGasLimit", (50_000,), "CallbackGasLimitSet", {"gasLimit": 50_000}),
    ("setTreasuryShare", (None, 2500), "TreasuryShareSet", {"shareBps": 2500}),
]


@pytest.mark.parametrize("fn,args,event,fields", SETTERS, ids=[s[0] for s in SETTERS])
def test_governance_setters(oracle, governance, stranger, treasury_account, fn, args, event, fields):
    args = tuple(treasury_account.address if a is None else a for a in args)
    with ape.reverts(oracle.AccessControlUnauthorizedAccount, account=stranger.address):
        getattr(oracle, fn)(*args, sender=stranger)
    receipt = getattr(oracle, fn)(*args, sender=governance)
    [ev] = event_args(receipt, event)
    for k, v in fields.items():
        assert ev[k] == v


def test_governance_setters_validate(oracle, governance, treasury_account):
    with ape.reverts(oracle.InferenceOracleInvalidBond):
        oracle.setBonds(0, 1, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidWindow, window=59):
        oracle.setWindows(59, 600, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidWindow, window=31 * 86400):
        oracle.setWindows(600, 31 * 86400, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidTimeout, timeout=59):
        oracle.setRequestTimeout(59, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidTimeout, timeout=366 * 86400):
        oracle.setRequestTimeout(366 * 86400, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidCallbackGas, gasLimit=5_000_001):
        oracle.setCallbackGasLimit(5_000_001, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidTreasuryShare):
        oracle.setTreasuryShare(treasury_account.address, 5001, sender=governance)
    with ape.reverts(oracle.InferenceOracleInvalidTreasuryShare):
        oracle.setTreasuryShare("0x" + "00" * 20, 1, sender=governance)
    too_large = oracle.MAX_AMOUNT() + 1
    assert too_large == 2**80
    with ape.reverts(oracle.InferenceOracleAmountTooLarge, amount=too_large):
        oracle.setBonds(too_large, 1, sender=governance)
    with ape.reverts(oracle.InferenceOracleAmountTooLarge, amount=too_large):
        oracle.setFee(too_large, sender=governance)
    # the largest amounts fit the packed settings and read back whole
    oracle.setBonds(too_large - 1, 2**96 - 1, sender=governance)
    oracle.setFee(too_large - 1, sender=governance)
    c = oracle.config()
    assert (c.proposerBond, c.challengerBond, c.fee) == (too_large - 1, 2**96 - 1, too_large - 1)


def test_new_settings_apply_to_new_postings_only(oracle, model, governance, stranger, proposer, challenger):
    rid = _proposed(oracle, model, stranger, proposer)
    oracle.setBonds(5, 7, sender=governance)
    oracle.setFee(0, sender=governance)
    oracle.challenge(rid, sender=challenger, value=7)
    r = oracle.getRequest(rid)
    assert r.proposerBond == PROPOSER_BOND and r.challengerBond == 7 and r.fee == FEE
    oracle.request(model[0], pk(INPUT), sender=stranger)
    assert oracle.getRequest(oracle.requestCount()).fee == 0
    # a request keeps the timeout in force when it was made
    expires = oracle.getRequest(rid).expiresAt
    oracle.setRequestTimeout(60, sender=governance)
    assert oracle.getRequest(rid).expiresAt == expires


def test_constructor_refuses_bad_config(project, deployer, timelock, registry, treasury_account):
    zero = "0x" + "00" * 20
    with ape.reverts():
        deployer.deploy(project.InferenceOracle, zero, registry.address, config(treasury_account.address))
    with ape.reverts():
        deployer.deploy(project.InferenceOracle, timelock.address, registry.address,
                        config(treasury_account.address, proposerBond=0))


# --- views -------------------------------------------------------------------------------------
def test_views_of_unknown_and_pending_requests(oracle, model, stranger):
    for fn, args in (("getRequest", (1,)), ("statusOf", (1,)), ("callbackFailed", (1,))):
        with ape.reverts(oracle.InferenceOracleUnknownRequest, requestId=1):
            getattr(oracle, fn)(*args)
    for fn, args in (("refundable", (1, ZERO_STATE)), ("propose", (1, ZERO_STATE, pk(TRUE_OUTPUT)))):
        with ape.reverts(oracle.InferenceOracleUnknownRequest, requestId=1):
            getattr(oracle.raw, fn)(*args, sender=stranger) if fn == "propose" else getattr(oracle.raw, fn)(*args)
    assert oracle.recordOf(1) == b"\x00" * 32 and not oracle.isAnswer(1, TRUE_OUTPUT)
    rid = _request(oracle, model, stranger)
    state = oracle.state(rid)
    assert oracle.statusOf(rid) == OPEN and oracle.isCurrent(rid, state)
    assert oracle.recordOf(rid) == oracle.sealOf(rid, state)
    assert not oracle.isAnswer(rid, TRUE_OUTPUT) and not oracle.isCurrent(rid + 1, state)


# --- the example consumer ------------------------------------------------------------------------
def test_consumer_refuses_strangers_and_accepts_a_claimed_answer(oracle, model, consumer, stranger, prover):
    with ape.reverts(consumer.ModelConsumerNotOracle, caller=stranger.address):
        consumer.onInferenceAnswer(1, TRUE_OUTPUT, sender=stranger)
    assert consumer.argmax([FIELD - 5, FIELD - 1, FIELD - 3]) == 1  # all negative: -1 is the largest
    consumer.ask(pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    with ape.reverts(consumer.ModelConsumerNotTheAnswer, requestId=rid):
        consumer.claim(rid, TRUE_OUTPUT, sender=stranger)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    assert consumer.classOf(rid) == 2
    with ape.reverts(consumer.ModelConsumerAlreadyDecided, requestId=rid):
        consumer.claim(rid, TRUE_OUTPUT, sender=stranger)


def test_consumer_pulls_the_answer_when_its_callback_ran_out_of_gas(oracle, model, consumer, governance, stranger,
                                                                    proposer, chain):
    oracle.setCallbackGasLimit(1_000, sender=governance)  # too little for the consumer's work
    consumer.ask(pk(INPUT), sender=stranger, value=FEE)
    rid = oracle.requestCount()
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    receipt = oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    assert event_args(receipt, "AnswerDelivered")[0]["succeeded"] == 0
    assert oracle.callbackFailed(rid) and not consumer.decided(rid)
    consumer.claim(rid, TRUE_OUTPUT, sender=stranger)  # the pull path
    assert consumer.decided(rid) and consumer.classOf(rid) == 2


# --- refund: timeout -----------------------------------------------------------------------------
def _guardian(registry, governance, accounts):
    guardian = accounts[2]
    registry.grantRole(registry.GUARDIAN_ROLE(), guardian, sender=governance)
    return guardian


def test_refund_of_an_expired_open_request(oracle, model, stranger, prover, proposer, chain):
    rid = _request(oracle, model, stranger)
    expires = oracle.getRequest(rid).expiresAt
    assert not oracle.refundable(rid)
    with ape.reverts(oracle.InferenceOracleRequestNotExpired, requestId=rid, expiresAt=expires):
        oracle.refund(rid, sender=stranger)
    chain.pending_timestamp = expires - 1
    oracle.propose(_request(oracle, model, stranger), pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.pending_timestamp = expires
    # at the expiry: no answer any more, only the refund (the two never overlap)
    with ape.reverts(oracle.InferenceOracleRequestExpired, requestId=rid, expiresAt=expires):
        oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    with ape.reverts(oracle.InferenceOracleRequestExpired, requestId=rid, expiresAt=expires):
        oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    assert oracle.refundable(rid)
    before = held(oracle)
    receipt = oracle.refund(rid, sender=prover)  # anyone may end it: the fee goes to the requester
    [ev] = event_args(receipt, "RequestRefunded")
    assert ev["requester"] == stranger.address and ev["fee"] == FEE and ev["suspended"] == 0
    assert {(e["account"], e["amount"]) for e in event_args(receipt, "Credited")} == {(stranger.address, FEE)}
    assert oracle.creditOf(stranger) == FEE and oracle.creditOf(prover) == 0
    assert held(oracle) == before - FEE and oracle.getRequest(rid).status == REFUNDED
    assert not oracle.refundable(rid) and oracle.statusOf(rid) == REFUNDED and not oracle.isAnswer(rid, TRUE_OUTPUT)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=REFUNDED):
        oracle.refund(rid, sender=stranger)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=REFUNDED):
        oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    oracle.withdraw(sender=stranger)
    with ape.reverts(oracle.InferenceOracleUnknownRequest, requestId=99):
        oracle.refund(99, sender=stranger)


def test_a_pending_proposal_outlives_the_timeout(oracle, model, stranger, proposer, chain):
    rid = _request(oracle, model, stranger)
    expires = oracle.getRequest(rid).expiresAt
    chain.pending_timestamp = expires - 1
    oracle.propose(rid, pk(TRUE_OUTPUT), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    assert not oracle.refundable(rid)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=PROPOSED):
        oracle.refund(rid, sender=stranger)
    oracle.finalize(rid, pk(TRUE_OUTPUT), sender=stranger)
    assert oracle.creditOf(proposer) == PROPOSER_BOND + FEE


def test_an_expired_challenge_after_the_timeout_leaves_a_refundable_request(oracle, model, stranger, proposer,
                                                                            challenger, treasury_account, chain):
    rid = _challenged(oracle, model, stranger, proposer, challenger, WRONG_OUTPUT)
    chain.pending_timestamp = oracle.getRequest(rid).expiresAt
    oracle.expireChallenge(rid, sender=stranger)
    cut = PROPOSER_BOND * TREASURY_BPS // 10_000
    assert oracle.creditOf(challenger) == CHALLENGER_BOND + PROPOSER_BOND - cut
    assert oracle.getRequest(rid).status == OPEN and oracle.refundable(rid)
    oracle.refund(rid, sender=stranger)
    assert oracle.creditOf(stranger) == FEE and held(oracle) == 0
    assert oracle.balance == sum(oracle.creditOf(a) for a in (stranger, challenger, treasury_account))


# --- suspension ----------------------------------------------------------------------------------
def test_suspension_stops_answers_and_refunds_everything(oracle, model, registry, governance, accounts, stranger,
                                                         proposer, challenger, prover, chain):
    guardian = _guardian(registry, governance, accounts)
    opened = _request(oracle, model, stranger)
    proposed = _proposed(oracle, model, stranger, proposer)
    challenged = _challenged(oracle, model, stranger, proposer, challenger)
    ripe = _proposed(oracle, model, stranger, proposer)
    registry.suspendVersion(model[1], sender=guardian)
    assert registry.isSuspended(model[1])
    for rid in (opened, proposed, challenged):
        with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=rid, versionId=model[1]):
            oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=prover)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=ripe, versionId=model[1]):
        oracle.finalize(ripe, pk(TRUE_OUTPUT), sender=stranger)
    with ape.reverts(oracle.InferenceOracleVersionSuspended, requestId=challenged, versionId=model[1]):
        oracle.expireChallenge(challenged, sender=stranger)
    # a new request finds no active version: the registry drops a suspended one
    with ape.reverts(oracle.InferenceOracleNoActiveVersion, modelId=model[0]):
        oracle.request(model[0], pk(INPUT), sender=stranger, value=FEE)
    for rid in (opened, proposed, challenged, ripe):
        assert oracle.refundable(rid)
    before = held(oracle)
    receipts = [oracle.refund(rid, sender=stranger) for rid in (opened, proposed, challenged, ripe)]
    for receipt in receipts:
        assert event_args(receipt, "RequestRefunded")[0]["suspended"] == 1
    credited = [{(e["account"], e["amount"]) for e in event_args(r, "Credited")} for r in receipts]
    assert credited[0] == {(stranger.address, FEE)}
    assert credited[1] == {(stranger.address, FEE), (proposer.address, PROPOSER_BOND)}
    assert credited[2] == {(stranger.address, FEE), (proposer.address, PROPOSER_BOND),
                           (challenger.address, CHALLENGER_BOND)}
    assert held(oracle) == before - 4 * FEE - 3 * PROPOSER_BOND - CHALLENGER_BOND == 0
    assert oracle.creditOf(stranger) == 4 * FEE and oracle.creditOf(proposer) == 3 * PROPOSER_BOND
    assert oracle.creditOf(challenger) == CHALLENGER_BOND
    for rid in (opened, proposed, challenged, ripe):
        assert oracle.getRequest(rid).status == REFUNDED and not oracle.refundable(rid)


def test_a_challenge_stays_open_during_a_suspension_and_a_reinstated_version_continues(
        oracle, model, registry, governance, accounts, stranger, proposer, challenger, prover):
    guardian = _guardian(registry, governance, accounts)
    rid = _proposed(oracle, model, stranger, proposer, WRONG_OUTPUT)
    registry.suspendVersion(model[1], sender=guardian)
    oracle.challenge(rid, sender=challenger, value=CHALLENGER_BOND)  # only a bond: allowed
    registry.reinstateVersion(model[1], sender=governance)
    assert not oracle.refundable(rid)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=CHALLENGED):
        oracle.refund(rid, sender=stranger)
    oracle.fulfillWithProof(rid, pk(INPUT), pk(TRUE_OUTPUT), PROOF, sender=challenger)
    assert oracle.isAnswer(rid, TRUE_OUTPUT)
    with ape.reverts(oracle.InferenceOracleWrongStatus, requestId=rid, status=FINAL):
        oracle.refund(rid, sender=stranger)


# --- the packed encoding -------------------------------------------------------------------------
def test_unpack_matches_the_python_encoding(oracle, stranger):
    from modelgov.zk.answer import unpack

    values = [0, 1, -1, 127, -128, 32767, -32768, 2**31 - 1, -(2**31), 2**126, -(2**127)]
    words = [v % FIELD for v in values]
    for width in (None, 16):
        packed = pk(words, width=width)
        assert oracle.unpack(packed, sender=stranger) == words == unpack(packed)
    assert pk([5, FIELD - 5]) == bytes([1, 5, 0xFB])
    with ape.reverts(oracle.InferenceOracleInvalidEncoding, width=0, length=3):
        oracle.unpack(b"\x00\x01\x02")


def test_an_answer_is_its_words_whatever_the_width(oracle, model, stranger, proposer, chain):
    rid = _request(oracle, model, stranger)
    oracle.propose(rid, pk(TRUE_OUTPUT, width=4), sender=proposer, value=PROPOSER_BOND)
    chain.mine(deltatime=CHALLENGE_WINDOW)
    oracle.finalize(rid, pk(TRUE_OUTPUT, width=16), sender=stranger)
    assert oracle.isAnswer(rid, TRUE_OUTPUT)
