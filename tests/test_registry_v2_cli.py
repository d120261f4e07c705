"""Issue 15 (registry v2) from the CLI and the client: aliases, expiring approvals, guardian
suspension and governance reinstatement, lineage, and pulling a model by name."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import uuid

import pytest
from eth_utils.crypto import keccak

from modelgov.paths import CHECKOUT_ROOT

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
ALIAS_MANAGER_ROLE = keccak(text="ALIAS_MANAGER_ROLE")
DIGEST = "0x" + "ab" * 32
REPORT = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def cid_of(seed: str) -> str:
    from modelgov.cid.text import RAW, cid_bytes_for, cid_from_bytes

    return cid_from_bytes(cid_bytes_for(1, RAW, hashlib.sha256(seed.encode()).digest()))


@pytest.fixture(autouse=True)
def own_deployment_file(suite, chain, tmp_path, monkeypatch):
    from modelgov.chain.deployments import write_deployment

    monkeypatch.setenv("MODELGOV_DEPLOYMENTS", str(tmp_path / "deployments"))
    return write_deployment("ethereum:local:foundry", suite.to_record(chain.chain_id))


@pytest.fixture
def model(registry, governance, accounts):
    for a in (accounts[4], accounts[5]):
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.grantRole(GUARDIAN_ROLE, accounts[7], sender=governance)
    registry.grantRole(ALIAS_MANAGER_ROLE, accounts[6], sender=governance)
    # a fresh name per test: nothing here depends on other modules' chain state
    name = f"llama-{uuid.uuid4().hex[:8]}"
    registry.createModel(name, b"", sender=governance)
    return name


def ok(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip().startswith(("{", "[")) else {}


def refused(result, text: str) -> None:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr


def submit(run_cli, model: str, seed: str, *extra: str) -> int:
    doc = ok(run_cli("version", "submit", "--model", model, "--cid", cid_of(seed), "--manifest-digest",
                     DIGEST, "--account", "TEST::9", "--json", *extra))
    return int(doc["version_id"])


def approve(run_cli, version: int, *extra: str) -> None:
    for n in (4, 5):
        ok(run_cli("audit", "attest", str(version), "--verdict", "approve", "--report-cid", REPORT,
                   "--account", f"TEST::{n}", "--json", *extra))


def test_aliases_set_by_the_alias_manager_listed_by_model_show(run_cli, model):
    v1, v2 = submit(run_cli, model, "a"), submit(run_cli, model, "b")
    doc = ok(run_cli("model", "alias", model, "canary", str(v2), "--account", "TEST::6", "--json"))
    assert doc["version_id"] == v2 and doc["aliases"] == {"canary": v2}
    ok(run_cli("model", "alias", model, "staging", str(v1), "--account", "TEST::6", "--json"))
    shown = ok(run_cli("model", "show", model, "--json"))
    assert shown["aliases"] == {"canary": v2, "staging": v1}
    text = run_cli("model", "show", model).stdout
    assert f"canary → v{v2}" in text and f"staging → v{v1}" in text
    refused(run_cli("model", "alias", model, "canary", str(v1), "--account", "TEST::9"), "ALIAS_MANAGER_ROLE")
    refused(run_cli("model", "alias", model, "x" * 65, str(v1), "--account", "TEST::6"), "1 to 64 bytes")
    ok(run_cli("model", "alias", model, "canary", "--clear", "--account", "TEST::6"))
    assert ok(run_cli("model", "show", model, "--json"))["aliases"] == {"staging": v1}


def test_expiring_approval_stops_counting_and_shows_as_expired(run_cli, model, chain):
    v = submit(run_cli, model, "exp")
    ok(run_cli("audit", "attest", str(v), "--verdict", "approve", "--report-cid", REPORT,
               "--account", "TEST::4", "--expires", "+1h"))
    ok(run_cli("audit", "attest", str(v), "--verdict", "approve", "--report-cid", REPORT, "--account", "TEST::5"))
    status = ok(run_cli("audit", "status", str(v), "--json"))
    assert status["audited"] and status["approvals"] == 2
    dated = {a["auditor"]: a["expires_at"] for a in status["attestations"]}
    assert dated[chain.provider.web3.eth.accounts[4]] is not None
    assert list(dated.values()).count(None) == 1
    refused(run_cli("audit", "attest", str(v), "--verdict", "reject", "--report-cid", REPORT,
                    "--account", "TEST::4", "--expires", "+1h"), "only an approval can expire")
    chain.pending_timestamp += 2 * 3600
    chain.mine()
    status = ok(run_cli("audit", "status", str(v), "--json"))
    assert not status["audited"] and status["approvals"] == 1
    assert [a["auditor"] for a in status["expired"]] == [chain.provider.web3.eth.accounts[4]]
    assert "expired" in run_cli("audit", "status", str(v)).stdout


def test_guardian_suspends_and_only_governance_reinstates(run_cli, model, registry, governance):
    v = submit(run_cli, model, "sus")
    approve(run_cli, v)
    refused(run_cli("version", "suspend", str(v), "--account", "TEST::9"), "GUARDIAN_ROLE")
    ok(run_cli("version", "suspend", str(v), "--account", "TEST::7"))
    assert ok(run_cli("audit", "status", str(v), "--json"))["suspended"]
    doc = ok(run_cli("version", "reinstate", str(v), "--account", "TEST::7", "--json"))
    assert doc["reinstated"] is False and doc["proposal_action"]["function"] == "reinstateVersion(uint256)"
    assert registry.isSuspended(v)
    registry.reinstateVersion(v, sender=governance)  # what the proposal executes
    assert not ok(run_cli("audit", "status", str(v), "--json"))["suspended"]


def test_sync_audit_recaches_after_an_auditor_change(run_cli, model, registry, governance, accounts):
    """Issue 20: anyone re-caches a version's audit result (the oracle's cheap read) from the CLI."""
    v = submit(run_cli, model, "sync")
    ok(run_cli("version", "bind-verifier", str(v), registry.address, "--account", "TEST::9", "--json"))
    approve(run_cli, v)
    doc = ok(run_cli("version", "sync-audit", str(v), "--account", "TEST::3", "--json"))
    assert doc["changed"] is False  # the attestations cached it already
    registry.grantRole(AUDITOR_ROLE, accounts[3], sender=governance)  # a new auditor voids every cache
    doc = ok(run_cli("version", "sync-audit", str(v), "--account", "TEST::3", "--json"))
    assert doc["version_id"] == v and doc["changed"] is True and doc["tx"].startswith("0x")
    assert "cache already current" in run_cli("version", "sync-audit", str(v), "--account", "TEST::3").stdout
    refused(run_cli("version", "sync-audit", "999999", "--account", "TEST::3"), "999999")


def test_lineage_prints_the_tree(run_cli, model):
    root = submit(run_cli, model, "root")
    left = submit(run_cli, model, "left", "--parent", str(root), "--dataset", cid_of("data"))
    right = submit(run_cli, model, "right", "--parent", str(root))
    grand = submit(run_cli, model, "grand", "--parent", str(left))
    doc = ok(run_cli("model", "lineage", model, "--json", "--no-cards"))
    assert [(v["depth"], v["version_id"]) for v in doc["versions"]] == [
        (0, root), (1, left), (2, grand), (1, right)]
    assert {v["card"] for v in doc["versions"]} == {"not read"}
    text = run_cli("model", "lineage", model, "--no-cards").stdout.splitlines()
    assert text[2].startswith("  └─ v") and cid_of("data") in text[2]
    assert text[3].startswith("    └─ v")


def _unit_conftest():
    spec = importlib.util.spec_from_file_location("unit_conftest", CHECKOUT_ROOT / "tests/unit/conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["unit_conftest"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ipfs_api(tmp_path_factory):
    """A real js-ipfs node for this module (as tests/unit's), stopped by its PID."""
    unit = _unit_conftest()
    from modelgov.devnet import ipfs_node as node_mod

    home = tmp_path_factory.mktemp("ipfs-home")
    port = unit.free_port()
    handle = unit.IPFSNode(f"http://127.0.0.1:{port}", home, port)
    with unit.scoped_env(**handle.env()):
        node_mod.start()
    try:
        yield handle.api
    finally:
        with unit.scoped_env(**handle.env()):
            node_mod.stop()


def test_fetch_by_name_resolves_active_or_alias_and_checks_the_manifest(
        run_cli, model, registry, governance, tmp_path, ipfs_api):
    from modelgov import manifest
    from modelgov.storage.ipfs import IPFSClient, pin_path

    versions = {}
    for n in (1, 2):
        folder = tmp_path / f"w{n}"
        folder.mkdir()
        (folder / "weights.bin").write_bytes(bytes([n]) * 5000)
        (folder / "config.json").write_text(json.dumps({"n": n}))
        doc = manifest.build(folder)
        manifest.write(doc, tmp_path / f"w{n}.json")
        with IPFSClient(ipfs_api) as client:
            assert pin_path(folder, client=client).cid == doc["root"]["cid"]
        versions[n] = (ok(run_cli("version", "submit", "--model", model, "--cid", doc["root"]["cid"],
                                  "--manifest", tmp_path / f"w{n}.json", "--account", "TEST::9", "--json")),
                       doc)
    v1, v2 = versions[1][0]["version_id"], versions[2][0]["version_id"]
    refused(run_cli("fetch", "--model", model, "-o", tmp_path / "none", "--api", ipfs_api), "no active version")
    approve(run_cli, v1)
    registry.activateVersion(registry.modelIdOf(model), v1, 0, sender=governance)
    ok(run_cli("model", "alias", model, "canary", str(v2), "--account", "TEST::6"))
    got = ok(run_cli("fetch", "--model", model, "-o", tmp_path / "active", "--api", ipfs_api, "--json"))
    assert (got["version_id"], got["chosen_by"], got["cid"]) == (v1, "active", versions[1][1]["root"]["cid"])
    assert (tmp_path / "active" / "weights.bin").read_bytes() == bytes([1]) * 5000
    got = ok(run_cli("fetch", "--model", model, "--alias", "canary", "-o", tmp_path / "canary",
                     "--api", ipfs_api, "--json"))
    assert (got["version_id"], got["chosen_by"]) == (v2, "alias canary")
    refused(run_cli("fetch", "--model", model, "--alias", "prod", "-o", tmp_path / "x", "--api", ipfs_api),
            "no alias 'prod'")
    # a version whose recorded manifest digest does not match its bytes is refused after the fetch
    liar = ok(run_cli("version", "submit", "--model", model, "--cid", versions[1][1]["root"]["cid"],
                      "--manifest-digest", DIGEST, "--account", "TEST::8", "--json"))["version_id"]
    refused(run_cli("fetch", "--model", model, "--version", str(liar), "-o", tmp_path / "liar",
                    "--api", ipfs_api), "manifest digest")
    refused(run_cli("fetch", "-o", tmp_path / "y"), "give a CID or --model")


def test_lineage_names_the_base_model_each_card_gives(run_cli, model, tmp_path, ipfs_api, monkeypatch):
    """The card (README.md) of each version's folder is read from IPFS, block by block against
    the version's CID, and its base_model printed (escaped); other cases get a status."""
    from modelgov.storage.ipfs import IPFSClient, pin_path

    monkeypatch.setenv("MODELGOV_IPFS_API", ipfs_api)
    cards = {
        "tuned": "---\nlicense: mit\nbase_model: meta-llama/Llama-3.2-1B\n---\n# tuned\n",
        "merged": "---\nlicense: mit\nbase_model:\n  - org-a/base-a\n  - org-b/base-b\n---\n",
        "plain": "---\nlicense: mit\n---\n",
        "forged": "---\nlicense: mit\nbase_model: \"evil\\e[31m/red\"\n---\n",
        "nocard": None,
    }
    ids = {}
    with IPFSClient(ipfs_api) as client:
        for name, card in cards.items():
            folder = tmp_path / name
            folder.mkdir()
            (folder / "weights.bin").write_bytes(name.encode() * 3000)
            if card is not None:
                (folder / "README.md").write_text(card)
            root = pin_path(folder, client=client).cid
            ids[name] = ok(run_cli("version", "submit", "--model", model, "--cid", root, "--manifest-digest",
                                   DIGEST, "--account", "TEST::9", "--json"))["version_id"]
    ids["absent"] = submit(run_cli, model, "not-on-the-node", "--parent", str(ids["tuned"]))
    doc = ok(run_cli("model", "lineage", model, "--json", "--card-timeout", "1"))
    by_id = {v["version_id"]: v for v in doc["versions"]}
    got = {name: (by_id[vid]["card"], by_id[vid]["base_models"]) for name, vid in ids.items()}
    assert got == {
        "tuned": ("read", ["meta-llama/Llama-3.2-1B"]),
        "merged": ("read", ["org-a/base-a", "org-b/base-b"]),
        "plain": ("read", []),
        "forged": ("card names an invalid base_model", []),
        "nocard": ("no card", []),
        "absent": ("not on the node", []),
    }
    text = run_cli("model", "lineage", model, "--card-timeout", "1").stdout
    assert "base meta-llama/Llama-3.2-1B" in text and "base org-a/base-a, org-b/base-b" in text
    assert "\x1b" not in text
    # the typed client gives the same
    from modelgov.chain.client import ModelGov

    with ModelGov("local") as gov:
        entries = {e.version.version_id: e.card for e in gov.lineage(model, timeout=1)}
    assert entries[ids["tuned"]].base_models == ("meta-llama/Llama-3.2-1B",)
    # no node: the tree still prints, and says once why there are no bases
    monkeypatch.setenv("MODELGOV_IPFS_API", "http://127.0.0.1:9")
    result = run_cli("model", "lineage", model)
    assert result.exit_code == 0 and "base " not in result.stdout
    assert result.stderr.strip() == "cards not read: the IPFS node is unreachable"
