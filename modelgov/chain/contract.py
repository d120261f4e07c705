"""One deployed contract, seen through its shipped ABI: the one place calls are encoded, views
read, custom errors decoded, and writes sent (simulate, send, decode — see :mod:`modelgov.chain.tx`).

Views go through :class:`~modelgov.chain.rpc.Rpc` (no Ape needed, batched when asked); writes
through Ape (its accounts sign), loaded only when the first write happens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from modelgov.chain.abi import load_abi
from modelgov.chain.abi_values import AbiValue
from modelgov.chain.events import canonical_type
from modelgov.chain.rpc import Call, CallReverted
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    TransactionRevertedError,
    ValidationError,
)

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI
    from ape.contracts import ContractInstance

    from modelgov.chain.client import ModelGov
    from modelgov.chain.connection import Connection
    from modelgov.chain.events import ChainEvent

#: A contract's messages for its custom errors: the error → (modelgov error class, message), or
#: None for "no message of mine" (a generic :class:`TransactionRevertedError` is raised).
ErrorMessages = Callable[[CustomError], "tuple[type[ModelGovError], str] | None"]

_STRING = re.compile(r"\bstring\b")


def _signature(item: Mapping[str, Any]) -> str:
    return f"{item['name']}({','.join(canonical_type(i) for i in item.get('inputs', []))})"


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 form of ``address`` (cached: a listing repeats the same few submitters)."""
    return str(to_checksum_address(address))


