"""Copy the suite's contract ABIs from Ape's build into the Python package (``modelgov/chain/abi``).

A user with ``pip install modelgov`` and a deployments file then uses a deployed suite without
compiling the checkout. ``tests/test_project_layout.py`` fails when the shipped ABIs differ from
the compiled contracts: run ``python tools/export_abis.py`` after changing a contract.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelgov.chain.abi import ABI_DIR, SHIPPED  # noqa: E402


def compiled_abis() -> dict[str, list[dict[str, object]]]:
    """Name → ABI of each shipped contract, from the project's compiled build (compiles if needed)."""
    from modelgov.chain.ape_env import project

    p = project()
    return {name: [json.loads(a.model_dump_json(by_alias=True, exclude_none=True))
                   for a in getattr(p, name).contract_type.abi] for name in SHIPPED}


def main() -> int:
    for name, abi in compiled_abis().items():
        (ABI_DIR / f"{name}.json").write_text(json.dumps(abi, indent=1, sort_keys=True) + "\n")
        print(f"wrote modelgov/chain/abi/{name}.json ({len(abi)} entries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
