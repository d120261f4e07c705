"""Attacks on the ModelRegistry, beyond its own unit tests (tests/test_registry.py already covers
relaying the same signature twice, another chain id, a non-registry verifying contract, an expired
deadline, forged and tampered signatures, and the access matrix).

Covered here (see SECURITY.md): a signature relayed to a second registry or to another version,
a stale signed verdict overriding a newer direct one, an auditor removed by governance still
counting, the guardian's powers, and audit state changing between a proposal and its execution;
from the external review (issue 14): the guardian choosing an older or rejected version by
suspending newer ones, a reinstatement executing after a rejection, CID squatting, an auditor
attesting its own version, and free-text import profiles. Registry v2 (issue 15): signatures
moved between versions through per-version nonces, expiring approvals used after their expiry
(activation queued in the timelock, a treasury milestone), a rejection given an expiry to lapse by
itself, and aliases pointed at another model's or a suspended version.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from governance_helpers import execute_proposal, make_proposal, pass_proposal
from registry_helpers import (
    APPROVED,
    REJECTED,
    cid,
    cid_text,
    keyed,
    relay_args,
    relay_expiry_args,
    signed,
    version_input,
)

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")


@pytest.fixture(scope="module")
def atk_auditors(accounts):
    return accounts[4], accounts[5], accounts[6]


@pytest.fixture(scope="module")
def atk_guardian(accounts):
    return accounts[7]


@pytest.fixture(scope="module")
def atk_model(registry, governance, atk_auditors, atk_guardian):
    for a in atk_auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.grantRole(GUARDIAN_ROLE, atk_guardian, sender=governance)
    registry.createModel("attacked", cid("card"), sender=governance)
    return registry.modelIdOf("attacked")


def submit(registry, atk_model, sender, seed) -> int:
    receipt = registry.submitVersion(atk_model, version_input(seed), sender=sender)
    return receipt.events.filter(registry.VersionSubmitted)[0].versionId


def approve(registry, version_id, *atk_auditors):
    for a in atk_auditors:
        registry.attest(version_id, APPROVED, cid(f"rep-{version_id}-{a.address}"), sender=a)


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        treasury, governance, atk_auditors, atk_guardian, atk_model, accounts, chain):
    assert registry.requiredApprovals() == 2
    assert all(registry.hasRole(AUDITOR_ROLE, a) for a in atk_auditors)


# --------------------------------------------------------------------------- attestBySig
def test_signature_is_bound_to_its_registry_and_version(chain, project, registry, governance,
                                                        atk_model, atk_auditors, stranger, deployer):
    """A second registry (another DAO, or a redeployment) on the same chain, where the auditor
    also holds the role and has the same nonce: the signature is worthless there. Nor can a
    signature for one version attest another."""
    a = atk_auditors[0]
    v1 = submit(registry, atk_model, stranger, "v1")
    v2 = submit(registry, atk_model, stranger, "v2")
    other = deployer.deploy(project.ModelRegistry, governance.address, 1)
    other.grantRole(AUDITOR_ROLE, a, sender=governance)
    other.createModel("attacked", cid("card"), sender=governance)
    other.submitVersion(1, version_input("v1"), sender=stranger)
    s = signed(chain, registry, a, v1)
    assert other.nonces(a, v1) & (2**64 - 1) == registry.nonces(a, v1) & (2**64 - 1) == 0
    if v1 == 1:  # same version id on both registries: only the domain tells them apart
        with ape.reverts(other.ModelRegistryInvalidSignature, auditor=a.address):
            other.attestBySig(*relay_args(s), sender=stranger)
    args = list(relay_args(s))
    args[1] = v2  # the nonce is keyed by v1: refused before the signature is even checked
    with ape.reverts(registry.ModelRegistryInvalidNonceKey, versionId=v2, nonce=keyed(v1, 0)):
        registry.attestBySig(*args, sender=stranger)
    args[4] = keyed(v2, 0)  # re-keyed for v2: the signature does not cover it
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
        registry.attestBySig(*args, sender=stranger)
    args = list(relay_args(s))
    args[3] = cid("another report")
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
        registry.attestBySig(*args, sender=stranger)
    registry.attestBySig(*relay_args(s), sender=stranger)  # the genuine use still works
    assert registry.auditStatus(v1).approvals == 1 and registry.auditStatus(v2).approvals == 0


def test_stale_signed_verdict_cannot_override_a_newer_direct_one(chain, registry, atk_model,
                                                                 atk_auditors, stranger):
    """The auditor signs an approval for a relayer, then finds a problem and rejects directly
    (or withdraws). Relaying the old approval afterwards must not turn it back into an approval."""
    a = atk_auditors[0]
    v = submit(registry, atk_model, stranger, "v")
    approval = signed(chain, registry, a, v, APPROVED)
    registry.attest(v, REJECTED, cid("found a backdoor"), sender=a)
    with ape.reverts():
        registry.attestBySig(*relay_args(approval), sender=stranger)
    assert registry.attestationOf(v, a).verdict == REJECTED
    # same after a withdrawal
    approval2 = signed(chain, registry, a, v, APPROVED)
    registry.revokeAttestation(v, sender=a)
    with ape.reverts():
        registry.attestBySig(*relay_args(approval2), sender=stranger)
    assert registry.auditStatus(v).approvals == 0


def test_signature_of_a_removed_auditor_cannot_be_relayed(chain, registry, governance, atk_model,
                                                          atk_auditors, stranger):
    a = atk_auditors[1]
    v = submit(registry, atk_model, stranger, "v")
    s = signed(chain, registry, a, v)
    registry.revokeRole(AUDITOR_ROLE, a, sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=a.address,
                     neededRole=AUDITOR_ROLE):
        registry.attestBySig(*relay_args(s), sender=stranger)


# --------------------------------------------------------------------------- atk_auditors
def test_auditor_removed_by_governance_no_longer_counts(registry, treasury, governance, atk_model,
                                                        atk_auditors, stranger, deployer):
    """Two approvals make v audited; governance then removes one auditor (compromised key,
    conflict of interest): the version is no longer audited and cannot be activated, and the
    removed auditor's verdicts stop counting either way."""
    v = submit(registry, atk_model, stranger, "v")
    approve(registry, v, atk_auditors[0], atk_auditors[1])
    assert registry.isAudited(v)
    registry.revokeRole(AUDITOR_ROLE, atk_auditors[0], sender=governance)
    assert not registry.isAudited(v)
    status = registry.auditStatus(v)
    assert (status.approvals, status.audited) == (1, False)
    with ape.reverts(registry.ModelRegistryNotAudited):
        registry.activateVersion(atk_model, v, 0, sender=governance)
    # a removed auditor's rejection no longer blocks a version either
    registry.attest(v, APPROVED, cid("third"), sender=atk_auditors[2])
    registry.grantRole(AUDITOR_ROLE, deployer, sender=governance)
    registry.attest(v, REJECTED, cid("spite"), sender=deployer)
    assert not registry.isAudited(v)
    registry.revokeRole(AUDITOR_ROLE, deployer, sender=governance)
    assert registry.isAudited(v)
    registry.activateVersion(atk_model, v, 0, sender=governance)
    assert registry.activeVersionId(atk_model) == v


