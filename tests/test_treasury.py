"""GrantTreasury: every function, its reverts and its events (over MockModelRegistry)."""

from __future__ import annotations

import ape
import pytest

from governance_helpers import govern
from treasury_helpers import (
    CANCELLED,
    CID,
    DAY,
    MODEL,
    NO_MODEL,
    PENDING,
    PERIOD,
    REASON,
    RECLAIMED,
    RELEASED,
    STEWARD_ALLOWANCE,
    SUBMITTED,
    USD,
    allow_token,
    build_world,
    make_steward,
    milestone,
)

ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def world(chain, grant_treasury, mock_registry, stablecoin, governance, steward, grantee, stranger, deployer):
    return build_world(
        chain, grant_treasury, mock_registry, stablecoin, governance, steward, grantee, stranger, deployer
    )


def test_fixtures_ready(
    world, suite, deployer, voters, stranger, token, governor, timelock, governance, grant_treasury,
    mock_registry, stablecoin, steward, grantee, accounts, project,
):
    t = grant_treasury
    assert t.hasRole(t.DEFAULT_ADMIN_ROLE(), timelock)
    assert t.getRoleMemberCount(t.DEFAULT_ADMIN_ROLE()) == 1
    assert not t.hasRole(t.DEFAULT_ADMIN_ROLE(), deployer)
    assert t.registry() == mock_registry.address
    assert t.NO_MODEL() == NO_MODEL
    assert t.grantCount() == world.grant_id == 1


# ------------------------------------------------------------------------------- constructor
def test_constructor_rejects_zero_admin_and_codeless_registry(project, deployer, mock_registry, stranger):
    with ape.reverts(project.GrantTreasury.GrantTreasuryZeroAddress):
        deployer.deploy(project.GrantTreasury, ZERO, mock_registry.address)
    with ape.reverts(project.GrantTreasury.GrantTreasuryInvalidRegistry, registry=stranger.address):
        deployer.deploy(project.GrantTreasury, deployer.address, stranger.address)


# ------------------------------------------------------------------------------- deposit / withdraw
def test_deposit_emits_and_counts(world, stablecoin, stranger):
    t = world.treasury
    before = t.freeBalance(stablecoin)
    stablecoin.mint(stranger, 50 * USD, sender=stranger)
    stablecoin.approve(t, 50 * USD, sender=stranger)
    receipt = t.deposit(stablecoin, 50 * USD, sender=stranger)
    event = receipt.events.filter(t.Deposited)[0]
    assert (event.token, event["from"], event.amount, event.received) == (
        stablecoin.address, stranger.address, 50 * USD, 50 * USD)
    assert t.freeBalance(stablecoin) == before + 50 * USD
    assert stablecoin.address in t.tokens()


def test_token_listed_once_whichever_function_sees_it_first(world, project, deployer, governance, stranger):
    t = world.treasury
    via_deposit = deployer.deploy(project.MockStablecoin)
    via_allowance = deployer.deploy(project.MockStablecoin)
    via_deposit.mint(stranger, 2, sender=stranger)
    via_deposit.approve(t, 2, sender=stranger)
    with ape.reverts(t.GrantTreasuryTokenNotAllowed, token=via_deposit.address):
        t.deposit(via_deposit, 1, sender=stranger)
    with ape.reverts(t.AccessControlUnauthorizedAccount, account=stranger.address):
        t.setTokenAllowed(via_deposit, True, sender=stranger)
    with ape.reverts(t.GrantTreasuryZeroAddress):
        t.setTokenAllowed(ZERO, True, sender=governance)
    first = t.setTokenAllowed(via_deposit, True, sender=governance)
    assert t.TokenListed(token=via_deposit.address) in first.events
    assert t.TokenAllowlisted(token=via_deposit.address, allowed=True) in first.events
    assert t.isTokenAllowed(via_deposit)
    again = t.deposit(via_deposit, 1, sender=stranger)
    assert not again.events.filter(t.TokenListed)
    set_ = t.setStewardAllowance(stranger, via_allowance, 1, DAY, 0, sender=governance)
    assert t.TokenListed(token=via_allowance.address) in set_.events
    listed = t.tokens()
    assert listed.count(via_deposit.address) == 1 and via_allowance.address in listed


