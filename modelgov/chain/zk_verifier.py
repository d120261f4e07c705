"""A version's EZKL verifier on chain: deploy it, verify a proof through it, read its code.

The EZKL verifier is generated from a circuit's verifying key (``<version>/zk/Verifier.sol``) and
compiled with the project's solcjs shim (:func:`modelgov.zk.solc.compile_verifier`), not part of
``contracts/``. With ``polycommit`` weights (the default) one such verifier serves every version of
a circuit architecture, and each version gets a ``WeightsBoundVerifier`` clone (made by the
``WeightsBoundVerifierFactory``) that first checks the proof's weights commitment: that clone is
what the version binds (:func:`create_bound_verifier`, :func:`clone_args`).
Everything here takes the verifier's address; binding it to a version record is the registry's
job (``gov.registry.bind_verifier``, see README "Verifiable inference"). Reads (code, an
``eth_call`` of ``verifyProof``) go through the client's JSON-RPC reader; deploying and sending
through Ape (its accounts sign).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.chain.tx import JsonRecord
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    ProofRejectedError,
    StateError,
    ValidationError,
    VerifierMismatchError,
)
from modelgov.zk.proof import ProofFile
from modelgov.zk.solc import CONTRACT_NAME, CompiledVerifier

if TYPE_CHECKING:
    from ape.api import AccountAPI
    from ape.contracts import ContractContainer

    from modelgov.chain.client import ModelGov
    from modelgov.chain.connection import Connection
    from modelgov.chain.contract import ContractHandle
    from modelgov.chain.rpc import Rpc
    from modelgov.chain.tx import TxResult

FACTORY = "WeightsBoundVerifierFactory"
BOUND = "WeightsBoundVerifier"
#: ERC-1167 minimal proxy runtime around the implementation address; immutable args follow it.
CLONE_HEAD = bytes.fromhex("363d3d373d3d3d363d73")
CLONE_TAIL = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")


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


def _connection(gov: ModelGov | None) -> Connection:
    """``gov``'s connection; without a client, the connected Ape provider's (tests, the bench)."""
    if gov is not None:
        return gov.connection
    from modelgov.chain.connection import Connection

    return Connection(None)


def _rpc(gov: ModelGov | None) -> Rpc:
    """``gov``'s reader; without a client, the connected Ape provider's (tests, the bench)."""
    return _connection(gov).rpc


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
    except CallReverted as exc:
        raise ProofRejectedError(f"the verifier at {target} rejected the proof ({_why(exc.data)})") from None
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


def _why(data: bytes | None) -> str:
    """Why a verifier reverted: a WeightsBoundVerifier's own error in words, else "reverted"."""
    from eth_abi.abi import decode as abi_decode
    from eth_utils.crypto import keccak

    if data and data[:4] == keccak(text="WeightsBoundVerifierCommitmentMismatch(bytes32,bytes32)")[:4]:
        expected, given = abi_decode(["bytes32", "bytes32"], bytes(data[4:]))
        return (f"reverted: its weights commitment is not this version's (expected keccak "
                f"0x{bytes(expected).hex()[:12]}…, proof 0x{bytes(given).hex()[:12]}…)")
    if data and data[:4] == keccak(text="WeightsBoundVerifierNotAClone()")[:4]:
        return "reverted: that is the WeightsBoundVerifier implementation, not a version's clone"
    return "reverted"


# --- weights-bound verifiers (polycommit circuits) ---------------------------------------------
def messages(err: CustomError) -> tuple[type[ModelGovError], str] | None:
    """Readable messages for the factory's and the clones' custom errors."""
    a = err.args
    text: dict[str, tuple[type[ModelGovError], str]] = {
        "WeightsBoundVerifierFactoryInvalidVerifier": (ValidationError,
                                                       f"no contract at {a.get('verifier')}"),
        "WeightsBoundVerifierFactoryInvalidCommitment": (
            ValidationError, f"a weights commitment is 1 to 64 points of 64 bytes, not {a.get('length')}"),
        "WeightsBoundVerifierFactoryAlreadyCreated": (StateError, f"already created at {a.get('clone')}"),
        "WeightsBoundVerifierNotAClone": (StateError, "that is the implementation, not a version's clone"),
        "WeightsBoundVerifierCommitmentMismatch": (ProofRejectedError, "the proof's weights commitment is "
                                                                      "not this version's"),
    }
    return text.get(err.name)


@dataclass(frozen=True)
class CloneArgs(JsonRecord):
    """What a WeightsBoundVerifier clone's code says: the implementation it delegates to, the
    shared EZKL verifier and the weights commitment (length, keccak256) it checks."""

    implementation: str
    verifier: str
    commitment_length: int
    commitment_hash: bytes