# --------------------------------------------------------------------------- atk_guardian, activation
def test_guardian_can_only_suspend(registry, governance, atk_model, atk_auditors, atk_guardian, stranger,
                                   deployer):
    v1 = submit(registry, atk_model, stranger, "v1")
    v2 = submit(registry, atk_model, stranger, "v2")
    v3 = submit(registry, atk_model, stranger, "v3")
    for v in (v1, v2, v3):
        approve(registry, v, atk_auditors[0], atk_auditors[1])
    registry.activateVersion(atk_model, v1, 0, sender=governance)
    # nobody but governance activates: not the guardian, an auditor, the submitter, the deployer
    for who in (atk_guardian, atk_auditors[0], stranger, deployer):
        with ape.reverts(registry.AccessControlUnauthorizedAccount, account=who.address):
            registry.activateVersion(atk_model, v3, v1, sender=who)
    registry.activateVersion(atk_model, v3, v1, sender=governance)
    # the guardian suspends v3: the model has no active version (no fall-back to v1, which
    # governance replaced, nor to v2, audited but never activated)
    registry.suspendVersion(v3, sender=atk_guardian)
    assert registry.activeVersionId(atk_model) == 0
    # and can neither undo it, nor choose a version, nor touch roles or the threshold
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=atk_guardian.address):
        registry.reinstateVersion(v3, sender=atk_guardian)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=atk_guardian.address):
        registry.activateVersion(atk_model, v2, 0, sender=atk_guardian)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=atk_guardian.address):
        registry.grantRole(AUDITOR_ROLE, atk_guardian, sender=atk_guardian)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=atk_guardian.address):
        registry.setRequiredApprovals(1, sender=atk_guardian)
    # suspending more versions changes nothing: there is no active version to fall back from
    registry.suspendVersion(v1, sender=atk_guardian)
    assert registry.activeVersionId(atk_model) == 0
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=v3):
        registry.activateVersion(atk_model, v3, 0, sender=governance)