def test_deposit_reverts(world, stablecoin, stranger):
    t = world.treasury
    with ape.reverts(t.GrantTreasuryZeroAmount):
        t.deposit(stablecoin, 0, sender=stranger)
    with ape.reverts(t.GrantTreasuryZeroAddress):
        t.deposit(ZERO, 1, sender=stranger)
    with ape.reverts(stablecoin.ERC20InsufficientAllowance):
        t.deposit(stablecoin, 1, sender=stranger)


def test_withdraw_only_free_funds(world, stablecoin, governance, stranger):
    t = world.treasury
    free = t.freeBalance(stablecoin)
    assert free == 10_000 * USD - 300 * USD
    with ape.reverts(t.GrantTreasuryInsufficientFreeBalance, token=stablecoin.address, free=free, needed=free + 1):
        t.withdraw(stablecoin, stranger, free + 1, sender=governance)
    with ape.reverts(t.GrantTreasuryZeroAmount):
        t.withdraw(stablecoin, stranger, 0, sender=governance)
    with ape.reverts(t.GrantTreasuryZeroAddress):
        t.withdraw(stablecoin, ZERO, 1, sender=governance)
    receipt = t.withdraw(stablecoin, stranger, free, sender=governance)
    assert t.Withdrawn(token=stablecoin.address, to=stranger.address, amount=free) in receipt.events
    assert stablecoin.balanceOf(stranger) == free
    assert stablecoin.balanceOf(t) == t.committed(stablecoin) == 300 * USD


# ------------------------------------------------------------------------------- allowances
def test_set_allowance_event_and_view(world, stablecoin, governance, chain, accounts):
    t, other = world.treasury, accounts[6]
    receipt = t.setStewardAllowance(other, stablecoin, 500 * USD, DAY, 0, sender=governance)
    now = receipt.timestamp
    assert t.StewardAllowanceSet(steward=other.address, token=stablecoin.address, amount=500 * USD,
                                 period=DAY, lastReset=now) in receipt.events
    amount, spent, remaining, period, last_reset, next_reset = t.stewardAllowance(other, stablecoin)
    assert (amount, spent, remaining, period, last_reset, next_reset) == (500 * USD, 0, 500 * USD, DAY, now, now + DAY)


def test_set_allowance_reverts(world, stablecoin, governance, chain, steward):
    t = world.treasury
    future = chain.pending_timestamp + 100
    with ape.reverts(t.GrantTreasuryInvalidResetBase, resetBase=future):
        t.setStewardAllowance(steward, stablecoin, 1, DAY, future, sender=governance)
    with ape.reverts(t.GrantTreasuryZeroAddress):
        t.setStewardAllowance(ZERO, stablecoin, 1, DAY, 0, sender=governance)


def test_allowance_aligned_on_reset_base(world, stablecoin, governance, chain, accounts):
    t, other = world.treasury, accounts[6]
    base = chain.pending_timestamp - 10 * DAY - 3600  # periods of 1 day started 3600 s before "now"
    receipt = t.setStewardAllowance(other, stablecoin, 5, DAY, base, sender=governance)
    last_reset = t.stewardAllowance(other, stablecoin)[4]
    assert (last_reset - base) % DAY == 0 and receipt.timestamp - DAY < last_reset <= receipt.timestamp


def test_steward_spends_and_period_resets(world, stablecoin, chain):
    t, s, g = world.treasury, world.steward, world.grantee
    deadline = chain.pending_timestamp + 60 * DAY
    _amount, spent, remaining, _, _last_reset, next_reset = t.stewardAllowance(s, stablecoin)
    assert (spent, remaining) == (300 * USD, STEWARD_ALLOWANCE - 300 * USD)
    receipt = t.createGrant(g, stablecoin, [milestone(remaining, deadline)], sender=s)
    assert t.StewardAllowanceSpent(steward=s.address, token=stablecoin.address, amount=remaining,
                                   spentInPeriod=STEWARD_ALLOWANCE) in receipt.events
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, steward=s.address, token=stablecoin.address,
                     remaining=0, needed=1):
        t.createGrant(g, stablecoin, [milestone(1, deadline)], sender=s)
    chain.pending_timestamp = next_reset  # the next period starts exactly here
    t.createGrant(g, stablecoin, [milestone(STEWARD_ALLOWANCE, deadline)], sender=s)
    _, spent, remaining, _, new_reset, _ = t.stewardAllowance(s, stablecoin)
    assert (spent, remaining, new_reset) == (STEWARD_ALLOWANCE, 0, next_reset)


