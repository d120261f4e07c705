"""modelgov model / version / audit through the CLI, in-process on the test chain.

The CLI finds the suite through the session's deployments file (conftest ``deployment_file``) and
reuses the connected provider.
"""

from __future__ import annotations

import json
import time

import pytest
from eth_utils import keccak

from modelgov.cid.text import cid_to_bytes

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
DIGEST = "0x" + "cd" * 32
CID_V0 = "QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u"
CID_V1 = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
REPORT = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


@pytest.fixture(autouse=True)
def own_deployment_file(suite, chain, tmp_path, monkeypatch):
    """A deployments file of the session suite for each test: robust against other modules
    (e.g. a `modelgov deploy` test) rewriting the shared one."""
    from modelgov.chain.deployments import write_deployment

    monkeypatch.setenv("MODELGOV_DEPLOYMENTS", str(tmp_path / "deployments"))
    return write_deployment("ethereum:local:foundry", suite.to_record(chain.chain_id))


@pytest.fixture
def cli_auditors(accounts):
    return accounts[4], accounts[5]


@pytest.fixture
def cli_model(registry, governance, cli_auditors):
    for a in cli_auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.createModel("llama", b"", sender=governance)
    return 1


def submit(run_cli, cid=CID_V1, *extra):
    result = run_cli("version", "submit", "--model", "llama", "--cid", cid,
                     "--manifest-digest", DIGEST, "--account", "TEST::9", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def failed(result, text: str) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        governance, run_cli):
    assert run_cli("model", "--help").exit_code == 0


