#!/usr/bin/env bash
# Static checks: ruff (lint + import order) and mypy (strict, files from pyproject.toml).
# Runs from the checkout root with the project's .venv; exits non-zero if either finds anything.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/ruff ] && PATH="$PWD/.venv/bin:$PATH"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

status=0
run() {
    local name=$1
    shift
    local t0=$SECONDS
    echo "== $name: $*"
    if "$@"; then
        echo "== $name: clean in $((SECONDS - t0)) s"
    else
        echo "== $name: findings (after $((SECONDS - t0)) s)"
        status=1
    fi
}

run ruff ruff check modelgov tests bench tools
run mypy mypy
exit $status