def test_allowance_cannot_be_exceeded_by_splitting(world, stablecoin, chain, governance, accounts):
    t, s, g = world.treasury, accounts[6], world.grantee
    make_steward(t, governance, s, stablecoin, amount=100, period=PERIOD)
    deadline = chain.pending_timestamp + 60 * DAY
    for _ in range(4):
        t.createGrant(g, stablecoin, [milestone(25, deadline)], sender=s)
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, remaining=0, needed=1):
        t.createGrant(g, stablecoin, [milestone(1, deadline)], sender=s)
    # many milestones in one grant count in full
    t2 = t.stewardAllowance(s, stablecoin)
    assert t2[1] == 100


def test_allowance_period_boundary_is_not_sliding(world, stablecoin, chain, governance, accounts):
    """Spending late in a period does not move the next reset; spending just before and just
    after the boundary is bounded by one allowance per period."""
    t, s, g = world.treasury, accounts[6], world.grantee
    make_steward(t, governance, s, stablecoin, amount=100, period=PERIOD)
    _, _, _, _, _start, first_reset = t.stewardAllowance(s, stablecoin)
    deadline = chain.pending_timestamp + 90 * DAY
    chain.pending_timestamp = first_reset - 5
    t.createGrant(g, stablecoin, [milestone(60, deadline)], sender=s)
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, remaining=40, needed=41):
        t.createGrant(g, stablecoin, [milestone(41, deadline)], sender=s)
    chain.pending_timestamp = first_reset + 3 * PERIOD + 10  # several periods later
    t.createGrant(g, stablecoin, [milestone(100, deadline)], sender=s)
    _, spent, _, _, last_reset, _ = t.stewardAllowance(s, stablecoin)
    assert spent == 100 and last_reset == first_reset + 3 * PERIOD


def test_one_time_allowance_never_resets(world, stablecoin, chain, governance, accounts):
    t, s, g = world.treasury, accounts[6], world.grantee
    make_steward(t, governance, s, stablecoin, amount=10, period=0)
    deadline = chain.pending_timestamp + 900 * DAY
    t.createGrant(g, stablecoin, [milestone(10, deadline)], sender=s)
    chain.mine(deltatime=365 * DAY)
    assert t.stewardAllowance(s, stablecoin)[2] == 0  # remaining
    with ape.reverts(t.GrantTreasuryAllowanceExceeded):
        t.createGrant(g, stablecoin, [milestone(1, deadline)], sender=s)


def test_huge_period_does_not_overflow(world, stablecoin, chain, governance, accounts):
    t, s, g = world.treasury, accounts[6], world.grantee
    make_steward(t, governance, s, stablecoin, amount=10, period=2**64 - 1)
    t.createGrant(g, stablecoin, [milestone(10, chain.pending_timestamp + DAY)], sender=s)
    _, spent, remaining, period, last_reset, next_reset = t.stewardAllowance(s, stablecoin)
    assert (spent, remaining, period, next_reset) == (10, 0, 2**64 - 1, last_reset + 2**64 - 1)


def test_allowance_is_per_token(world, stablecoin, token, deployer, chain):
    t, s, g = world.treasury, world.steward, world.grantee
    token.approve(t, 10**18, sender=deployer)
    allow_token(t, token)
    t.deposit(token, 10**18, sender=deployer)
    with ape.reverts(t.GrantTreasuryAllowanceExceeded, token=token.address, remaining=0, needed=1):
        t.createGrant(g, token, [milestone(1, chain.pending_timestamp + DAY)], sender=s)