def clone_args(code: bytes) -> CloneArgs:
    """Parse the runtime code of a WeightsBoundVerifier clone (ERC-1167 proxy + immutable args
    ``abi.encode(address verifier, uint256 length, bytes32 hash)``).

    Raises:
        VerifierMismatchError: the code is not exactly such a clone.
    """
    from eth_abi.abi import decode as abi_decode

    code = bytes(code)
    head, tail = len(CLONE_HEAD), len(CLONE_HEAD) + 20
    if (len(code) != tail + len(CLONE_TAIL) + 96 or code[:head] != CLONE_HEAD
            or code[tail:tail + len(CLONE_TAIL)] != CLONE_TAIL):
        raise VerifierMismatchError(f"the code ({len(code)} bytes) is not a WeightsBoundVerifier clone "
                                    "(ERC-1167 proxy with 96 bytes of immutable arguments)")
    verifier, length, digest = abi_decode(["address", "uint256", "bytes32"], code[tail + len(CLONE_TAIL):])
    return CloneArgs(checksum("0x" + code[head:tail].hex()), checksum(verifier), int(length), bytes(digest))


def expected_clone_code(implementation: str, verifier: str, commitment: bytes) -> bytes:
    """The runtime code of the clone of ``implementation`` for (``verifier``, ``commitment``)."""
    from eth_abi.abi import encode
    from eth_utils.crypto import keccak

    args = encode(["address", "uint256", "bytes32"],
                  [checksum(verifier), len(commitment), keccak(commitment)])
    return CLONE_HEAD + bytes.fromhex(checksum(implementation)[2:]) + CLONE_TAIL + args


@dataclass(frozen=True)
class BoundVerifier(JsonRecord):
    """A version's WeightsBoundVerifier clone; ``created`` false when it already existed."""

    address: str
    verifier: str
    commitment_hash: bytes
    created: bool


def factory(address: str, gov: ModelGov | None = None) -> ContractHandle:
    """The WeightsBoundVerifierFactory at ``address``."""
    from modelgov.chain.contract import ContractHandle

    return ContractHandle(FACTORY, checksum(address), _connection(gov), messages)


def deploy_factory(account: AccountAPI) -> DeployedVerifier:
    """Deploy a WeightsBoundVerifierFactory (and with it the implementation) from ``account``.

    Raises:
        ChainError: the deployment failed.
    """
    from ape import chain
    from ape.exceptions import ApeException

    from modelgov.chain.ape_env import project

    container = project().WeightsBoundVerifierFactory
    try:
        instance = account.deploy(container)
        receipt = chain.provider.get_receipt(instance.txn_hash)
    except ApeException as exc:
        raise ChainError(f"factory deployment failed: {str(exc).splitlines()[0]}") from exc
    runtime = container.contract_type.runtime_bytecode
    size = len(bytes.fromhex(str(runtime.bytecode or "0x")[2:])) if runtime else 0
    return DeployedVerifier(str(instance.address), int(receipt.gas_used), size, str(receipt.txn_hash))


def implementation_runtime() -> bytes:
    """The compiled WeightsBoundVerifier runtime code (its immutable left as zeros)."""
    from modelgov.chain.ape_env import project

    runtime = project().WeightsBoundVerifier.contract_type.runtime_bytecode
    return bytes.fromhex(str(runtime.bytecode if runtime else "0x")[2:])


def predict_bound_verifier(factory_address: str, verifier: str, commitment: bytes,
                           gov: ModelGov | None = None) -> str:
    """The address of the clone for (``verifier``, ``commitment``), created or not."""
    return str(factory(factory_address, gov).call("predict", checksum(verifier), bytes(commitment)))


def create_bound_verifier(factory_address: str, verifier: str, commitment: bytes, *,
                          gov: ModelGov | None = None, sender: AccountAPI) -> TxResult[BoundVerifier]:
    """The version's WeightsBoundVerifier for (``verifier``, ``commitment``): created from
    ``sender``, or the existing one (then the result's transaction fields are empty).

    Raises:
        ValidationError: no contract at ``verifier``; a malformed commitment.
        ChainError: no factory at ``factory_address``.
    """
    from eth_utils.crypto import keccak

    from modelgov.chain.tx import TxResult, send

    handle = factory(factory_address, gov)
    _code(handle.connection.rpc, handle.address)
    address = predict_bound_verifier(handle.address, verifier, commitment, gov)
    if handle.connection.rpc.get_code(address):
        return TxResult(BoundVerifier(address, checksum(verifier), keccak(commitment), False), "", 0, 0)
    receipt = send(handle, "create", (checksum(verifier), bytes(commitment)), sender=sender,
                   action="create the weights-bound verifier")
    return TxResult.of(receipt, BoundVerifier(address, checksum(verifier), keccak(commitment), True))