def test_submit_and_show(run_cli, registry, cli_model, stranger):
    rec = submit(run_cli, CID_V0, "--dataset", CID_V1, "--arweave-tx", "B" * 43,
                 "--profile", "unixfs-v0-2015")
    assert rec["version_id"] == 1 and rec["cid"] == CID_V0
    assert rec["dataset_cids"] == [CID_V1] and rec["submitter"] == stranger.address
    submit(run_cli, CID_V1, "--parent", "1")
    table = run_cli("model", "show", "llama")
    assert table.exit_code == 0, table.stderr
    assert CID_V0 in table.stdout and CID_V1 in table.stdout
    assert "0/2 ok, 0 rej, pending" in table.stdout and "active none" in table.stdout
    data = json.loads(run_cli("model", "show", "llama", "--json").stdout)
    assert [v["version_id"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["parent_version_id"] == 1
    show = run_cli("version", "show", "2")
    assert show.exit_code == 0 and CID_V1 in show.stdout


def test_attest_revoke_and_show_active(run_cli, registry, governance, cli_model):
    submit(run_cli)
    for account in ("TEST::4", "TEST::5"):
        r = run_cli("audit", "attest", "1", "--verdict", "approve", "--report-cid", REPORT,
                    "--account", account)
        assert r.exit_code == 0, r.stderr
        assert "approved" in r.stdout
    registry.activateVersion(cli_model, 1, 0, sender=governance)
    table = run_cli("model", "show", "llama").stdout
    assert "active v1" in table and "2/2 ok, 0 rej, audited" in table
    assert any(line.startswith("*") and CID_V1 in line for line in table.splitlines())
    r = run_cli("audit", "revoke", "1", "--account", "TEST::5")
    assert r.exit_code == 0, r.stderr
    status = json.loads(run_cli("audit", "status", "1", "--json").stdout)
    assert status["approvals"] == 1 and status["attestations"][0]["report_cid"] == REPORT


def test_sign_offline_then_relay(run_cli, tmp_path, registry, cli_model, chain, stranger):
    submit(run_cli)
    sig = tmp_path / "sig.json"
    r = run_cli("audit", "sign", "1", "--verdict", "reject", "--report-cid", REPORT,
                "--deadline", str(chain.pending_timestamp + 3600), "--account", "TEST::4",
                "-o", sig)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(sig.read_text())
    assert doc["chain_id"] == chain.chain_id and doc["registry"] == registry.address
    assert doc["verdict"] == "reject"
    nonce = stranger.nonce
    r = run_cli("audit", "relay", sig, "--account", "TEST::9")
    assert r.exit_code == 0, r.stderr
    assert stranger.nonce == nonce + 1
    assert registry.auditStatus(1).rejections == 1
    failed(run_cli("audit", "relay", sig, "--account", "TEST::9"), "next nonce")


def test_audit_nonce_is_the_one_sign_needs(run_cli, tmp_path, registry, cli_model, chain, cli_auditors):
    submit(run_cli)
    auditor = cli_auditors[0]
    # nonces are per version (issue 15): `audit nonce --version` reads the auditor's on that one
    before = registry.nonces(auditor, 1) & (2**64 - 1)
    r = run_cli("audit", "nonce", "--version", "1", "--account", "TEST::4")
    assert r.exit_code == 0, r.stderr
    assert int(r.stdout) == before
    sig = tmp_path / "sig.json"
    r = run_cli("audit", "sign", "1", "--verdict", "approve", "--report-cid", REPORT, "--nonce", r.stdout.strip(),
                "--deadline", str(chain.pending_timestamp + 3600), "--account", "TEST::4", "-o", sig)
    assert r.exit_code == 0, r.stderr
    assert run_cli("audit", "relay", sig, "--account", "TEST::9").exit_code == 0
    assert registry.nonces(auditor, 1) == (1 << 64) | (before + 1)
    data = json.loads(run_cli("audit", "nonce", auditor.address.lower(), "--version", "1", "--json").stdout)
    assert (data["auditor"], data["version_id"], data["nonce"]) == (auditor.address, 1, before + 1)
    failed(run_cli("audit", "nonce", "0x1234", "--version", "1"), "not an address")


def test_sign_needs_no_chain(run_cli, tmp_path, monkeypatch):
    """With --chain-id and --registry (or a deployments file) nothing talks to a node."""
    import ape

    def boom(*a, **k):
        raise AssertionError("audit sign touched the network")

    monkeypatch.setattr("modelgov.chain.ape_env.connect", boom)
    monkeypatch.setattr(type(ape.chain.provider), "make_request", boom, raising=False)
    key = tmp_path / "key.hex"
    key.write_text("0x" + "11" * 32)
    r = run_cli("audit", "sign", "7", "--verdict", "approve", "--report-cid", CID_V0,
                "--chain-id", "1", "--registry", "0x" + "22" * 20, "--key-file", key,
                "--deadline", "+1d", "--offline", "--nonce", "0")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["version_id"] == 7 and doc["chain_id"] == 1 and doc["nonce"] == 0


def test_model_create_prints_proposal_action_for_non_governance(run_cli, registry, cli_model):
    r = run_cli("model", "create", "mistral", "--card-cid", CID_V0, "--account", "TEST::3",
                "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["created"] is False
    assert doc["proposal_action"] == {"type": "create-model", "model": "mistral",
                                      "card_cid": CID_V0}
    assert bytes.fromhex(doc["calldata"][2:]) == bytes(
        registry.createModel.encode_input("mistral", cid_to_bytes(CID_V0)))
    assert registry.modelCount() == 1  # nothing created
    text = run_cli("model", "create", "mistral", "--account", "TEST::3")
    assert text.exit_code == 0 and "type: create-model" in text.stdout
    assert "NOT created" in text.stderr


def test_model_create_by_admin_account(run_cli, registry, governance, accounts):
    registry.grantRole(b"\x00" * 32, accounts[8], sender=governance)
    r = run_cli("model", "create", "mistral", "--account", "TEST::8")
    assert r.exit_code == 0, r.stderr
    assert "created model #1 mistral" in r.stdout
    assert registry.modelIdOf("mistral") == 1


@pytest.mark.parametrize("args, text", [
    (("version", "submit", "--model", "gpt", "--cid", CID_V1, "--manifest-digest", DIGEST),
     "no model named 'gpt'"),
    (("version", "submit", "--model", "llama", "--cid", "nope", "--manifest-digest", DIGEST),
     "malformed CID"),
    (("version", "submit", "--model", "llama", "--cid", CID_V1), "needs a manifest"),
    (("audit", "attest", "9", "--verdict", "approve", "--report-cid", REPORT, "--account",
      "TEST::4"), "unknown version 9"),
    (("audit", "attest", "1", "--verdict", "approve", "--report-cid", REPORT, "--account",
      "TEST::9"), "not an auditor"),
    (("audit", "attest", "1", "--verdict", "approve", "--report-cid", "Qm123", "--account",
      "TEST::4"), "malformed CID"),
    (("audit", "revoke", "1", "--account", "TEST::4"), "no live attestation"),
    (("model", "show", "gpt"), "no model named 'gpt'"),
    (("model", "create", "llama", "--account", "TEST::3"), "already exists"),
])
def test_bad_input_one_line_nothing_sent(run_cli, cli_model, accounts, args, text):
    if args[0] != "version":
        submit(run_cli)
    before = [a.nonce for a in accounts]
    failed(run_cli(*args), text)
    assert [a.nonce for a in accounts] == before


def test_relay_refuses_expired_signature(run_cli, tmp_path, cli_model, chain, accounts):
    submit(run_cli)
    sig = tmp_path / "late.json"
    deadline = max(int(time.time()), chain.pending_timestamp) + 120
    r = run_cli("audit", "sign", "1", "--verdict", "approve", "--report-cid", REPORT,
                "--deadline", str(deadline), "--account", "TEST::4", "-o", sig)
    assert r.exit_code == 0, r.stderr
    chain.pending_timestamp = deadline + 3600  # the signature expires before anyone relays it
    chain.mine()
    before = accounts[9].nonce
    failed(run_cli("audit", "relay", sig, "--account", "TEST::9"), "expired")
    assert accounts[9].nonce == before
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    failed(run_cli("audit", "relay", bad, "--account", "TEST::9"), "lacks")


def test_deadline_parsing():
    from modelgov.chain.treasury import parse_deadline as grant_deadline
    from modelgov.cli.registry_cmd import parse_deadline
    from modelgov.errors import ValidationError

    assert parse_deadline("+2h", now=100) == 7300
    assert parse_deadline("1700000000", now=100) == 1700000000
    assert parse_deadline("2030-01-01T00:00:00") == 1893456000
    # a date means the END of that day (UTC), in `audit sign --deadline` as in grant files
    assert parse_deadline("2030-01-01") == 1893456000 + 86_399 == grant_deadline("2030-01-01", 100)
    with pytest.raises(ValidationError):
        parse_deadline("tomorrow")
    with pytest.raises(ValidationError, match="not in the future"):
        parse_deadline("1700000000", now=1800000000)


def test_cli_module_does_not_import_ape():
    import subprocess
    import sys

    code = ("import sys, modelgov.cli.registry_cmd; "
            "sys.exit(1 if 'ape' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