# ------------------------------------------------------------------------------- createGrant
def test_create_grant_by_steward_event_and_storage(world, stablecoin):
    t = world.treasury
    info = t.getGrant(world.grant_id)
    assert info.grantee == world.grantee.address
    assert info.token == stablecoin.address
    assert info.creator == world.steward.address
    assert (info.total, info.released, info.returned, info.milestoneCount, info.cancelled) == (
        300 * USD, 0, 0, 2, False)
    m0 = t.getMilestone(world.grant_id, 0)
    assert (m0.amount, bytes(m0.descriptionCid), m0.deadline, m0.modelId, m0.status, m0.versionId) == (
        100 * USD, CID, world.deadline, MODEL, PENDING, 0)
    assert len(t.getMilestones(world.grant_id)) == 2
    assert t.committed(stablecoin) == 300 * USD


def test_create_grant_event(world, stablecoin, chain, governance):
    t = world.treasury
    receipt = t.createGrant(world.grantee, stablecoin,
                            [milestone(5 * USD, chain.pending_timestamp + DAY)] * 3, sender=governance)
    assert t.GrantCreated(grantId=2, grantee=world.grantee.address, token=stablecoin.address,
                          creator=governance.address, total=15 * USD, milestoneCount=3) in receipt.events
    # governance does not spend any allowance
    assert not [e for e in receipt.events if e.event_name == "StewardAllowanceSpent"]


def test_governance_grant_is_unlimited_by_allowance_but_not_by_free_balance(world, stablecoin, chain, governance):
    t = world.treasury
    free = t.freeBalance(stablecoin)
    deadline = chain.pending_timestamp + DAY
    with ape.reverts(t.GrantTreasuryInsufficientFreeBalance, token=stablecoin.address, free=free, needed=free + 1):
        t.createGrant(world.grantee, stablecoin, [milestone(free, deadline), milestone(1, deadline)],
                      sender=governance)
    t.createGrant(world.grantee, stablecoin, [milestone(free, deadline)], sender=governance)
    assert t.freeBalance(stablecoin) == 0
    assert t.committed(stablecoin) == stablecoin.balanceOf(t)


def test_steward_grant_limited_by_free_balance(world, stablecoin, chain, governance):
    t = world.treasury
    t.withdraw(stablecoin, governance, t.freeBalance(stablecoin) - 10, sender=governance)
    with ape.reverts(t.GrantTreasuryInsufficientFreeBalance, free=10, needed=11):
        t.createGrant(world.grantee, stablecoin, [milestone(11, chain.pending_timestamp + DAY)],
                      sender=world.steward)


@pytest.mark.parametrize(
    "case",
    ["no_milestones", "too_many", "zero_amount", "huge_amount", "empty_cid", "past_deadline", "zero_grantee", "zero_token"],
)
def test_create_grant_validation(world, stablecoin, chain, governance, case):
    t, g = world.treasury, world.grantee.address
    d = chain.pending_timestamp + DAY
    ok = milestone(1, d)
    args, error, kw = {
        "no_milestones": ((g, stablecoin, []), t.GrantTreasuryNoMilestones, {}),
        "too_many": ((g, stablecoin, [ok] * 21), t.GrantTreasuryTooManyMilestones, {"count": 21, "max": 20}),
        "zero_amount": ((g, stablecoin, [ok, milestone(0, d)]), t.GrantTreasuryMilestoneAmountInvalid,
                        {"index": 1, "amount": 0}),
        "huge_amount": ((g, stablecoin, [milestone(2**128, d)]), t.GrantTreasuryMilestoneAmountInvalid,
                        {"index": 0, "amount": 2**128}),
        "empty_cid": ((g, stablecoin, [milestone(1, d, cid=b"")]), t.GrantTreasuryMilestoneCidEmpty, {"index": 0}),
        "past_deadline": ((g, stablecoin, [milestone(1, d - 2 * DAY)]), t.GrantTreasuryMilestoneDeadlineInPast,
                          {"index": 0}),
        "zero_grantee": ((ZERO, stablecoin, [ok]), t.GrantTreasuryZeroAddress, {}),
        "zero_token": ((g, ZERO, [ok]), t.GrantTreasuryZeroAddress, {}),
    }[case]
    with ape.reverts(error, **kw):
        t.createGrant(*args, sender=governance)


def test_create_grant_by_stranger_reverts(world, stablecoin, chain, stranger):
    t = world.treasury
    with ape.reverts(t.AccessControlUnauthorizedAccount, account=stranger.address, neededRole=t.STEWARD_ROLE()):
        t.createGrant(stranger, stablecoin, [milestone(1, chain.pending_timestamp + DAY)], sender=stranger)


