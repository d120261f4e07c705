"""Attacks on the CLI against a chain (ape test): hostile proposal files, plain-HTTP RPCs, and key
material leaking into output, logs or deployment files. The chain-free ones are in
tests/unit/test_attacks_python.py.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import yaml
from eth_utils import keccak
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


# --------------------------------------------------------------------------- issue 14 (Python side)
REPORT = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
CARD = b"\x01\x55\x12\x20" + bytes(32)


def _model_with_version(registry, governance, accounts, name: str, seeds=("v1",), auditors=(4, 5)):
    """Create ``name``, make accounts[auditors] auditors, submit one version per seed (by
    accounts[7]); returns (model id, [version ids])."""
    from registry_helpers import version_input

    registry.createModel(name, CARD, sender=governance)
    mid = registry.modelIdOf(name)
    for i in auditors:
        registry.grantRole(registry.AUDITOR_ROLE(), accounts[i], sender=governance)
    vids = []
    for seed in seeds:
        receipt = registry.submitVersion(mid, version_input(f"{name}-{seed}"), sender=accounts[7])
        vids.append(int(receipt.events.filter(registry.VersionSubmitted)[0].versionId))
    return mid, vids


def test_same_file_builds_the_same_proposal_and_verify_finds_tampering(
        run_cli, registry, governance, governor, accounts, voters, tmp_path) -> None:
    """Issue 14 item 5: no live chain state in the hashed description (one more attestation
    does not change the proposal id), and `proposal verify` re-derives a submitted proposal from
    the file: a match exits 0, a tampered description or calldata exits 1 in one line."""
    _, (vid,) = _model_with_version(registry, governance, accounts, "m14")
    registry.attest(vid, 1, bytes.fromhex("01551220") + bytes(32), sender=accounts[4])
    path = tmp_path / "0014-upgrade.yaml"
    path.write_text(f"title: Activate m14\nactions:\n  - {{type: model-upgrade, model: m14, "
                    f"version: {vid}}}\n")
    first = run_cli("proposal", "build", path, "--json")
    assert first.exit_code == 0, first.stderr
    registry.attest(vid, 1, bytes.fromhex("01551220") + bytes(32), sender=accounts[5])
    second = run_cli("proposal", "build", path, "--json")
    one, two = (yaml.safe_load(r.stdout) for r in (first, second))
    assert one["proposal_id"] == two["proposal_id"]
    assert one["description"] == two["description"] and "approval" not in one["description"]
    assert any("1 approval(s)" in line for line in one["chain_state"])  # shown, not hashed
    assert any("2 approval(s)" in line for line in two["chain_state"])

    sub = run_cli("proposal", "submit", path, "--account", "TEST::1", "--json")
    assert sub.exit_code == 0, sub.stderr
    pid = int(yaml.safe_load(sub.stdout)["proposal_id"])
    ok = run_cli("proposal", "verify", path, pid)
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.strip() == f"proposal {pid} matches 0014-upgrade.yaml: 1 action(s) and the " \
                                "description are identical"
    ok_json = yaml.safe_load(run_cli("proposal", "verify", path, pid, "--json").stdout)
    assert ok_json["matches"] is True and ok_json["differences"] == []

    targets = one["targets"]
    calldata = bytes.fromhex(one["calldatas"][0][2:])
    forged = one["description"].replace("Activate m14", "Activate m14 (audited 3/3)")
    governor.propose(targets, [0], [calldata], forged, sender=voters[1])
    tampered_text = governor.hashProposal(targets, [0], [calldata], keccak(text=forged))
    bad = run_cli("proposal", "verify", path, tampered_text)
    one_line_refusal(bad, f"proposal {tampered_text} does NOT match 0014-upgrade.yaml",
                     "description line 1 differs")
    other = calldata[:-1] + bytes([calldata[-1] ^ 1])  # another version id, same description
    governor.propose(targets, [0], [other], one["description"], sender=voters[1])
    tampered_call = governor.hashProposal(targets, [0], [other], keccak(text=one["description"]))
    bad_json = run_cli("proposal", "verify", path, tampered_call, "--json")
    assert bad_json.exit_code != 0 and len(bad_json.stderr.strip().splitlines()) == 1
    report = yaml.safe_load(bad_json.stdout)
    assert report["matches"] is False
    assert [d.split(":")[0] for d in report["differences"]] == ["action 1"]
    assert "calldata on chain is ModelRegistry.activateVersion(" in report["differences"][0]
    one_line_refusal(run_cli("proposal", "verify", path, 12345), "no proposal 12345")


def test_hostile_chain_data_does_not_break_readers(
        run_cli, project, registry, treasury, governance, deployer, accounts, stablecoin,
        stranger) -> None:
    """Issue 14 item 6: a version whose CID is one junk byte, tokens without symbol()/decimals(),
    with a bytes32 symbol (MKR) or a control-sequence symbol, and a fake token with a real one's
    symbol: every reader still works, shows what is wrong, and a symbol never picks one of two."""
    from registry_helpers import version_input

    registry.createModel("junk", CARD, sender=governance)
    mid = registry.modelIdOf("junk")
    registry.submitVersion(mid, version_input("fine"), sender=accounts[7])
    registry.submitVersion(mid, version_input("bad", cid_bytes=b"\xff"), sender=stranger)
    shown = run_cli("model", "show", "junk")
    assert shown.exit_code == 0, shown.stderr
    assert "0xff (invalid)" in shown.stdout
    doc = yaml.safe_load(run_cli("model", "show", "junk", "--json").stdout)
    assert [v["invalid"] for v in doc["versions"]] == [[], ["cid"]]
    assert run_cli("version", "show", "2").exit_code == 0
    # a string that is not UTF-8, with a terminal control sequence (here: a model name)
    from eth_abi import encode

    data = keccak(text="createModel(string,bytes)")[:4] + encode(
        ["bytes", "bytes"], [b"bad\xff\x1b[2J", CARD])
    governance.transfer(registry.address, 0, data=data)
    odd = run_cli("model", "show", f"#{registry.modelCount()}")
    assert odd.exit_code == 0, odd.stderr
    assert "bad\ufffd\\x1b[2J" in odd.stdout and "\x1b" not in odd.stdout

    depositor = accounts[6]

    def deposit(token, amount):
        treasury.setTokenAllowed(token, True, sender=governance)  # the allowlist (issue 14, item 8)
        token.mint(depositor, amount, sender=depositor)
        token.approve(treasury, amount, sender=depositor)
        treasury.deposit(token, amount, sender=depositor)

    no_metadata = deployer.deploy(project.NonStandardToken, 0)
    mkr = deployer.deploy(project.Bytes32SymbolToken, b"MKR".ljust(32, b"\x00"))
    evil = deployer.deploy(project.Bytes32SymbolToken, b"EVIL\x1b[2J\x1b]0;x\x07\r".ljust(32, b"\x00"))
    fake = deployer.deploy(project.MockStablecoin)  # "mUSD", like the real one
    for token in (no_metadata, mkr, evil, stablecoin, fake):
        deposit(token, 10**18)
    status = run_cli("treasury", "status")
    assert status.exit_code == 0, status.stderr
    assert not any(c in status.stdout for c in "\x1b\x07\r")
    assert "EVIL\\x1b[2J" in status.stdout and " MKR " in status.stdout
    assert f"?{no_metadata.address[:6]}…{no_metadata.address[-4:]}" in status.stdout
    assert "units of ?" in status.stdout  # no decimals(): raw units, said so
    holdings = yaml.safe_load(run_cli("treasury", "status", "--json").stdout)["holdings"]
    assert {h["token"]["address"]: h["token"]["symbol"] for h in holdings}[mkr.address] == "MKR"

    before = depositor.nonce
    ambiguous = run_cli("treasury", "deposit", "--token", "musd", "1", "--account", "TEST::6")
    one_line_refusal(ambiguous, "ambiguous", stablecoin.address, fake.address, "address")
    assert depositor.nonce == before  # nothing sent
    mkr.mint(depositor, 10, sender=depositor)
    assert run_cli("treasury", "deposit", "--token", "mkr", "3wei", "--account", "TEST::6"
                   ).exit_code == 0
    whole = run_cli("treasury", "deposit", "--token", no_metadata.address, "1", "--account",
                    "TEST::6")
    one_line_refusal(whole, "smallest units")


def test_audit_sign_reads_the_nonce_from_the_chain(run_cli, registry, governance, accounts,
                                                   tmp_path) -> None:
    """Issue 14 item 10 with issue 15's per-version nonces: after the auditor used a nonce on a
    version, `audit sign` (no --nonce) signs with that version's next one, so the relay works;
    another version's nonce is untouched; --offline needs --nonce; a used --nonce is refused."""
    _, (v1, v2) = _model_with_version(registry, governance, accounts, "nonces", ("a", "b"),
                                      auditors=(4,))
    registry.attest(v2, 1, bytes.fromhex("01551220") + bytes(32), sender=accounts[4])
    assert registry.nonces(accounts[4], v2) & (2**64 - 1) == 1
    assert registry.nonces(accounts[4], v1) & (2**64 - 1) == 0
    sig = tmp_path / "sig.json"
    signed = run_cli("audit", "sign", v2, "--verdict", "reject", "--report-cid", REPORT,
                     "--account", "TEST::4", "-o", sig)
    assert signed.exit_code == 0, signed.stderr
    assert yaml.safe_load(sig.read_text())["nonce"] == 1
    relayed = run_cli("audit", "relay", sig, "--account", "TEST::9")
    assert relayed.exit_code == 0, relayed.stderr
    assert (registry.auditStatus(v2).approvals, registry.auditStatus(v2).rejections) == (0, 1)
    one_line_refusal(run_cli("audit", "sign", v2, "--verdict", "reject", "--report-cid", REPORT,
                             "--account", "TEST::4", "--offline"), "--offline needs --nonce")
    one_line_refusal(run_cli("audit", "sign", v2, "--verdict", "reject", "--report-cid", REPORT,
                             "--account", "TEST::4", "--nonce", "0"), "nonce 0 is already used")
