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
# compile once, before the two halves run side by side (neither then writes the build)
ape compile >/dev/null
# The two halves share nothing (own anvil / nodes on free ports, own temp state), so they run
# side by side on the two cores; the unit half's output is shown when both are done.
unit_log=$(mktemp)
python -m pytest tests/unit -q -p no:ape_test >"$unit_log" 2>&1 &
unit_pid=$!
trap 'kill "$unit_pid" 2>/dev/null || true; rm -f "$unit_log"' EXIT
echo "== ape test (contracts, chain, CLI); pytest tests/unit runs beside it (PID $unit_pid) =="
set +e
ape test tests --ignore=tests/unit -q "$@"
ape_rc=$?
wait "$unit_pid"
unit_rc=$?
set -e
echo "== pytest tests/unit (pure Python, storage) =="
cat "$unit_log"
echo "== test suite took $(( $(date +%s) - start )) s =="
if [ "$ape_rc" -ne 0 ] || [ "$unit_rc" -ne 0 ]; then
  echo "== FAILED: ape test exit $ape_rc, pytest tests/unit exit $unit_rc ==" >&2
  exit 1
fi
