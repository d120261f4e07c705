"""The embedded Arweave gateway: npm ``arlocal``, bound to 127.0.0.1.

``tools/arlocal-launcher.cjs`` imports arlocal's class and listens on loopback only (arlocal's
own CLI listens on every interface). Data persists in ``<state>/arlocal/db`` across restarts.
The port is ``$MODELGOV_ARLOCAL_PORT`` (default 1984). Start/stop/status go through
:mod:`modelgov.devnet.services`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from modelgov.devnet import services
from modelgov.errors import ConfigError, ServiceError
from modelgov.paths import node_modules, tools_dir

DEFAULT_PORT = 1984
LAUNCHER = "arlocal-launcher.cjs"


def port() -> int:
    """The arlocal port: ``$MODELGOV_ARLOCAL_PORT`` or 1984."""
    raw = os.environ.get("MODELGOV_ARLOCAL_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"MODELGOV_ARLOCAL_PORT is not a port number: {raw!r}") from None
    if not 0 < value < 65536:
        raise ConfigError(f"MODELGOV_ARLOCAL_PORT is out of range: {value}")
    return value


def default_url() -> str:
    """The URL of the embedded arlocal (the default gateway)."""
    return f"http://127.0.0.1:{port()}"


def _command(folder: Path) -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise ServiceError("node is not installed (needed to run arlocal)")
    launcher = tools_dir() / LAUNCHER
    nm = node_modules()
    if not (nm / "arlocal" / "bin" / "app.js").is_file():
        raise ServiceError(f"arlocal is not installed in {nm}; run `make setup`")
    return [
        node,
        str(launcher),
        "--node-modules",
        str(nm),
        "--port",
        str(port()),
        "--db",
        str(folder / "db"),
    ]


def spec() -> services.ServiceSpec:
    """arlocal's :class:`~modelgov.devnet.services.ServiceSpec` (ready when ``/info`` answers)."""
    url = default_url()
    return services.ServiceSpec(
        name="arlocal",
        url=url,
        command=_command,
        probe=services.http_probe(f"{url}/info"),
        timeout=60.0,
    )


def start() -> services.ServiceStatus:
    return services.start(spec())


def stop() -> bool:
    return services.stop(spec())


def status() -> services.ServiceStatus:
    return services.status(spec())
