"""The service mechanism (start / probe / stop by PID) and the local chain service + deploy flow,
driven through the real ``modelgov`` command in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import free_port, scoped_env
from modelgov.devnet import services
from modelgov.errors import ServiceError

ROOT = Path(__file__).resolve().parents[2]
MODELGOV = [sys.executable, "-m", "modelgov.cli"]


def python_server_spec(port: int, *, delay: float = 0.0, fail: bool = False) -> services.ServiceSpec:
    """A tiny HTTP server on 127.0.0.1:port (optionally slow to start, or crashing)."""
    code = (
        "import http.server,time,sys\n"
        f"time.sleep({delay})\n"
        + ("sys.exit('boom: cannot bind')\n" if fail else "")
        + f"http.server.HTTPServer(('127.0.0.1',{port}),http.server.SimpleHTTPRequestHandler).serve_forever()\n"
    )
    url = f"http://127.0.0.1:{port}"
    return services.ServiceSpec(
        name=f"web{port}", url=url, command=lambda folder: [sys.executable, "-c", code],
        probe=services.http_probe(url + "/"), timeout=15,
    )


def test_start_waits_for_readiness_and_stop_kills_by_pid(tmp_path):
    with scoped_env(MODELGOV_HOME=str(tmp_path)):
        spec = python_server_spec(free_port(), delay=0.5)
        st = services.start(spec)
        assert st.ready and st.running and st.pid
        assert int(spec.pid_file.read_text()) == st.pid
        again = services.start(spec)  # idempotent: same process
        assert again.pid == st.pid
        assert services.stop(spec) is True
        after = services.status(spec)
        assert not after.running and not after.ready
        assert not spec.pid_file.exists()
        assert services.stop(spec) is False  # nothing to stop


def test_start_failure_reports_log_and_leaves_nothing_running(tmp_path):
    with scoped_env(MODELGOV_HOME=str(tmp_path)):
        spec = python_server_spec(free_port(), fail=True)
        with pytest.raises(ServiceError, match="boom: cannot bind"):
            services.start(spec)
        assert not spec.pid_file.exists()


def test_stop_never_touches_a_process_it_did_not_start(tmp_path):
    with scoped_env(MODELGOV_HOME=str(tmp_path)):
        port = free_port()
        spec = python_server_spec(port)
        outsider = subprocess.Popen(spec.command(tmp_path))
        try:
            import time

            deadline = time.monotonic() + 10
            while not spec.probe() and time.monotonic() < deadline:
                time.sleep(0.05)
            st = services.start(spec)  # something answers already: adopt nothing, start nothing
            assert st.ready and st.pid is None
            assert services.stop(spec) is False
            assert outsider.poll() is None  # still alive
        finally:
            outsider.kill()
            outsider.wait()


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*MODELGOV, *args], capture_output=True, text=True, env=env,
                          cwd=env["MODELGOV_HOME"], timeout=240)


def test_local_chain_service_deploy_and_stale_deployment(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "MODELGOV_HOME": str(tmp_path),
        "MODELGOV_DEPLOYMENTS": str(tmp_path / "deployments"),
        "MODELGOV_RPC": f"http://127.0.0.1:{port}",
        "SOLCX_BINARY_PATH": str(ROOT / ".toolchain" / "solcx"),
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    try:
        started = run("chain", "start", "--json", env=env)
        assert started.returncode == 0, started.stderr
        info = json.loads(started.stdout)
        assert info["ready"] and info["url"].endswith(f":{port}")
        deployed = run("deploy", "--local-periods", "--json", env=env)
        assert deployed.returncode == 0, deployed.stderr
        record = json.loads(deployed.stdout)
        assert set(record["contracts"]) >= {"token", "timelock", "governor", "registry", "treasury"}
        saved = json.loads((tmp_path / "deployments" / "local.json").read_text())
        assert saved["contracts"] == record["contracts"]
        assert "private" not in json.dumps(saved).lower()
        assert saved["params"]["voting_period"] == 600
        listed = run("proposal", "list", "--json", env=env)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == []
        # a fresh chain (state file removed) makes the deployment stale: one clear line
        assert run("chain", "stop", env=env).returncode == 0
        (tmp_path / "anvil" / "state.json").unlink()
        stale = run("proposal", "list", env=env)
        assert stale.returncode != 0
        assert "deployment is stale" in stale.stderr
        assert len(stale.stderr.strip().splitlines()) == 1
    finally:
        run("chain", "stop", env=env)
    assert run("chain", "status", "--json", env=env).stdout.count('"ready": false') == 1


def test_bad_deploy_parameter_is_one_line(tmp_path):
    env = {**os.environ, "MODELGOV_HOME": str(tmp_path)}
    r = run("deploy", "--param", "quorum_percent=abc", env=env)
    assert r.returncode == 2
    assert r.stderr.strip() == "Error: quorum_percent must be an integer, got 'abc'"
