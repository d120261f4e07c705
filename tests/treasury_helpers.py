"""Shared helpers for the GrantTreasury tests (not fixtures: plain functions and constants)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NO_MODEL = 2**256 - 1
PENDING, SUBMITTED, RELEASED, RECLAIMED, CANCELLED = range(5)
DAY = 86_400
USD = 10**6  # MockStablecoin has 6 decimals
CID = b"\x01\x55\x12\x20" + bytes(range(32))  # a raw-leaves CIDv1 (bytes); content is irrelevant
REASON = b"\x01\x55\x12\x20" + bytes(32)
STEWARD_ALLOWANCE = 1_000 * USD
PERIOD = 7 * DAY
MODEL = 7  # the model id the milestones of the default grant ask for


def milestone(amount: int, deadline: int, model: int = NO_MODEL, cid: bytes = CID) -> tuple:
    """A ``MilestoneSpec`` as the contract takes it: (amount, descriptionCid, deadline, modelId)."""
    return (amount, cid, deadline, model)


def allow_token(treasury, coin) -> None:
    """Put ``coin`` on the treasury's allowlist as its admin (the timelock, impersonated)."""
    from ape import accounts

    if treasury.isTokenAllowed(coin):
        return
    admin = accounts[treasury.getRoleMember(b"\x00" * 32, 0)]
    if admin.balance < 10**18:
        admin.balance += 10**20
    treasury.setTokenAllowed(coin, True, sender=admin)


def fund(treasury, coin, owner, amount: int) -> None:
    allow_token(treasury, coin)
    coin.mint(owner, amount, sender=owner)
    coin.approve(treasury, amount, sender=owner)
    treasury.deposit(coin, amount, sender=owner)


def make_steward(treasury, governance, who, coin, amount=STEWARD_ALLOWANCE, period=PERIOD, base=0):
    treasury.grantRole(treasury.STEWARD_ROLE(), who, sender=governance)
    treasury.setStewardAllowance(who, coin, amount, period, base, sender=governance)


@dataclass
class World:
    """A funded treasury with a steward, a grant by the steward (2 milestones, 100 + 200 mUSD,
    model MODEL) and registry versions: 1 = grantee's, audited; 2 = grantee's, not audited;
    3 = someone else's, audited; 4 = grantee's for another model, audited."""

    treasury: Any
    registry: Any
    coin: Any
    governance: Any
    steward: Any
    grantee: Any
    stranger: Any
    grant_id: int
    deadline: int


def build_world(chain, treasury, registry, coin, governance, steward, grantee, stranger, deployer):
    fund(treasury, coin, deployer, 10_000 * USD)
    make_steward(treasury, governance, steward, coin)
    registry.setVersion(1, MODEL, grantee, sender=deployer)
    registry.setAudited(1, True, sender=deployer)
    registry.setVersion(2, MODEL, grantee, sender=deployer)
    registry.setVersion(3, MODEL, stranger, sender=deployer)
    registry.setAudited(3, True, sender=deployer)
    registry.setVersion(4, MODEL + 1, grantee, sender=deployer)
    registry.setAudited(4, True, sender=deployer)
    deadline = chain.pending_timestamp + 30 * DAY
    treasury.createGrant(
        grantee,
        coin,
        [milestone(100 * USD, deadline, MODEL), milestone(200 * USD, deadline + DAY, MODEL)],
        sender=steward,
    )
    grant_id = treasury.grantCount()
    return World(treasury, registry, coin, governance, steward, grantee, stranger, grant_id, deadline)
