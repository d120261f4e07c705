"""GrantTreasury with the REAL ModelRegistry of the session suite, through the Python wrapper and
the CLI (``modelgov treasury …`` / ``modelgov grant …``)."""

from __future__ import annotations

import json
import textwrap

import ape
import pytest

from governance_helpers import Proposal, execute_proposal, pass_proposal
from registry_helpers import APPROVED, cid, cid_text, version_input
from treasury_helpers import DAY, USD

STEWARD, GRANTEE, STRANGER = "TEST::4", "TEST::5", "TEST::9"
DESCRIPTION = cid_text("milestone description")


@pytest.fixture(scope="module")
def real(suite, project, deployer, governance, steward, grantee, accounts):
    """Suite treasury + real registry: steward with 1,000 mUSD a week, 5,000 mUSD deposited,
    model 'demo-mlp', version 1 (grantee's, audited by 2 auditors), version 2 (grantee's, not
    audited), version 3 (someone else's, audited)."""
    from eth_utils import keccak

    treasury, registry = suite.treasury, suite.registry
    coin = deployer.deploy(project.MockStablecoin)
    coin.mint(deployer, 100_000 * USD, sender=deployer)
    coin.approve(treasury, 5_000 * USD, sender=deployer)
    treasury.setTokenAllowed(coin, True, sender=governance)
    treasury.deposit(coin, 5_000 * USD, sender=deployer)
    treasury.grantRole(treasury.STEWARD_ROLE(), steward, sender=governance)
    treasury.setStewardAllowance(steward, coin, 1_000 * USD, 7 * DAY, 0, sender=governance)
    auditors = accounts[6], accounts[7]
    for a in auditors:
        registry.grantRole(keccak(text="AUDITOR_ROLE"), a, sender=governance)
    registry.createModel("demo-mlp", cid("card"), sender=governance)
    model_id = registry.modelIdOf("demo-mlp")
    for seed, who in (("v1", grantee), ("v2", grantee), ("v3", accounts[8])):
        registry.submitVersion(model_id, version_input(seed), sender=who)
    for a in auditors:
        registry.attest(1, APPROVED, cid("report-1"), sender=a)
        registry.attest(3, APPROVED, cid("report-3"), sender=a)
    assert registry.isAudited(1) and not registry.isAudited(2) and registry.isAudited(3)
    return {"treasury": treasury, "registry": registry, "coin": coin, "model_id": model_id,
            "auditors": auditors}


def test_fixtures_ready(real, suite, deployer, voters, stranger, token, governor, timelock, registry,
                        treasury, governance, steward, grantee, run_cli, deployment_file, accounts):
    assert treasury is not None and treasury.registry() == registry.address
    assert run_cli("grant", "list").exit_code == 0


