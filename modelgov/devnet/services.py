"""Start, probe and stop local background services (the IPFS node, arlocal, anvil).

One mechanism for all of them: a :class:`ServiceSpec` says how to launch a process and how to
tell it is ready; :func:`start` launches it detached, records its PID in
``<state>/<name>/pid``, and waits for the readiness probe; :func:`stop` signals exactly that PID
(never a process found by name); :func:`status` reports whether it runs and answers.

Services bind to 127.0.0.1 only; each spec's command is responsible for that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from modelgov.errors import ServiceError
from modelgov.paths import state_dir


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one local service.

    Attributes:
        name: short name, also the folder under the state dir (``ipfs``, ``arlocal``, ``anvil``).
        url: the base URL clients use (loopback).
        command: builds the argv given the service's folder.
        probe: returns True once the service answers (called repeatedly until ``timeout``).
        prepare: optional one-time set-up given the service's folder (e.g. ``ipfs init``).
        env: extra environment variables for the process.
        timeout: seconds to wait for readiness.
    """

    name: str
    url: str
    command: Callable[[Path], Sequence[str]]
    probe: Callable[[], bool]
    prepare: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    @property
    def folder(self) -> Path:
        path = state_dir() / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def pid_file(self) -> Path:
        return self.folder / "pid"

    @property
    def log_file(self) -> Path:
        return self.folder / "log"


@dataclass(frozen=True)
class ServiceStatus:
    """What :func:`status` found."""

    name: str
    url: str
    pid: int | None
    running: bool
    ready: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "url": self.url,
            "pid": self.pid,
            "running": self.running,
            "ready": self.ready,
        }


def http_probe(url: str, method: str = "GET", timeout: float = 1.0) -> Callable[[], bool]:
    """A readiness probe: True when ``url`` answers with any HTTP status below 500."""

    def probe() -> bool:
        try:
            response = httpx.request(method, url, timeout=timeout)
        except httpx.HTTPError:
            return False
        return response.status_code < 500

    return probe


def _read_pid(spec: ServiceSpec) -> int | None:
    try:
        return int(spec.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as dead
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def status(spec: ServiceSpec) -> ServiceStatus:
    """Report whether the service recorded in the PID file runs and whether its URL answers."""
    pid = _read_pid(spec)
    running = pid is not None and _alive(pid)
    return ServiceStatus(spec.name, spec.url, pid if running else None, running, spec.probe())


def start(spec: ServiceSpec) -> ServiceStatus:
    """Start the service unless it already answers; wait until it is ready.

    Returns:
        The status once ready (``pid`` is None when something else already serves the URL).

    Raises:
        ServiceError: the process exited early or did not become ready within ``spec.timeout``
            (the last lines of its log are in the message; the process is stopped).
    """
    current = status(spec)
    if current.ready:
        return current
    if current.running and current.pid is not None:
        # started earlier but not answering: give it the usual time before deciding
        if _wait_ready(spec, current.pid):
            return status(spec)
        stop(spec)
    if spec.prepare is not None:
        spec.prepare(spec.folder)
    argv = list(spec.command(spec.folder))
    log = open(spec.log_file, "ab")  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=spec.folder,
            env={**os.environ, **spec.env},
            start_new_session=True,
        )
    except OSError as exc:
        raise ServiceError(f"cannot start {spec.name}: {exc}") from exc
    finally:
        log.close()
    spec.pid_file.write_text(f"{proc.pid}\n")
    (spec.folder / "service.json").write_text(json.dumps({"argv": argv, "url": spec.url}))
    if not _wait_ready(spec, proc.pid):
        tail = _log_tail(spec)
        stop(spec)
        raise ServiceError(f"{spec.name} did not become ready at {spec.url}: {tail}")
    return status(spec)


def _wait_ready(spec: ServiceSpec, pid: int) -> bool:
    deadline = time.monotonic() + spec.timeout
    delay = 0.05
    while time.monotonic() < deadline:
        if spec.probe():
            return True
        if not _alive(pid):
            return False
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    return False


def stop(spec: ServiceSpec, timeout: float = 10.0) -> bool:
    """Stop the process recorded in the PID file (its whole process group).

    Returns:
        True if a process was stopped, False if none was running.
    """
    pid = _read_pid(spec)
    spec.pid_file.unlink(missing_ok=True)
    if pid is None or not _alive(pid):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.05)
    return not _alive(pid)


def _log_tail(spec: ServiceSpec, lines: int = 3) -> str:
    try:
        text = spec.log_file.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return "no log"
    return " | ".join(text[-lines:]) or "no output"
