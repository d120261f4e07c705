"""A connected chain session: network + deployed suite + signing account, for CLI commands.

Every chain command opens one with :func:`open_session`; this is the one place that combines
``ape_env.connect``, ``deployments.read_deployment``, ``deploy.load_suite`` and
``ape_env.load_account``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from modelgov.chain.ape_env import connect, load_account, network_name
from modelgov.chain.deploy import Suite, load_suite
from modelgov.chain.deployments import read_deployment


@dataclass
class ChainSession:
    """What a chain command works with."""

    network: str
    provider: Any
    suite: Suite
    account: Any  # the signing Ape account (None for read-only commands)


@contextmanager
def open_session(
    network: str | None, account: str | None = None, *, sign: bool = True
) -> Iterator[ChainSession]:
    """Connect to ``network``, load its deployment, and the signing account if ``sign``.

    Raises:
        ChainError: the network does not answer.
        DeploymentNotFoundError: no deployment file, or it is stale.
        ConfigError: unknown account alias.
    """
    name = network_name(network)
    with connect(name) as provider:
        suite = load_suite(read_deployment(name))
        signer = load_account(account) if sign else None
        yield ChainSession(network=name, provider=provider, suite=suite, account=signer)