def test_audit_is_checked_again_when_the_proposal_executes(chain, governor, registry, atk_model,
                                                           atk_auditors, atk_guardian, voters, stranger):
    """A proposal to activate v is queued while v is audited. During the timelock delay an
    auditor withdraws its approval (or rejects, or the guardian suspends): execution reverts."""
    v = submit(registry, atk_model, stranger, "v")
    approve(registry, v, atk_auditors[0], atk_auditors[1])
    proposal = make_proposal([(registry, "activateVersion", (atk_model, v, 0))], "# Activate v")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    registry.revokeAttestation(v, sender=atk_auditors[1])  # below the threshold again
    chain.pending_timestamp = governor.proposalEta(pid) + 1
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v, approvals=1):
        governor.execute(*proposal.args(), sender=stranger)
    registry.attest(v, APPROVED, cid("again"), sender=atk_auditors[1])
    registry.attest(v, REJECTED, cid("late finding"), sender=atk_auditors[2])
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v, rejections=1):
        governor.execute(*proposal.args(), sender=stranger)
    registry.revokeAttestation(v, sender=atk_auditors[2])
    registry.suspendVersion(v, sender=atk_guardian)
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=v):
        governor.execute(*proposal.args(), sender=stranger)
    assert registry.activeVersionId(atk_model) == 0


# --------------------------------------------------------------------------- review (issue 14)
def test_guardian_cannot_make_a_rejected_or_older_version_active(registry, governance, atk_model,
                                                                 atk_auditors, atk_guardian,
                                                                 stranger):
    """Item 1. v1, v2, v3 activated in turn; auditors then reject v1 (activating it reverts). The
    guardian suspends v3, then v2: before the fix the model fell back to v2 and then to v1 — the
    guardian chose the running version, and v1 was rejected. Now the model has none."""
    vs = [submit(registry, atk_model, stranger, f"fb{i}") for i in range(3)]
    previous = 0
    for v in vs:
        approve(registry, v, atk_auditors[0], atk_auditors[1])
        registry.activateVersion(atk_model, v, previous, sender=governance)
        previous = v
    v1, v2, v3 = vs
    registry.attest(v1, REJECTED, cid("backdoor"), sender=atk_auditors[2])
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v1):
        registry.activateVersion(atk_model, v1, v3, sender=governance)
    registry.suspendVersion(v3, sender=atk_guardian)
    assert registry.activeVersionId(atk_model) == 0
    registry.suspendVersion(v2, sender=atk_guardian)
    assert registry.activeVersionId(atk_model) == 0
    with ape.reverts(registry.ModelRegistryNoActiveVersion):
        registry.activeVersion(atk_model)
    # and a version activated by governance whose audit lapses stops being active by itself
    v4 = submit(registry, atk_model, stranger, "fb4")
    approve(registry, v4, atk_auditors[0], atk_auditors[1])
    registry.activateVersion(atk_model, v4, 0, sender=governance)
    registry.attest(v4, REJECTED, cid("late finding"), sender=atk_auditors[2])
    assert registry.activeVersionId(atk_model) == 0


