"""The suite's contract ABIs, shipped inside the package (written by ``tools/export_abis.py``).

Nothing here needs Ape or a compiler: a deployed suite is usable from ``pip install modelgov``
and a deployments file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ABI_DIR = Path(__file__).resolve().parent

#: The contracts whose ABIs ship with the package.
SHIPPED = ("GovernanceToken", "ModelTimelock", "ModelGovernor", "ModelRegistry", "GrantTreasury",
           "InferenceOracle", "ModelConsumer", "DaoRegistration", "WeightsBoundVerifier",
           "WeightsBoundVerifierFactory")


@cache
def load_abi(name: str) -> tuple[dict[str, Any], ...]:
    """The ABI of contract ``name`` (one of :data:`SHIPPED`).

    Raises:
        KeyError: not a shipped contract.
    """
    if name not in SHIPPED:
        raise KeyError(name)
    entries: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text())
    return tuple(entries)