def grant_file(tmp_path, *milestones: dict, name: str = "grant.yaml"):
    lines = ["milestones:"]
    for m in milestones:
        lines.append(f"  - amount: {json.dumps(str(m['amount']))}")
        lines.append(f"    description: {m.get('description', DESCRIPTION)}")
        lines.append(f"    deadline: {json.dumps(m.get('deadline', '+30d'))}")
        if "model" in m:
            lines.append(f"    model: {m['model']}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def refused(result, *needles: str, code: int | None = None):
    assert result.exit_code != 0, result.stdout
    if code is not None:
        assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ------------------------------------------------------------------------------- contract level
def test_contract_with_real_registry(real, suite, chain, steward, grantee, accounts):
    """The treasury reads the real registry: ownership, model and the live audit status."""
    t, r, coin = real["treasury"], real["registry"], real["coin"]
    d = chain.pending_timestamp + 30 * DAY
    t.createGrant(grantee, coin, [(100 * USD, cid("m0"), d, real["model_id"]),
                                  (50 * USD, cid("m1"), d, 2**256 - 1)], sender=steward)
    gid = t.grantCount()
    with ape.reverts(t.GrantTreasuryVersionNotFromGrantee, versionId=3):
        t.submitMilestone(gid, 0, 3, sender=grantee)
    with ape.reverts(t.GrantTreasuryUnknownVersion, versionId=99):
        t.submitMilestone(gid, 0, 99, sender=grantee)
    t.submitMilestone(gid, 0, 1, sender=grantee)
    r.revokeAttestation(1, sender=real["auditors"][0])  # audit no longer holds: 1 of 2 approvals
    with ape.reverts(t.GrantTreasuryVersionNotAudited, versionId=1):
        t.approveMilestone(gid, 0, sender=steward)
    r.attest(1, APPROVED, cid("report-1b"), sender=real["auditors"][0])
    t.approveMilestone(gid, 0, sender=steward)
    assert coin.balanceOf(grantee) == 100 * USD


# ------------------------------------------------------------------------------- YAML through CLI
def test_full_flow_through_cli(real, run_cli, tmp_path, chain, grantee):
    coin = real["coin"]
    path = grant_file(tmp_path, {"amount": "250.5", "model": "demo-mlp"}, {"amount": "100"})
    # the token by symbol: the treasury knows it since the deposit
    created = json.loads(ok(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                                    "--milestones", path, "--account", STEWARD, "--json")).stdout)
    gid = created["grant_id"]
    assert created["total"] == str(350_500_000) and created["state"] == "active"
    assert created["milestones"][0]["model_id"] == real["model_id"]
    assert created["milestones"][1]["model_id"] is None
    assert created["milestones"][0]["description_cid"] == DESCRIPTION

    out = ok(run_cli("grant", "submit", gid, 0, "--version", 1, "--account", GRANTEE)).stdout
    assert "now submitted (version 1)" in out
    before = coin.balanceOf(grantee)
    ok(run_cli("grant", "approve", gid, 0, "--account", STEWARD))
    assert coin.balanceOf(grantee) - before == 250_500_000

    shown = json.loads(ok(run_cli("grant", "show", gid, "--json")).stdout)
    assert [m["status"] for m in shown["milestones"]] == ["released", "pending"]
    assert shown["released"] == "250500000" and shown["committed"] == "100000000"
    text = ok(run_cli("grant", "show", gid)).stdout
    assert f"grant #{gid}  active" in text and "250.5 mUSD" in text

    listed = json.loads(ok(run_cli("grant", "list", "--json")).stdout)
    assert [g["grant_id"] for g in listed] == list(range(1, gid + 1))
    assert f"#{gid}" in ok(run_cli("grant", "list")).stdout

    status = json.loads(ok(run_cli("treasury", "status", "--json")).stdout)
    holding = next(h for h in status["holdings"] if h["token"]["symbol"] == "mUSD")
    assert holding["committed"] == "100000000"
    assert int(holding["free"]) == int(holding["balance"]) - 100_000_000
    allowance = next(a for a in status["allowances"] if a["token"]["symbol"] == "mUSD")
    assert allowance["remaining"] == str(1_000 * USD - 350_500_000)
    assert "left of 1000 mUSD per 1w" in ok(run_cli("treasury", "status")).stdout


def test_deposit_through_cli(real, run_cli, deployer):
    t, coin = real["treasury"], real["coin"]
    before = coin.balanceOf(t)
    out = ok(run_cli("treasury", "deposit", "--token", coin.address, "12.5", "--account", "TEST::0")).stdout
    assert "deposited 12.5 mUSD" in out
    assert coin.balanceOf(t) - before == 12_500_000
    refused(run_cli("treasury", "deposit", "--token", "mUSD", "1", "--account", STRANGER),
            "holds 0 mUSD, 1 mUSD needed")


