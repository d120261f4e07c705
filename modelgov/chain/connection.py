"""How the client reaches a chain: a fast JSON-RPC reader, and Ape (for signing) on demand.

The one place that decides which endpoint a network choice means:
- inside an Ape connection (``ape test``, the demo): its provider;
- ``local``: the anvil of ``modelgov chain start`` (``$MODELGOV_RPC``), started on demand;
- an ``http(s)://`` URL in the choice: that URL (plain HTTP only on loopback);
- any other Ape network choice: Ape connects, and its provider's endpoint is used.
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from typing import TYPE_CHECKING

from modelgov.chain.rpc import Rpc
from modelgov.errors import ChainError

if TYPE_CHECKING:
    from ape.api import ProviderAPI

DEFAULT_NETWORK = "ethereum:local:foundry"
_URL = re.compile(r"(?i)\bhttps?://\S+")


def network_name(choice: str | None) -> str:
    """Normalise a network choice (``local``, ``ethereum:local:foundry``, ``sepolia``...)."""
    if not choice or choice == "local":
        return DEFAULT_NETWORK
    return choice


def local_rpc_url() -> str:
    from modelgov.devnet.anvil import LOCAL_RPC

    return os.environ.get("MODELGOV_RPC", LOCAL_RPC)


class Connection:
    """A network choice, connected lazily: :attr:`rpc` for reads, :meth:`ape_provider` for writes."""

    def __init__(self, network: str | None = None) -> None:
        from modelgov.chain.ape_env import check_rpc_choice

        self.network = network_name(network)
        check_rpc_choice(self.network)
        self._rpc: Rpc | None = None
        self._stack = ExitStack()
        self._provider: ProviderAPI | None = None

    @staticmethod
    def _active_provider() -> ProviderAPI | None:
        import sys

        if "ape" not in sys.modules:  # Ape not loaded: certainly not connected
            return None
        from ape import networks

        provider = networks.active_provider
        return provider if provider is not None and provider.is_connected else None

    @property
    def rpc(self) -> Rpc:
        """The reader. Raises: ChainError: no endpoint for this network."""
        if self._rpc is None:
            self._rpc = Rpc(self._endpoint())
        return self._rpc

    def _endpoint(self) -> str:
        provider = self._active_provider()
        if provider is not None:
            return _provider_uri(provider)
        if self.network == DEFAULT_NETWORK:
            from modelgov.devnet.anvil import start_chain

            start_chain()  # the persistent local chain, started on demand (idempotent)
            return local_rpc_url()
        match = _URL.search(self.network)
        if match is not None:
            return match.group(0)
        return _provider_uri(self.ape_provider())

    def ape_provider(self) -> ProviderAPI:
        """Ape connected to this network (connects on first use; reuses an active connection).

        Raises:
            ChainError: the network is unknown or does not answer.
        """
        if self._provider is not None:
            return self._provider
        provider = self._active_provider()
        if provider is None:
            from modelgov.chain.ape_env import connect

            provider = self._stack.enter_context(connect(self.network))
        self._provider = provider
        return provider

    @property
    def chain_id(self) -> int:
        return self.rpc.chain_id

    def close(self) -> None:
        """Disconnect what this connection opened (never an Ape connection it found open)."""
        if self._rpc is not None:
            self._rpc.close()
            self._rpc = None
        self._provider = None
        self._stack.close()


def _provider_uri(provider: ProviderAPI) -> str:
    uri = getattr(provider, "http_uri", None) or getattr(provider, "uri", None)
    if not uri or not str(uri).startswith("http"):
        raise ChainError(f"the connected provider {provider.name} has no HTTP endpoint")
    return str(uri)