#: Deployment-file names of the factory and of each architecture's shared verifier (+ vk digest).
FACTORY_RECORD = "zkBoundVerifierFactory"
VERIFIER_RECORD = "zkVerifier:"


@dataclass(frozen=True)
class VersionVerifier(JsonRecord):
    """What :func:`deploy_for_version` did: ``address`` is what the version binds. ``mode``
    ``bound`` (a clone of the architecture's shared verifier) or ``plain`` (fixed weights: a new
    EZKL verifier); ``gas_used`` the set-up gas of this run; ``steps`` each contract, reused or not."""

    mode: str
    address: str
    verifier: str
    factory: str
    weights_commitment: str
    gas_used: int
    steps: dict[str, dict[str, Any]]


def deploy_for_version(gov: ModelGov, model_dir: Path, *, record: bool = True) -> VersionVerifier:
    """Deploy what a version's verifier needs, from ``gov.account``; reuse what is there
    (``record``: remember new shared contracts in the network's deployment file).

    Committed weights: the factory and the architecture's shared verifier, each reused when the
    deployment file records it and its code checks out (else deployed and recorded), then the
    version's clone (reused when it exists). Fixed weights: a new EZKL verifier.

    Raises:
        ZkArtifactsError: no circuit. ChainError: a deployment failed.
        ZkToolMissingError, ZkError: compiling the verifier failed.
    """
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.check import check_implementation, compile_pinned
    from modelgov.zk.commitment import is_polycommit
    from modelgov.zk.solc import strip_metadata

    circuit = load_circuit(model_dir)
    compiled = compile_pinned(model_dir)
    if not is_polycommit(circuit):
        plain = deploy_verifier(gov.account, compiled)
        step = {"address": plain.address, "reused": False, "gas_used": plain.gas_used}
        return VersionVerifier("plain", plain.address, plain.address, "", "", plain.gas_used,
                               {"verifier": step})
    commitment = bytes.fromhex(str(circuit.meta.get("weights_commitment", "")).removeprefix("0x"))
    rpc = gov.connection.rpc
    steps: dict[str, dict[str, Any]] = {}

    address = _recorded(gov, FACTORY_RECORD)
    try:
        if address is None:
            raise LookupError(FACTORY_RECORD)
        impl = str(factory(address, gov).call("implementation"))
        check_implementation(rpc.get_code(impl), impl, implementation_runtime())
        steps["factory"] = {"address": address, "reused": True, "gas_used": 0}
    except (LookupError, ModelGovError):
        made = deploy_factory(gov.account)
        if record:
            _record(gov, FACTORY_RECORD, made.address)
        steps["factory"] = {"address": made.address, "reused": False, "gas_used": made.gas_used}

    name = f"{VERIFIER_RECORD}{circuit.vk_sha256[:16]}"
    address = _recorded(gov, name)
    code = rpc.get_code(address) if address else b""
    if address and code and strip_metadata(code) == strip_metadata(bytes.fromhex(compiled.runtime)):
        steps["verifier"] = {"address": address, "reused": True, "gas_used": 0}
    else:
        shared = deploy_verifier(gov.account, compiled)
        if record:
            _record(gov, name, shared.address)
        steps["verifier"] = {"address": shared.address, "reused": False, "gas_used": shared.gas_used}

    clone = create_bound_verifier(steps["factory"]["address"], steps["verifier"]["address"], commitment,
                                  gov=gov, sender=gov.account)
    steps["clone"] = {"address": clone.value.address, "reused": not clone.value.created,
                      "gas_used": clone.gas_used}
    return VersionVerifier("bound", clone.value.address, steps["verifier"]["address"],
                           steps["factory"]["address"], "0x" + commitment.hex(),
                           sum(int(v["gas_used"]) for v in steps.values()), steps)


def _recorded(gov: ModelGov, name: str) -> str | None:
    from modelgov.errors import DeploymentNotFoundError

    try:
        return gov.deployment_record().contracts.get(name)
    except DeploymentNotFoundError:
        return None


def _record(gov: ModelGov, name: str, address: str) -> None:
    from contextlib import suppress

    from modelgov.errors import DeploymentNotFoundError

    with suppress(DeploymentNotFoundError):  # no deployment file (a bare chain): nowhere to record it
        gov.record_contract(name, address)
