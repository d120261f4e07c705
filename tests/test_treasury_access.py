"""GrantTreasury access-control matrix: every state-changing function × every kind of caller."""

from __future__ import annotations

import ape
import pytest

from treasury_helpers import DAY, REASON, USD, build_world, milestone

ACTORS = ("governance", "steward", "grantee", "stranger")

# function -> (actors allowed, error name for the others)
MATRIX = {
    "deposit": (set(ACTORS), None),
    "withdraw": ({"governance"}, "AccessControlUnauthorizedAccount"),
    "setStewardAllowance": ({"governance"}, "AccessControlUnauthorizedAccount"),
    "grantRole": ({"governance"}, "AccessControlUnauthorizedAccount"),
    "revokeRole": ({"governance"}, "AccessControlUnauthorizedAccount"),
    "createGrant": ({"governance", "steward"}, "AccessControlUnauthorizedAccount"),
    "submitMilestone": ({"grantee"}, "GrantTreasuryNotGrantee"),
    "setTokenAllowed": ({"governance"}, "AccessControlUnauthorizedAccount"),
    # the steward is the grant's creator: only it and governance review (issue 14, item 7)
    "approveMilestone": ({"governance", "steward"}, "GrantTreasuryUnauthorizedReviewer"),
    "rejectMilestone": ({"governance", "steward"}, "GrantTreasuryUnauthorizedReviewer"),
    "reclaimMilestone": (set(ACTORS), None),
    "cancelGrant": ({"governance", "steward"}, "GrantTreasuryUnauthorizedCanceller"),
}


@pytest.fixture(scope="module")
def world(chain, grant_treasury, mock_registry, stablecoin, governance, steward, grantee, stranger, deployer):
    return build_world(
        chain, grant_treasury, mock_registry, stablecoin, governance, steward, grantee, stranger, deployer
    )


def test_fixtures_ready(world, suite, deployer, governance, grant_treasury, mock_registry, stablecoin,
                        steward, grantee, stranger, accounts, timelock):
    assert world.grant_id == 1


def _attempt(name, world, actor, chain, accounts):
    """Prepare the state ``name`` needs, then call it as ``actor``."""
    t, coin, gid = world.treasury, world.coin, world.grant_id
    if name == "deposit":
        coin.mint(actor, 5, sender=actor)
        coin.approve(t, 5, sender=actor)
        return t.deposit(coin, 5, sender=actor)
    if name == "withdraw":
        return t.withdraw(coin, accounts[8], 1, sender=actor)
    if name == "setStewardAllowance":
        return t.setStewardAllowance(accounts[8], coin, 1, DAY, 0, sender=actor)
    if name == "setTokenAllowed":
        return t.setTokenAllowed(accounts[8], True, sender=actor)
    if name == "grantRole":
        return t.grantRole(t.STEWARD_ROLE(), accounts[8], sender=actor)
    if name == "revokeRole":
        return t.revokeRole(t.STEWARD_ROLE(), world.steward, sender=actor)
    if name == "createGrant":
        return t.createGrant(world.grantee, coin, [milestone(USD, chain.pending_timestamp + DAY)], sender=actor)
    if name == "submitMilestone":
        return t.submitMilestone(gid, 0, 1, sender=actor)
    if name in ("approveMilestone", "rejectMilestone"):
        t.submitMilestone(gid, 0, 1, sender=world.grantee)
        if name == "approveMilestone":
            return t.approveMilestone(gid, 0, sender=actor)
        return t.rejectMilestone(gid, 0, REASON, sender=actor)
    if name == "reclaimMilestone":
        chain.pending_timestamp = world.deadline + 1
        return t.reclaimMilestone(gid, 0, sender=actor)
    if name == "cancelGrant":
        return t.cancelGrant(gid, sender=actor)
    raise AssertionError(name)


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("name", list(MATRIX))
def test_access_matrix(world, chain, accounts, name, actor_name):
    actor = getattr(world, actor_name)
    allowed, error = MATRIX[name]
    if actor_name in allowed:
        receipt = _attempt(name, world, actor, chain, accounts)
        assert not receipt.failed
    else:
        with ape.reverts(getattr(world.treasury, error)):
            _attempt(name, world, actor, chain, accounts)


def test_matrix_covers_every_state_changing_function(world):
    abi_names = {
        abi.name
        for abi in world.treasury.contract_type.abi
        if abi.type == "function" and abi.stateMutability not in ("view", "pure")
    }
    assert abi_names - set(MATRIX) == {"renounceRole"}  # renounceRole: only for oneself (OZ)