def test_large_grant_through_a_passed_proposal(
    world, stablecoin, chain, governor, voters, grantee
):
    t = world.treasury
    big = 5_000 * USD  # 5 × the steward allowance
    deadline = chain.pending_timestamp + 120 * DAY
    receipt = govern(
        chain, governor,
        [(t, "createGrant", (grantee.address, stablecoin.address, [milestone(big, deadline)]))],
        "# Grant: train demo-mlp v2\n\n5,000 mUSD in one milestone.", voters[0], voters,
    )
    assert receipt.events.filter(t.GrantCreated)[0].total == big
    info = t.getGrant(t.grantCount())
    assert info.creator == governor.timelock() and info.total == big


# ------------------------------------------------------------------------------- submit
def test_submit_milestone_event_and_state(world):
    t = world.treasury
    receipt = t.submitMilestone(world.grant_id, 0, 1, sender=world.grantee)
    assert t.MilestoneSubmitted(grantId=world.grant_id, index=0, versionId=1) in receipt.events
    m = t.getMilestone(world.grant_id, 0)
    assert (m.status, m.versionId) == (SUBMITTED, 1)


def test_submit_reverts(world, chain):
    t, gid, g = world.treasury, world.grant_id, world.grantee
    with ape.reverts(t.GrantTreasuryNotGrantee, grantId=gid, account=world.stranger.address):
        t.submitMilestone(gid, 0, 1, sender=world.stranger)
    with ape.reverts(t.GrantTreasuryNotGrantee):
        t.submitMilestone(gid, 0, 1, sender=world.steward)
    with ape.reverts(t.GrantTreasuryVersionNotFromGrantee, versionId=3, submitter=world.stranger.address):
        t.submitMilestone(gid, 0, 3, sender=g)
    with ape.reverts(t.GrantTreasuryWrongModel, versionId=4, expectedModelId=MODEL, modelId=MODEL + 1):
        t.submitMilestone(gid, 0, 4, sender=g)
    with ape.reverts(t.GrantTreasuryUnknownVersion, versionId=99):
        t.submitMilestone(gid, 0, 99, sender=g)
    with ape.reverts(t.GrantTreasuryUnknownGrant, grantId=42):
        t.submitMilestone(42, 0, 1, sender=g)
    with ape.reverts(t.GrantTreasuryUnknownMilestone, grantId=gid, index=2):
        t.submitMilestone(gid, 2, 1, sender=g)
    t.submitMilestone(gid, 0, 2, sender=g)  # not audited yet: submitting is still fine
    with ape.reverts(t.GrantTreasuryMilestoneNotPending, grantId=gid, index=0, status=SUBMITTED):
        t.submitMilestone(gid, 0, 1, sender=g)
    chain.pending_timestamp = world.deadline + DAY + 1
    with ape.reverts(t.GrantTreasuryDeadlinePassed, grantId=gid, index=1, deadline=world.deadline + DAY):
        t.submitMilestone(gid, 1, 1, sender=g)


def test_submit_on_deadline_is_allowed(world, chain):
    chain.pending_timestamp = world.deadline
    world.treasury.submitMilestone(world.grant_id, 0, 1, sender=world.grantee)


def test_no_model_milestone_accepts_any_model_of_the_grantee(world, stablecoin, chain, governance):
    t = world.treasury
    t.createGrant(world.grantee, stablecoin, [milestone(1, chain.pending_timestamp + DAY, NO_MODEL)],
                  sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 4, sender=world.grantee)  # model MODEL + 1
    with ape.reverts(t.GrantTreasuryMilestoneNotPending):
        t.submitMilestone(gid, 0, 3, sender=world.grantee)


# ------------------------------------------------------------------------------- approve
def test_approve_releases_and_emits(world, stablecoin):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    committed = t.committed(stablecoin)
    receipt = t.approveMilestone(gid, 0, sender=world.steward)
    assert t.MilestoneReleased(grantId=gid, index=0, versionId=1, approver=world.steward.address,
                               amount=100 * USD) in receipt.events
    assert stablecoin.balanceOf(world.grantee) == 100 * USD
    assert t.committed(stablecoin) == committed - 100 * USD
    assert t.getMilestone(gid, 0).status == RELEASED
    info = t.getGrant(gid)
    assert (info.released, info.returned) == (100 * USD, 0)
    with ape.reverts(t.GrantTreasuryMilestoneNotSubmitted, grantId=gid, index=0, status=RELEASED):
        t.approveMilestone(gid, 0, sender=world.governance)