def test_reinstatement_never_activates_a_version_rejected_during_the_delay(
        chain, governor, registry, governance, atk_model, atk_auditors, atk_guardian, voters,
        stranger):
    """Item 1. The guardian suspends the active v; governance passes a reinstatement; during the
    timelock delay an auditor rejects v. Before the fix the execution made v (rejected) active
    again; now reinstating only lifts the suspension."""
    v = submit(registry, atk_model, stranger, "re")
    approve(registry, v, atk_auditors[0], atk_auditors[1])
    registry.activateVersion(atk_model, v, 0, sender=governance)
    registry.suspendVersion(v, sender=atk_guardian)
    proposal = make_proposal([(registry, "reinstateVersion", (v,))], "# Reinstate v")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    registry.attest(v, REJECTED, cid("found it"), sender=atk_auditors[2])
    execute_proposal(chain, governor, proposal, pid, stranger)
    assert not registry.isSuspended(v)
    assert registry.activeVersionId(atk_model) == 0


def test_cid_squatter_cannot_take_the_grantees_record(suite, registry, atk_model, stranger,
                                                       accounts):
    """Item 9. A squatter copies the grantee's CID from the mempool and submits it first. Before
    the fix the grantee's own submitVersion reverted (ModelRegistryDuplicateVersion) and the
    squatter owned the record; now each submitter owns its record, and a proposal's `cid:`
    must name the submitter when the CID is ambiguous."""
    from modelgov.chain import governance as gov
    from modelgov.chain.proposal_spec import parse_proposal
    from modelgov.errors import ProposalFileError

    grantee = accounts[8]
    squatted = submit(registry, atk_model, stranger, "grantee-weights")
    own = submit(registry, atk_model, grantee, "grantee-weights")
    assert own != squatted
    assert registry.versionOrigin(own) == (atk_model, grantee.address)
    assert registry.versionIdOf(atk_model, grantee.address, cid("grantee-weights")) == own
    assert registry.versionIdOf(atk_model, stranger.address, cid("grantee-weights")) == squatted
    text = f"""
title: Activate
actions:
  - type: model-upgrade
    model: attacked
    cid: {cid_text("grantee-weights")}
"""
    with pytest.raises(ProposalFileError, match=r"more than once.*name the submitter"):
        gov.build(parse_proposal(text), suite)
    built = gov.build(parse_proposal(text + f"    submitter: \"{grantee.address}\"\n"), suite)
    assert built.calldatas[0] == bytes(registry.activateVersion.encode_input(atk_model, own, 0))


def test_auditor_cannot_attest_its_own_version(chain, registry, atk_model, atk_auditors, stranger):
    """Item 11. An auditor submits a version and approves it (directly or by a relayed signature):
    before the fix both counted."""
    a = atk_auditors[0]
    v = submit(registry, atk_model, a, "mine")
    with ape.reverts(registry.ModelRegistrySelfAttestation, versionId=v, auditor=a.address):
        registry.attest(v, APPROVED, cid("self"), sender=a)
    with ape.reverts(registry.ModelRegistrySelfAttestation, versionId=v, auditor=a.address):
        registry.attest(v, REJECTED, cid("self"), sender=a)
    with ape.reverts(registry.ModelRegistrySelfAttestation, versionId=v, auditor=a.address):
        registry.attestBySig(*relay_args(signed(chain, registry, a, v)), sender=stranger)
    assert registry.auditStatus(v).approvals == 0


