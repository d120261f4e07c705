"""A version's EZKL verifier on chain: deploy it, verify a proof through it, read its code.

The verifier is generated per version (``<version>/zk/Verifier.sol``) and compiled with the
project's solcjs shim (:func:`modelgov.zk.solc.compile_verifier`), not part of ``contracts/``.
Everything here takes the verifier's address; binding it to a version record is the registry's
job (``gov.registry.bind_verifier``, see README "Verifiable inference"). Reads (code, an
``eth_call`` of ``verifyProof``) go through the client's JSON-RPC reader; deploying and sending
through Ape (its accounts sign).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelgov.errors import ChainError, ProofRejectedError, ValidationError
from modelgov.zk.proof import ProofFile
from modelgov.zk.solc import CONTRACT_NAME, CompiledVerifier

if TYPE_CHECKING:
    from ape.api import AccountAPI
    from ape.contracts import ContractContainer

    from modelgov.chain.client import ModelGov
    from modelgov.chain.rpc import Rpc
    from modelgov.chain.tx import TxResult


@dataclass(frozen=True)
class DeployedVerifier:
    """A deployed verifier: address, gas of the deployment, runtime size."""

    address: str
    gas_used: int
    runtime_bytes: int
    tx: str

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the client's one ``to_json()`` protocol)."""
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return {"address": self.address, "gas_used": self.gas_used,
                "runtime_bytes": self.runtime_bytes, "tx": self.tx}


def checksum(address: str) -> str:
    """A checksummed address.

    Raises:
        ValidationError: not a 20-byte hex address.
    """
    from eth_utils.address import is_address, to_checksum_address

    if not isinstance(address, str) or not is_address(address):
        raise ValidationError(f"{address!r} is not an address")
    return str(to_checksum_address(address))


def _rpc(gov: ModelGov | None) -> Rpc:
    """``gov``'s reader; without a client, the connected Ape provider's (tests, the bench)."""
    if gov is not None:
        return gov.connection.rpc
    from modelgov.chain.connection import Connection

    return Connection(None).rpc


def _container(compiled: CompiledVerifier) -> ContractContainer:
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    return ContractContainer(ContractType.model_validate({
        "contractName": CONTRACT_NAME,
        "abi": compiled.abi,
        "deploymentBytecode": {"bytecode": "0x" + compiled.bytecode},
        "runtimeBytecode": {"bytecode": "0x" + compiled.runtime},
    }))


def deploy_verifier(account: AccountAPI, compiled: CompiledVerifier) -> DeployedVerifier:
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


def runtime_code(address: str, gov: ModelGov | None = None) -> bytes:
    """The code at ``address`` (read through ``gov``, default: the connected Ape provider).

    Raises:
        ValidationError: not an address.
        ChainError: no code there.
    """
    return _code(_rpc(gov), address)


def _code(rpc: Rpc, address: str) -> bytes:
    code = rpc.get_code(checksum(address))
    if not code:
        raise ChainError(f"no contract at {address}")
    return code


def _verify_calldata(proof: ProofFile) -> bytes:
    from eth_abi.abi import encode
    from eth_utils.crypto import keccak

    selector = keccak(text="verifyProof(bytes,uint256[])")[:4]
    return selector + encode(["bytes", "uint256[]"], [proof.proof_bytes, proof.instances])


def verify_on_chain(address: str, proof: ProofFile, gov: ModelGov | None = None) -> bool:
    """Ask the verifier at ``address`` (``eth_call`` through ``gov``, default: the connected Ape
    provider): true when it accepts the proof.

    Raises:
        ProofRejectedError: the verifier reverts or answers false.
        ChainError: no contract at ``address``.
    """
    from modelgov.chain.rpc import Call, CallReverted

    target = checksum(address)
    rpc = _rpc(gov)
    _code(rpc, target)
    try:
        answer = rpc.call(Call(target, _verify_calldata(proof)))
    except CallReverted:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)") from None
    if len(answer) != 32 or int.from_bytes(answer, "big") != 1:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (answer 0x{answer.hex()})")
    return True


def verify_transaction(address: str, proof: ProofFile, *, sender: AccountAPI) -> TxResult[int]:
    """Send ``verifyProof`` as a transaction from ``sender`` (what a consumer contract pays);
    the result's value is the gas it used.

    Raises:
        ProofRejectedError: the transaction reverted.
    """
    from ape.exceptions import ApeException

    from modelgov.chain.tx import TxResult

    target = checksum(address)
    try:
        receipt = sender.transfer(target, 0, data=_verify_calldata(proof))
    except ApeException as exc:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)") from exc
    if getattr(receipt, "failed", False):
        raise ProofRejectedError(f"the verifier at {target} rejected the proof (reverted)")
    return TxResult.of(receipt, int(receipt.gas_used))
