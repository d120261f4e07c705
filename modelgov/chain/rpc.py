"""JSON-RPC reads without Ape: ``eth_call`` (one or a batch in one HTTP request), chain id, block.

Read-only commands go through here so they don't pay for loading Ape's network and plugin
machinery (~3 s); inside an Ape connection (tests, the demo, writes) the same reader talks to
the connected provider's endpoint.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from modelgov.errors import ChainError, NodeUnreachableError

TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CallReverted(Exception):
    """An ``eth_call`` reverted; ``data`` is the revert payload (may be empty)."""

    data: bytes
    message: str = ""


@dataclass(frozen=True)
class Call:
    """One ``eth_call``: ``to``, calldata, and optionally ``sender``/``value``."""

    to: str
    data: bytes
    sender: str | None = None
    value: int = 0

    def params(self) -> dict[str, str]:
        out = {"to": self.to, "data": "0x" + self.data.hex()}
        if self.sender:
            out["from"] = self.sender
        if self.value:
            out["value"] = hex(self.value)
        return out


class Rpc:
    """A JSON-RPC endpoint (``url``: http(s), loopback or TLS as the caller checked)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._ids = itertools.count(1)
        self._http = httpx.Client(timeout=TIMEOUT_S)
        self._chain_id: int | None = None

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, params: list[Any]) -> object:
        """One JSON-RPC request: its ``result``, a JSON value (callers narrow it to what the
        method returns).

        Raises:
            NodeUnreachableError: no answer. ChainError: the node answered with an error.
            CallReverted: an ``eth_call`` reverted.
        """
        return _result(self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                                   "params": params}), method)

    def batch(self, requests: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several requests in one HTTP round trip; each item is a result or a
        :class:`CallReverted`/:class:`ChainError` instance (not raised)."""
        if not requests:
            return []
        first = next(self._ids)
        body = [{"jsonrpc": "2.0", "id": first + i, "method": m, "params": p}
                for i, (m, p) in enumerate(requests)]
        for _ in range(len(requests) - 1):
            next(self._ids)
        answer = self._post(body)
        if not isinstance(answer, list):
            raise ChainError(f"RPC {self.url}: batch answered with {type(answer).__name__}")
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        out: list[Any] = []
        for i, (method, _) in enumerate(requests):
            try:
                out.append(_result(by_id.get(first + i, {}), method))
            except (CallReverted, ChainError) as exc:
                out.append(exc)
        return out

    def _post(self, body: Any) -> Any:
        try:
            response = self._http.post(self.url, json=body)
            response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise NodeUnreachableError(f"RPC node {self.url} does not answer: {exc}") from None
        except ValueError as exc:
            raise ChainError(f"RPC node {self.url} answered non-JSON: {exc}") from None

    def call(self, call: Call, block: str = "latest") -> bytes:
        """``eth_call``. Raises: CallReverted, ChainError, NodeUnreachableError."""
        result = self.request("eth_call", [call.params(), block])
        return bytes.fromhex(str(result)[2:])

    def call_many(self, calls: Sequence[Call], block: str = "latest") -> list[bytes | CallReverted]:
        """Many ``eth_call`` in one round trip (a JSON-RPC batch); reverts are returned, not raised.

        Raises:
            ChainError: the node failed a call for another reason than a revert.
        """
        out: list[bytes | CallReverted] = []
        for item in self.batch([("eth_call", [c.params(), block]) for c in calls]):
            if isinstance(item, CallReverted):
                out.append(item)
            elif isinstance(item, ChainError):
                raise item
            else:
                out.append(bytes.fromhex(str(item)[2:]))
        return out

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = _quantity(self.request("eth_chainId", []), "eth_chainId")
        return self._chain_id

    def get_code(self, address: str) -> bytes:
        return bytes.fromhex(str(self.request("eth_getCode", [address, "latest"]))[2:])

    def block_number(self) -> int:
        return _quantity(self.request("eth_blockNumber", []), "eth_blockNumber")

    def timestamp(self, block: str = "latest") -> int:
        header = self.request("eth_getBlockByNumber", [block, False])
        if not isinstance(header, dict):
            raise ChainError(f"eth_getBlockByNumber: no block {block}")
        return _quantity(header.get("timestamp"), "eth_getBlockByNumber")


def _quantity(value: object, method: str) -> int:
    """A JSON-RPC quantity (``0x``-hex string) as an int."""
    if not isinstance(value, str):
        raise ChainError(f"{method}: malformed JSON-RPC answer (expected a hex quantity)")
    return int(value, 16)


def _result(item: Any, method: str) -> Any:
    if not isinstance(item, dict):
        raise ChainError(f"{method}: malformed JSON-RPC answer")
    if item.get("error"):
        err = item["error"]
        message = str(err.get("message", "")) if isinstance(err, dict) else str(err)
        data = err.get("data") if isinstance(err, dict) else None
        if isinstance(data, dict):  # some nodes nest it
            data = data.get("data")
        if method == "eth_call" and ("revert" in message.lower() or isinstance(data, str)):
            raw = b""
            if isinstance(data, str) and data.startswith("0x"):
                try:
                    raw = bytes.fromhex(data[2:])
                except ValueError:
                    raw = b""
            raise CallReverted(raw, message)
        raise ChainError(f"{method}: {' '.join(message.split())[:200]}")
    if "result" not in item:
        raise ChainError(f"{method}: no result in the JSON-RPC answer")
    return item["result"]