def test_approve_requires_audited_version(world, stablecoin):
    t, gid, r = world.treasury, world.grant_id, world.registry
    t.submitMilestone(gid, 0, 2, sender=world.grantee)
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=2):
        t.approveMilestone(gid, 0, sender=world.steward)
    r.setAudited(2, True, sender=world.stranger)
    t.approveMilestone(gid, 0, sender=world.governance)  # governance approves too
    assert stablecoin.balanceOf(world.grantee) == 100 * USD


def test_approve_audit_revoked_after_submission(world):
    t, gid, r = world.treasury, world.grant_id, world.registry
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    r.setAudited(1, False, sender=world.stranger)
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=1):
        t.approveMilestone(gid, 0, sender=world.steward)


def test_approve_reverts(world, accounts):
    t, gid = world.treasury, world.grant_id
    with ape.reverts(t.GrantTreasuryMilestoneNotSubmitted, status=PENDING):
        t.approveMilestone(gid, 0, sender=world.steward)
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, account=world.stranger.address):
        t.approveMilestone(gid, 0, sender=world.stranger)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, account=world.grantee.address):
        t.approveMilestone(gid, 0, sender=world.grantee)
    # a grantee that is also a steward (not this grant's creator) cannot approve either
    t.grantRole(t.STEWARD_ROLE(), world.grantee, sender=world.governance)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer, grantId=gid, account=world.grantee.address):
        t.approveMilestone(gid, 0, sender=world.grantee)
    with ape.reverts(t.GrantTreasuryUnknownGrant, grantId=9):
        t.approveMilestone(9, 0, sender=world.steward)
    with ape.reverts(t.GrantTreasuryUnknownMilestone, grantId=gid, index=5):
        t.approveMilestone(gid, 5, sender=world.steward)


def test_approve_after_deadline_of_a_timely_submission(world, chain):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    chain.pending_timestamp = world.deadline + 10 * DAY
    t.approveMilestone(gid, 0, sender=world.steward)
    assert t.getMilestone(gid, 0).status == RELEASED


# ------------------------------------------------------------------------------- reject
def test_reject_then_resubmit(world):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 2, sender=world.grantee)
    receipt = t.rejectMilestone(gid, 0, REASON, sender=world.steward)
    assert t.MilestoneRejected(grantId=gid, index=0, versionId=2, reviewer=world.steward.address,
                               reasonCid=REASON) in receipt.events
    m = t.getMilestone(gid, 0)
    assert (m.status, m.versionId) == (PENDING, 0)
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    t.approveMilestone(gid, 0, sender=world.steward)
    assert t.getMilestone(gid, 0).status == RELEASED


def test_reject_reverts(world):
    t, gid = world.treasury, world.grant_id
    with ape.reverts(t.GrantTreasuryMilestoneNotSubmitted, status=PENDING):
        t.rejectMilestone(gid, 0, REASON, sender=world.steward)
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    with ape.reverts(t.GrantTreasuryMilestoneCidEmpty, index=0):
        t.rejectMilestone(gid, 0, b"", sender=world.steward)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer):
        t.rejectMilestone(gid, 0, REASON, sender=world.grantee)
    with ape.reverts(t.GrantTreasuryUnauthorizedReviewer):
        t.rejectMilestone(gid, 0, REASON, sender=world.stranger)
    t.rejectMilestone(gid, 0, REASON, sender=world.governance)


