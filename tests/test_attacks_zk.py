"""Attacks on weights-bound verification (WeightsBoundVerifier clones): a proof of other weights,
a swapped commitment, a clone with forged arguments, the implementation called directly. The
contract-level attacks use a mock shared verifier that accepts everything (the worst case: only the
clone's own check stands); the same attacks with real EZKL proofs are in tests/test_zk.py
(``test_attack_*``)."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from bound_verifier_helpers import COMMIT_A, COMMIT_B, INSTANCES, clone_args, deploy_clone, proof
from modelgov.chain.zk_verifier import clone_args as parse_clone
from modelgov.chain.zk_verifier import expected_clone_code
from modelgov.errors import VerifierMismatchError


@pytest.fixture(scope="module")
def lenient(project, deployer):
    """A shared verifier that accepts any proof: the clone's commitment check is all that binds."""
    return deployer.deploy(project.MockZkVerifier, True)


@pytest.fixture(scope="module")
def factory(project, deployer):
    return deployer.deploy(project.WeightsBoundVerifierFactory)


@pytest.fixture(scope="module")
def version_a(project, factory, lenient, deployer):
    return deploy_clone(project, factory, lenient, COMMIT_A, deployer)


def test_proof_of_other_weights_is_refused(version_a):
    """A proof made with version B's weights opens with B's commitment: refused by A's clone even
    though the shared verifier would accept it."""
    with ape.reverts(version_a.WeightsBoundVerifierCommitmentMismatch):
        version_a.verifyProof(proof(COMMIT_B), INSTANCES)


def test_swapped_commitment_reaches_the_shared_verifier_which_must_refuse_it(version_a, lenient):
    """B's proof with A's commitment pasted in front passes the clone's check: what refuses it is
    the shared verifier (the commitment is in the transcript: every later challenge changes). With
    a real EZKL verifier that is tested in test_zk.py::test_attack_swapped_commitment_is_refused;
    here the mock shows the clone hands such a proof to the shared verifier unchanged."""
    swapped = proof(COMMIT_A, b"\x09" * 320)
    assert version_a.verifyProof(swapped, INSTANCES) is True  # lenient mock: accepted as it is told


def test_clone_with_forged_arguments_is_told_apart(project, factory, lenient, deployer, stranger):
    """Anyone can clone the implementation with any arguments (here: A's commitment and an
    attacker's verifier). Its code says so, which is what `zk check` reads."""
    maker = deployer.deploy(project.ForgedCloneMaker)
    impl = factory.implementation()
    receipt = maker.make(impl, clone_args(stranger.address, COMMIT_A), sender=stranger)
    forged = receipt.events[-1].event_arguments["clone"]
    code = bytes(ape.chain.provider.get_code(forged))
    args = parse_clone(code)
    assert args.implementation == impl and args.verifier == stranger.address
    assert args.commitment_hash == keccak(COMMIT_A)
    assert code != expected_clone_code(impl, lenient.address, COMMIT_A)
    # not from the factory: not at the factory's address for those arguments either
    assert forged != factory.predict(stranger.address, COMMIT_A)
    # a forged verifier address with no code makes the clone unusable, never accepting
    with ape.reverts():
        project.WeightsBoundVerifier.at(forged).verifyProof(proof(COMMIT_A), INSTANCES)


def test_clone_of_a_lookalike_implementation_or_bad_code_is_not_a_clone(project, deployer, lenient):
    with pytest.raises(VerifierMismatchError, match="not a WeightsBoundVerifier clone"):
        parse_clone(bytes(ape.chain.provider.get_code(lenient.address)))
    with pytest.raises(VerifierMismatchError):
        parse_clone(expected_clone_code(lenient.address, lenient.address, COMMIT_A)[:-1])


def test_implementation_called_directly_refuses(project, factory):
    impl = project.WeightsBoundVerifier.at(factory.implementation())
    with ape.reverts(impl.WeightsBoundVerifierNotAClone):
        impl.verifyProof(proof(COMMIT_A), INSTANCES)


def test_implementation_code_check_refuses_another_contract(project, factory, lenient):
    from modelgov.chain.zk_verifier import implementation_runtime
    from modelgov.zk.check import check_implementation

    impl = factory.implementation()
    check_implementation(bytes(ape.chain.provider.get_code(impl)), impl, implementation_runtime())
    with pytest.raises(VerifierMismatchError, match="is not the compiled WeightsBoundVerifier"):
        check_implementation(bytes(ape.chain.provider.get_code(lenient.address)), lenient.address,
                             implementation_runtime())
