"""Where modelgov keeps things: the state folder and the npm toolchain.

- State (PID files, node repos, logs, resumable-upload records): ``$MODELGOV_HOME``, else
  ``./.modelgov`` under the current directory.
- The npm toolchain (js-ipfs, arlocal, anvil, solcjs): ``$MODELGOV_NODE_MODULES``, else the
  ``node_modules`` folder of the checkout this package was installed from (``make setup``).
"""

from __future__ import annotations

import os
from pathlib import Path

from modelgov.errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent
CHECKOUT_ROOT = PACKAGE_ROOT.parent


def state_dir() -> Path:
    """Return (and create) the state folder."""
    path = Path(os.environ.get("MODELGOV_HOME") or Path.cwd() / ".modelgov")
    path.mkdir(parents=True, exist_ok=True)
    return path


def node_modules() -> Path:
    """Return the npm ``node_modules`` folder that holds the toolchain.

    Raises:
        ConfigError: the folder does not exist (run ``make setup``).
    """
    path = Path(os.environ.get("MODELGOV_NODE_MODULES") or CHECKOUT_ROOT / "node_modules")
    if not path.is_dir():
        raise ConfigError(f"npm toolchain not found at {path}; run `make setup`")
    return path


def tools_dir() -> Path:
    """Return the checked-in ``tools/`` folder (solc shim, node polyfills)."""
    return CHECKOUT_ROOT / "tools"
