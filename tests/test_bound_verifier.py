"""WeightsBoundVerifier + factory (contracts/WeightsBoundVerifier*.sol) with a mock shared
verifier: creation (event, determinism, validation), the commitment check before the shared
verifier, the implementation refusing direct calls, who may call what, and the per-version
set-up gas (clone + bindVerifier) against the 250k goal. Real EZKL proofs: tests/test_zk.py."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from bound_verifier_helpers import BODY, COMMIT_A, COMMIT_B, INSTANCES, created, deploy_clone, proof
from registry_helpers import version_input


@pytest.fixture(scope="module")
def shared(project, deployer):
    return deployer.deploy(project.MockZkVerifier, True)


@pytest.fixture(scope="module")
def factory(project, deployer):
    return deployer.deploy(project.WeightsBoundVerifierFactory)


@pytest.fixture(scope="module")
def clone_a(project, factory, shared, deployer):
    return deploy_clone(project, factory, shared, COMMIT_A, deployer)


def test_create_emits_event_and_lands_at_the_predicted_address(project, factory, shared, stranger):
    predicted = factory.predict(shared.address, COMMIT_B)
    assert not ape.chain.provider.get_code(predicted)
    receipt = factory.create(shared.address, COMMIT_B, sender=stranger)  # anyone may create
    args = created(receipt)
    assert args["clone"] == predicted and args["verifier"] == shared.address
    assert args["commitmentHash"] == keccak(COMMIT_B) and args["commitment"] == COMMIT_B
    clone = project.WeightsBoundVerifier.at(predicted)
    assert clone.verifier() == shared.address
    assert list(clone.weightsCommitment()) == [len(COMMIT_B), keccak(COMMIT_B)]


def test_same_arguments_cannot_be_created_twice(factory, shared, clone_a, stranger):
    with ape.reverts(factory.WeightsBoundVerifierFactoryAlreadyCreated, clone=clone_a.address):
        factory.create(shared.address, COMMIT_A, sender=stranger)


@pytest.mark.parametrize("length", [0, 63, 65, 64 * 65])
def test_malformed_commitment_is_refused(factory, shared, deployer, length):
    with ape.reverts(factory.WeightsBoundVerifierFactoryInvalidCommitment, length=length):
        factory.create(shared.address, b"\x01" * length, sender=deployer)


def test_verifier_without_code_is_refused(factory, deployer, stranger):
    with ape.reverts(factory.WeightsBoundVerifierFactoryInvalidVerifier, verifier=stranger.address):
        factory.create(stranger.address, COMMIT_A, sender=deployer)


def test_clone_checks_the_commitment_then_asks_the_shared_verifier(clone_a, shared, deployer):
    assert clone_a.verifyProof(proof(COMMIT_A), INSTANCES) is True
    shared.setAcceptAll(False, sender=deployer)
    try:
        assert clone_a.verifyProof(proof(COMMIT_A), INSTANCES) is False  # the shared verifier's answer
        shared.setRevertAll(True, sender=deployer)
        with ape.reverts("mock verifier reverts"):
            clone_a.verifyProof(proof(COMMIT_A), INSTANCES)
    finally:
        shared.setRevertAll(False, sender=deployer)
        shared.setAcceptAll(True, sender=deployer)


def test_other_commitment_or_short_proof_is_refused_before_the_shared_verifier(clone_a):
    with ape.reverts(clone_a.WeightsBoundVerifierCommitmentMismatch, expected=keccak(COMMIT_A),
                     given=keccak(COMMIT_B)):
        clone_a.verifyProof(proof(COMMIT_B), INSTANCES)
    with ape.reverts(clone_a.WeightsBoundVerifierCommitmentMismatch, expected=keccak(COMMIT_A),
                     given=b"\x00" * 32):
        clone_a.verifyProof(COMMIT_A[:100], INSTANCES)


def test_implementation_refuses_direct_calls(project, factory):
    impl = project.WeightsBoundVerifier.at(factory.implementation())
    for call in (lambda: impl.verifyProof(proof(COMMIT_A), INSTANCES), impl.verifier, impl.weightsCommitment):
        with ape.reverts(impl.WeightsBoundVerifierNotAClone):
            call()


def test_every_function_is_open_to_anyone_with_the_same_answer(factory, clone_a, shared, deployer, stranger):
    """No function has an owner: create is deterministic (same clone whoever creates it, see
    test_create_emits_event...), the rest are views that answer everyone alike."""
    for who in (deployer, stranger):
        assert clone_a.verifyProof(proof(COMMIT_A), INSTANCES, sender=who) is True
        assert clone_a.verifier(sender=who) == shared.address
        assert list(clone_a.weightsCommitment(sender=who)) == [len(COMMIT_A), keccak(COMMIT_A)]
        assert factory.predict(shared.address, COMMIT_A, sender=who) == clone_a.address
        assert factory.implementation(sender=who) != ape.utils.ZERO_ADDRESS


def test_per_version_setup_is_under_250k_gas(project, factory, shared, registry, governance, stranger):
    """A new version of an existing architecture: create its clone + bind it (the submitter)."""
    commitment = keccak(b"v-gas") * 4
    registry.createModel("bound-gas", b"", sender=governance)
    registry.submitVersion(registry.modelIdOf("bound-gas"), version_input("bound-gas"), sender=stranger)
    vid = registry.versionCount()
    made = factory.create(shared.address, commitment, sender=stranger)
    bound = registry.bindVerifier(vid, created(made)["clone"], sender=stranger)
    assert registry.verifierOf(vid) == created(made)["clone"]
    assert made.gas_used + bound.gas_used <= 250_000, (made.gas_used, bound.gas_used)


def test_gas_of_a_verification_through_the_clone(clone_a, shared, deployer):
    """The clone's overhead over calling the shared verifier: delegatecall, reading its args,
    hashing the commitment, the call."""
    data = proof(COMMIT_A, BODY * 10)
    direct = shared.verifyProof.estimate_gas_cost(data, INSTANCES, sender=deployer)
    through = clone_a.verifyProof.estimate_gas_cost(data, INSTANCES, sender=deployer)
    assert 0 < through - direct < 15_000, (direct, through)
