"""One deployed contract, seen through its shipped ABI: the one place calls are encoded, views
read, custom errors decoded, and writes sent (simulate, send, decode — see :mod:`modelgov.chain.tx`).

Views go through :class:`~modelgov.chain.rpc.Rpc` (no Ape needed, batched when asked); writes
through Ape (its accounts sign), loaded only when the first write happens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from modelgov.chain.abi import load_abi
from modelgov.chain.events import canonical_type
from modelgov.chain.rpc import Call, CallReverted
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    TransactionRevertedError,
)

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI
    from ape.contracts import ContractInstance

    from modelgov.chain.connection import Connection

#: A contract's messages for its custom errors: the error → (modelgov error class, message), or
#: None for "no message of mine" (a generic :class:`TransactionRevertedError` is raised).
ErrorMessages = Callable[[CustomError], "tuple[type[ModelGovError], str] | None"]

_STRING = re.compile(r"\bstring\b")


def _signature(item: Mapping[str, Any]) -> str:
    return f"{item['name']}({','.join(canonical_type(i) for i in item.get('inputs', []))})"


def _plain(value: Any) -> Any:
    """eth_abi values as modelgov reads them: addresses checksummed, tuples kept."""
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return to_checksum_address(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ContractHandle:
    """A deployed contract of the suite (``kind``: ``ModelRegistry``, ``GrantTreasury``, ...)."""

    def __init__(self, kind: str, address: str, connection: Connection,
                 messages: ErrorMessages | None = None, *, callee_errors: Sequence[str] = ()) -> None:
        """``callee_errors``: kinds of the contracts this one calls whose custom errors bubble
        up through it (the oracle reverts with the registry's ``ModelRegistryUnknownModel``):
        decoded with their ABIs after this one's (``CustomError.contract`` names which)."""
        self.kind = kind
        self.callee_errors = tuple(callee_errors)
        self.address = to_checksum_address(address)
        self.connection = connection
        self.messages = messages
        self.abi = load_abi(kind)
        self._functions: dict[str, list[dict[str, Any]]] = {}
        for item in self.abi:
            if item.get("type") == "function":
                self._functions.setdefault(str(item["name"]), []).append(dict(item))

    def __repr__(self) -> str:
        return f"<{self.kind} {self.address}>"

    # --- encoding ----------------------------------------------------------------------------
    def _function(self, fn: str, nargs: int) -> dict[str, Any]:
        for item in self._functions.get(fn, []):
            if len(item.get("inputs", [])) == nargs:
                return item
        raise ChainError(f"{self.kind} has no function {fn} taking {nargs} argument(s)")

    def encode(self, fn: str, *args: Any) -> bytes:
        """Calldata of ``fn(*args)``."""
        item = self._function(fn, len(args))
        selector = keccak(text=_signature(item))[:4]
        return selector + abi_encode([canonical_type(i) for i in item["inputs"]], list(args))

    def decode_output(self, fn: str, nargs: int, data: bytes) -> Any:
        """The return value(s) of ``fn``: one value, or a tuple for several outputs. A ``string``
        that is not UTF-8 (anyone can store one) comes back as ``bytes``."""
        types = [canonical_type(o) for o in self._function(fn, nargs).get("outputs", [])]
        try:
            out = abi_decode(types, data)
        except UnicodeDecodeError:
            out = abi_decode([_STRING.sub("bytes", t) for t in types], data)
        values = tuple(_plain(v) for v in out)
        return values[0] if len(values) == 1 else values

    @cached_property
    def _errors(self) -> dict[bytes, tuple[str, dict[str, Any]]]:
        table: dict[bytes, tuple[str, dict[str, Any]]] = {}
        for kind in (*reversed(self.callee_errors), self.kind):  # this contract's own win
            abi = self.abi if kind == self.kind else load_abi(kind)
            table.update({keccak(text=_signature(i))[:4]: (kind, dict(i))
                          for i in abi if i.get("type") == "error"})
        return table

    def decode_error(self, data: bytes | None) -> CustomError | None:
        """The custom error in a revert payload, or None (no payload, or not one of this ABI's)."""
        if not data or len(data) < 4:
            return None
        found = self._errors.get(bytes(data[:4]))
        if found is None:
            return None
        kind, item = found
        inputs = item.get("inputs", [])
        try:
            values = abi_decode([canonical_type(i) for i in inputs], bytes(data[4:])) if inputs else ()
        except Exception:  # noqa: BLE001 - a malformed payload: the name alone
            return CustomError(str(item["name"]), {}, kind)
        return CustomError(str(item["name"]), {i["name"]: _plain(v) for i, v in zip(inputs, values)},
                           kind)

    def error(self, action: str, data: bytes | None, fallback: str = "") -> ModelGovError:
        """The modelgov error for a revert of this contract (``action`` prefixes the message);
        the decoded custom error stays on it as ``.revert``."""
        custom = self.decode_error(data)
        if custom is None:
            text = " ".join((fallback or "execution reverted").split())
            return TransactionRevertedError(f"{action}: reverted: {text}")
        mapped = self.messages(custom) if self.messages else None
        cls, message = mapped if mapped else (TransactionRevertedError, f"reverted with {custom}")
        err = cls(f"{action}: {message}")
        err.revert = custom
        return err

    # --- reads ------------------------------------------------------------------------------
    def call(self, fn: str, *args: Any, action: str = "", block: str = "latest",
             sender: str | None = None) -> Any:
        """Read ``fn(*args)`` (``eth_call``).

        Raises:
            ModelGovError: the call reverted (this contract's error for it).
            ChainError, NodeUnreachableError: the node failed.
        """
        try:
            data = self.connection.rpc.call(Call(self.address, self.encode(fn, *args), sender), block)
        except CallReverted as exc:
            raise self.error(action or f"{self.kind}.{fn}", exc.data, exc.message) from None
        return self.decode_output(fn, len(args), data)

    def call_many(self, fn: str, arg_lists: Sequence[tuple[Any, ...]], *, action: str = "") -> list[Any]:
        """``fn`` for each argument tuple, in one round trip (a JSON-RPC batch).

        Raises:
            ModelGovError: one of the calls reverted.
        """
        calls = [Call(self.address, self.encode(fn, *args)) for args in arg_lists]
        out = []
        for args, data in zip(arg_lists, self.connection.rpc.call_many(calls)):
            if isinstance(data, CallReverted):
                raise self.error(action or f"{self.kind}.{fn}", data.data, data.message)
            out.append(self.decode_output(fn, len(args), data))
        return out

    # --- writes -----------------------------------------------------------------------------
    @cached_property
    def ape(self) -> ContractInstance:
        """This contract as an Ape contract instance (connects Ape on first use)."""
        from ape import chain
        from ethpm_types import ContractType

        self.connection.ape_provider()
        contract_type = ContractType.model_validate({"contractName": self.kind, "abi": list(self.abi)})
        return chain.contracts.instance_at(self.address, contract_type=contract_type,
                                           fetch_from_explorer=False, detect_proxy=False)

    def simulate(self, fn: str, args: tuple[Any, ...], *, sender: AccountAPI | None, action: str,
                 value: int = 0) -> None:
        """``eth_call`` of ``fn(*args)`` from ``sender`` on the pending block.

        Raises:
            ModelGovError: the call reverts (this contract's error, with ``.revert``).
        """
        call = Call(self.address, self.encode(fn, *args),
                    str(sender.address) if sender is not None else None, int(value))
        try:
            self.connection.rpc.call(call, "pending")
        except CallReverted as exc:
            raise self.error(action, exc.data, exc.message) from None

    def send(self, fn: str, args: tuple[Any, ...], *, sender: AccountAPI, action: str,
             value: int = 0) -> ReceiptAPI:
        """Send ``fn(*args)`` from ``sender`` (no simulation: see :func:`modelgov.chain.tx.transact`).

        Raises:
            ModelGovError: it reverted.
        """
        from ape.exceptions import ApeException

        from modelgov.chain.reverts import revert_data

        extra = {"value": int(value)} if value else {}
        try:
            receipt: ReceiptAPI = getattr(self.ape, fn)(*args, sender=sender, **extra)
        except ApeException as exc:
            err = self.error(action, revert_data(exc), str(getattr(exc, "revert_message", "") or exc))
            if err.revert is None:
                ape_name = type(exc).__name__
                inputs = getattr(exc, "inputs", None)
                if isinstance(inputs, dict) and ape_name not in ("ContractLogicError", "CustomError"):
                    custom = CustomError(ape_name, dict(inputs), self.kind)
                    mapped = self.messages(custom) if self.messages else None
                    cls, message = mapped if mapped else (TransactionRevertedError, f"reverted with {custom}")
                    err = cls(f"{action}: {message}")
                    err.revert = custom
            raise err from None
        return receipt

    def events(self, receipt: ReceiptAPI, name: str) -> list[dict[str, Any]]:
        """The ``name`` events this contract emitted in ``receipt``, as argument dicts."""
        return [dict(log.event_arguments) for log in receipt.events.filter(getattr(self.ape, name))]
