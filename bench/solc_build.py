"""Compile benchmark reference contracts with solc standard JSON (cached under bench/data/).

The project's own contracts are compiled by Ape; the references beside them in the gas benchmark
(OZ-Wizard-style governors in bench/contracts/, EAS from npm) are compiled here, directly:

* solc 0.8.28 through the project's shim ``tools/solc-shim.cjs`` (same settings as ape-config.yaml:
  optimizer on, runs 200, evmVersion cancun);
* solc 0.8.29 (EAS pins it exactly) through ``bench/solcjs.cjs solc-0.8.29`` (npm alias
  ``solc-0.8.29`` = ``npm:solc@0.8.29``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "data" / "solc-cache"
OZ_REMAP = "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"

SOLC_0_8_28 = ["node", str(ROOT / "tools" / "solc-shim.cjs"), "--standard-json", "--base-path", str(ROOT)]
SOLC_0_8_29 = ["node", str(ROOT / "bench" / "solcjs.cjs"), "solc-0.8.29", "--base-path", str(ROOT)]

SELECTION = {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}}


@dataclass
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # creation code, 0x...
    runtime: str  # deployed code, 0x...

    @property
    def runtime_size(self) -> int:
        return (len(self.runtime) - 2) // 2


@dataclass
class BuildResult:
    artifacts: dict[str, Artifact]
    seconds: float
    cached: bool
    settings: dict[str, Any]


def settings(runs: int = 200, evm_version: str = "cancun", via_ir: bool = False,
             bytecode_hash: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {
        "optimizer": {"enabled": True, "runs": runs},
        "evmVersion": evm_version,
        "remappings": [OZ_REMAP],
        "outputSelection": SELECTION,
    }
    if via_ir:
        s["viaIR"] = True
    if bytecode_hash:
        s["metadata"] = {"bytecodeHash": bytecode_hash}
    return s


def compile_sources(paths: list[Path], cfg: dict[str, Any], compiler: list[str],
                    generated: dict[str, str] | None = None) -> BuildResult:
    """Compile ``paths`` (files under the checkout, imports resolved by the compiler's callback)
    and the ``generated`` sources (``{source name: Solidity}``, made in memory)."""
    sources = {_source_name(p): {"content": p.read_text()} for p in paths}
    sources.update({name: {"content": text} for name, text in (generated or {}).items()})
    std_input = {"language": "Solidity", "sources": sources, "settings": cfg}
    text = json.dumps(std_input, sort_keys=True)
    # Key on the input, the compiler command and every imported file's content (OZ/EAS versions).
    key_src = text + "\0" + " ".join(compiler[:3]) + "\0" + _dependency_fingerprint()
    key = hashlib.sha256(key_src.encode()).hexdigest()[:24]
    cache_file = CACHE / f"{key}.json"
    t0 = time.perf_counter()
    cached = cache_file.exists()
    if cached:
        out = json.loads(cache_file.read_text())
    else:
        proc = subprocess.run(compiler, input=text, capture_output=True, text=True, cwd=ROOT, check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"solc failed ({proc.returncode}): {proc.stderr.strip()[:2000]}")
        out = json.loads(proc.stdout)
        errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise RuntimeError("solc errors:\n" + "\n".join(e.get("formattedMessage", e["message"]) for e in errors))
        CACHE.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps(out))
    arts: dict[str, Artifact] = {}
    for _unit, contracts in out.get("contracts", {}).items():
        for name, c in contracts.items():
            code = c["evm"]["bytecode"]["object"]
            if not code:
                continue  # interfaces / abstract contracts
            arts[name] = Artifact(name, c["abi"], "0x" + code, "0x" + c["evm"]["deployedBytecode"]["object"])
    return BuildResult(arts, time.perf_counter() - t0, cached, cfg)


def _source_name(path: Path) -> str:
    """``path`` relative to the checkout, without following symlinks (a worktree's
    ``node_modules`` may be a link to another checkout's)."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return str(absolute.relative_to(ROOT))
    except ValueError:
        return str(path.resolve().relative_to(ROOT))


def _dependency_fingerprint() -> str:
    parts = []
    for pkg in ("@openzeppelin/contracts", "@ethereum-attestation-service/eas-contracts", "solc", "solc-0.8.29"):
        pj = ROOT / "node_modules" / pkg / "package.json"
        parts.append(f"{pkg}@{json.loads(pj.read_text())['version']}" if pj.exists() else f"{pkg}@-")
    return ",".join(parts)


def package_version(pkg: str) -> str:
    pj = ROOT / "node_modules" / pkg / "package.json"
    return json.loads(pj.read_text())["version"] if pj.exists() else "?"
