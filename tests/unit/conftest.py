"""Shared fixtures for tests/unit (pure Python and local services).

- ``js_reference``: CIDs from npm ipfs-unixfs-importer (tests/reference/unixfs_cid.mjs).
- ``ipfs_node``: one real js-ipfs node for the session, in a temporary MODELGOV_HOME on a free
  port, stopped by its PID at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/unit helpers (_pattern)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def scoped_env(**values: str) -> Iterator[None]:
    """Set environment variables for the block only."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cli_run(*args: str) -> tuple[int, str, str]:
    """``modelgov ARGS…`` in-process: (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from modelgov.cli import cli

    result = CliRunner(mix_stderr=False).invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def error_line(stderr: str) -> str:
    """The one ``Error: …`` line a failing command printed (asserts there is exactly one)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def job_for(profile: object, **source: object) -> dict[str, object]:
    """A job for the reference script from a :class:`modelgov.cid.Profile`."""
    return {
        "cidVersion": profile.cid_version,  # type: ignore[attr-defined]
        "rawLeaves": profile.raw_leaves,  # type: ignore[attr-defined]
        "chunkSize": profile.chunk_size,  # type: ignore[attr-defined]
        "maxLinks": profile.max_links,  # type: ignore[attr-defined]
        **source,
    }


@pytest.fixture(scope="session")
def js_reference() -> Callable[[list[dict[str, object]]], list[str]]:
    """Run the reference script on a batch of jobs (one node process per batch)."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "ipfs-unixfs-importer").is_dir():
        pytest.fail("node or ipfs-unixfs-importer missing: run `make setup`")

    def run(jobs: list[dict[str, object]]) -> list[str]:
        proc = subprocess.run(
            [node, str(ROOT / "tests" / "reference" / "unixfs_cid.mjs")],
            input=json.dumps(jobs), capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads(proc.stdout)

    return run


@dataclass(frozen=True)
class IPFSNode:
    api: str
    home: Path
    port: int

    def env(self) -> dict[str, str]:
        return {"MODELGOV_HOME": str(self.home), "MODELGOV_IPFS_PORT": str(self.port)}

    def client(self):  # type: ignore[no-untyped-def]
        from modelgov.storage.ipfs import IPFSClient

        return IPFSClient(self.api)


@pytest.fixture(scope="session")
def ipfs_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IPFSNode]:
    """A real js-ipfs node (offline, 127.0.0.1) for the session; stopped by PID afterwards."""
    from modelgov.devnet import ipfs_node as node_mod

    if shutil.which("node") is None or not (ROOT / "node_modules" / "ipfs").is_dir():
        pytest.fail("node or js-ipfs missing: run `make setup`")
    home = tmp_path_factory.mktemp("modelgov-home")
    port = free_port()
    handle = IPFSNode(f"http://127.0.0.1:{port}", home, port)
    with scoped_env(**handle.env()):
        node_mod.start()
    try:
        yield handle
    finally:
        with scoped_env(**handle.env()):
            node_mod.stop()
