"""Run one EZKL step in a subprocess (:mod:`modelgov.zk._worker`) and map its end to errors.

The parent never imports ``ezkl``: the extension can crash at interpreter exit, and proving
takes hundreds of MiB that must go back to the OS when the step ends. The child's peak RSS and
wall time are reported with the result (for ``make bench``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelgov.errors import ZkError, ZkToolCrashedError, ZkToolMissingError

#: Seconds one step may take before it is killed (``$MODELGOV_ZK_TIMEOUT`` overrides).
DEFAULT_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class StepResult:
    """What a worker step reported, with the child's wall time, CPU time and peak RSS."""

    data: dict[str, Any]
    wall_s: float
    peak_rss_bytes: int
    cpu_s: float = 0.0


def run_step(op: str, *, env: dict[str, str] | None = None, **request: Any) -> StepResult:
    """Run EZKL step ``op`` (see ``_worker.OPS``) with ``request`` in a fresh Python process
    (``env`` adds to or overrides the inherited environment).

    Raises:
        ZkToolMissingError: ezkl is not importable in the subprocess.
        ZkToolCrashedError: the subprocess died by a signal or exited without a result, or ran
            past the timeout.
        ZkError: the step itself failed (EZKL raised); the message is EZKL's, on one line.
    """
    timeout = float(os.environ.get("MODELGOV_ZK_TIMEOUT") or DEFAULT_TIMEOUT_S)
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-") as tmp:
        req_path = Path(tmp) / "request.json"
        res_path = Path(tmp) / "result.json"
        req_path.write_text(json.dumps({"op": op, **{k: _plain(v) for k, v in request.items()}}))
        cmd = [sys.executable, "-m", "modelgov.zk._worker", str(req_path), str(res_path)]
        log_path = Path(tmp) / "output.log"
        t0 = time.perf_counter()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=_child_env(env or {}), start_new_session=True)
            status, rusage = _wait(proc, timeout, op)
        wall = time.perf_counter() - t0
        output = log_path.read_bytes()[-20_000:]
        result = _read_result(res_path)
    code = os.waitstatus_to_exitcode(status)
    if result is None or code < 0:
        how = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        tail = " ".join(output.decode(errors="replace").split()[-40:])
        done = " after reporting success" if result and result.get("ok") else ""
        raise ZkToolCrashedError(f"ezkl step {op!r} crashed ({how}{done}); output: {tail[-400:] or 'none'}")
    if code == 4:
        raise ZkToolMissingError(f"{result.get('error', 'ezkl missing')}; install it with "
                                 "`pip install ezkl==23.0.5 onnx==1.23.2` (part of `make setup`)")
    if not result.get("ok"):
        raise ZkError(f"ezkl step {op!r} failed: {result.get('error', 'no message')}")
    return StepResult(result, wall, rusage.ru_maxrss * 1024, rusage.ru_utime + rusage.ru_stime)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment plus ``extra``; the child must import this very ``modelgov``."""
    env = {**os.environ, **extra}
    here = str(Path(__file__).resolve().parents[2])
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([*parts, here] if here not in parts else parts)
    return env


def _wait(proc: subprocess.Popen[bytes], timeout: float, op: str) -> tuple[int, Any]:
    """Wait with ``os.wait4`` (for the child's rusage); kill its process group on timeout.

    Raises:
        ZkToolCrashedError: the step ran past ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, rusage
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise ZkToolCrashedError(f"ezkl step {op!r} ran past {timeout:.0f} s and was killed "
                                     "(MODELGOV_ZK_TIMEOUT sets the limit)")
        time.sleep(0.02)


def _read_result(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
