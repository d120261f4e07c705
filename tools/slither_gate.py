#!/usr/bin/env python3
"""Static-analysis gate: Slither over OUR contracts, offline, judged against a triage file.

    python tools/slither_gate.py [--json OUT] [--triage security/slither-triage.yaml]

Fails (exit 1) when, in our code (contracts/*.sol, contracts/interfaces/*.sol):
  * Slither reports any High or Medium finding (these are fixed in code, never triaged);
  * a Low / Informational / Optimization finding is not listed in the triage file
    (detector + Contract.function + one-line reason);
  * Slither analysed fewer of our contracts than our files declare (the silent-zero-results
    pitfall: a broken compile or remapping makes Slither print "0 result(s)" and exit 0);
  * the compile fails, or no detector ran.

What is analysed and why:
  * Our sources only are handed to the compiler; OpenZeppelin (node_modules) is compiled as a
    dependency and its findings are dropped: OZ 5.7 alone yields 6 High / 19 Medium on known,
    reviewed patterns (Governor, Timelock, Math) that we neither own nor can change.
  * contracts/test/ is excluded: those helpers (reentrant token, fee-on-transfer token, mocks) are
    deliberately hostile or naive, are never deployed, and exist to attack our contracts in tests.
  * Inline `// slither-disable...` comments are ignored (show_ignored_findings): every accepted
    finding is visible in the one triage file, with its reason.

Offline: the compiler is tools/solc-shim.cjs (npm solc, wasm); solc-select's launcher in the
venv, which would try to download, is never called.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIM = ROOT / "tools" / "solc-shim.cjs"
OZ = ROOT / "node_modules" / "@openzeppelin" / "contracts"
TRIAGE = ROOT / "security" / "slither-triage.yaml"
#: ours; contracts/test is excluded on purpose
SOURCE_DIRS = ("contracts", "contracts/interfaces", "contracts/examples")
EVM_VERSION = "cancun"  # as ape-config.yaml
OPTIMIZER_RUNS = 200

BLOCKING = ("High", "Medium")
DECL = re.compile(r"^\s*(?:abstract\s+)?(contract|interface|library)\s+([A-Za-z_]\w*)", re.M)


def our_sources() -> list[Path]:
    files: list[Path] = []
    for folder in SOURCE_DIRS:
        files.extend(sorted((ROOT / folder).glob("*.sol")))
    return files


def declared_contracts(files: list[Path]) -> dict[str, str]:
    """name -> relative file, for every contract/interface/library our files declare."""
    out: dict[str, str] = {}
    for f in files:
        text = f.read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # block comments (NatSpec)
        text = re.sub(r"//[^\n]*", "", text)
        for _kind, name in DECL.findall(text):
            out[name] = f.relative_to(ROOT).as_posix()
    return out


def run_slither(files: list[Path]):
    from crytic_compile import CryticCompile
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    standard = SolcStandardJson()
    standard.add_source_files([f.relative_to(ROOT).as_posix() for f in files])
    settings = standard.to_dict()["settings"]
    settings["evmVersion"] = EVM_VERSION
    settings["optimizer"] = {"enabled": True, "runs": OPTIMIZER_RUNS}
    compiled = CryticCompile(
        standard,
        solc=str(SHIM),
        # absolute: a relative remapping can silently compile nothing of OZ twice (TOOLCHAIN.md)
        solc_remaps=[f"@openzeppelin/contracts/={OZ}/"],
        solc_working_dir=str(ROOT),
    )
    slither = Slither(compiled, show_ignored_findings=True)
    detectors = [
        d for d in vars(all_detectors).values()
        if isinstance(d, type) and issubclass(d, AbstractDetector) and d is not AbstractDetector
    ]
    for d in detectors:
        slither.register_detector(d)
    results = [r for per_detector in slither.run_detectors() for r in per_detector]
    return slither, len(detectors), results


def _rel(path: str | None) -> str:
    if not path:
        return ""
    p = Path(path)
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def _is_ours(rel: str) -> bool:
    return rel.startswith("contracts/") and not rel.startswith("contracts/test/")


def _element_file(e: dict) -> str:
    sm = e.get("source_mapping") or {}
    return _rel(sm.get("filename_absolute") or sm.get("filename_relative"))


def _scope(e: dict) -> str:
    """`Contract.function`, `Contract` or `Contract.variable` for a result element."""
    name = e.get("name", "")
    kind = e.get("type")
    parent = (e.get("type_specific_fields") or {}).get("parent") or {}
    if kind == "contract":
        return name
    if kind == "function":
        return f"{parent.get('name', '?')}.{name.split('(')[0]}"
    if kind in ("node", "variable", "event", "struct", "enum", "custom_error", "modifier"):
        if parent.get("type") in ("function", "modifier"):
            return _scope(parent)
        if parent.get("type") == "contract":
            return f"{parent.get('name')}.{name.split('(')[0]}"
        if parent:
            return _scope(parent)
    return name.split("(")[0]


def classify(results: list[dict]) -> list[dict]:
    """Our findings: those whose first element in a source file is in our code."""
    ours = []
    for r in results:
        located = [e for e in r.get("elements", []) if _element_file(e)]
        if not located or not _is_ours(_element_file(located[0])):
            continue
        ours.append({
            "detector": r["check"],
            "impact": r["impact"],
            "confidence": r["confidence"],
            "scope": _scope(located[0]),
            "file": _element_file(located[0]),
            "description": r["description"].strip().splitlines()[0],
        })
    return ours


def load_triage(path: Path) -> list[dict]:
    import yaml

    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("accepted", []) if isinstance(data, dict) else []
    for i, e in enumerate(entries):
        missing = {"detector", "scope", "reason"} - set(e or {})
        if missing:
            raise SystemExit(f"slither-gate: {path.name} entry {i}: missing {sorted(missing)}")
        if not str(e["reason"]).strip():
            raise SystemExit(f"slither-gate: {path.name} entry {i}: empty reason")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triage", type=Path, default=TRIAGE)
    parser.add_argument("--json", type=Path, help="write our findings (with triage status) here")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # slither/crytic-compile chatter; we print a summary
    start = time.monotonic()

    files = our_sources()
    declared = declared_contracts(files)
    try:
        slither, n_detectors, results = run_slither(files)
    except Exception as exc:  # compile errors, shim failures: the gate must not pass silently
        print(f"slither-gate: FAIL: Slither could not analyse our contracts: {exc}", file=sys.stderr)
        return 1

    failures: list[str] = []
    analysed = {
        c.name for c in slither.contracts
        if _is_ours(_rel(c.source_mapping.filename.absolute))
    }
    missing = sorted(set(declared) - analysed)
    if missing or not declared:
        failures.append(f"Slither analysed {len(analysed & set(declared))} of our "
                        f"{len(declared)} contracts; missing: {', '.join(missing) or 'all'}")
    if n_detectors < 50:
        failures.append(f"only {n_detectors} detectors registered")

    ours = classify(results)
    triage = load_triage(args.triage)
    used = [False] * len(triage)
    for f in ours:
        f["triaged"] = None
        if f["impact"] in BLOCKING:
            continue
        for i, e in enumerate(triage):
            if e["detector"] == f["detector"] and e["scope"] == f["scope"]:
                f["triaged"] = str(e["reason"]).strip()
                used[i] = True
                break

    before = Counter(f["impact"] for f in ours)
    after = Counter(f["impact"] for f in ours if not f["triaged"])
    order = ("High", "Medium", "Low", "Informational", "Optimization")
    print(f"slither-gate: {len(analysed)} of our contracts analysed ({', '.join(sorted(analysed))}); "
          f"{n_detectors} detectors; {len(results)} results in total, {len(ours)} in our code")
    print("slither-gate: our findings   " + "  ".join(f"{k} {before.get(k, 0)}" for k in order))
    print("slither-gate: after triage   " + "  ".join(f"{k} {after.get(k, 0)}" for k in order))
    for f in ours:
        if f["triaged"]:
            continue
        what = "must be fixed" if f["impact"] in BLOCKING else "not in the triage file"
        failures.append(f"[{f['impact']}] {f['detector']} {f['scope']} ({what}): {f['description']}")
    for i, e in enumerate(triage):
        if not used[i]:
            print(f"slither-gate: note: stale triage entry {e['detector']} {e['scope']}")

    if args.json:
        args.json.write_text(json.dumps({"analysed": sorted(analysed), "findings": ours}, indent=2))
    elapsed = time.monotonic() - start
    if failures:
        for line in failures:
            print(f"slither-gate: FAIL: {line}", file=sys.stderr)
        print(f"slither-gate: FAILED ({len(failures)} problem(s), {elapsed:.0f} s)", file=sys.stderr)
        return 1
    print(f"slither-gate: OK ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