def test_free_text_import_profile_is_refused(registry, atk_model, stranger):
    """Item 3 (on-chain part). A profile crafted to forge a proposal description (markdown + an
    unclosed HTML comment) was stored as given; now only known profile names (or none) are."""
    forged = "unixfs-v1-2025\n\n- 3 approval(s), 0 rejection(s)\n<!--"
    with ape.reverts(registry.ModelRegistryUnknownImportProfile, importProfile=forged):
        registry.submitVersion(atk_model, version_input("forged", profile=forged), sender=stranger)


# --------------------------------------------------------------------------- registry v2 (issue 15)
def test_direct_verdict_voids_the_signatures_of_that_version_only(chain, registry, atk_model,
                                                                  atk_auditors, stranger):
    """The auditor signed approvals of v1 and v2 for a relayer, then rejects v1 directly. The
    v1 approval is dead (its nonce is used); v2's is unaffected (per-version nonces) and cannot
    be re-aimed at v1."""
    a = atk_auditors[0]
    v1 = submit(registry, atk_model, stranger, "pv1")
    v2 = submit(registry, atk_model, stranger, "pv2")
    s1, s2 = signed(chain, registry, a, v1), signed(chain, registry, a, v2)
    registry.attest(v1, REJECTED, cid("found it"), sender=a)
    with ape.reverts(registry.InvalidAccountNonce, account=a.address, currentNonce=keyed(v1, 1)):
        registry.attestBySig(*relay_args(s1), sender=stranger)
    args = list(relay_args(s2))
    args[1] = v1
    with ape.reverts(registry.ModelRegistryInvalidNonceKey):
        registry.attestBySig(*args, sender=stranger)
    registry.attestBySig(*relay_args(s2), sender=stranger)
    assert registry.attestationOf(v1, a).verdict == REJECTED
    assert registry.attestationOf(v2, a).verdict == APPROVED


def test_rejection_cannot_be_given_an_expiry(chain, registry, governance, atk_model, atk_auditors,
                                             stranger):
    """A rejection that lapsed by itself would silently make the version it blocked active again
    (active = last activated and audited now). Refused directly and by signature."""
    v = submit(registry, atk_model, stranger, "lapse")
    approve(registry, v, atk_auditors[0], atk_auditors[1])
    registry.activateVersion(atk_model, v, 0, sender=governance)
    soon = chain.pending_timestamp + 60
    with ape.reverts(registry.ModelRegistryInvalidExpiry, verdict=REJECTED, expiresAt=soon):
        registry.attestWithExpiry(v, REJECTED, cid("temporary"), soon, sender=atk_auditors[2])
    s = signed(chain, registry, atk_auditors[2], v, REJECTED, expires_at=soon)
    with ape.reverts(registry.ModelRegistryInvalidExpiry):
        registry.attestWithExpiryBySig(*relay_expiry_args(s), sender=stranger)
    registry.attest(v, REJECTED, cid("for good"), sender=atk_auditors[2])
    chain.mine(deltatime=3600)
    assert registry.activeVersionId(atk_model) == 0 and not registry.isAudited(v)


def test_activation_queued_before_an_approval_expires_cannot_execute_after(
        chain, governor, registry, atk_model, atk_auditors, voters, stranger):
    """A proposal to activate v is passed while both approvals are live; one of them expires
    during the timelock delay: execution reverts (the audit is read at execution)."""
    v = submit(registry, atk_model, stranger, "expiring")
    registry.attest(v, APPROVED, cid("long"), sender=atk_auditors[0])
    registry.attestWithExpiry(v, APPROVED, cid("short"), chain.pending_timestamp + 3600,
                              sender=atk_auditors[1])
    proposal = make_proposal([(registry, "activateVersion", (atk_model, v, 0))], "# Activate v")
    pid = pass_proposal(chain, governor, proposal, voters[0], voters)
    chain.pending_timestamp = max(governor.proposalEta(pid) + 1,
                                  registry.attestationExpiry(v, atk_auditors[1]))
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v, approvals=1):
        governor.execute(*proposal.args(), sender=stranger)
    assert registry.activeVersionId(atk_model) == 0


