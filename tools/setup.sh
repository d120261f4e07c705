#!/usr/bin/env bash
# Installs everything modelgov needs, from the project's own files, offline-safe and idempotent:
#   .venv (pyproject.toml), node_modules (package-lock.json), the solc shim where py-solc-x looks,
#   anvil on the venv's PATH. Each step is skipped when its input file has not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
SOLC_VERSION=$(sed -n 's/^  version: \([0-9.]*\).*/\1/p' ape-config.yaml | head -n1)

stamp_of() { sha256sum "$@" | sha256sum | cut -c1-16; }
say() { printf 'setup: %s\n' "$*" >&2; }

# 1. Python venv
want=$(stamp_of pyproject.toml)
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
if [ "$(cat .venv/.modelgov-stamp 2>/dev/null)" != "$want" ]; then
  say "installing Python packages (pyproject.toml)"
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,security]' \
      > .venv/pip-install.log 2>&1; then
    grep -v '^WARNING: Location' .venv/pip-install.log | tail -n 20 >&2
    exit 1
  fi
  echo "$want" > .venv/.modelgov-stamp
fi

# 2. npm toolchain (solcjs, anvil, OpenZeppelin, js-ipfs, arlocal, references)
want=$(stamp_of package.json package-lock.json)
if [ "$(cat node_modules/.modelgov-stamp 2>/dev/null)" != "$want" ]; then
  say "installing npm packages (package-lock.json)"
  npm ci --omit=optional --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.modelgov-stamp
fi

# 3. solc shim where py-solc-x finds "installed" compilers (SOLCX_BINARY_PATH, see Makefile)
mkdir -p .toolchain/solcx
ln -sfn "$ROOT/tools/solc-shim.cjs" ".toolchain/solcx/solc-v$SOLC_VERSION"
# 4. anvil for ape-foundry (it uses shutil.which("anvil"))
ln -sfn "$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" .venv/bin/anvil
# 5. a headless browser for the dashboard tests: Debian's chromium (Playwright's own browser
#    download cannot reach its host); Playwright for Python drives it (pyproject [test]).
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium (Debian) for the dashboard tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# 6. PostgreSQL (Debian's) for the test of the index on a database service (started by the test on a
#    free 127.0.0.1 port, as the postgres user, and stopped by pg_ctl)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing postgresql (Debian) for the index tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
# 7. a contracts/.cache left by an older checkout: Ape's source discovery stops at 500 files under
#    contracts/, so OpenZeppelin's copy there hid contracts/test/ (issue 13; see ape_env.py).
rm -rf contracts/.cache
say "ready (solc $SOLC_VERSION shim, $(.venv/bin/anvil --version | head -n1))"