def _plain(value: Any) -> Any:
    """eth_abi values as modelgov reads them: addresses checksummed, tuples kept."""
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return checksum(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def ape_instance(kind: str, address: str, abi: Sequence[Mapping[str, Any]] | None = None) -> ContractInstance:
    """An Ape contract instance at ``address`` from the shipped ABI of ``kind`` (no compiler,
    no explorer); Ape must be connected. Ape's contract cache is left alone: a project that
    knows the contract (``ape test``) keeps its own type for the address."""
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    entries = list(abi) if abi is not None else list(load_abi(kind))
    contract_type = ContractType.model_validate({"contractName": kind, "abi": entries})
    return ContractInstance(address, contract_type)


class ContractHandle:
    """A deployed contract of the suite (``kind``: ``ModelRegistry``, ``GrantTreasury``, ...), or
    any contract whose ``abi`` is given (``kind`` then only names it in messages)."""

    def __init__(self, kind: str, address: str, connection: Connection,
                 messages: ErrorMessages | None = None, *,
                 abi: Sequence[Mapping[str, Any]] | None = None,
                 callee_errors: Sequence[str] = ()) -> None:
        """``abi``: for a contract outside the suite (any ERC-20); ``callee_errors``: kinds of the
        contracts this one calls whose custom errors bubble up through it (the oracle reverts
        with the registry's ``ModelRegistryUnknownModel``): decoded with their ABIs after this
        one's (``CustomError.contract`` names which)."""
        self.kind = kind
        self.callee_errors = tuple(callee_errors)
        self.address = to_checksum_address(address)
        self.connection = connection
        self.messages = messages
        #: the shipped ABI of ``kind``, or ``abi`` (a contract outside the suite: any ERC-20)
        self.abi = load_abi(kind) if abi is None else tuple(dict(i) for i in abi)
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

    def decode_output(self, fn: str, nargs: int, data: bytes) -> AbiValue:
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
        args = {i["name"]: _plain(v) for i, v in zip(inputs, values, strict=True)}
        return CustomError(str(item["name"]), args, kind)

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
             sender: str | None = None) -> AbiValue:
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
        for args, data in zip(arg_lists, self.connection.rpc.call_many(calls), strict=True):
            if isinstance(data, CallReverted):
                raise self.error(action or f"{self.kind}.{fn}", data.data, data.message)
            out.append(self.decode_output(fn, len(args), data))
        return out

    # --- writes -----------------------------------------------------------------------------
    @cached_property
    def ape(self) -> ContractInstance:
        """This contract as an Ape contract instance (connects Ape on first use)."""
        self.connection.ape_provider()
        return ape_instance(self.kind, self.address, self.abi)

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
        """Send ``fn(*args)`` from ``sender`` (no simulation: see :func:`modelgov.chain.tx.send`).

        Raises:
            ModelGovError: it reverted.
        """
        from ape.exceptions import ApeException

        from modelgov.chain.reverts import revert_data

        extra = {"value": int(value)} if value else {}
        try:
            # by name: a function called like an Ape address attribute (``delegate``, ``nonce``)
            # is not reachable as ``getattr(self.ape, fn)``
            receipt: ReceiptAPI = self.ape.invoke_transaction(fn, *args, sender=sender, **extra)
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

    def logs(self, event: str, from_block: int = 0, to_block: int | str = "latest",
             topics: Sequence[str | None] = ()) -> list[ChainEvent]:
        """This contract's ``event`` logs in a block range (``eth_getLogs``, decoded with the ABI);
        ``topics``: values of the indexed arguments to match (0x + 64 hex; None: any).

        Raises:
            ChainError: the node refused the range or a log does not decode.
        """
        from modelgov.chain.events import EventDecoder

        decoder = EventDecoder({self.kind: (self.address, self.abi)})
        topic = next((e.topic for e in decoder._by_key.values() if e.name == event), None)
        if topic is None:
            raise ChainError(f"{self.kind} has no event {event}")
        raw = self.connection.rpc.request("eth_getLogs", [{
            "address": self.address, "topics": ["0x" + topic.hex(), *topics],
            "fromBlock": hex(int(from_block)),
            "toBlock": to_block if isinstance(to_block, str) else hex(int(to_block))}])
        if not isinstance(raw, list):
            raise ChainError(f"eth_getLogs: malformed JSON-RPC answer for {self.kind}.{event}")
        out = []
        for log in raw:
            decoded = decoder.decode({
                "address": log["address"], "topics": [bytes.fromhex(t[2:]) for t in log["topics"]],
                "data": bytes.fromhex(log["data"][2:]), "blockNumber": int(log["blockNumber"], 16),
                "blockHash": bytes.fromhex(log["blockHash"][2:]),
                "transactionHash": bytes.fromhex(log["transactionHash"][2:]),
                "logIndex": int(log["logIndex"], 16)})
            if decoded is not None:
                out.append(decoded)
        return out

    def events(self, receipt: ReceiptAPI, name: str) -> list[dict[str, Any]]:
        """The ``name`` events this contract emitted in ``receipt``, as argument dicts (decoded
        from the raw logs with the shipped ABI: no dependence on what Ape knows of the address)."""
        from modelgov.chain.events import EventDecoder

        decoder = EventDecoder({self.kind: (self.address, self.abi)})
        out = []
        for log in receipt.logs:
            if str(log["address"]).lower() != self.address.lower():
                continue
            decoded = decoder.decode({**log, "blockNumber": int(log.get("blockNumber") or 0),
                                      "blockHash": bytes(log.get("blockHash") or b""),
                                      "transactionHash": bytes(log.get("transactionHash") or b""),
                                      "logIndex": int(log.get("logIndex") or 0)})
            if decoded is not None and decoded.name == name:
                out.append(decoded.args)
        return out


class Manager:
    """What every contract manager of the client shares (``gov.registry``, ``gov.treasury``,
    ``gov.oracle``, tokens): its contract handle, the client whose account signs by default,
    and how a write's signer is chosen."""

    def __init__(self, handle: ContractHandle, client: ModelGov | None = None) -> None:
        self.handle = handle
        self.client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.address}>"

    @property
    def address(self) -> str:
        return self.handle.address

    def signer(self, sender: AccountAPI | None = None) -> AccountAPI:
        """``sender``, or the client's account when None.

        Raises:
            ValidationError: neither is there.
        """
        if sender is not None:
            return sender
        if self.client is None:
            raise ValidationError("no signing account: pass sender=")
        return self.client.account
