"""Attacks on the GrantTreasury, beyond its own tests (tests/test_treasury*.py already cover a
reentrant second approval, splitting a grant, a non-sliding period boundary, another grantee's or
an unaudited version over the mock registry, and fee-on-transfer tokens).

Covered here (see SECURITY.md): re-entry into withdraw/cancel from a payout callback, allowance
laundering (cancel and re-create, re-set mid-period, another steward's allowance, a revoked
steward, both sides of a period boundary), front-running a grantee's version in the real registry,
commitments released twice by reclaim/cancel, and non-standard ERC-20s; from the external review
(issue 14): reviews by stewards that did not create the grant, a late rejection costing an
on-time delivery, a token reachable at two addresses, and a steward granting to itself.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from registry_helpers import APPROVED, REJECTED, cid, version_input
from treasury_helpers import (
    CANCELLED,
    CID,
    DAY,
    MODEL,
    PERIOD,
    RECLAIMED,
    RELEASED,
    SUBMITTED,
    USD,
    build_world,
    make_steward,
    milestone,
)

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
ADMIN = b"\x00" * 32
ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def atk_world(chain, grant_treasury, mock_registry, stablecoin, governance, steward, grantee, stranger,
          deployer):
    return build_world(chain, grant_treasury, mock_registry, stablecoin, governance, steward,
                       grantee, stranger, deployer)


def test_fixtures_ready(atk_world, suite, deployer, voters, stranger, token, governor, timelock,
                        registry, treasury, governance, grant_treasury, mock_registry, stablecoin,
                        steward, grantee, accounts, project, chain):
    assert treasury.registry() == registry.address
    assert grant_treasury.registry() == mock_registry.address


def _accounted(t, gid) -> bool:
    g = t.getGrant(gid)
    open_amount = sum(m.amount for m in t.getMilestones(gid) if m.status < RELEASED)
    return g.released + g.returned + open_amount == g.total


# --------------------------------------------------------------------------- reentrancy
def test_callback_token_cannot_reenter_withdraw_and_cancel_keeps_accounts_exact(
        atk_world, project, deployer, chain, governance, stranger):
    """A malicious token the DAO trusts fully (worst case: it holds the admin role) calls back
    into the treasury from inside each payout."""
    t = atk_world.treasury
    evil = deployer.deploy(project.ReentrantToken)
    evil.mint(t, 1000, sender=deployer)
    t.setTokenAllowed(evil, True, sender=governance)
    t.grantRole(ADMIN, evil, sender=governance)
    d = chain.pending_timestamp + 10 * DAY
    t.createGrant(atk_world.grantee, evil, [milestone(300, d, MODEL), milestone(400, d, MODEL),
                                        milestone(200, d, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=atk_world.grantee)
    t.submitMilestone(gid, 1, 1, sender=atk_world.grantee)
    # 1. during the first payout, drain the free balance: nonReentrant refuses
    evil.arm(t, t, t.withdraw.encode_input(evil, stranger, 100), sender=deployer)
    t.approveMilestone(gid, 0, sender=governance)
    assert evil.hookCalled() and not evil.hookSucceeded()
    assert bytes(evil.hookReturnData())[:4] == keccak(text="ReentrancyGuardReentrantCall()")[:4]
    assert evil.balanceOf(stranger) == 0
    # 2. during the second payout, cancel the grant (not guarded: it moves no tokens). The paid
    # milestone stays paid, only the third one is returned: nothing is counted twice.
    evil.arm(t, t, t.cancelGrant.encode_input(gid), sender=deployer)
    t.approveMilestone(gid, 1, sender=governance)
    assert evil.hookSucceeded()
    g = t.getGrant(gid)
    assert (g.released, g.returned, g.cancelled) == (700, 200, True)
    assert [m.status for m in t.getMilestones(gid)] == [RELEASED, RELEASED, CANCELLED]
    assert t.committed(evil) == 0 and evil.balanceOf(t) == 300 == t.freeBalance(evil)
    assert evil.balanceOf(atk_world.grantee) == 700
    # 3. during a withdrawal, approve another grant's milestone: refused as well
    t.createGrant(atk_world.grantee, evil, [milestone(50, d, MODEL)], sender=governance)
    gid2 = t.grantCount()
    t.submitMilestone(gid2, 0, 1, sender=atk_world.grantee)
    t.grantRole(t.STEWARD_ROLE(), evil, sender=governance)
    evil.arm(t, t, t.approveMilestone.encode_input(gid2, 0), sender=deployer)
    t.withdraw(evil, stranger, 250, sender=governance)
    assert not evil.hookSucceeded()
    assert t.getMilestone(gid2, 0).status == SUBMITTED and t.committed(evil) == 50
    assert evil.balanceOf(t) == 50 and _accounted(t, gid2)


# --------------------------------------------------------------------------- allowances
def test_steward_cannot_launder_or_borrow_allowance(atk_world, stablecoin, chain, governance, accounts):
    t, g = atk_world.treasury, atk_world.grantee
    a, b = accounts[6], accounts[7]
    make_steward(t, governance, a, stablecoin, amount=100, period=PERIOD)
    make_steward(t, governance, b, stablecoin, amount=100, period=PERIOD)
    d = chain.pending_timestamp + 90 * DAY
    # create, cancel, create again: the cancelled grant is not refunded to the allowance
    t.createGrant(g, stablecoin, [milestone(100, d)], sender=a)
    t.cancelGrant(t.grantCount(), sender=a)
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, steward=a.address, remaining=0, needed=1):
        t.createGrant(g, stablecoin, [milestone(1, d)], sender=a)
    # governance raising the amount mid-period keeps what was spent
    t.setStewardAllowance(a, stablecoin, 150, PERIOD, 0, sender=governance)
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, remaining=50, needed=51):
        t.createGrant(g, stablecoin, [milestone(51, d)], sender=a)
    # another steward's unused allowance is not reachable
    assert t.stewardAllowance(b, stablecoin)[2] == 100
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, steward=a.address):
        t.createGrant(g, stablecoin, [milestone(100, d)], sender=a)
    # a steward whose role is revoked keeps an allowance it can no longer use
    t.revokeRole(t.STEWARD_ROLE(), b, sender=governance)
    with ape.reverts(t.AccessControlUnauthorizedAccount, account=b.address):
        t.createGrant(g, stablecoin, [milestone(1, d)], sender=b)


def test_straddling_a_period_boundary_gives_one_allowance_per_period(atk_world, stablecoin, chain,
                                                                      governance, accounts):
    t, s, g = atk_world.treasury, accounts[6], atk_world.grantee
    make_steward(t, governance, s, stablecoin, amount=100, period=PERIOD)
    _, _, _, _, _start, boundary = t.stewardAllowance(s, stablecoin)
    d = chain.pending_timestamp + 90 * DAY
    chain.pending_timestamp = boundary - 1  # last second of period 1
    t.createGrant(g, stablecoin, [milestone(100, d)], sender=s)
    chain.pending_timestamp = boundary  # first second of period 2: a fresh allowance
    t.createGrant(g, stablecoin, [milestone(100, d)], sender=s)
    # ... and nothing more until period 3, however the spending is split or timed
    for when in (boundary + 1, boundary + PERIOD // 2, boundary + PERIOD - 1):
        chain.pending_timestamp = when
        with ape.reverts(t.GrantTreasuryAllowanceExceeded, remaining=0):
            t.createGrant(g, stablecoin, [milestone(1, d)], sender=s)
    chain.pending_timestamp = boundary + PERIOD
    t.createGrant(g, stablecoin, [milestone(100, d)], sender=s)
    assert t.stewardAllowance(s, stablecoin)[4] == boundary + PERIOD  # aligned, not sliding


# --------------------------------------------------------------------------- claims (real registry)
@pytest.fixture(scope="module")
def atk_real(suite, registry, treasury, governance, deployer, accounts, token, chain):
    """The deployed suite's treasury over the real registry: model 'claims', 3 auditors (none of
    them the grantee, accounts[5]: an auditor cannot attest its own version)."""
    auditors = accounts[4], accounts[6], accounts[7]
    for a in auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.createModel("claims", cid("card"), sender=governance)
    token.transfer(treasury, 10_000, sender=deployer)
    treasury.setTokenAllowed(token, True, sender=governance)
    return {"model": registry.modelIdOf("claims"), "auditors": auditors}


def _submit(registry, model, who, seed) -> int:
    r = registry.submitVersion(model, version_input(seed), sender=who)
    return r.events.filter(registry.VersionSubmitted)[0].versionId


def test_grantee_cannot_claim_with_a_front_run_foreign_or_unapproved_version(
        atk_real, registry, treasury, token, governance, grantee, stranger, accounts, chain):
    t, model, (a1, a2, a3) = treasury, atk_real["model"], atk_real["auditors"]
    d = chain.pending_timestamp + 30 * DAY
    t.createGrant(grantee, token, [milestone(1000, d, model)], sender=governance)
    gid = t.grantCount()
    # the attacker copies the grantee's CID from the mempool and registers it first; the
    # grantee still gets its own record of the same CID (records are keyed by submitter)
    stolen = _submit(registry, model, stranger, "grantee-weights")
    assert _submit(registry, model, grantee, "grantee-weights") != stolen
    registry.attest(stolen, APPROVED, cid("r1"), sender=a1)
    registry.attest(stolen, APPROVED, cid("r2"), sender=a2)
    with ape.reverts(t.GrantTreasuryVersionNotFromGrantee, versionId=stolen,
                     submitter=stranger.address):
        t.submitMilestone(gid, 0, stolen, sender=grantee)
    with ape.reverts(t.GrantTreasuryNotGrantee, account=stranger.address):
        t.submitMilestone(gid, 0, stolen, sender=stranger)
    # another grantee's audited version is refused the same way
    other = _submit(registry, model, accounts[8], "other-grantee")
    with ape.reverts(t.GrantTreasuryVersionNotFromGrantee, versionId=other):
        t.submitMilestone(gid, 0, other, sender=grantee)
    # the grantee's own version: paid only once audited, and only while it stays audited
    own = _submit(registry, model, grantee, "grantee-weights-v2")
    t.submitMilestone(gid, 0, own, sender=grantee)
    registry.attest(own, APPROVED, cid("o1"), sender=a1)
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=own):
        t.approveMilestone(gid, 0, sender=governance)
    registry.attest(own, APPROVED, cid("o2"), sender=a2)
    registry.revokeAttestation(own, sender=a2)  # withdrawn before the payout
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=own):
        t.approveMilestone(gid, 0, sender=governance)
    registry.attest(own, APPROVED, cid("o2"), sender=a2)
    registry.attest(own, REJECTED, cid("o3"), sender=a3)  # a live rejection blocks it
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=own):
        t.approveMilestone(gid, 0, sender=governance)
    registry.revokeAttestation(own, sender=a3)
    before = token.balanceOf(grantee)
    t.approveMilestone(gid, 0, sender=governance)
    assert token.balanceOf(grantee) == before + 1000
    assert token.balanceOf(stranger) == 0


# --------------------------------------------------------------------------- commitments
def test_reclaim_and_cancel_never_return_more_than_was_committed(atk_world, stablecoin, chain,
                                                                 governance, deployer):
    t, g, coin = atk_world.treasury, atk_world.grantee, stablecoin
    d = chain.pending_timestamp + 5 * DAY
    t.createGrant(g, coin, [milestone(100, d, MODEL), milestone(200, d), milestone(300, d + DAY)],
                  sender=governance)
    a = t.grantCount()
    t.createGrant(g, coin, [milestone(400, d + 10 * DAY, MODEL)], sender=governance)
    b = t.grantCount()
    t.submitMilestone(a, 0, 1, sender=g)
    t.approveMilestone(a, 0, sender=governance)
    chain.pending_timestamp = d + 1
    t.reclaimMilestone(a, 1, sender=atk_world.stranger)
    for index in (0, 1):  # released or already reclaimed
        with ape.reverts(t.GrantTreasuryMilestoneNotPending, grantId=a, index=index):
            t.reclaimMilestone(a, index, sender=atk_world.stranger)
    r = t.cancelGrant(a, sender=governance)
    assert t.GrantCancelled(grantId=a, returned=300) in r.events
    assert [m.status for m in t.getMilestones(a)] == [RELEASED, RECLAIMED, CANCELLED]
    with ape.reverts(t.GrantTreasuryGrantNotActive, grantId=a):
        t.cancelGrant(a, sender=governance)
    chain.pending_timestamp = d + 2 * DAY
    with ape.reverts(t.GrantTreasuryGrantNotActive, grantId=a):
        t.reclaimMilestone(a, 2, sender=atk_world.stranger)
    info = t.getGrant(a)
    assert (info.released, info.returned) == (100, 500) and _accounted(t, a)
    # governance withdraws every free unit; grant b's commitment is still held and payable
    t.withdraw(coin, deployer, t.freeBalance(coin), sender=governance)
    assert coin.balanceOf(t) == t.committed(coin) >= 400
    with ape.reverts(t.GrantTreasuryInsufficientFreeBalance):
        t.withdraw(coin, deployer, 1, sender=governance)
    t.submitMilestone(b, 0, 1, sender=g)
    t.approveMilestone(b, 0, sender=governance)
    assert _accounted(t, b)


# --------------------------------------------------------------------------- odd tokens
def test_non_standard_erc20s_work_or_are_refused(atk_world, project, deployer, chain, governance,
                                                 stranger):
    t, g = atk_world.treasury, atk_world.grantee
    d = chain.pending_timestamp + DAY
    # USDT-style (no return value): works end to end through SafeERC20
    usdt = deployer.deploy(project.NonStandardToken, 0)
    usdt.mint(deployer, 1000, sender=deployer)
    usdt.approve(t, 1000, sender=deployer)
    t.setTokenAllowed(usdt, True, sender=governance)
    t.deposit(usdt, 1000, sender=deployer)
    t.createGrant(g, usdt, [milestone(600, d, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=g)
    t.approveMilestone(gid, 0, sender=governance)
    assert usdt.balanceOf(g) == 600 and usdt.balanceOf(t) == 400 and t.committed(usdt) == 0
    # returns false instead of reverting: refused at deposit and at payout, nothing moves
    liar = deployer.deploy(project.NonStandardToken, 1)
    liar.mint(deployer, 1000, sender=deployer)
    liar.approve(t, 1000, sender=deployer)
    t.setTokenAllowed(liar, True, sender=governance)
    with ape.reverts(t.SafeERC20FailedOperation, token=liar.address):
        t.deposit(liar, 1000, sender=deployer)
    liar.setMode(0, sender=deployer)
    t.deposit(liar, 1000, sender=deployer)
    t.createGrant(g, liar, [milestone(500, d, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=g)
    liar.setMode(1, sender=deployer)
    with ape.reverts(t.SafeERC20FailedOperation, token=liar.address):
        t.approveMilestone(gid, 0, sender=governance)
    assert t.getMilestone(gid, 0).status == SUBMITTED and liar.balanceOf(g) == 0
    assert t.committed(liar) == 500
    # an address without code is no token: refused when the grant is created (even if allowed)
    t.setTokenAllowed(stranger, True, sender=governance)
    with ape.reverts():
        t.createGrant(g, stranger, [milestone(1, d)], sender=governance)
    assert t.grantCount() == gid


# --------------------------------------------------------------------------- review (issue 14)
def test_only_the_grants_reviewer_reviews_and_a_late_rejection_leaves_time_to_resubmit(
        atk_world, stablecoin, chain, governance, accounts):
    """Item 7. Before the fix any steward could reject (or approve) milestones of any grant,
    governance's included, and a rejection after the deadline was final: anyone reclaimed at once
    and an on-time delivery was lost. Now only governance or the creating steward reviews, and a
    rejection always leaves the grantee RESUBMISSION_WINDOW to resubmit."""
    t, g, creator = atk_world.treasury, atk_world.grantee, atk_world.steward
    other = accounts[7]
    make_steward(t, governance, other, stablecoin)
    d = chain.pending_timestamp + 10 * DAY
    t.createGrant(g, stablecoin, [milestone(100 * USD, d, MODEL)], sender=governance)
    gov_grant = t.grantCount()
    t.submitMilestone(gov_grant, 0, 1, sender=g)
    for who in (creator, other):  # stewards, but this is governance's grant
        with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, grantId=gov_grant, account=who.address):
            t.rejectMilestone(gov_grant, 0, CID, sender=who)
        with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, grantId=gov_grant, account=who.address):
            t.approveMilestone(gov_grant, 0, sender=who)
    steward_grant = atk_world.grant_id
    t.submitMilestone(steward_grant, 0, 1, sender=g)  # on time
    t.submitMilestone(steward_grant, 1, 1, sender=g)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, grantId=steward_grant, account=other.address):
        t.rejectMilestone(steward_grant, 0, CID, sender=other)
    # the creating steward rejects after the deadline: the grantee gets a resubmission window
    chain.pending_timestamp = atk_world.deadline + DAY
    receipt = t.rejectMilestone(steward_grant, 0, CID, sender=creator)
    window = t.RESUBMISSION_WINDOW()
    ev = receipt.events.filter(t.MilestoneDeadlineExtended)[0]
    new_deadline = chain.blocks[receipt.block_number].timestamp + window
    assert (ev.grantId, ev.index, ev.deadline) == (steward_grant, 0, new_deadline)
    assert t.getMilestone(steward_grant, 0).deadline == new_deadline
    with ape.reverts(t.GrantTreasuryDeadlineNotPassed, grantId=steward_grant, index=0):
        t.reclaimMilestone(steward_grant, 0, sender=other)
    t.submitMilestone(steward_grant, 0, 1, sender=g)
    t.approveMilestone(steward_grant, 0, sender=creator)
    assert t.getMilestone(steward_grant, 0).status == RELEASED
    # a steward whose role was revoked no longer reviews its grants; governance still does
    t.revokeRole(t.STEWARD_ROLE(), creator, sender=governance)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, account=creator.address):
        t.approveMilestone(steward_grant, 1, sender=creator)
    t.approveMilestone(steward_grant, 1, sender=governance)


def test_a_token_alias_cannot_withdraw_or_grant_committed_funds(atk_world, project, deployer,
                                                                chain, governance, stranger):
    """Item 8. A token reachable at two addresses (legacy TUSD/SNX): commitments are booked under
    one address, so before the fix the other address's `freeBalance` was the whole balance and
    governance (or a steward, within its allowance) could withdraw or grant it again. Now only
    allowlisted addresses are accepted; governance allows one address per token."""
    t = atk_world.treasury
    main = deployer.deploy(project.DualEntryToken)
    alias = deployer.deploy(project.TokenAlias, main)
    main.setAlias(alias, sender=deployer)
    with ape.reverts(t.GrantTreasuryTokenNotAllowed, token=main.address):
        t.deposit(main, 1, sender=deployer)
    receipt = t.setTokenAllowed(main, True, sender=governance)
    assert receipt.events.filter(t.TokenAllowlisted)[0].allowed
    main.mint(deployer, 1_000, sender=deployer)
    main.approve(t, 1_000, sender=deployer)
    t.deposit(main, 1_000, sender=deployer)
    d = chain.pending_timestamp + 10 * DAY
    t.createGrant(atk_world.grantee, main, [milestone(1_000, d, MODEL)], sender=governance)
    assert t.freeBalance(main) == 0 and t.freeBalance(alias) == 1_000  # the alias sees it all
    with ape.reverts(t.GrantTreasuryTokenNotAllowed, token=alias.address):
        t.withdraw(alias, stranger, 1_000, sender=governance)
    with ape.reverts(t.GrantTreasuryTokenNotAllowed, token=alias.address):
        t.createGrant(atk_world.grantee, alias, [milestone(1_000, d, MODEL)], sender=governance)
    with ape.reverts(t.GrantTreasuryTokenNotAllowed, token=alias.address):
        t.deposit(alias, 1, sender=deployer)
    assert main.balanceOf(t) == 1_000 and t.committed(main) == 1_000
    # removing a token from the list stops new grants, never the payout of existing ones
    receipt = t.setTokenAllowed(main, False, sender=governance)
    assert not receipt.events.filter(t.TokenAllowlisted)[0].allowed and not t.isTokenAllowed(main)
    t.submitMilestone(t.grantCount(), 0, 1, sender=atk_world.grantee)
    t.approveMilestone(t.grantCount(), 0, sender=governance)
    assert main.balanceOf(atk_world.grantee) == 1_000


def test_steward_cannot_grant_to_itself(atk_world, stablecoin, chain, governance, accounts):
    """Item 11. Before the fix a steward could create a grant to itself within its allowance and
    have another steward approve it; now a steward cannot be the grantee of its grant (and a
    grantee never approves its own milestone, as before)."""
    t, s = atk_world.treasury, atk_world.steward
    d = chain.pending_timestamp + 10 * DAY
    with ape.reverts(t.GrantTreasurySelfGrant, account=s.address):
        t.createGrant(s, stablecoin, [milestone(10 * USD, d, MODEL)], sender=s)
    # governance may still pay a steward (a vote decided it); the steward cannot approve it
    t.createGrant(s, stablecoin, [milestone(10 * USD, d)], sender=governance)
    gid = t.grantCount()
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, grantId=gid, account=s.address):
        t.approveMilestone(gid, 0, sender=s)