# ------------------------------------------------------------------------------- reclaim
def test_reclaim_after_deadline(world, stablecoin, chain):
    t, gid = world.treasury, world.grant_id
    with ape.reverts(t.GrantTreasuryDeadlineNotPassed, grantId=gid, index=0, deadline=world.deadline):
        t.reclaimMilestone(gid, 0, sender=world.stranger)
    chain.pending_timestamp = world.deadline + 1
    free = t.freeBalance(stablecoin)
    receipt = t.reclaimMilestone(gid, 0, sender=world.stranger)
    assert t.MilestoneReclaimed(grantId=gid, index=0, by=world.stranger.address, amount=100 * USD) in receipt.events
    assert t.freeBalance(stablecoin) == free + 100 * USD
    assert t.getMilestone(gid, 0).status == RECLAIMED
    assert t.getGrant(gid).returned == 100 * USD
    with ape.reverts(t.GrantTreasuryMilestoneNotPending, status=RECLAIMED):
        t.reclaimMilestone(gid, 0, sender=world.stranger)


def test_reclaim_of_submitted_milestone_needs_review_first(world, chain):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 2, sender=world.grantee)
    chain.pending_timestamp = world.deadline + 1
    with ape.reverts(t.GrantTreasuryMilestoneNotPending, status=SUBMITTED):
        t.reclaimMilestone(gid, 0, sender=world.stranger)
    receipt = t.rejectMilestone(gid, 0, REASON, sender=world.steward)
    # a late rejection leaves the grantee RESUBMISSION_WINDOW to resubmit before a reclaim
    resubmit_until = chain.blocks[receipt.block_number].timestamp + t.RESUBMISSION_WINDOW()
    assert t.MilestoneDeadlineExtended(grantId=gid, index=0, deadline=resubmit_until) in receipt.events
    with ape.reverts(t.GrantTreasuryDeadlineNotPassed, deadline=resubmit_until):
        t.reclaimMilestone(gid, 0, sender=world.stranger)
    chain.pending_timestamp = resubmit_until + 1
    t.reclaimMilestone(gid, 0, sender=world.stranger)


# ------------------------------------------------------------------------------- cancel
def test_cancel_by_creator_steward_returns_unreleased(world, stablecoin):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    t.approveMilestone(gid, 0, sender=world.governance)
    free = t.freeBalance(stablecoin)
    receipt = t.cancelGrant(gid, sender=world.steward)
    assert t.GrantCancelled(grantId=gid, by=world.steward.address, returned=200 * USD) in receipt.events
    assert t.freeBalance(stablecoin) == free + 200 * USD
    assert t.committed(stablecoin) == 0
    statuses = [m.status for m in t.getMilestones(gid)]
    assert statuses == [RELEASED, CANCELLED]
    info = t.getGrant(gid)
    assert (info.cancelled, info.released, info.returned) == (True, 100 * USD, 200 * USD)
    with ape.reverts(t.GrantTreasuryGrantNotActive, grantId=gid):
        t.cancelGrant(gid, sender=world.governance)
    with ape.reverts(t.GrantTreasuryGrantNotActive, grantId=gid):
        t.submitMilestone(gid, 1, 1, sender=world.grantee)
    # the allowance spent on a cancelled grant is not refunded
    assert t.stewardAllowance(world.steward, stablecoin)[1] == 300 * USD


def test_cancel_submitted_milestone_by_governance(world, stablecoin):
    t, gid = world.treasury, world.grant_id
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    receipt = t.cancelGrant(gid, sender=world.governance)
    assert t.GrantCancelled(grantId=gid, by=world.governance.address, returned=300 * USD) in receipt.events
    with ape.reverts(t.GrantTreasuryGrantNotActive):
        t.approveMilestone(gid, 0, sender=world.steward)


def test_cancel_reverts(world, accounts, stablecoin, chain):
    t, gid = world.treasury, world.grant_id
    other = accounts[6]
    make_steward(t, world.governance, other, stablecoin)
    for who in (other, world.grantee, world.stranger):
        with ape.reverts(t.GrantTreasuryUnauthorizedCanceller, grantId=gid, account=who.address):
            t.cancelGrant(gid, sender=who)
    # a steward whose role was revoked can no longer cancel its grants
    t.revokeRole(t.STEWARD_ROLE(), world.steward, sender=world.governance)
    with ape.reverts(t.GrantTreasuryUnauthorizedCanceller):
        t.cancelGrant(gid, sender=world.steward)
    with ape.reverts(t.GrantTreasuryUnknownGrant, grantId=77):
        t.cancelGrant(77, sender=world.governance)


