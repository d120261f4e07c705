"""InferenceOracle under random sequences of request / propose / challenge / prove / finalize /
expire / refund / suspend / reinstate / withdraw / time (past the request timeout too), checked
against a small Python model (mock verifier that accepts exactly the true output of each input).

Invariants:
- bonds and fees are conserved: every wei sent in is held for a pending request, credited to
  someone, or withdrawn; never created or lost (the contract's balance equals held + credited,
  held — read from the request records — equals the model's pending fees and bonds, and every
  credit equals the model's);
- a request ends exactly once — final (one RequestFinalized) or refunded (one RequestRefunded),
  never both — and never changes afterwards;
- a final answer equals the proven output whenever a proof was given.
"""

from __future__ import annotations

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from oracle_helpers import (
    CHALLENGE_WINDOW,
    CHALLENGED,
    CHALLENGER_BOND,
    FEE,
    FINAL,
    OPEN,
    PROPOSED,
    PROPOSER_BOND,
    REFUNDED,
    REQUEST_TIMEOUT,
    RESPONSE_WINDOW,
    TREASURY_BPS,
    StatefulOracle,
    active_model,
    config,
    held,
    instances,
    pk,
)

INPUTS = [[1, 2], [3, 4], [5, 6]]
TRUTH = {0: [7, 1], 1: [2, 9], 2: [4, 4]}
WRONG = {0: [1, 7], 1: [9, 2], 2: [4, 5]}
PROOF = b"\x03" * 32


