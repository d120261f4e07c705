"""The embedded default IPFS node: npm ``ipfs`` (js-ipfs 0.66, Kubo-compatible RPC).

Its repo lives in ``<state>/ipfs/repo``; it runs offline, with no swarm, bootstrap, gateway or
gRPC listener, and its RPC API bound to ``127.0.0.1:$MODELGOV_IPFS_PORT`` (default 5101).
Start/stop/status go through the generic :mod:`modelgov.devnet.services`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from modelgov.devnet import services
from modelgov.errors import ConfigError, ServiceError
from modelgov.paths import node_modules, state_dir, tools_dir

DEFAULT_PORT = 5101
NAME = "ipfs"


def port() -> int:
    """The API port of the local node (``$MODELGOV_IPFS_PORT``, default 5101).

    Raises:
        ConfigError: the variable is not a port number.
    """
    raw = os.environ.get("MODELGOV_IPFS_PORT") or str(DEFAULT_PORT)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"MODELGOV_IPFS_PORT must be a port number, not {raw!r}") from None
    if not 0 < value < 65536:
        raise ConfigError(f"MODELGOV_IPFS_PORT must be a port number, not {raw!r}")
    return value


def local_api_url() -> str:
    """Base URL of the local node's RPC API."""
    return f"http://127.0.0.1:{port()}"


def _node() -> str:
    exe = shutil.which("node")
    if exe is None:
        raise ConfigError("node (Node.js) is not on PATH; it runs the embedded IPFS node")
    return exe


def _jsipfs_argv(*args: str) -> list[str]:
    cli = node_modules() / "ipfs" / "src" / "cli.js"
    if not cli.is_file():
        raise ConfigError(f"js-ipfs not found at {cli}; run `make setup`")
    return [_node(), "-r", str(tools_dir() / "promise-with-resolvers.cjs"), str(cli), *args]


def repo_dir(folder: Path) -> Path:
    return folder / "repo"


def _prepare(folder: Path) -> None:
    """Create the repo once; (re)write the offline, loopback-only settings every start."""
    repo = repo_dir(folder)
    env = {**os.environ, "IPFS_PATH": str(repo)}
    config_file = repo / "config"
    if not config_file.is_file():
        proc = subprocess.run(
            _jsipfs_argv("init", "--profile=test", "--empty-repo"),
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        if proc.returncode != 0 or not config_file.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServiceError(f"cannot initialise the IPFS repo at {repo}: {last[0]}")
    config = json.loads(config_file.read_text())
    addresses = config.setdefault("Addresses", {})
    addresses.update(
        {"API": f"/ip4/127.0.0.1/tcp/{port()}", "Swarm": [], "Gateway": [], "Announce": [], "Delegates": []}
    )
    addresses.pop("RPC", None)  # no gRPC websocket server
    config["Bootstrap"] = []
    config["Routing"] = {"Type": "none"}
    config.setdefault("Discovery", {}).update({"MDNS": {"Enabled": False}, "webRTCStar": {"Enabled": False}})
    config_file.write_text(json.dumps(config, indent=2))
    # a daemon killed hard leaves its lock and api files behind
    for stale in ("repo.lock", "api"):
        path = repo / stale
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def spec() -> services.ServiceSpec:
    """The js-ipfs daemon's :class:`~modelgov.devnet.services.ServiceSpec`.

    Raises:
        ConfigError: bad ``MODELGOV_IPFS_PORT``.
    """
    url = local_api_url()
    return services.ServiceSpec(
        name=NAME,
        url=url,
        command=lambda folder: _jsipfs_argv("daemon", "--offline"),
        probe=services.http_probe(f"{url}/api/v0/id", method="POST"),
        prepare=_prepare,
        env={"IPFS_PATH": str(repo_dir(state_dir() / NAME))},
        timeout=60.0,
    )


def start() -> services.ServiceStatus:
    """Start the local node (init its repo the first time) and wait until its API answers.

    Raises:
        ServiceError: it did not start. ConfigError: Node.js or js-ipfs missing.
    """
    return services.start(spec())


def stop() -> bool:
    """Stop the local node started by :func:`start` (by its recorded PID). True if one ran."""
    return services.stop(spec())


def status() -> services.ServiceStatus:
    """Whether the local node runs (PID file) and answers (API probe)."""
    return services.status(spec())