def test_reject_cancel_reclaim_through_cli(real, run_cli, tmp_path, chain, grantee):
    path = grant_file(tmp_path, {"amount": "10", "deadline": "+2d"}, {"amount": "20", "deadline": "+9d"})
    gid = json.loads(ok(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                                "--milestones", path, "--account", STEWARD, "--json")).stdout)["grant_id"]
    ok(run_cli("grant", "submit", gid, 0, "--version", 2, "--account", GRANTEE))
    out = ok(run_cli("grant", "reject", gid, 0, "--reason-cid", cid_text("why"), "--account", STEWARD)).stdout
    assert "now pending" in out
    refused(run_cli("grant", "reclaim", gid, 0, "--account", STRANGER), "can be reclaimed only after")
    chain.mine(deltatime=8 * DAY)  # the rejection moved the deadline to +7 days (resubmission window)
    assert "now reclaimed" in ok(run_cli("grant", "reclaim", gid, 0, "--account", STRANGER)).stdout
    refused(run_cli("grant", "cancel", gid, "--account", STRANGER), "may not cancel", "only governance")
    cancelled = json.loads(ok(run_cli("grant", "cancel", gid, "--account", STEWARD, "--json")).stdout)
    assert cancelled["state"] == "cancelled" and cancelled["returned"] == "30000000"


# ------------------------------------------------------------------------------- refusals
def _nothing_sent(chain, fn):
    head = chain.blocks.head.number
    result = fn()
    assert chain.blocks.head.number == head, "a refused command sent a transaction"
    return result


def test_refusals_are_one_line_and_send_nothing(real, run_cli, tmp_path, chain, grantee, stranger):
    big = grant_file(tmp_path, {"amount": "1000.01"}, name="big.yaml")
    refused(_nothing_sent(chain, lambda: run_cli(
        "grant", "create", "--grantee", grantee.address, "--token", "mUSD", "--milestones", big,
        "--account", STEWARD)), "over allowance", "1000 mUSD left this period", "1000.01 mUSD")
    refused(_nothing_sent(chain, lambda: run_cli(
        "grant", "create", "--grantee", grantee.address, "--token", "mUSD", "--milestones", big,
        "--account", STRANGER)), "lacks STEWARD_ROLE")

    small = grant_file(tmp_path, {"amount": "5", "model": "demo-mlp"}, name="small.yaml")
    gid = json.loads(ok(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                                "--milestones", small, "--account", STEWARD, "--json")).stdout)["grant_id"]
    refused(_nothing_sent(chain, lambda: run_cli("grant", "submit", gid, 0, "--version", 1,
                                                 "--account", STRANGER)), "not the grantee")
    refused(_nothing_sent(chain, lambda: run_cli("grant", "submit", gid, 0, "--version", 3,
                                                 "--account", GRANTEE)), "not by the grantee")
    ok(run_cli("grant", "submit", gid, 0, "--version", 2, "--account", GRANTEE))
    refused(_nothing_sent(chain, lambda: run_cli("grant", "approve", gid, 0, "--account", STEWARD)),
            "version 2 is not audited")
    refused(_nothing_sent(chain, lambda: run_cli("grant", "approve", gid, 0, "--account", GRANTEE)),
            "may not review grant")
    refused(run_cli("grant", "show", 999), "no grant #999")
    refused(run_cli("grant", "approve", 999, 0, "--account", STEWARD), "no grant #999")


def test_over_free_balance_is_refused(real, run_cli, tmp_path, governance, grantee, chain, steward):
    t, coin = real["treasury"], real["coin"]
    t.setStewardAllowance(steward, coin, 10**9 * USD, 7 * DAY, 0, sender=governance)
    free = t.freeBalance(coin)
    path = grant_file(tmp_path, {"amount": f"{free + 1}wei"})
    line = refused(_nothing_sent(chain, lambda: run_cli(
        "grant", "create", "--grantee", grantee.address, "--token", "mUSD", "--milestones", path,
        "--account", STEWARD)), "over free balance")
    assert f"{free / USD:g} mUSD free" in line or "mUSD free" in line


