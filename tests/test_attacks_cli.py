"""Attacks on the CLI against a chain (ape test): hostile proposal files, plain-HTTP RPCs, and key
material leaking into output, logs or deployment files. The chain-free ones are in
tests/unit/test_attacks_python.py.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

MNEMONIC = "test test test test test test test test test test test junk"


def one_line_refusal(result, *needles: str) -> None:
    assert result.exit_code != 0, result.stdout
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in result.stdout + result.stderr
    for needle in needles:
        assert needle.lower() in err.lower(), err


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        treasury, deployment_file, run_cli, accounts, chain):
    assert deployment_file.exists()


# --------------------------------------------------------------------------- proposal files
FIELDS = st.sampled_from(["title", "body", "actions", "type", "model", "version", "cid", "card",
                          "card_cid", "contract", "role", "account", "function", "args", "value"])
LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                 st.sampled_from(["call", "model-upgrade", "create-model", "grant-role", "token",
                                  "registry", "transfer", "@token", "0x" + "ab" * 20, "1e99"]))
TREE = st.recursive(LEAF, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(FIELDS, inner, max_size=4), max_leaves=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=st.fixed_dictionaries({"title": LEAF, "actions": st.lists(TREE, max_size=2)}) | TREE)
@example(doc="[" * 3000 + "]" * 3000)
@example(doc={"title": "t", "actions": [{"type": "call", "contract": "token",
                                          "function": "transfer", "args": ["@nobody", -1]}]})
@example(doc={"title": "t", "actions": [{"type": "call", "contract": "0x" + "00" * 20,
                                          "function": "x", "args": []}]})
def test_malformed_proposals_are_refused_in_one_line(doc, run_cli, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("p") / "0001-x.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    result = run_cli("proposal", "build", path)
    if result.exit_code == 0:  # hypothesis found a valid proposal: fine
        return
    one_line_refusal(result)


# --------------------------------------------------------------------------- RPC endpoints
def test_plain_http_rpc_outside_loopback_is_refused_unless_allowed(run_cli, monkeypatch) -> None:
    monkeypatch.delenv("MODELGOV_ALLOW_INSECURE_HTTP", raising=False)
    for choice in ("ethereum:sepolia:http://10.0.0.5:8545", "http://rpc.example.org:8545",
                   "ethereum:mainnet:ws://rpc.example.org:8546"):
        one_line_refusal(run_cli("proposal", "list", "--network", choice), "plain-HTTP")
        one_line_refusal(run_cli("vote", "1", "for", "--network", choice), "plain-HTTP")
    # loopback and https are fine (here the test chain answers whatever the choice names)
    assert run_cli("proposal", "list", "--network", "ethereum:local:http://127.0.0.1:8545"
                   ).exit_code == 0
    monkeypatch.setenv("MODELGOV_ALLOW_INSECURE_HTTP", "1")  # the explicit opt-in
    allowed = run_cli("proposal", "list", "--network", "ethereum:sepolia:http://10.0.0.5:8545")
    assert "plain-HTTP" not in allowed.stderr  # (it then fails on the missing sepolia deployment)


def test_local_chain_service_is_loopback_only(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("MODELGOV_RPC", "http://10.0.0.5:8545")
    one_line_refusal(run_cli("chain", "status"), "loopback")


# --------------------------------------------------------------------------- key material
def _secrets(accounts) -> list[str]:
    keys = []
    for a in (accounts[i] for i in range(10)):
        key = a.private_key
        key = key.hex() if isinstance(key, (bytes, bytearray)) else str(key)
        keys.append(key.lower().removeprefix("0x"))
    return keys


def test_private_keys_never_reach_output_logs_or_deployment_files(
        run_cli, accounts, deployment_file, tmp_path, caplog, chain, voters, monkeypatch) -> None:
    secrets = _secrets(accounts)
    assert all(len(k) == 64 for k in secrets)
    caplog.set_level(logging.DEBUG)
    proposal = tmp_path / "0001-p.yaml"
    proposal.write_text("title: Keys\nactions:\n  - type: call\n    contract: timelock\n"
                        "    function: updateDelay\n    args: [300]\n")
    sig = tmp_path / "sig.json"
    outputs, codes = [], []
    for args in (
        ("proposal", "submit", proposal, "--account", "TEST::1", "--json"),
        ("proposal", "list", "--json"),
        ("delegate", "--account", "TEST::2"),
        ("audit", "sign", "1", "--verdict", "approve", "--report-cid",
         "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", "--account", "TEST::4",
         "-o", sig),
        ("vote", "1", "for", "--account", "TEST::3"),  # refused (no such proposal): the error too
    ):
        result = run_cli(*args)
        outputs += [result.stdout, result.stderr]
        codes.append(result.exit_code)
    # a fresh deployment, into this test's own folder (the session's file stays as it is)
    session_folder = Path(os.environ["MODELGOV_DEPLOYMENTS"])
    own_folder = tmp_path / "deployments"
    monkeypatch.setenv("MODELGOV_DEPLOYMENTS", str(own_folder))
    result = run_cli("deploy", "--account", "TEST::0", "--local-periods", "--json")
    outputs += [result.stdout, result.stderr]
    codes.append(result.exit_code)
    assert codes == [0, 0, 0, 0, codes[4], 0] and codes[4] != 0, codes  # the paths ran
    outputs.append(sig.read_text())
    outputs += [r.getMessage() for r in caplog.records]
    files = [p for folder in (session_folder, own_folder) for p in folder.rglob("*")
             if p.is_file()]
    assert any(p.parent == own_folder for p in files), "deploy wrote no deployment file"
    files += [p for p in (Path(__file__).resolve().parents[1] / "deployments").glob("*")
              if p.is_file()]
    assert files, "no deployment file written"
    outputs += [p.read_text(errors="replace") for p in files]
    blob = "\n".join(outputs).lower()
    for key in secrets:
        assert key[:20] not in blob and key[-20:] not in blob
    assert MNEMONIC not in blob
