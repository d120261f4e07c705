"""Deploy on a network and record it: what ``modelgov deploy`` and ``ape run deploy`` do."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from modelgov.chain.ape_env import connect, load_account
from modelgov.chain.connection import network_name
from modelgov.chain.deploy import LOCAL_PARAMS, SuiteParams, deploy_suite
from modelgov.chain.deployments import write_deployment
from modelgov.errors import ValidationError


def parse_param_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` pairs into typed :class:`SuiteParams` overrides.

    Raises:
        ValidationError: malformed pair, unknown name, or a value of the wrong type.
    """
    types = {f.name: f.type for f in fields(SuiteParams)}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(f"--param expects NAME=VALUE, got {pair!r}")
        if name not in types:
            raise ValidationError(f"unknown deployment parameter {name!r}")
        if "int" in str(types[name]):
            try:
                out[name] = int(value.replace("_", ""), 0)
            except ValueError as exc:
                raise ValidationError(f"{name} must be an integer, got {value!r}") from exc
        else:
            out[name] = value
    return out


def deploy_and_record(
    network: str | None,
    account: str | None,
    overrides: dict[str, Any] | None = None,
    *,
    local_periods: bool = False,
) -> dict[str, Any]:
    """Deploy the suite with ``account`` on ``network`` and write ``deployments/<network>.json``.

    Returns:
        The written record plus its ``path``.
    """
    from ape import chain

    name = network_name(network)
    base = LOCAL_PARAMS if local_periods else SuiteParams()
    params = base.with_overrides(**(overrides or {}))
    with connect(name):
        deployer = load_account(account)
        suite = deploy_suite(deployer, params)
        record = suite.to_record(chain.chain_id)
        path = write_deployment(name, record)
    return {**record, "path": str(path)}
