"""WeightsBoundVerifierFactory + clones under random sequences of create / verify / shared-verifier
changes by random senders, checked against a small Python model.

Invariants:
- one clone per (verifier, commitment), at ``predict(verifier, commitment)``, whoever created it;
  a second creation reverts and changes nothing;
- a clone's arguments read back exactly as created (verifier, commitment length and hash) and its
  code is the ERC-1167 clone of the implementation with those arguments;
- a clone accepts a proof iff the proof opens with its commitment AND its shared verifier accepts;
  a proof opening with any other bytes reverts with the commitment mismatch;
- the implementation refuses every call.
"""

from __future__ import annotations

import ape
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from modelgov.chain.zk_verifier import clone_args, expected_clone_code

COMMITS = [bytes([i + 1]) * 64 * n for i, n in enumerate((1, 2, 2, 3))]
BODY = b"\x05" * 96
INSTANCES = [4, 5]


def test_bound_verifier_state_machine(chain, project, deployer, accounts):
    factory = deployer.deploy(project.WeightsBoundVerifierFactory)
    verifiers = [deployer.deploy(project.MockZkVerifier, True), deployer.deploy(project.MockZkVerifier, False)]
    impl = project.WeightsBoundVerifier.at(factory.implementation())
    senders = [deployer, accounts[6], accounts[7]]

    class BoundMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.snapshot = chain.snapshot()
            self.clones: dict[tuple[int, int], str] = {}
            self.accepts = [True, False]

        def teardown(self):
            chain.restore(self.snapshot)

        @rule(v=st.integers(0, 1), c=st.integers(0, len(COMMITS) - 1), who=st.integers(0, 2))
        def create(self, v, c, who):
            predicted = factory.predict(verifiers[v].address, COMMITS[c])
            if (v, c) in self.clones:
                with ape.reverts(factory.WeightsBoundVerifierFactoryAlreadyCreated, clone=predicted):
                    factory.create(verifiers[v].address, COMMITS[c], sender=senders[who])
                return
            receipt = factory.create(verifiers[v].address, COMMITS[c], sender=senders[who])
            events = [e for e in receipt.events if e.event_name == "WeightsBoundVerifierCreated"]
            assert len(events) == 1 and events[0].event_arguments["clone"] == predicted
            self.clones[(v, c)] = predicted

        @rule(v=st.integers(0, 1), accept=st.booleans())
        def set_shared_answer(self, v, accept):
            verifiers[v].setAcceptAll(accept, sender=deployer)
            self.accepts[v] = accept

        @rule(data=st.data(), p=st.integers(0, len(COMMITS) - 1), truncate=st.booleans())
        def verify(self, data, p, truncate):
            if not self.clones:
                return
            (v, c), address = data.draw(st.sampled_from(sorted(self.clones.items())))
            clone = project.WeightsBoundVerifier.at(address)
            proof = (COMMITS[p] + BODY)[: len(COMMITS[p]) - 1] if truncate else COMMITS[p] + BODY
            if proof[: len(COMMITS[c])] == COMMITS[c] and len(proof) >= len(COMMITS[c]):
                assert clone.verifyProof(proof, INSTANCES) is self.accepts[v]
            else:
                with ape.reverts(clone.WeightsBoundVerifierCommitmentMismatch, expected=keccak(COMMITS[c])):
                    clone.verifyProof(proof, INSTANCES)

        @invariant()
        def clones_are_what_was_created(self):
            for (v, c), address in self.clones.items():
                assert factory.predict(verifiers[v].address, COMMITS[c]) == address
                code = bytes(chain.provider.get_code(address))
                assert code == expected_clone_code(impl.address, verifiers[v].address, COMMITS[c])
                args = clone_args(code)
                assert (args.verifier, args.commitment_length, args.commitment_hash) == (
                    verifiers[v].address, len(COMMITS[c]), keccak(COMMITS[c]))
                assert project.WeightsBoundVerifier.at(address).verifier() == verifiers[v].address

        @invariant()
        def implementation_refuses(self):
            with ape.reverts(impl.WeightsBoundVerifierNotAClone):
                impl.verifyProof(COMMITS[0] + BODY, INSTANCES)

    run_state_machine_as_test(
        BoundMachine,
        settings=settings(max_examples=6, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
