"""Typed client (issue 21): what a read-only chain command costs end to end, and batched reads.

On an anvil holding a suite with one model of 200 versions (all attested) and a few proposals,
each read-only command runs as a fresh ``modelgov`` process (median of 3): ``version show``,
``audit status``, ``model show`` (200 versions), ``proposal list``. Goals (issue 21): a read-only
command ≤ 2 s; ``model show`` of 200 versions ≤ 1.3× ``version show`` (batched reads). The
reference, timed in the same run, is what every chain command paid before the client: a process
that connects Ape to the same node and loads the suite (the old ``open_session``) and reads nothing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VERSIONS = 200
RUNS = 3
ROOT = Path(__file__).resolve().parents[1]


def _populate(suite: Any, accts: Any) -> None:
    import hashlib

    from eth_utils import keccak

    reg = suite.registry
    timelock = str(suite.timelock.address)
    from ape import accounts, chain

    chain.provider.set_balance(timelock, 10**21)
    with accounts.use_sender(accounts[timelock] if False else accts[0]):
        pass
    gov_acct = accounts.test_accounts[0]
    chain.provider.make_request("anvil_impersonateAccount", [timelock])
    imp = accounts[timelock]
    auditors = [accts[4], accts[5]]
    for a in auditors:
        reg.grantRole(keccak(text="AUDITOR_ROLE"), a, sender=imp)
    reg.createModel("bench-model", b"", sender=imp)
    report = bytes.fromhex("01551220") + hashlib.sha256(b"report").digest()
    for i in range(VERSIONS):
        raw = bytes.fromhex("01551220") + hashlib.sha256(f"bench-{i}".encode()).digest()
        version = (raw, b"\x00" * 32, hashlib.sha256(f"m{i}".encode()).digest(), b"", "unixfs-v1-2025", 0, [])
        reg.submitVersion(1, version, sender=accts[1 + i % 3])
    for i in range(1, VERSIONS + 1, 7):  # a sample of versions get attestations
        for a in auditors:
            reg.attest(i, 1, report, sender=a)
    for i in range(5):
        suite.governor.propose([str(reg.address)], [0], [bytes(reg.requiredApprovals.encode_input())],
                               f"# Bench proposal {i}\n\nbody", sender=gov_acct)


def _time(args: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        out = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args[1:])} failed: {out.stderr.strip()[:300]}")
    return statistics.median(times)


REFERENCE = """
from modelgov.chain.ape_env import connect
from modelgov.chain.deploy import load_suite
from modelgov.chain.deployments import read_deployment
with connect("local"):
    assert load_suite(read_deployment("ethereum:local:foundry")).registry is not None
"""


def run() -> str:
    from ape import accounts, chain, networks

    from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite

    with networks.ethereum.local.use_provider("foundry") as provider:
        accts = accounts.test_accounts
        suite = deploy_suite(accts[0], LOCAL_PARAMS)
        _populate(suite, accts)
        uri = str(provider.uri)
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "local.json").write_text(json.dumps(suite.to_record(chain.chain_id)))
            env = {**os.environ, "MODELGOV_DEPLOYMENTS": tmp, "MODELGOV_RPC": uri,
                   "MODELGOV_NETWORK": "local"}
            cli = [sys.executable, "-m", "modelgov.cli"]
            rows = [
                ("version show 1", _time([*cli, "version", "show", "1", "--json"], env)),
                ("audit status 1", _time([*cli, "audit", "status", "1", "--json"], env)),
                (f"model show ({VERSIONS} versions)", _time([*cli, "model", "show", "bench-model", "--json"], env)),
                ("proposal list (5 proposals)", _time([*cli, "proposal", "list", "--json"], env)),
            ]
            reference = _time([sys.executable, "-c", REFERENCE], env)
    version_show = rows[0][1]
    model_show = rows[2][1]
    lines = [
        "## Typed client: read-only commands (issue 21)",
        "",
        f"Fresh `modelgov` processes against an anvil holding one model with {VERSIONS} versions; "
        f"median of {RUNS} runs each. Reference: a process that only connects Ape and loads the "
        "suite, what every chain command paid before the client.",
        "",
        "| command | seconds | vs reference | goal |",
        "|---|---:|---:|---|",
    ]
    for name, seconds in rows:
        goal = "≤ 2 s"
        if name.startswith("model show"):
            goal = f"≤ 2 s; ≤ 1.3× version show (is {model_show / version_show:.2f}×)"
        lines.append(f"| `modelgov {name}` | {seconds:.2f} | {seconds / reference:.2f}× | {goal} |")
    lines.append(f"| reference: Ape connect + load suite, no read | {reference:.2f} | 1.00× | |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
