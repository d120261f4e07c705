"""Read the suite's event logs straight from the node (``eth_getLogs``) and decode them.

The one place logs are fetched and decoded for the indexer and the bench: one ``eth_getLogs``
per block range for every contract of the suite, decoded with ``eth_abi`` against the contracts'
own ABIs (so a changed or new event is decoded without code changes here). No Ape query
machinery: a range of 2,000 blocks is one RPC call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eth_utils.crypto import keccak

from modelgov.errors import ChainError

if TYPE_CHECKING:  # pragma: no cover
    from eth_typing import ChecksumAddress
    from web3 import Web3
    from web3.types import LogReceipt

    from modelgov.chain.deploy import Suite
    from modelgov.chain.rpc import Rpc

#: blocks per ``eth_getLogs`` of :func:`rpc_logs` (public nodes cap the range)
LOG_RANGE = 10_000


@dataclass(frozen=True)
class EventAbi:
    """One event of one contract: its topic, and how to decode it."""

    contract: str  # the suite's name for the contract: registry, governor, ...
    name: str
    topic: bytes
    inputs: tuple[tuple[str, str, bool], ...]  # (name, canonical type, indexed)


@dataclass(frozen=True)
class ChainEvent:
    """A decoded log, with where it sits on the chain."""

    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    contract: str
    address: str
    name: str
    args: dict[str, Any]


def canonical_type(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a JSON ABI parameter (tuples spelled out: ``(bytes,uint256)[]``)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


def event_abis(contract: str, abi: Iterable[Mapping[str, Any]]) -> list[EventAbi]:
    """The events of one contract's ABI (JSON ABI items)."""
    found = []
    for item in abi:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        inputs = tuple((str(i["name"]), canonical_type(i), bool(i.get("indexed"))) for i in item["inputs"])
        signature = f"{item['name']}({','.join(t for _, t, _ in inputs)})"
        found.append(EventAbi(contract, str(item["name"]), keccak(text=signature), inputs))
    return found


def _plain(value: Any) -> Any:
    """ABI values as JSON-able Python: bytes → 0x hex, addresses checksummed, tuples → lists."""
    from eth_utils.address import is_hex_address, to_checksum_address

    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and len(value) == 42 and is_hex_address(value):
        return to_checksum_address(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class EventDecoder:
    """Decodes logs of a fixed set of contracts (address → name, name → ABI)."""

    def __init__(self, contracts: Mapping[str, tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
        """``contracts``: suite name → (address, JSON ABI)."""
        self.names = {addr.lower(): name for name, (addr, _) in contracts.items()}
        self.addresses = [addr for addr, _ in contracts.values()]
        self._by_key: dict[tuple[str, bytes], EventAbi] = {}
        for name, (addr, abi) in contracts.items():
            for ev in event_abis(name, abi):
                self._by_key[(addr.lower(), ev.topic)] = ev

    def decode(self, log: Mapping[str, Any]) -> ChainEvent | None:
        """The decoded event, or None for a log of an event this decoder does not know."""
        from eth_abi.abi import decode

        address = str(log["address"]).lower()
        topics = [bytes(t) for t in log["topics"]]
        if not topics:
            return None
        ev = self._by_key.get((address, topics[0]))
        if ev is None:
            return None
        args: dict[str, Any] = {}
        indexed = [(n, t) for n, t, i in ev.inputs if i]
        plain = [(n, t) for n, t, i in ev.inputs if not i]
        for (name, kind), topic in zip(indexed, topics[1:], strict=False):
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                args[name] = "0x" + topic.hex()  # dynamic indexed values are stored hashed
            else:
                args[name] = _plain(decode([kind], topic)[0])
        try:
            values = decode([t for _, t in plain], bytes(log["data"])) if plain else ()
        except Exception as exc:  # a log that does not match its ABI: not ours to trust
            raise ChainError(f"undecodable {ev.name} log at block {log['blockNumber']}: {exc}") from None
        for (name, _), value in zip(plain, values, strict=True):
            args[name] = _plain(value)
        return ChainEvent(
            block_number=int(log["blockNumber"]),
            block_hash="0x" + bytes(log["blockHash"]).hex(),
            tx_hash="0x" + bytes(log["transactionHash"]).hex(),
            log_index=int(log["logIndex"]),
            contract=ev.contract,
            address=str(log["address"]),
            name=ev.name,
            args=args,
        )


def fetch_logs(web3: Web3, addresses: Sequence[str], from_block: int,
               to_block: int) -> list[LogReceipt]:
    """Every log of ``addresses`` in ``[from_block, to_block]``, in chain order (one RPC call).

    Raises:
        ChainError: the node refused the query.
    """
    if to_block < from_block:
        return []
    try:
        # the node takes any hex address; web3's filter type only names checksummed ones
        logs = web3.eth.get_logs({"address": cast("list[ChecksumAddress]", list(addresses)),
                                  "fromBlock": from_block, "toBlock": to_block})
    except Exception as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ChainError(f"eth_getLogs {from_block}..{to_block} failed: {detail}") from None
    return sorted(logs, key=lambda lg: (int(lg["blockNumber"]), int(lg["logIndex"])))


def rpc_logs(rpc: Rpc, address: str, from_block: int, to_block: int,
             topics: Sequence[bytes | None] = ()) -> list[dict[str, Any]]:
    """The logs of ``address`` in ``[from_block, to_block]`` matching ``topics`` (None: any),
    in chain order, over :class:`~modelgov.chain.rpc.Rpc` (no Ape): one ``eth_getLogs`` per
    :data:`LOG_RANGE` blocks, all sent in one JSON-RPC batch. Returned as :class:`EventDecoder`
    takes them (bytes and ints).

    Raises:
        ChainError, NodeUnreachableError: the node refused the query.
    """
    if to_block < from_block:
        return []
    wanted = ["0x" + t.hex() if t is not None else None for t in topics]
    ranges = [(lo, min(lo + LOG_RANGE - 1, to_block)) for lo in range(from_block, to_block + 1, LOG_RANGE)]
    out: list[dict[str, Any]] = []
    for answer in rpc.batch([("eth_getLogs", [{"address": address, "fromBlock": hex(lo), "toBlock": hex(hi),
                                               "topics": wanted}]) for lo, hi in ranges]):
        if isinstance(answer, Exception):
            raise ChainError(f"eth_getLogs {from_block}..{to_block} failed: {answer}")
        for log in answer:
            out.append({"address": str(log["address"]),
                        "topics": [bytes.fromhex(str(t)[2:]) for t in log["topics"]],
                        "data": bytes.fromhex(str(log["data"])[2:]),
                        "blockNumber": int(log["blockNumber"], 16), "logIndex": int(log["logIndex"], 16),
                        "blockHash": bytes.fromhex(str(log["blockHash"])[2:]),
                        "transactionHash": bytes.fromhex(str(log["transactionHash"])[2:])})
    return sorted(out, key=lambda lg: (int(lg["blockNumber"]), int(lg["logIndex"])))


def suite_contracts(suite: Suite) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """``name → (address, JSON ABI)`` for every deployed contract of a loaded suite."""
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for name in suite.CONTRACTS:
        contract = getattr(suite, name, None)
        if contract is None:
            continue
        abi = [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]
        found[name] = (str(contract.address), abi)
    return found