def test_expired_approval_cannot_release_a_grant(chain, registry, treasury, stablecoin, governance,
                                                 atk_model, atk_auditors, deployer, accounts):
    """The treasury pays a milestone only for a version audited now: an approval that expired
    between the grantee's submission and the review no longer counts."""
    from treasury_helpers import USD, fund, milestone

    grantee = accounts[8]
    fund(treasury, stablecoin, deployer, 1_000 * USD)
    treasury.createGrant(grantee, stablecoin,
                         [milestone(100 * USD, chain.pending_timestamp + 10 * 86_400, atk_model)],
                         sender=governance)
    gid = treasury.grantCount()
    v = submit(registry, atk_model, grantee, "granted")
    expires = chain.pending_timestamp + 600
    registry.attestWithExpiry(v, APPROVED, cid("a"), expires, sender=atk_auditors[0])
    registry.attest(v, APPROVED, cid("b"), sender=atk_auditors[1])
    treasury.submitMilestone(gid, 0, v, sender=grantee)
    chain.pending_timestamp = expires
    with ape.reverts(treasury.GrantTreasuryVersionNotAudited, versionId=v):
        treasury.approveMilestone(gid, 0, sender=governance)
    registry.attest(v, APPROVED, cid("a-renewed"), sender=atk_auditors[0])
    treasury.approveMilestone(gid, 0, sender=governance)
    assert stablecoin.balanceOf(grantee) == 100 * USD


def test_alias_manager_cannot_point_at_foreign_or_suspended_versions_nor_activate(
        registry, governance, atk_model, atk_auditors, atk_guardian, stranger, accounts):
    """An alias manager (a CI bot, say) is compromised: it cannot alias another model's version
    or a suspended one, cannot steer consumers to a version the guardian suspends later, and has
    no power beyond aliases."""
    bot = accounts[9]
    registry.grantRole(registry.ALIAS_MANAGER_ROLE(), bot, sender=governance)
    registry.createModel("attacked-other", b"", sender=governance)
    other_model = registry.modelIdOf("attacked-other")
    foreign = submit(registry, other_model, stranger, "foreign")
    own = submit(registry, atk_model, stranger, "own")
    with ape.reverts(registry.ModelRegistryVersionNotOfModel, versionId=foreign, modelId=atk_model):
        registry.setAlias(atk_model, "champion", foreign, sender=bot)
    registry.setAlias(atk_model, "champion", own, sender=bot)
    registry.suspendVersion(own, sender=atk_guardian)
    assert registry.aliasOf(atk_model, "champion") == 0  # consumers are not steered to it
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=own):
        registry.setAlias(atk_model, "latest", own, sender=bot)
    # aliases are per model: the same name elsewhere is another pointer
    registry.setAlias(other_model, "champion", foreign, sender=bot)
    assert registry.aliasOf(other_model, "champion") == foreign
    assert registry.aliasOf(atk_model, "champion") == 0
    # nothing beyond aliases
    approve(registry, foreign, atk_auditors[0], atk_auditors[1])
    for call in (lambda: registry.activateVersion(other_model, foreign, 0, sender=bot),
                 lambda: registry.grantRole(registry.ALIAS_MANAGER_ROLE(), stranger, sender=bot),
                 lambda: registry.reinstateVersion(own, sender=bot)):
        with ape.reverts(registry.AccessControlUnauthorizedAccount, account=bot.address):
            call()
    assert registry.activeVersionId(other_model) == 0
    registry.revokeRole(registry.ALIAS_MANAGER_ROLE(), bot, sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=bot.address):
        registry.clearAlias(other_model, "champion", sender=bot)
