"""The long-running local chain (anvil) behind ``--network local`` for the CLI.

``ape test`` starts its own anvil; the CLI and ``make demo`` use this one so that state survives
between commands. It binds 127.0.0.1:8545, uses Ape's test mnemonic (so ``TEST::n`` accounts are
funded) and keeps its state in ``<state>/anvil/state.json`` across restarts.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

from modelgov.devnet.services import ServiceSpec, ServiceStatus, start, status, stop
from modelgov.errors import ServiceError
from modelgov.paths import CHECKOUT_ROOT

#: URL of the long-running local chain started by ``modelgov chain start``.
LOCAL_RPC = "http://127.0.0.1:8545"
TEST_MNEMONIC = "test test test test test test test test test test test junk"


def _rpc_url() -> str:
    return os.environ.get("MODELGOV_RPC", LOCAL_RPC)


def _anvil_binary() -> str:
    found = shutil.which("anvil") or str(CHECKOUT_ROOT / ".venv" / "bin" / "anvil")
    if not Path(found).exists():
        raise ServiceError("anvil not found; run `make setup`")
    return found


def _probe() -> bool:
    import httpx

    try:
        response = httpx.post(
            _rpc_url(),
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            timeout=1.0,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and "result" in response.text


def spec() -> ServiceSpec:
    """The anvil service description (port taken from ``$MODELGOV_RPC``, default 8545)."""
    url = urlparse(_rpc_url())
    if url.hostname not in ("127.0.0.1", "localhost"):
        raise ServiceError(f"the local chain must be on loopback, not {url.hostname}")

    def command(folder: Path) -> list[str]:
        return [
            _anvil_binary(),
            "--host", "127.0.0.1",
            "--port", str(url.port or 8545),
            "--mnemonic", TEST_MNEMONIC,
            "--accounts", "10",
            "--hardfork", "cancun",
            "--state", str(folder / "state.json"),
        ]

    return ServiceSpec(name="anvil", url=_rpc_url(), command=command, probe=_probe, timeout=30)


def start_chain() -> ServiceStatus:
    """Start the local chain unless it already answers (idempotent)."""
    return start(spec())


def stop_chain() -> bool:
    """Stop the local chain started by :func:`start_chain` (its state is saved on exit)."""
    return stop(spec())


def chain_status() -> ServiceStatus:
    """Whether the local chain runs and answers."""
    return status(spec())


def warp(seconds: int) -> int:
    """Advance the local chain's time by ``seconds`` and mine a block; returns the new timestamp.

    Raises:
        ServiceError: the local chain does not answer.
    """
    import httpx

    def rpc(method: str, params: list[object]) -> object:
        try:
            r = httpx.post(_rpc_url(), json={"jsonrpc": "2.0", "id": 1, "method": method,
                                             "params": params}, timeout=10)
        except httpx.HTTPError as exc:
            raise ServiceError(f"local chain at {_rpc_url()} is not reachable: {exc}") from None
        return r.json().get("result")

    rpc("evm_increaseTime", [seconds])
    rpc("evm_mine", [])
    block = rpc("eth_getBlockByNumber", ["latest", False])
    return int(block["timestamp"], 16)  # type: ignore[index]
