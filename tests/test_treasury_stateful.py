"""GrantTreasury: a hypothesis state machine over deposits, grants, submissions, reviews,
cancellations, reclaims, audit changes and time jumps, checked against a Python model.

Invariants include (issue 14): only governance or the grant's creating steward reviews (the
model predicts every refusal), and a rejection always leaves the grantee RESUBMISSION_WINDOW to
resubmit (the on-chain deadline equals the model's, which moves to ``rejection + window``).

Every transaction gets an explicit block time (``chain.pending_timestamp``), so the model
knows the exact time the contract sees; each example runs in its own chain snapshot.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3.exceptions import ContractLogicError as Web3ContractLogicError

from treasury_helpers import DAY, MODEL, milestone

ALLOWANCE = 500
WINDOW = 7 * DAY  # GrantTreasury.RESUBMISSION_WINDOW
PERIOD = 3 * DAY
# version id -> submitted by the grantee?  (all for MODEL, except 4)
VERSIONS = {1: True, 2: True, 3: False, 4: True}


@pytest.fixture(scope="module")
def machine_world(chain, project, deployer, governance, steward, grantee, stranger, timelock):
    registry = deployer.deploy(project.MockModelRegistry)
    treasury = deployer.deploy(project.GrantTreasury, timelock.address, registry.address)
    coin = deployer.deploy(project.MockStablecoin)
    for version, own in VERSIONS.items():
        registry.setVersion(version, MODEL if version != 4 else MODEL + 1, grantee if own else stranger,
                            sender=deployer)
    registry.setAudited(1, True, sender=deployer)
    registry.setAudited(3, True, sender=deployer)
    registry.setAudited(4, True, sender=deployer)
    treasury.setTokenAllowed(coin, True, sender=governance)
    treasury.grantRole(treasury.STEWARD_ROLE(), steward, sender=governance)
    receipt = treasury.setStewardAllowance(steward, coin, ALLOWANCE, PERIOD, 0, sender=governance)
    coin.mint(deployer, 10**12, sender=deployer)
    coin.approve(treasury, 10**12, sender=deployer)
    return {"registry": registry, "treasury": treasury, "coin": coin, "first_reset": receipt.timestamp}


def test_fixtures_ready(machine_world, suite, chain, project, deployer, governance, steward, grantee, stranger,
                        timelock, accounts):
    assert machine_world["treasury"].stewardAllowance(steward, machine_world["coin"])[0] == ALLOWANCE


def test_treasury_state_machine(machine_world, chain, deployer, governance, steward, grantee, stranger):
    registry, treasury, coin = machine_world["registry"], machine_world["treasury"], machine_world["coin"]
    first_reset = machine_world["first_reset"]
    actors = {"governance": governance, "steward": steward}
    w3 = chain.provider.web3
    # raw web3 views in the invariants (Ape's call path costs ~30 ms per call)
    abi = [item.model_dump(mode="json", by_alias=True) for item in treasury.contract_type.abi]
    raw = w3.eth.contract(address=treasury.address, abi=abi).functions
    coin_raw = w3.eth.contract(address=coin.address, abi=[
        item.model_dump(mode="json", by_alias=True) for item in coin.contract_type.abi]).functions

    class TreasuryMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp
            self.deposits = 0
            self.released = 0
            self.committed = 0
            self.grants: list[dict] = []  # index = grant id - 1
            self.audited = {1: True, 2: False, 3: True, 4: True}
            self.last_reset, self.spent = first_reset, 0
            self.period_spend: dict[int, int] = {}
            self.touched: set[int] = set()  # grants changed in this step (checked, then cleared)

        def teardown(self):
            chain.restore(self.snapshot)

        # -- helpers ------------------------------------------------------------------------
        def send(self, expected: bool, fn, *args, sender):
            """Send ``fn(*args)`` at the next second if the model expects success, else check
            (eth_call at that second) that it reverts and send nothing. Raw web3 for speed."""
            self.now += 1
            w3.provider.make_request("evm_setNextBlockTimestamp", [self.now])
            tx = {"from": sender.address, "to": fn.contract.address, "data": bytes(fn.encode_input(*args)).hex()}
            tx["data"] = "0x" + tx["data"].removeprefix("0x")
            if not expected:
                try:
                    w3.eth.call(tx, "pending")
                except (Web3ContractLogicError, ValueError):
                    return None
                raise AssertionError(f"{fn.abis[0].name}{args} would succeed; the model expected a revert")
            tx_hash = w3.eth.send_transaction({**tx, "gas": 3_000_000})
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.002)
            assert receipt.status == 1, f"{fn.abis[0].name}{args} reverted unexpectedly"
            assert w3.eth.get_block(receipt.blockNumber).timestamp == self.now
            return receipt

        def pick(self, data, status):
            """A (grant id, index): mostly one whose milestone has ``status`` (to make progress),
            sometimes any (to exercise the refusals)."""
            pairs = [(gid, i) for gid, g in enumerate(self.grants, start=1) for i in range(len(g["milestones"]))]
            wanted = [(gid, i) for gid, i in pairs if self.grants[gid - 1]["milestones"][i]["status"] == status]
            pool = wanted if wanted and data.draw(st.integers(0, 3), label="targeted") else pairs
            gid, index = data.draw(st.sampled_from(pool), label="milestone")
            return gid, index, self.grants[gid - 1], self.grants[gid - 1]["milestones"][index]

        @initialize(amount=st.integers(500, 3_000), first=st.integers(1, 250), second=st.integers(1, 250))
        def start(self, amount, first, second):
            """Start with funds, one governance grant and its first milestone submitted (version 1),
            so that every rule can act at once."""
            self.deposit(amount)
            self.create("governance", [(first, 2), (second, 4)])
            self.send(True, treasury.submitMilestone, 1, 0, 1, sender=grantee)
            self.grants[0]["milestones"][0].update(status="submitted", version=1)

        # -- rules --------------------------------------------------------------------------
        @rule(amount=st.integers(1, 2_000))
        def deposit(self, amount):
            self.send(True, treasury.deposit, coin, amount, sender=deployer)
            self.deposits += amount

        @rule(
            by=st.sampled_from(["governance", "steward"]),
            parts=st.lists(st.tuples(st.integers(1, 400), st.integers(1, 6)), min_size=1, max_size=3),
        )
        def create(self, by, parts):
            now = self.now + 1
            total = sum(a for a, _ in parts)
            ok = total <= self.deposits - self.released - self.committed
            if by == "steward":
                last_reset, spent = self.last_reset, self.spent
                if now >= last_reset + PERIOD:
                    last_reset, spent = now - (now - last_reset) % PERIOD, 0
                ok = ok and spent + total <= ALLOWANCE
            ms = [milestone(a, now + days * DAY, MODEL) for a, days in parts]
            receipt = self.send(ok, treasury.createGrant, grantee, coin, ms, sender=actors[by])
            if receipt is None:
                return
            if by == "steward":
                self.last_reset, self.spent = last_reset, spent + total
                k = (now - first_reset) // PERIOD
                self.period_spend[k] = self.period_spend.get(k, 0) + total
            self.committed += total
            self.grants.append({
                "creator": by, "cancelled": False, "total": total, "released": 0,
                "milestones": [{"amount": a, "deadline": now + d * DAY, "status": "pending", "version": 0}
                               for a, d in parts],
            })
            self.touched.add(len(self.grants))
            assert raw.grantCount().call() == len(self.grants)

        @precondition(lambda self: self.grants)
        @rule(data=st.data(), version=st.sampled_from([1, 1, 2, 2, 3, 4]))
        def submit(self, data, version):
            gid, index, g, m = self.pick(data, "pending")
            self.touched.add(gid)
            ok = (not g["cancelled"] and m["status"] == "pending" and self.now + 1 <= m["deadline"]
                  and VERSIONS[version] and version != 4)
            if self.send(ok, treasury.submitMilestone, gid, index, version, sender=grantee):
                m["status"], m["version"] = "submitted", version

        @precondition(lambda self: self.grants)
        @rule(data=st.data(), by=st.sampled_from(["governance", "steward"]),
              approve=st.sampled_from([True, True, False]))
        def review(self, data, by, approve):
            gid, index, g, m = self.pick(data, "submitted")
            self.touched.add(gid)
            ok = (not g["cancelled"] and m["status"] == "submitted"
                  and (by == "governance" or g["creator"] == "steward"))  # the grant's reviewers only
            if approve:
                ok = ok and self.audited[m["version"]]
                if self.send(ok, treasury.approveMilestone, gid, index, sender=actors[by]):
                    # no release without an audited version from the grantee
                    assert self.audited[m["version"]] and VERSIONS[m["version"]]
                    m["status"] = "released"
                    g["released"] += m["amount"]
                    self.released += m["amount"]
                    self.committed -= m["amount"]
            elif self.send(ok, treasury.rejectMilestone, gid, index, b"\x01reason", sender=actors[by]):
                m["status"], m["version"] = "pending", 0
                m["deadline"] = max(m["deadline"], self.now + WINDOW)  # time left to resubmit

        @precondition(lambda self: self.grants)
        @rule(data=st.data())
        def reclaim(self, data):
            gid, index, g, m = self.pick(data, "pending")
            self.touched.add(gid)
            ok = not g["cancelled"] and m["status"] == "pending" and self.now + 1 > m["deadline"]
            if self.send(ok, treasury.reclaimMilestone, gid, index, sender=stranger):
                m["status"] = "reclaimed"
                self.committed -= m["amount"]

        @precondition(lambda self: self.grants)
        @rule(data=st.data(), by=st.sampled_from(["governance", "steward"]))
        def cancel(self, data, by):
            gid = data.draw(st.integers(1, len(self.grants)))
            g = self.grants[gid - 1]
            self.touched.add(gid)
            ok = not g["cancelled"] and (by == "governance" or g["creator"] == "steward")
            if self.send(ok, treasury.cancelGrant, gid, sender=actors[by]):
                g["cancelled"] = True
                for m in g["milestones"]:
                    if m["status"] in ("pending", "submitted"):
                        m["status"] = "cancelled"
                        self.committed -= m["amount"]

        @rule(version=st.sampled_from([1, 2]), audited=st.booleans())
        def set_audit(self, version, audited):
            self.send(True, registry.setAudited, version, audited, sender=deployer)
            self.audited[version] = audited

        @rule(hours=st.integers(1, 24 * 5))
        def jump(self, hours):
            self.now += hours * 3600

        # -- invariants -----------------------------------------------------------------------
        @invariant()
        def holdings_cover_commitments(self):
            committed = raw.committed(coin.address).call()
            assert committed == self.committed
            assert coin_raw.balanceOf(treasury.address).call() == self.deposits - self.released
            assert committed + self.released <= self.deposits

        @invariant()
        def grants_release_at_most_their_total(self):
            for gid in self.touched:
                g = self.grants[gid - 1]
                _, _, _, _, total, released, returned, _ = raw.getGrant(gid).call()
                assert released == g["released"] <= total == g["total"]
                assert released + returned <= total
                for i, m in enumerate(g["milestones"]):
                    assert raw.getMilestone(gid, i).call()[1] == m["deadline"]
            self.touched.clear()

        @invariant()
        def steward_within_allowance_each_period(self):
            assert all(spent <= ALLOWANCE for spent in self.period_spend.values())
            assert raw.stewardAllowance(steward.address, coin.address).call()[1] <= ALLOWANCE

    run_state_machine_as_test(
        TreasuryMachine,
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