def test_bad_grant_file_names_file_and_field(real, run_cli, tmp_path, grantee):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(f"""
        milestones:
          - amount: "10"
            description: {DESCRIPTION}
            deadline: "+1d"
          - amount: "1.0000001"
            description: {DESCRIPTION}
            deadline: "+1d"
        """))
    line = refused(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                           "--milestones", path, "--account", STEWARD), code=2)
    assert "bad.yaml: milestones[1].amount" in line and "6 decimal places" in line
    path.write_text("milestones:\n  - amount: 1\n    description: bafy\n    deadline: +1d\n    model: nope\n")
    line = refused(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                           "--milestones", path, "--account", STEWARD), code=2)
    assert "milestones[0].description" in line
    path.write_text(f"milestones:\n  - amount: 1\n    description: {DESCRIPTION}\n    deadline: +1d\n"
                    "    model: no-such-model\n")
    line = refused(run_cli("grant", "create", "--grantee", grantee.address, "--token", "mUSD",
                           "--milestones", path, "--account", STEWARD), code=2)
    assert "milestones[0].model" in line and "no-such-model" in line
    refused(run_cli("grant", "create", "--grantee", "0x123", "--token", "mUSD", "--milestones",
                    grant_file(tmp_path, {"amount": "1"}), "--account", STEWARD), "grantee", "not an address")
    refused(run_cli("grant", "create", "--grantee", grantee.address, "--token", "NOPE", "--milestones",
                    grant_file(tmp_path, {"amount": "1"}), "--account", STEWARD), "no token with symbol 'NOPE'")


# ------------------------------------------------------------------------------- library API
def test_client_grant_flow_and_a_proposal_grant(real, suite, chain, governor, voters, steward, grantee):
    """The client's treasury (``gov.treasury``) creates, submits and approves a grant with typed
    results; a grant above the steward's allowance goes through a proposal built with
    ``create_grant_call``."""
    from modelgov.chain.client import ModelGov
    from modelgov.chain.treasury import MilestoneSpec
    from modelgov.errors import StateError

    t, coin = real["treasury"], real["coin"]
    deadline = int(chain.pending_timestamp) + 30 * DAY
    small = [MilestoneSpec(amount=5 * USD, description_cid=DESCRIPTION, deadline=deadline,
                           model_id=real["model_id"])]
    with ModelGov.from_suite(suite, steward) as gov:
        tr = gov.treasury
        created = tr.create_grant(grantee.address, coin.address, small)
        gid = created.value
        assert gid == t.grantCount() and created.gas_used > 0
        assert tr.submit_milestone(gid, 0, 1, sender=grantee).value.status == "submitted"
        assert tr.approve_milestone(gid, 0).value.status == "released"
        assert tr.get_grant(gid).milestones[0].status == "released"

        big = [MilestoneSpec(amount=3_000 * USD, description_cid=DESCRIPTION, deadline=deadline)]
        with pytest.raises(StateError, match="over allowance"):
            tr.create_grant(grantee.address, coin.address, big)
        target, data = tr.create_grant_call(grantee.address, coin.address, big)
        assert target == t.address

        proposal = Proposal([target], [0], [data], "# Large grant\n\n3,000 mUSD for demo-mlp v3.")
        pid = pass_proposal(chain, governor, proposal, voters[0], voters)
        execute_proposal(chain, governor, proposal, pid, voters[0])
        g = tr.get_grant(t.grantCount())
    assert (g.total, g.creator, g.state) == (3_000 * USD, suite.timelock.address, "active")
    assert g.milestones[0].model_id is None


def test_client_governance_token(suite, accounts, voters):
    """``gov.token``: plain reads of the GovernanceToken, and ``delegate`` (a function Ape's
    contract objects shadow with an attribute) as a typed write."""
    from modelgov.chain.client import ModelGov

    holder = accounts[9]
    with ModelGov.from_suite(suite, holder) as gov:
        t = gov.token
        assert t.total_supply() == suite.token.totalSupply()
        assert t.balance_of(voters[0].address) == suite.token.balanceOf(voters[0])
        assert t.votes_of(voters[0].address) == suite.token.getVotes(voters[0])
        assert (t.symbol(), t.ref().symbol, t.ref().decimals) == ("MGOV", "MGOV", 18)
        assert t.delegates(holder.address) is None
        result = t.delegate(holder.address)
        assert result.value == holder.address == t.delegates(holder.address)
