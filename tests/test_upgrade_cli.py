"""A model upgrade from the CLI, end to end: onboard through a proposal, submit, attest, build
(with the generated description), simulate, submit, vote, queue, execute → activeVersion is the
proposed CID. Then a version that is not audited fails the simulation with the decoded reason."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from governance_helpers import advance_past_deadline, advance_to_voting
from modelgov import manifest as mf
from modelgov.demo import mlp

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "models" / "demo-mlp" / "README.md"
CHANGELOG = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
REPORT = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        run_cli):
    assert registry is not None


def cli_ok(run_cli, *args):
    result = run_cli(*args)
    assert result.exit_code == 0, f"{args}: {result.stderr}"
    return result


def pass_through_cli(run_cli, chain, governor, path, proposer="TEST::1"):
    sub = json.loads(cli_ok(run_cli, "proposal", "submit", path, "--account", proposer,
                            "--json").stdout)
    pid = int(sub["proposal_id"])
    advance_to_voting(chain, governor, pid)
    for i in (1, 2, 3):
        cli_ok(run_cli, "vote", pid, "for", "--account", f"TEST::{i}")
    advance_past_deadline(chain, governor, pid)
    cli_ok(run_cli, "proposal", "queue", pid)
    chain.pending_timestamp = governor.proposalEta(pid) + 1
    done = json.loads(cli_ok(run_cli, "proposal", "execute", pid, "--json").stdout)
    assert done["state"] == "Executed"
    return pid


def write_version(folder: Path, number: int, weights):
    mlp.write_model(folder, weights, number)
    manifest = mf.build(folder)
    digest = mf.write(manifest, folder.parent / f"v{number}.manifest.json")
    return manifest["root"]["cid"], folder.parent / f"v{number}.manifest.json", digest


def test_model_upgrade_lifecycle_through_cli(run_cli, tmp_path, chain, governor, registry,
                                             accounts):
    auditors = accounts[4], accounts[5]
    onboard = tmp_path / "0001-onboard.yaml"
    onboard.write_text(textwrap.dedent(f"""
        title: Onboard demo-mlp
        actions:
          - type: create-model
            model: demo-mlp
            card: {CARD}
          - {{type: grant-role, contract: registry, role: AUDITOR_ROLE, account: "{auditors[0].address}"}}
          - {{type: grant-role, contract: registry, role: AUDITOR_ROLE, account: "{auditors[1].address}"}}
        """))
    pass_through_cli(run_cli, chain, governor, onboard)
    assert registry.hasRole(registry.AUDITOR_ROLE(), auditors[1])

    models = tmp_path / "models" / "demo-mlp"
    w1 = mlp.initial_weights()
    cid1, manifest1, _digest1 = write_version(models / "v1", 1, w1)
    w2, _ = mlp.train(w1, steps=3)
    cid2, manifest2, digest2 = write_version(models / "v2", 2, w2)
    for cid, manifest, parent in ((cid1, manifest1, ()), (cid2, manifest2, ("--parent", "1"))):
        cli_ok(run_cli, "version", "submit", "--model", "demo-mlp", "--cid", cid, "--manifest",
               manifest, "--changelog", CHANGELOG, *parent, "--account", "TEST::7")
    for version in (1, 2):
        for i in (4, 5):
            cli_ok(run_cli, "audit", "attest", version, "--verdict", "approve", "--report-cid",
                   REPORT, "--account", f"TEST::{i}")

    def upgrade_file(name, version):
        path = tmp_path / name
        path.write_text(f"title: Activate demo-mlp v{version}\nbody: Audited twice.\n"
                        f"actions:\n  - {{type: model-upgrade, model: demo-mlp, version: {version}}}\n")
        return path

    import os

    os.chdir(tmp_path)  # manifests are found under ./models/<model>/
    pass_through_cli(run_cli, chain, governor, upgrade_file("0002.yaml", 1))
    shown = json.loads(cli_ok(run_cli, "model", "show", "demo-mlp", "--json").stdout)
    assert json.dumps(shown).count(cid1) >= 1
    assert registry.activeVersionId(registry.modelIdOf("demo-mlp")) == 1

    # the v2 upgrade's description carries the actions first, CIDs, digest and the diff against
    # its parent v1; the audits (live chain state) are shown beside it, not hashed into it
    built = json.loads(cli_ok(run_cli, "proposal", "build", upgrade_file("0003.yaml", 2),
                              "--json").stdout)
    text = built["description"]
    assert text.startswith("# Activate demo-mlp v2\n\n## Actions\n\n1. `ModelRegistry.")
    for needle in (cid2, CHANGELOG, digest2, "Parent version (lineage): version 1",
                   "### Files changed (against version 1)",
                   "changed `model.safetensors`", "changed `config.json`"):
        assert needle in text, needle
    assert REPORT not in text and auditors[0].address not in text
    state = "\n".join(built["chain_state"])
    for needle in (REPORT, auditors[0].address, "2 approval(s)", "active version now version 1"):
        assert needle in state, needle
    sim = json.loads(cli_ok(run_cli, "proposal", "simulate", upgrade_file("0003.yaml", 2),
                            "--json").stdout)
    assert sim["changes"] == [f"demo-mlp: active version #1 {cid1} -> #2 {cid2}"]
    pass_through_cli(run_cli, chain, governor, upgrade_file("0003.yaml", 2))
    assert registry.activeVersionId(registry.modelIdOf("demo-mlp")) == 2


def test_unaudited_upgrade_fails_simulation_with_reason(run_cli, tmp_path, chain, governor,
                                                        registry, governance):
    registry.createModel("tiny", b"\x01\x55\x12\x20" + bytes(32), sender=governance)
    cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
    cli_ok(run_cli, "version", "submit", "--model", "tiny", "--cid", cid, "--manifest-digest",
           "11" * 32, "--profile", "unixfs-v1-2025", "--account", "TEST::7")
    path = tmp_path / "0009.yaml"
    path.write_text("title: Activate an unaudited version\n"
                    "actions:\n  - {type: model-upgrade, model: tiny, cid: " + cid + "}\n")
    result = run_cli("proposal", "simulate", path)
    assert result.exit_code != 0
    assert "simulation failed at execute" in result.stderr
    assert "ModelRegistry" in result.stderr and "approvals" in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1


def test_upgrade_of_unsubmitted_version_is_a_file_error(run_cli, tmp_path, registry, governance):
    registry.createModel("other", b"\x01\x55\x12\x20" + bytes(32), sender=governance)
    path = tmp_path / "0010-x.yaml"
    path.write_text("title: X\nactions:\n  - {type: model-upgrade, model: other, version: 99}\n")
    result = run_cli("proposal", "build", path)
    assert result.exit_code != 0
    assert result.stderr.strip() == "Error: 0010-x.yaml: actions[0].version: version 99 was not submitted"
    path.write_text("title: X\nactions:\n  - {type: model-upgrade, model: nope, version: 1}\n")
    result = run_cli("proposal", "build", path)
    assert "actions[0].model: no model named 'nope'" in result.stderr


def test_upgrade_states_the_version_it_replaces(suite, registry, governance, accounts):
    """Issue 14, item 2: the activation calldata carries the version it replaces — the YAML's
    `replaces:`, else an earlier upgrade of the same model in this proposal, else the model's
    active version when the proposal is built."""
    import pytest

    from modelgov.chain import governance as gov
    from modelgov.chain.proposal_spec import parse_proposal
    from modelgov.errors import ProposalFileError
    from registry_helpers import APPROVED, cid, version_input

    for a in (accounts[4], accounts[5]):
        registry.grantRole(registry.AUDITOR_ROLE(), a, sender=governance)
    registry.createModel("rep", b"\x01", sender=governance)
    model = registry.modelIdOf("rep")
    ids = []
    for seed in ("r1", "r2", "r3"):
        r = registry.submitVersion(model, version_input(seed), sender=accounts[7])
        ids.append(r.events.filter(registry.VersionSubmitted)[0].versionId)
        for a in (accounts[4], accounts[5]):
            registry.attest(ids[-1], APPROVED, cid(f"{seed}{a.address}"), sender=a)
    v1, v2, v3 = ids
    registry.activateVersion(model, v1, 0, sender=governance)

    def calldatas(actions: str) -> list[bytes]:
        return gov.build(parse_proposal(f"title: X\nactions:\n{actions}"), suite).calldatas

    def up(version: int, extra: str = "") -> str:
        return f"  - {{type: model-upgrade, model: rep, version: {version}{extra}}}\n"

    encode = registry.activateVersion.encode_input
    assert calldatas(up(v2)) == [bytes(encode(model, v2, v1))]  # read from the chain
    assert calldatas(up(v2, ", replaces: 0")) == [bytes(encode(model, v2, 0))]  # as written
    assert calldatas(up(v2) + up(v3)) == [bytes(encode(model, v2, v1)), bytes(encode(model, v3, v2))]
    with pytest.raises(ProposalFileError, match=r"actions\[0\].replaces: version 99 was not submitted"):
        calldatas(up(v2, ", replaces: 99"))
    for bad in ("-1", "true", "'v1'"):
        with pytest.raises(ProposalFileError, match=r"actions\[0\].replaces: must be"):
            calldatas(up(v2, f", replaces: {bad}"))
    with pytest.raises(ProposalFileError, match=r"submitter: only with 'cid'"):
        calldatas(up(v2, f", submitter: '{accounts[7].address}'"))
