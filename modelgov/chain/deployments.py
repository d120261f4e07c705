"""Reading and writing ``deployments/<network>.json``: how the CLI finds contracts.

The file holds addresses, the block, the chain id and the parameters of a deployment; never keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from modelgov.errors import DeploymentNotFoundError


def deployments_dir() -> Path:
    """``$MODELGOV_DEPLOYMENTS`` or ``./deployments``."""
    return Path(os.environ.get("MODELGOV_DEPLOYMENTS") or Path.cwd() / "deployments")


def deployment_path(network: str) -> Path:
    """The file for a network choice (``ethereum:local:foundry`` → ``local.json``)."""
    parts = [p for p in network.split(":") if p]
    name = parts[1] if len(parts) >= 2 else (parts[0] if parts else "local")
    ecosystem = parts[0] if len(parts) >= 2 else "ethereum"
    stem = name if ecosystem == "ethereum" else f"{ecosystem}-{name}"
    return deployments_dir() / f"{stem}.json"


def write_deployment(network: str, record: dict[str, Any]) -> Path:
    """Write the record for ``network`` (atomically) and return its path."""
    path = deployment_path(network)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def read_deployment(network: str) -> dict[str, Any]:
    """Read the record for ``network``.

    Raises:
        DeploymentNotFoundError: no file, or it is not a deployment record.
    """
    path = deployment_path(network)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise DeploymentNotFoundError(
            f"no deployment for {network} at {path}; run `modelgov deploy --network {network}`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise DeploymentNotFoundError(f"{path} is not valid JSON: {exc.msg}") from exc
    if not isinstance(record, dict) or not isinstance(record.get("contracts"), dict):
        raise DeploymentNotFoundError(f"{path} has no 'contracts' table")
    return record
