"""The one rule for remote endpoints (IPFS RPC, Arweave gateway, chain RPC): plain HTTP (or ws)
is only for loopback, unless the user explicitly allows it (an option, or
``MODELGOV_ALLOW_INSECURE_HTTP=1``).
"""

from __future__ import annotations

import ipaddress
import os

from modelgov.errors import InsecureEndpointError

INSECURE_ENV = "MODELGOV_ALLOW_INSECURE_HTTP"
_TRUE = ("1", "true", "yes")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def insecure_allowed(explicit: bool | None = None, *extra_env: str) -> bool:
    """Whether plain HTTP outside loopback was allowed: ``explicit``, else the environment."""
    if explicit:
        return True
    return any(os.environ.get(name, "").lower() in _TRUE for name in (INSECURE_ENV, *extra_env))


def check_transport(scheme: str, host: str, what: str, *, allowed: bool, how: str) -> None:
    """Refuse ``http``/``ws`` to a non-loopback ``host`` unless ``allowed``.

    Args:
        what: names the endpoint in the message (``IPFS API http://…``).
        how: says how to allow it (``--allow-insecure or MODELGOV_ALLOW_INSECURE_HTTP=1``).

    Raises:
        InsecureEndpointError: refused.
    """
    if scheme.lower() in ("http", "ws") and not is_loopback(host) and not allowed:
        raise InsecureEndpointError(
            f"refusing plain-HTTP {what} outside loopback; use https or allow it explicitly ({how})"
        )
