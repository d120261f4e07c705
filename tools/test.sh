#!/usr/bin/env bash
# The full test suite: contracts, chain wrappers and CLI through `ape test`; pure-Python
# packages (CIDs, manifests, storage) through pytest. Fails on the first failing part.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
echo "== slither gate (our contracts: no High/Medium, every Low/Info triaged) =="
python tools/slither_gate.py
echo "== lint (ruff, mypy strict) =="
bash tools/lint.sh
# before Ape loads the project: a build made from other contract sources is dropped (ape_env.py)
python -c "from modelgov.chain.ape_env import drop_stale_build, isolate_ape_compiles; from modelgov.paths import CHECKOUT_ROOT as r; isolate_ape_compiles(r); drop_stale_build(r)"
echo "== ape test (contracts, chain, CLI) =="
ape test tests --ignore=tests/unit -q "$@"
echo "== pytest tests/unit (pure Python, storage) =="
python -m pytest tests/unit -q -p no:ape_test
echo "== test suite took $(( $(date +%s) - start )) s =="
