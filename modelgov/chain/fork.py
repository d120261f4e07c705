"""A throwaway anvil fork of any network, for ``modelgov proposal simulate --fork-url``.

:func:`fork_client` starts ``anvil --fork-url URL [--fork-block-number N]`` bound to
127.0.0.1 on a free port (through the one service start/stop of
:mod:`modelgov.devnet.services`: the PID it started is recorded and only that PID is stopped),
waits until it answers ``eth_chainId``, connects Ape to it and loads the deployment of
``--network`` into a client. The fork is stopped when the client closes, whatever happened.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.devnet.services import ServiceSpec


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rpc_probe(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        import httpx

        try:
            r = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                      "params": []}, timeout=1.0)
        except httpx.HTTPError:
            return False
        return r.status_code == 200 and "result" in r.text

    return probe


def fork_spec(fork_url: str, block: int | None = None, port: int | None = None) -> ServiceSpec:
    """The service description of an anvil fork of ``fork_url`` on 127.0.0.1:``port``."""
    from modelgov.devnet.anvil import _anvil_binary
    from modelgov.devnet.services import ServiceSpec

    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"

    def command(folder: Path) -> list[str]:
        argv = [_anvil_binary(), "--host", "127.0.0.1", "--port", str(port),
                "--fork-url", fork_url, "--hardfork", "cancun"]
        if block is not None:
            argv += ["--fork-block-number", str(block)]
        return argv

    return ServiceSpec(name=f"anvil-fork-{port}", url=url, command=command, probe=_rpc_probe(url),
                       timeout=60)


@contextmanager
def fork_client(network: str | None, fork_url: str, block: int | None = None) -> Iterator[ModelGov]:
    """Fork ``fork_url`` locally and yield a client on the fork with ``network``'s deployment.
    Impersonation, balances and snapshots work there as on the local chain.

    Raises:
        InsecureEndpointError: a plain-HTTP fork URL outside loopback (see ``check_rpc_choice``).
        ServiceError: anvil did not start or the fork URL did not answer.
        DeploymentNotFoundError: no deployment for ``network``.
    """
    from modelgov.chain.ape_env import check_rpc_choice, prepare_environment
    from modelgov.chain.client import Deployment, ModelGov
    from modelgov.chain.connection import network_name
    from modelgov.devnet.services import start, stop

    check_rpc_choice(fork_url)
    deployment = Deployment.read(network_name(network))  # fail before starting anything
    spec = fork_spec(fork_url, block)
    start(spec)
    try:
        prepare_environment()
        from ape import networks

        from modelgov.chain.ape_env import _configure_ape_logging

        _configure_ape_logging()
        with networks.parse_network_choice("ethereum:local:foundry",
                                           provider_settings={"host": spec.url}), \
                ModelGov(None, deployment=deployment) as gov:
            yield gov
    finally:
        stop(spec)