# ------------------------------------------------------------------------------- odd tokens
def test_fee_on_transfer_token(world, project, deployer, chain, governance):
    """Holdings are measured, not counted: a 1 % fee token is credited with what arrived."""
    t = world.treasury
    fee = deployer.deploy(project.FeeOnTransferToken, 100)
    fee.mint(deployer, 1000, sender=deployer)
    fee.approve(t, 1000, sender=deployer)
    allow_token(t, fee)
    receipt = t.deposit(fee, 1000, sender=deployer)
    assert t.Deposited(token=fee.address, amount=1000, received=990) in receipt.events
    assert t.freeBalance(fee) == 990
    d = chain.pending_timestamp + DAY
    with ape.reverts(t.GrantTreasuryInsufficientFreeBalance, free=990, needed=1000):
        t.createGrant(world.grantee, fee, [milestone(1000, d)], sender=governance)
    t.createGrant(world.grantee, fee, [milestone(500, d, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    t.approveMilestone(gid, 0, sender=governance)
    assert fee.balanceOf(t) == 490 and t.committed(fee) == 0
    assert fee.balanceOf(world.grantee) == 495  # the token's fee is the grantee's loss


def test_token_that_takes_more_than_sent_is_refused(world, project, deployer, chain, governance):
    t = world.treasury
    fee = deployer.deploy(project.FeeOnTransferToken, 100)
    fee.mint(t, 1000, sender=deployer)  # a plain transfer in counts as holdings too
    allow_token(t, fee)
    t.createGrant(world.grantee, fee, [milestone(500, chain.pending_timestamp + DAY, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    fee.setFeeOnTop(True, sender=deployer)
    with ape.reverts(t.GrantTreasuryTransferMismatch, token=fee.address, expected=500, actual=505):
        t.approveMilestone(gid, 0, sender=governance)


def test_reentrant_token_cannot_release_twice(world, project, deployer, chain, governance):
    """The token calls approveMilestone for a second milestone from inside the payout of the first:
    nonReentrant refuses it (the second one is otherwise releasable)."""
    t = world.treasury
    evil = deployer.deploy(project.ReentrantToken)
    evil.mint(t, 1000, sender=deployer)
    allow_token(t, evil)
    t.grantRole(b"\x00" * 32, evil, sender=governance)  # worst case: the token is governance
    d = chain.pending_timestamp + DAY
    t.createGrant(world.grantee, evil, [milestone(300, d, MODEL), milestone(400, d, MODEL)], sender=governance)
    gid = t.grantCount()
    t.submitMilestone(gid, 0, 1, sender=world.grantee)
    t.submitMilestone(gid, 1, 1, sender=world.grantee)
    evil.arm(t, t, t.approveMilestone.encode_input(gid, 1), sender=deployer)
    t.approveMilestone(gid, 0, sender=governance)
    assert evil.hookCalled() and not evil.hookSucceeded()
    selector = bytes(evil.hookReturnData())[:4]
    from eth_utils import keccak
    assert selector == keccak(text="ReentrancyGuardReentrantCall()")[:4]
    assert [m.status for m in t.getMilestones(gid)] == [RELEASED, SUBMITTED]
    assert evil.balanceOf(world.grantee) == 300
    assert t.committed(evil) == 400 and evil.balanceOf(t) == 700
    # and the second one can be released normally afterwards
    t.approveMilestone(gid, 1, sender=governance)
    assert evil.balanceOf(world.grantee) == 700


def test_gas_report(world, chain, stablecoin, governance):
    """Not an assertion of exact numbers: keeps the create/approve gas visible in -s output."""
    t = world.treasury
    d = chain.pending_timestamp + DAY
    r1 = t.createGrant(world.grantee, stablecoin, [milestone(1, d, MODEL)], sender=world.steward)
    r3 = t.createGrant(world.grantee, stablecoin, [milestone(1, d, MODEL)] * 3, sender=world.steward)
    t.submitMilestone(world.grant_id, 0, 1, sender=world.grantee)
    r2 = t.approveMilestone(world.grant_id, 0, sender=world.steward)
    print(f"\nGAS createGrant(1 milestone, steward)={r1.gas_used} createGrant(3)={r3.gas_used} "
          f"approveMilestone={r2.gas_used}")
    assert r1.gas_used < 300_000 and r2.gas_used < 120_000
