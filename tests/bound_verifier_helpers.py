"""Shared pieces of the WeightsBoundVerifier tests (mock shared verifier, commitments, proofs)."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

#: Two versions' weights commitments (2 G1 points each, as EZKL's polycommit with 2 columns).
COMMIT_A = bytes(range(1, 129))
COMMIT_B = bytes(range(128, 256))
BODY = b"\x07" * 320
INSTANCES = [1, 2, 3]


def proof(commitment: bytes, body: bytes = BODY) -> bytes:
    """A (mock) proof that opens with ``commitment``."""
    return commitment + body


def clone_args(verifier: str, commitment: bytes) -> bytes:
    return encode(["address", "uint256", "bytes32"], [verifier, len(commitment), keccak(commitment)])


def created(receipt) -> dict:
    """The WeightsBoundVerifierCreated event's arguments of a receipt."""
    (log,) = [e for e in receipt.events if e.event_name == "WeightsBoundVerifierCreated"]
    return dict(log.event_arguments)


def deploy_clone(project, factory, verifier, commitment: bytes, sender):
    """The WeightsBoundVerifier clone ``factory`` creates over ``verifier`` and ``commitment``."""
    return project.WeightsBoundVerifier.at(created(factory.create(verifier.address, commitment, sender=sender))["clone"])
