"""The one transaction pipeline of the contract wrappers: simulate, then send, then decode.

A write is first run as ``eth_call`` on the pending block from the sender; only a call that
passes is sent, so a bad input never costs a transaction. A revert, in the simulation or the
send, becomes the wrapper's own modelgov error through ``on_revert`` (each contract decodes its
custom errors into its messages: :func:`modelgov.chain.registry.error_for`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from modelgov.errors import ChainError, ModelGovError

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI

    from modelgov.chain.contract import ContractHandle

T = TypeVar("T")


def to_json_value(value: Any) -> Any:
    """A value as JSON: objects with ``to_json()`` (every modelgov record) give theirs; bytes →
    0x hex; tuples/lists/dicts recursively."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class TxResult(Generic[T]):
    """What every write of the client returns: the transaction, and the value it created or
    changed (the new version record, the grant id, the attestation...)."""

    value: T
    tx_hash: str
    block: int
    gas_used: int
    receipt: ReceiptAPI | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, receipt: ReceiptAPI, value: T) -> TxResult[T]:
        return cls(value=value, tx_hash=str(receipt.txn_hash), block=int(receipt.block_number or 0),
                   gas_used=int(receipt.gas_used or 0), receipt=receipt)

    def to_json(self) -> dict[str, Any]:
        return {"tx": self.tx_hash, "block": self.block, "gas_used": self.gas_used,
                "value": to_json_value(self.value)}


def send(handle: ContractHandle, fn: str, args: tuple[Any, ...], *, sender: AccountAPI, action: str,
         value: int = 0) -> ReceiptAPI:
    """The pipeline every write goes through: simulate ``fn(*args)`` from ``sender`` on the
    pending block; send it only if the simulation passes; decode a revert (either step) into the
    contract's modelgov error, with the custom error kept as ``err.revert``.

    Raises:
        ModelGovError: the call reverts (e.g. NotFoundError, StateError, with ``.revert``).
        ChainError, NodeUnreachableError: the node failed.
    """
    handle.simulate(fn, args, sender=sender, action=action, value=value)
    return handle.send(fn, args, sender=sender, action=action, value=value)

OnRevert = Callable[[BaseException], ModelGovError]


def simulate(contract: Any, fn: str, args: tuple[Any, ...], *, sender: Any, action: str,
             on_revert: OnRevert, value: int = 0) -> None:
    """``eth_call`` of ``contract.fn(*args)`` from ``sender`` (None: no sender) on the pending block.

    Raises:
        ModelGovError: what ``on_revert`` makes of the revert.
        ChainError: the node failed the call.
    """
    from ape import chain
    from web3.exceptions import ContractLogicError as Web3LogicError

    data = bytes(getattr(contract, fn).encode_input(*args))
    call: dict[str, Any] = {"to": str(contract.address), "data": "0x" + data.hex()}
    if value:
        call["value"] = int(value)
    if sender is not None:
        call["from"] = str(sender.address)
    try:
        chain.provider.web3.eth.call(call, "pending")
    except Web3LogicError as exc:
        raise on_revert(exc) from None
    except Exception as exc:  # node errors
        raise ChainError(f"{action}: simulation failed: {' '.join(str(exc).split())[:200]}") from None


def transact(contract: Any, fn: str, args: tuple[Any, ...], *, sender: Any, action: str,
             on_revert: OnRevert, value: int = 0) -> Any:
    """Simulate ``contract.fn(*args)`` from ``sender``; send it only if the simulation passes.

    Returns:
        The Ape receipt.

    Raises:
        ModelGovError: what ``on_revert`` makes of a revert.
        ChainError: the node failed the simulation.
    """
    from ape.exceptions import ApeException

    simulate(contract, fn, args, sender=sender, action=action, on_revert=on_revert, value=value)
    extra = {"value": int(value)} if value else {}
    try:
        return getattr(contract, fn)(*args, sender=sender, **extra)
    except ApeException as exc:
        raise on_revert(exc) from None
