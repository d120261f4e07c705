"""tools/slither_gate.py decides correctly (without running Slither: its results are faked)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import slither_gate as gate  # noqa: E402


def _contract(name: str, file: str):
    absolute = str(ROOT / file)
    return types.SimpleNamespace(name=name, source_mapping=types.SimpleNamespace(
        filename=types.SimpleNamespace(absolute=absolute)))


def _result(check: str, impact: str, contract: str, function: str, file: str) -> dict:
    return {
        "check": check, "impact": impact, "confidence": "High",
        "description": f"{contract}.{function}() does something\n",
        "elements": [{
            "type": "function", "name": f"{function}()",
            "source_mapping": {"filename_absolute": str(ROOT / file)},
            "type_specific_fields": {"parent": {"type": "contract", "name": contract}},
        }],
    }


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """Pretend every declared contract was analysed; the test sets the results."""
    declared = gate.declared_contracts(gate.our_sources())
    analysed = [_contract(n, f) for n, f in declared.items()]
    state = {"contracts": analysed, "results": []}
    monkeypatch.setattr(gate, "run_slither", lambda files: (
        types.SimpleNamespace(contracts=state["contracts"]), 102, state["results"]))
    triage = tmp_path / "triage.yaml"
    triage.write_text("accepted:\n  - detector: timestamp\n    scope: GrantTreasury.createGrant\n"
                      "    reason: deadlines\n")
    state["triage"] = ["--triage", str(triage)]
    return state


def test_declared_contracts_ignore_comments() -> None:
    declared = gate.declared_contracts(gate.our_sources())
    assert {"ModelGovernor", "ModelRegistry", "GrantTreasury", "IModelRegistry"} <= set(declared)
    assert not any(f.startswith("contracts/test/") for f in declared.values())


def test_clean_run_passes(fake) -> None:
    assert gate.main(fake["triage"]) == 0


def test_fewer_contracts_analysed_than_declared_fails(fake) -> None:
    fake["contracts"] = fake["contracts"][1:]
    assert gate.main(fake["triage"]) == 1
    fake["contracts"] = []
    assert gate.main(fake["triage"]) == 1


def test_triaged_low_passes_untriaged_low_fails(fake) -> None:
    fake["results"] = [_result("timestamp", "Low", "GrantTreasury", "createGrant",
                               "contracts/GrantTreasury.sol")]
    assert gate.main(fake["triage"]) == 0
    fake["results"].append(_result("timestamp", "Low", "GrantTreasury", "deposit",
                                   "contracts/GrantTreasury.sol"))
    assert gate.main(fake["triage"]) == 1


def test_medium_cannot_be_triaged_and_oz_or_test_helpers_are_ignored(fake) -> None:
    fake["results"] = [_result("timestamp", "Medium", "GrantTreasury", "createGrant",
                               "contracts/GrantTreasury.sol")]
    assert gate.main(fake["triage"]) == 1
    fake["results"] = [
        _result("reentrancy-eth", "High", "Governor", "execute",
                "node_modules/@openzeppelin/contracts/governance/Governor.sol"),
        _result("arbitrary-send-erc20", "High", "FlashVoter", "borrowAndVote",
                "contracts/test/FlashVoter.sol"),
    ]
    assert gate.main(fake["triage"]) == 0
