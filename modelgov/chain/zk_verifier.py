"""A version's EZKL verifier on chain: deploy it, verify a proof through it, read its code.

The verifier is generated per version (``<version>/zk/Verifier.sol``) and compiled with the
project's solcjs shim (:func:`modelgov.zk.solc.compile_verifier`), not part of ``contracts/``.
Everything here takes the verifier's address; binding it to a version record is the registry's
job (see README "Verifiable inference").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelgov.errors import ChainError, ProofRejectedError, ValidationError
from modelgov.zk.proof import ProofFile
from modelgov.zk.solc import CONTRACT_NAME, CompiledVerifier


@dataclass(frozen=True)
class DeployedVerifier:
    """A deployed verifier: address, gas of the deployment, runtime size."""

    address: str
    gas_used: int
    runtime_bytes: int
    tx: str

    def as_dict(self) -> dict[str, Any]:
        return {"address": self.address, "gas_used": self.gas_used,
                "runtime_bytes": self.runtime_bytes, "tx": self.tx}


def checksum(address: str) -> str:
    """A checksummed address.

    Raises:
        ValidationError: not a 20-byte hex address.
    """
    from eth_utils import is_address, to_checksum_address

    if not isinstance(address, str) or not is_address(address):
        raise ValidationError(f"{address!r} is not an address")
    return str(to_checksum_address(address))


def _container(compiled: CompiledVerifier) -> Any:
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    return ContractContainer(ContractType.model_validate({
        "contractName": CONTRACT_NAME,
        "abi": compiled.abi,
        "deploymentBytecode": {"bytecode": "0x" + compiled.bytecode},
        "runtimeBytecode": {"bytecode": "0x" + compiled.runtime},
    }))


def deploy_verifier(account: Any, compiled: CompiledVerifier) -> DeployedVerifier:
    """Deploy a compiled verifier from ``account``.

    Raises:
        ChainError: the deployment failed.
    """
    from ape import chain
    from ape.exceptions import ApeException

    try:
        instance = account.deploy(_container(compiled))
        receipt = chain.provider.get_receipt(instance.txn_hash)
    except ApeException as exc:
        raise ChainError(f"verifier deployment failed: {str(exc).splitlines()[0]}") from exc
    return DeployedVerifier(str(instance.address), int(receipt.gas_used),
                            len(compiled.runtime) // 2, str(receipt.txn_hash))


def runtime_code(address: str) -> bytes:
    """The code at ``address`` on the connected chain.

    Raises:
        ValidationError: not an address.
        ChainError: no code there.
    """
    from ape import chain

    code = bytes(chain.provider.get_code(checksum(address)))
    if not code:
        raise ChainError(f"no contract at {address}")
    return code


def _verify_calldata(proof: ProofFile) -> bytes:
    from eth_abi import encode
    from eth_utils import keccak

    selector = keccak(text="verifyProof(bytes,uint256[])")[:4]
    return selector + encode(["bytes", "uint256[]"], [proof.proof_bytes, proof.instances])


def verify_on_chain(address: str, proof: ProofFile) -> bool:
    """Ask the verifier at ``address`` (``eth_call``): true when it accepts the proof.

    Raises:
        ProofRejectedError: the verifier reverts or answers false.
        ChainError: no contract at ``address``.
    """
    from ape import chain
    from ape.exceptions import ApeException

    target = checksum(address)
    runtime_code(target)
    tx = chain.provider.network.ecosystem.create_transaction(to=target, data=_verify_calldata(proof))
    try:
        answer = bytes(chain.provider.send_call(tx))
    except ApeException as exc:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)") from exc
    if len(answer) != 32 or int.from_bytes(answer, "big") != 1:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (answer 0x{answer.hex()})")
    return True


def verify_transaction(account: Any, address: str, proof: ProofFile) -> int:
    """Send ``verifyProof`` as a transaction (what a consumer contract pays); returns gas used.

    Raises:
        ProofRejectedError: the transaction reverted.
    """
    from ape.exceptions import ApeException

    target = checksum(address)
    try:
        receipt = account.transfer(target, 0, data=_verify_calldata(proof))
    except ApeException as exc:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)") from exc
    if getattr(receipt, "failed", False):
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)")
    return int(receipt.gas_used)