def test_oracle_state_machine(chain, project, registry, governance, accounts, deployer, timelock):
    auditors = accounts[4], accounts[5]
    actors = [accounts[6], accounts[7], accounts[8]]
    treasury = accounts[3]
    verifier = deployer.deploy(project.MockZkVerifier, False)
    for i, inp in enumerate(INPUTS):
        verifier.setValid(instances(inp, TRUTH[i]), True, sender=deployer)
    model = active_model(registry, governance, auditors, deployer, verifier.address)
    oracle = StatefulOracle(deployer.deploy(project.InferenceOracle, timelock.address, registry.address,
                                            config(treasury.address)))
    everyone = [*actors, treasury]
    guardian = accounts[2]
    registry.grantRole(registry.GUARDIAN_ROLE(), guardian, sender=governance)
    PENDING = (OPEN, PROPOSED, CHALLENGED)

    class OracleMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.now = chain.blocks.head.timestamp + 10
            self.reqs: list[dict] = []
            self.credits = {a.address: 0 for a in everyone}
            self.sent_in = 0
            self.withdrawn = 0
            self.finalized_events: dict[int, int] = {}
            self.refunded_events: dict[int, int] = {}
            self.suspended = False

        def teardown(self):
            chain.restore(self.snapshot)

        def tick(self):
            self.now += 1
            chain.pending_timestamp = self.now

        def credit(self, who: str, amount: int):
            self.credits[who] += amount

        def award(self, winner: str, own: int, losing: int):
            cut = losing * TREASURY_BPS // 10_000
            self.credit(winner, own + losing - cut)
            self.credit(treasury.address, cut)

        def count_final(self, receipt):
            for log in receipt.events:
                if log.event_name in ("RequestFinalized", "RequestRefunded"):
                    rid = log.event_arguments["requestId"]
                    seen = self.finalized_events if log.event_name == "RequestFinalized" else self.refunded_events
                    seen[rid] = seen.get(rid, 0) + 1

        def pick(self, data, *wanted):
            """A request index, preferring those in a ``wanted`` status (any when none is)."""
            if not self.reqs:
                return None
            matching = [i for i, r in enumerate(self.reqs) if r["status"] in wanted]
            return data.draw(st.sampled_from(matching or list(range(len(self.reqs)))))

        # --- rules ------------------------------------------------------------------------
        @rule(which=st.integers(0, 2), who=st.integers(0, 2))
        def request(self, which, who):
            self.tick()
            if self.suspended:  # the registry has no active version while it is suspended
                with ape.reverts(oracle.InferenceOracleNoActiveVersion):
                    oracle.request(model[0], pk(INPUTS[which]), sender=actors[who], value=FEE)
                return
            oracle.request(model[0], pk(INPUTS[which]), sender=actors[who], value=FEE)
            self.sent_in += FEE
            self.reqs.append({"input": which, "status": OPEN, "proposer": None, "challenger": None,
                              "output": None, "deadline": 0, "proven": None, "final_output": None,
                              "requester": actors[who].address, "expires": self.now + REQUEST_TIMEOUT})

        @rule(data=st.data(), who=st.integers(0, 2), right=st.booleans())
        def propose(self, data, who, right):
            i = self.pick(data, OPEN)
            if i is None:
                return
            r = self.reqs[i]
            output = TRUTH[r["input"]] if right else WRONG[r["input"]]
            self.tick()
            # a proposal only posts a bond: accepted while the version is suspended too
            if r["status"] != OPEN or self.now >= r["expires"]:
                with ape.reverts():
                    oracle.propose(i + 1, pk(output), sender=actors[who], value=PROPOSER_BOND)
                return
            oracle.propose(i + 1, pk(output), sender=actors[who], value=PROPOSER_BOND)
            self.sent_in += PROPOSER_BOND
            r.update(status=PROPOSED, proposer=actors[who].address, output=output,
                     deadline=self.now + CHALLENGE_WINDOW)

        @rule(data=st.data(), who=st.integers(0, 2))
        def challenge(self, data, who):
            i = self.pick(data, PROPOSED)
            if i is None:
                return
            r = self.reqs[i]
            self.tick()
            ok = (r["status"] == PROPOSED and self.now < r["deadline"]
                  and actors[who].address != r["proposer"])
            if not ok:
                with ape.reverts():
                    oracle.challenge(i + 1, sender=actors[who], value=CHALLENGER_BOND)
                return
            oracle.challenge(i + 1, sender=actors[who], value=CHALLENGER_BOND)
            self.sent_in += CHALLENGER_BOND
            r.update(status=CHALLENGED, challenger=actors[who].address, deadline=self.now + RESPONSE_WINDOW)

        @rule(data=st.data(), who=st.integers(0, 2), honest=st.booleans())
        def prove(self, data, who, honest):
            i = self.pick(data, OPEN, PROPOSED, CHALLENGED)
            if i is None:
                return
            r = self.reqs[i]
            truth = TRUTH[r["input"]]
            output = truth if honest else WRONG[r["input"]]
            self.tick()
            st_ = r["status"]
            ok = honest and not self.suspended and (
                (st_ == OPEN and self.now < r["expires"])
                or (st_ in (PROPOSED, CHALLENGED) and self.now < r["deadline"]))
            if not ok:
                with ape.reverts():
                    oracle.fulfillWithProof(i + 1, pk(INPUTS[r["input"]]), pk(output), PROOF, sender=actors[who])
                return
            receipt = oracle.fulfillWithProof(i + 1, pk(INPUTS[r["input"]]), pk(output), PROOF, sender=actors[who])
            self.count_final(receipt)
            prover = actors[who].address
            if st_ == PROPOSED:
                if r["output"] == truth:
                    self.credit(r["proposer"], PROPOSER_BOND)
                else:
                    self.award(prover, 0, PROPOSER_BOND)
            elif st_ == CHALLENGED:
                if r["output"] == truth:
                    self.award(r["proposer"], PROPOSER_BOND, CHALLENGER_BOND)
                else:
                    self.award(r["challenger"], CHALLENGER_BOND, PROPOSER_BOND)
            self.credit(prover, FEE)
            r.update(status=FINAL, proven=truth, final_output=truth)

        @rule(data=st.data())
        def finalize(self, data):
            i = self.pick(data, PROPOSED)
            if i is None:
                return
            r = self.reqs[i]
            self.tick()
            output = r["output"] or TRUTH[r["input"]]
            if not (r["status"] == PROPOSED and self.now >= r["deadline"]) or self.suspended:
                with ape.reverts():
                    oracle.finalize(i + 1, pk(output), sender=deployer)
                return
            receipt = oracle.finalize(i + 1, pk(output), sender=deployer)
            self.count_final(receipt)
            self.credit(r["proposer"], PROPOSER_BOND + FEE)
            r.update(status=FINAL, final_output=output)

        @rule(data=st.data())
        def expire(self, data):
            i = self.pick(data, CHALLENGED)
            if i is None:
                return
            r = self.reqs[i]
            self.tick()
            if not (r["status"] == CHALLENGED and self.now >= r["deadline"]) or self.suspended:
                with ape.reverts():
                    oracle.expireChallenge(i + 1, sender=deployer)
                return
            oracle.expireChallenge(i + 1, sender=deployer)
            self.award(r["challenger"], CHALLENGER_BOND, PROPOSER_BOND)
            r.update(status=OPEN, proposer=None, challenger=None, output=None, deadline=0)

        @rule(data=st.data(), who=st.integers(0, 2))
        def refund(self, data, who):
            i = self.pick(data, *PENDING)
            if i is None:
                return
            r = self.reqs[i]
            self.tick()
            ok = r["status"] in PENDING and (self.suspended or (r["status"] == OPEN and self.now >= r["expires"]))
            # the view runs at the head block's time (the last block mined), the refund at self.now
            head = chain.blocks.head.timestamp
            assert oracle.refundable(i + 1) == (
                r["status"] in PENDING and (self.suspended or (r["status"] == OPEN and head >= r["expires"])))
            if not ok:
                with ape.reverts():
                    oracle.refund(i + 1, sender=actors[who])
                return
            receipt = oracle.refund(i + 1, sender=actors[who])
            self.count_final(receipt)
            self.credit(r["requester"], FEE)
            if r["status"] in (PROPOSED, CHALLENGED):
                self.credit(r["proposer"], PROPOSER_BOND)
            if r["status"] == CHALLENGED:
                self.credit(r["challenger"], CHALLENGER_BOND)
            r.update(status=REFUNDED)

        @rule()
        def suspend_or_reinstate(self):
            self.tick()
            if self.suspended:  # reinstating never reactivates: governance activates it again
                registry.reinstateVersion(model[1], sender=governance)
                registry.activateVersion(model[0], model[1], 0, sender=governance)
            else:
                registry.suspendVersion(model[1], sender=guardian)
            self.suspended = not self.suspended

        @rule(who=st.integers(0, 3))
        def withdraw(self, who):
            account = everyone[who]
            self.tick()
            amount = self.credits[account.address]
            if amount == 0:
                with ape.reverts(oracle.InferenceOracleNothingToWithdraw):
                    oracle.withdraw(sender=account)
                return
            oracle.withdraw(sender=account)
            self.credits[account.address] = 0
            self.withdrawn += amount

        @rule(seconds=st.sampled_from([1, 60, RESPONSE_WINDOW, CHALLENGE_WINDOW, REQUEST_TIMEOUT]))
        def wait(self, seconds):
            self.now += seconds

        # --- invariants -------------------------------------------------------------------
        @invariant()
        def conserved(self):
            pending = 0
            for r in self.reqs:
                if r["status"] in PENDING:
                    pending += FEE
                    pending += PROPOSER_BOND if r["status"] in (PROPOSED, CHALLENGED) else 0
                    pending += CHALLENGER_BOND if r["status"] == CHALLENGED else 0
            assert held(oracle) == pending
            for a in everyone:
                assert oracle.creditOf(a) == self.credits[a.address]
            assert oracle.balance == pending + sum(self.credits.values())
            assert self.sent_in == oracle.balance + self.withdrawn

        @invariant()
        def final_exactly_once(self):
            for i, r in enumerate(self.reqs):
                record = oracle.getRequest(i + 1)
                assert record.status == r["status"]
                assert self.finalized_events.get(i + 1, 0) == (1 if r["status"] == FINAL else 0)
                assert self.refunded_events.get(i + 1, 0) == (1 if r["status"] == REFUNDED else 0)
                if r["status"] == FINAL:
                    assert oracle.isAnswer(i + 1, r["final_output"])
                    if r["proven"] is not None:
                        assert record.proven and r["final_output"] == r["proven"]

    run_state_machine_as_test(
        OracleMachine,
        settings=settings(max_examples=15, stateful_step_count=30, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
