"""The one transaction pipeline of the contract wrappers: simulate, then send, then decode.

A write is first run as ``eth_call`` on the pending block from the sender; only a call that
passes is sent, so a bad input never costs a transaction. A revert, in the simulation or the
send, becomes the contract's own modelgov error (each wrapper module's ``messages`` table:
:func:`modelgov.chain.registry.messages`, ...) carrying the decoded custom error as
``err.revert``. Every write of the client returns a :class:`TxResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI

    from modelgov.chain.contract import ContractHandle

T = TypeVar("T")


def to_json_value(value: object) -> object:
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


class JsonRecord:
    """The one ``to_json()`` protocol of the client's records (frozen dataclasses): fields as
    JSON values (bytes as 0x hex, nested records by their own ``to_json``)."""

    def to_json(self) -> dict[str, Any]:
        from dataclasses import fields

        return {f.name: to_json_value(getattr(self, f.name)) for f in fields(self)  # type: ignore[arg-type]
                if f.repr}


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

