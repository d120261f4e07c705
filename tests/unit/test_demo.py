"""`modelgov demo --json`: the whole lifecycle on its own services (free ports, temp state)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_whole_lifecycle(tmp_path):
    env = {
        **os.environ,
        "MODELGOV_HOME": str(tmp_path / "state"),
        "MODELGOV_DEPLOYMENTS": str(tmp_path / "deployments"),
        "MODELGOV_RPC": f"http://127.0.0.1:{free_port()}",
        "MODELGOV_IPFS_PORT": str(free_port()),
        "MODELGOV_ARLOCAL_PORT": str(free_port()),
        "SOLCX_BINARY_PATH": str(ROOT / ".toolchain" / "solcx"),
        # the demo builds a zk circuit: reuse the suite's development SRS (slow to make)
        "MODELGOV_ZK_SRS_DIR": str(ROOT / ".modelgov" / "zk" / "srs"),
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("MODELGOV_IPFS_API", None)
    env.pop("MODELGOV_ARWEAVE_GATEWAY", None)
    proc = subprocess.run([sys.executable, "-m", "modelgov.cli", "demo", "--json"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    for key in ("model_cid", "arweave_tx", "manifest_digest", "proposal_id", "proposal_state",
                "active_cid", "grant_id", "grant_released"):
        assert out[key], key
    assert out["proposal_state"] == "Executed"
    assert out["active_cid"] == out["model_cid"]
    assert out["fetched_ok"] is True
    assert int(out["grant_released"]) == 1_000 * 10**18
    assert out["v2_cid"] != out["model_cid"]
    assert len(out["arweave_tx"]) == 43
    # verifiable inference: v1's verifier bound before the audits, a proof of the active version
    # accepted on chain through the registry's binding
    assert out["zk_verifier"].startswith("0x") and len(out["zk_output"]) == 10
    assert 100_000 < out["zk_verify_gas"] < 2_000_000
    assert out["manifest_digest"].startswith("0x") and len(out["manifest_digest"]) == 66
    actors = {s["actor"] for s in out["steps"]}
    assert {"alice", "bob", "dana", "eve", "sam", "gus"} <= actors
    assert any("attestBySig" in s["action"] and s["actor"] == "bob" for s in out["steps"])
    # the oracle step: Nina's node answers and finalizes; Carol's watchtower disproves Gus's answer
    assert {"nina", "carol"} <= actors
    oracle = out["oracle"]
    assert oracle["disputed_request"] == oracle["optimistic_request"] + 1
    assert oracle["watchtower_award_wei"] > 0
    # the step log went to stderr, stdout is one JSON document
    assert "relay Eve's signed attestation" in proc.stderr
    # every service the demo started is stopped again (nothing answers on their ports)
    import httpx

    for url in (env["MODELGOV_RPC"], f"http://127.0.0.1:{env['MODELGOV_IPFS_PORT']}",
                f"http://127.0.0.1:{env['MODELGOV_ARLOCAL_PORT']}"):
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError:
            continue
        raise AssertionError(f"{url} still answers after the demo")

    # a second run resumes the saved local chain (accounts with earlier transactions) and works
    again = subprocess.run([sys.executable, "-m", "modelgov.cli", "demo", "--json"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    second = json.loads(again.stdout)
    # a fresh suite: its governor numbers proposals from 1 again (sequential ids), so the run is
    # told apart by the contracts it deployed
    assert second["proposal_state"] == "Executed" and second["proposal_id"] == out["proposal_id"]
    assert second["contracts"]["governor"] != out["contracts"]["governor"]
    assert second["model_cid"] == out["model_cid"]  # deterministic model, same bytes
