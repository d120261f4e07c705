"""ModelRegistry: models, versions, attestations (direct and EIP-712), activation, suspension."""

from __future__ import annotations

import ape
import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from governance_helpers import govern
from registry_helpers import (
    APPROVED,
    NONE,
    REJECTED,
    ZERO_ADDRESS,
    R,
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
ADMIN_ROLE = b"\x00" * 32
ALIAS_MANAGER_ROLE = keccak(text="ALIAS_MANAGER_ROLE")


@pytest.fixture
def reg_auditors(accounts):
    return accounts[4], accounts[5], accounts[6]


@pytest.fixture
def reg_guardian(accounts):
    return accounts[7]


@pytest.fixture
def reg_roles(registry, governance, reg_auditors, reg_guardian):
    for a in reg_auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.grantRole(GUARDIAN_ROLE, reg_guardian, sender=governance)


@pytest.fixture
def reg_model(registry, governance, reg_roles):
    registry.createModel("llama", cid("card"), sender=governance)
    return 1


def submit(registry, reg_model, sender, seed="weights", **kw) -> int:
    receipt = registry.submitVersion(reg_model, version_input(seed, **kw), sender=sender)
    return receipt.events.filter(registry.VersionSubmitted)[0].versionId


def approve_all(registry, version_id, reg_auditors, n=2):
    for i, a in enumerate(reg_auditors[:n]):
        registry.attest(version_id, APPROVED, cid(f"report-{version_id}-{i}"), sender=a)


# ---------------------------------------------------------------------------------------------
# deployment, roles
# ---------------------------------------------------------------------------------------------
def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        governance):
    assert registry.hasRole(ADMIN_ROLE, timelock.address)
    assert not registry.hasRole(ADMIN_ROLE, deployer.address)
    assert registry.requiredApprovals() == suite.params.required_approvals == 2
    assert registry.AUDITOR_ROLE() == AUDITOR_ROLE
    assert registry.GUARDIAN_ROLE() == GUARDIAN_ROLE
    assert registry.getRoleAdmin(AUDITOR_ROLE) == registry.getRoleAdmin(GUARDIAN_ROLE) == ADMIN_ROLE
    assert registry.modelCount() == registry.versionCount() == 0


def test_constructor_rejects_zero_admin_and_zero_approvals(project, deployer, governance, registry):
    with ape.reverts(registry.ModelRegistryInvalidAdmin):
        deployer.deploy(project.ModelRegistry, ZERO_ADDRESS, 1)
    with ape.reverts(registry.ModelRegistryInvalidRequiredApprovals, requiredApprovals=0):
        deployer.deploy(project.ModelRegistry, governance.address, 0)


def test_implements_treasury_interface(project, registry):
    abi = {m.name: m for m in registry.contract_type.view_methods}
    for method in project.IModelRegistry.contract_type.view_methods:
        assert method.name in abi
        assert abi[method.name].selector == method.selector


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
def test_create_model(registry, governance, reg_roles):
    receipt = registry.createModel("llama", cid("card"), sender=governance)
    ev = receipt.events.filter(registry.ModelCreated)[0]
    assert (ev.modelId, ev.name, bytes(ev.modelCardCid)) == (1, "llama", cid("card"))
    assert registry.modelIdOf("llama") == 1
    name, card, active, count = registry.model(1)
    assert (name, bytes(card), active, count) == ("llama", cid("card"), 0, 0)
    registry.createModel("mistral", b"", sender=governance)
    assert registry.modelIdOf("mistral") == 2 and registry.modelCount() == 2


def test_create_model_reverts(registry, governance, reg_model, stranger):
    with ape.reverts(registry.ModelRegistryDuplicateName, name="llama", modelId=1):
        registry.createModel("llama", b"", sender=governance)
    with ape.reverts(registry.ModelRegistryInvalidName, name=""):
        registry.createModel("", b"", sender=governance)
    with ape.reverts(registry.ModelRegistryInvalidName):
        registry.createModel("x" * 65, b"", sender=governance)
    registry.createModel("x" * 64, b"", sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address,
                     neededRole=ADMIN_ROLE):
        registry.createModel("other", b"", sender=stranger)


def test_model_lookups_revert_when_unknown(registry, reg_model):
    with ape.reverts(registry.ModelRegistryUnknownModelName, name="gpt"):
        registry.modelIdOf("gpt")
    for fn, args in [("model", (2,)), ("model", (0,)), ("versionsOf", (2, 0, 10)),
                     ("activeVersionId", (2,)), ("activeVersion", (2,)),
                     ("activationHistory", (2,))]:
        with ape.reverts(registry.ModelRegistryUnknownModel):
            getattr(registry, fn)(*args)


# ---------------------------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------------------------
def test_submit_version_stores_every_field(chain, registry, reg_model, stranger):
    parent = submit(registry, reg_model, stranger, "base")
    datasets = (cid("ds-1"), cid("ds-2", version=0))
    inp = version_input("v2", arweave=b"\x07" * 32, changelog=cid("changes"), parent=parent,
                        datasets=datasets, profile="unixfs-v0-2015", cid_bytes=cid("v2", 0))
    receipt = registry.submitVersion(reg_model, inp, sender=stranger)
    ev = receipt.events.filter(registry.VersionSubmitted)[0]
    assert (ev.modelId, ev.versionId, ev.submitter, bytes(ev.cid), ev.parentVersionId) == (
        reg_model, 2, stranger.address, cid("v2", 0), parent)
    rec = registry.version(2)
    assert rec.versionId == 2 and rec.modelId == reg_model
    assert bytes(rec.cid) == cid("v2", 0)
    assert bytes(rec.arweaveTx) == b"\x07" * 32
    assert bytes(rec.manifestDigest) == inp[2]
    assert rec.parentVersionId == parent
    assert rec.submitter == stranger.address
    assert rec.submittedAt == chain.blocks[receipt.block_number].timestamp
    assert rec.submittedBlock == receipt.block_number
    # the rest lives in the event; the record commits to it
    assert bytes(ev.changelogCid) == cid("changes") and ev.importProfile == "unixfs-v0-2015"
    assert [bytes(d) for d in ev.datasetCids] == list(datasets)
    assert bytes(rec.detailsHash) == bytes(registry.versionDetailsHash(
        cid("changes"), "unixfs-v0-2015", list(datasets))) == keccak(abi_encode(
        ["bytes", "string", "bytes[]"], [cid("changes"), "unixfs-v0-2015", list(datasets)]))
    assert bytes(rec.detailsHash) != bytes(registry.versionDetailsHash(cid("changes"), "kubo-cidv1", list(datasets)))
    assert registry.versionOrigin(2) == (reg_model, stranger.address)
    assert registry.versionIdOf(reg_model, stranger.address, cid("v2", 0)) == 2
    assert registry.versionIdOf(reg_model, stranger.address, cid("nope")) == 0
    assert registry.versionIdOf(reg_model, registry.address, cid("v2", 0)) == 0  # keyed by submitter
    assert registry.versionCount() == 2 and registry.model(reg_model)[3] == 2


def test_submit_version_reverts(registry, governance, reg_model, stranger):
    submit(registry, reg_model, stranger, "a")
    with ape.reverts(registry.ModelRegistryDuplicateVersion, modelId=reg_model, existingVersionId=1):
        registry.submitVersion(reg_model, version_input("a"), sender=stranger)
    for profile in ("unixfs-v1-2025 ", "UNIXFS-V1-2025", "x" * 65, "<!--"):
        with ape.reverts(registry.ModelRegistryUnknownImportProfile, importProfile=profile):
            registry.submitVersion(reg_model, version_input("b", profile=profile), sender=stranger)
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=9):
        registry.submitVersion(9, version_input("b"), sender=stranger)
    with ape.reverts(registry.ModelRegistryEmptyCid):
        registry.submitVersion(reg_model, version_input("b", cid_bytes=b""), sender=stranger)
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=5):
        registry.submitVersion(reg_model, version_input("b", parent=5), sender=stranger)


def test_same_cid_allowed_in_another_model(registry, governance, reg_model, stranger):
    registry.createModel("other", b"", sender=governance)
    submit(registry, reg_model, stranger, "a")
    assert submit(registry, 2, stranger, "a") == 2


def test_same_cid_by_another_submitter_is_its_own_record(registry, governance, reg_model, stranger):
    """Versions are keyed by (model, submitter, CID): a second submitter gets its own record."""
    first = submit(registry, reg_model, stranger, "a")
    second = submit(registry, reg_model, governance, "a")
    assert (first, second) == (1, 2)
    assert registry.versionIdOf(reg_model, stranger.address, cid("a")) == first
    assert registry.versionIdOf(reg_model, governance.address, cid("a")) == second
    assert registry.versionOrigin(second) == (reg_model, governance.address)


@pytest.mark.parametrize("profile", ["", "unixfs-v0-2015", "kubo-cidv1", "unixfs-v1-2025"])
def test_known_import_profiles_are_accepted(registry, reg_model, stranger, profile):
    from modelgov.chain.registry import KNOWN_IMPORT_PROFILES
    from modelgov.cid.profiles import PROFILES

    assert set(KNOWN_IMPORT_PROFILES) == set(PROFILES)
    assert registry.isKnownImportProfile(profile)
    receipt = registry.submitVersion(reg_model, version_input("p", profile=profile), sender=stranger)
    assert receipt.events.filter(registry.VersionSubmitted)[0].importProfile == profile
    assert R(registry).version(1).import_profile == profile


@pytest.mark.parametrize("length", [1, 2, 31, 32, 33, 34, 36, 39, 40, 64, 100])
def test_cid_of_any_length_reads_back_exactly(registry, reg_model, stranger, length):
    """A CID of 32..39 bytes is stored as 7 header bytes + one slot; any other length whole."""
    raw = bytes((length * 7 + i * 13 + 1) % 256 for i in range(length))
    registry.submitVersion(reg_model, version_input("x", cid_bytes=raw), sender=stranger)
    assert bytes(registry.version(1).cid) == raw
    assert bytes(registry.versionsOf(reg_model, 0, 1)[0][0][2]) == raw
    assert registry.versionIdOf(reg_model, stranger.address, raw) == 1


def test_versions_of_two_interleaved_models_link_their_own_versions(registry, governance, reg_model, stranger):
    registry.createModel("other", b"", sender=governance)
    for i in range(6):
        submit(registry, reg_model if i % 3 else 2, stranger, f"v{i}")  # ids 1..6: model 2 gets 1 and 4
    page, total = registry.versionsOf(reg_model, 0, 10)
    assert total == 4 and [r[0] for r in page] == [2, 3, 5, 6]
    assert [r[0] for r in registry.versionsOf(reg_model, 1, 2)[0]] == [3, 5]
    page, total = registry.versionsOf(2, 0, 10)
    assert total == 2 and [r[0] for r in page] == [1, 4]
    assert registry.model(reg_model)[3] == 4 and registry.model(2)[3] == 2


def test_the_client_checks_event_details_against_the_record(registry, reg_model, stranger):
    """The client reads the changelog, profile and datasets from the event and uses them only
    when they hash to the record's detailsHash."""
    inp = version_input("v", changelog=cid("changes"), datasets=(cid("ds"),), profile="kubo-cidv1")
    registry.submitVersion(reg_model, inp, sender=stranger)
    reg = R(registry)
    rec = reg.version(1)
    assert (rec.changelog_cid, rec.import_profile, rec.dataset_cids) == (
        cid_text("changes"), "kubo-cidv1", (cid_text("ds"),))
    assert rec.invalid == ()
    raw = list(registry.version(1))
    raw[9] = b"\x01" * 32  # a header committing to other details: the event's are not used
    forged = reg._records([tuple(raw)])[0]
    assert forged.invalid == ("details",) and forged.changelog_cid is None and forged.dataset_cids == ()


def test_versions_of_paginates(registry, reg_model, stranger):
    for i in range(5):
        submit(registry, reg_model, stranger, f"v{i}")
    page, total = registry.versionsOf(reg_model, 0, 2)
    assert total == 5 and [r[0] for r in page] == [1, 2]
    page, _ = registry.versionsOf(reg_model, 3, 10)
    assert [r[0] for r in page] == [4, 5]
    assert [bytes(r[2]) for r in page] == [cid("v3"), cid("v4")]
    page, total = registry.versionsOf(reg_model, 7, 10)
    assert list(page) == [] and total == 5
    page, _ = registry.versionsOf(reg_model, 0, 2**256 - 1)
    assert len(page) == 5


def test_version_views_revert_when_unknown(registry, reg_model, reg_auditors):
    for fn, args in [("version", (1,)), ("versionOrigin", (1,)), ("isAudited", (1,)),
                     ("auditStatus", (1,)), ("attestationOf", (1, reg_auditors[0].address)),
                     ("isSuspended", (1,)), ("version", (0,))]:
        with ape.reverts(registry.ModelRegistryUnknownVersion):
            getattr(registry, fn)(*args)


# ---------------------------------------------------------------------------------------------
# attestations
# ---------------------------------------------------------------------------------------------
def test_attest_counts_and_replaces(chain, registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    receipt = registry.attest(v, APPROVED, cid("r0"), sender=reg_auditors[0])
    ev = receipt.events.filter(registry.VersionAttested)[0]
    assert (ev.versionId, ev.auditor, ev.verdict, bytes(ev.reportCid)) == (
        v, reg_auditors[0].address, APPROVED, cid("r0"))
    registry.attest(v, REJECTED, cid("r1"), sender=reg_auditors[1])
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections, status.requiredApprovals) == (1, 1, 2)
    assert not status.audited and not registry.isAudited(v)
    # auditor 1 changes its mind: replaces, doesn't add
    registry.attest(v, APPROVED, cid("r1b"), sender=reg_auditors[1])
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections, status.audited) == (2, 0, True)
    assert [(a.auditor, a.verdict, bytes(a.reportCid)) for a in status.attestations] == [
        (reg_auditors[0].address, APPROVED, cid("r0")), (reg_auditors[1].address, APPROVED, cid("r1b"))]
    assert registry.isAudited(v)
    att = registry.attestationOf(v, reg_auditors[1].address)
    assert att.verdict == APPROVED
    assert att.attestedAt == chain.blocks[-1].timestamp


@pytest.mark.parametrize("length", [1, 24, 25, 32, 34, 36, 55, 56])
def test_report_cid_round_trips_every_length(registry, reg_model, stranger, reg_auditors, length):
    v = submit(registry, reg_model, stranger)
    report = bytes((i * 7 + length) % 256 or 1 for i in range(length))
    registry.attest(v, REJECTED, report, sender=reg_auditors[0])
    assert bytes(registry.auditStatus(v).attestations[0].reportCid) == report
    assert bytes(registry.attestationOf(v, reg_auditors[0]).reportCid) == report


def test_shorter_report_replacing_longer_one_is_clean(registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    registry.attest(v, APPROVED, b"\xff" * 56, sender=reg_auditors[0])
    registry.attest(v, APPROVED, b"\x01" * 20, sender=reg_auditors[0])
    assert bytes(registry.attestationOf(v, reg_auditors[0]).reportCid) == b"\x01" * 20
    registry.attest(v, APPROVED, b"\x02" * 30, sender=reg_auditors[0])
    assert bytes(registry.attestationOf(v, reg_auditors[0]).reportCid) == b"\x02" * 30


def test_attest_reverts(registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    with ape.reverts(registry.ModelRegistryInvalidVerdict):
        registry.attest(v, NONE, cid("r"), sender=reg_auditors[0])
    with ape.reverts(registry.ModelRegistryInvalidReportCid, length=0):
        registry.attest(v, APPROVED, b"", sender=reg_auditors[0])
    with ape.reverts(registry.ModelRegistryInvalidReportCid, length=57):
        registry.attest(v, APPROVED, b"\x01" * 57, sender=reg_auditors[0])
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=9):
        registry.attest(9, APPROVED, cid("r"), sender=reg_auditors[0])
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address,
                     neededRole=AUDITOR_ROLE):
        registry.attest(v, APPROVED, cid("r"), sender=stranger)
    with ape.reverts():  # not an enum value
        registry.attest(v, 3, cid("r"), sender=reg_auditors[0])


def test_revoke_attestation(registry, governance, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    approve_all(registry, v, reg_auditors, 2)
    receipt = registry.revokeAttestation(v, sender=reg_auditors[0])
    ev = receipt.events.filter(registry.AttestationRevoked)[0]
    assert (ev.versionId, ev.auditor) == (v, reg_auditors[0].address)
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections) == (1, 0)
    assert [a.auditor for a in status.attestations] == [reg_auditors[1].address]
    assert registry.attestationOf(v, reg_auditors[0]).verdict == NONE
    with ape.reverts(registry.ModelRegistryNoAttestation, versionId=v, auditor=reg_auditors[0].address):
        registry.revokeAttestation(v, sender=reg_auditors[0])
    # re-attesting lists the auditor once
    registry.attest(v, REJECTED, cid("again"), sender=reg_auditors[0])
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections, len(status.attestations)) == (1, 1, 2)
    # an auditor who lost the role may still withdraw
    registry.revokeRole(AUDITOR_ROLE, reg_auditors[0], sender=governance)
    registry.revokeAttestation(v, sender=reg_auditors[0])
    assert registry.auditStatus(v).rejections == 0
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=9):
        registry.revokeAttestation(9, sender=reg_auditors[1])


# ---------------------------------------------------------------------------------------------
# attestBySig (EIP-712, ERC-1271)
# ---------------------------------------------------------------------------------------------
def test_python_digest_matches_contract(chain, registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    for verdict, version in ((APPROVED, 1), (REJECTED, 0)):
        s = signed(chain, registry, reg_auditors[0], v, verdict, cid_text("rep", version), nonce=5,
                   deadline=123)
        r = s.request
        assert registry.attestationDigest(r.auditor, v, verdict, r.report_cid_bytes(),
                                          keyed(v, 5), 123) == r.digest()
    e = signed(chain, registry, reg_auditors[0], v, APPROVED, nonce=2, deadline=77,
               expires_at=10**9)
    r = e.request
    assert registry.attestationWithExpiryDigest(r.auditor, v, APPROVED, r.report_cid_bytes(), 10**9,
                                                keyed(v, 2), 77) == r.digest()
    assert registry.ATTESTATION_TYPEHASH() == keccak(
        text="Attestation(address auditor,uint256 versionId,uint8 verdict,bytes reportCid,"
             "uint48 expiresAt,uint256 nonce,uint256 deadline)")
    fields = registry.eip712Domain()
    assert fields[1] == "ModelRegistry" and fields[2] == "1" and fields[3] == chain.chain_id


def test_attest_by_sig_relayed_by_anyone(chain, registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    s = signed(chain, registry, reg_auditors[0], v, REJECTED)
    assert s.recover() == reg_auditors[0].address
    receipt = registry.attestBySig(*relay_args(s), sender=stranger)
    ev = receipt.events.filter(registry.VersionAttested)[0]
    assert (ev.auditor, ev.verdict, bytes(ev.reportCid)) == (
        reg_auditors[0].address, REJECTED, s.request.report_cid_bytes())
    assert registry.nonces(reg_auditors[0], v) == keyed(v, 1)
    assert registry.nonces(reg_auditors[0]) == 0  # the unkeyed nonce is never used
    assert registry.auditStatus(v).rejections == 1


def test_attest_by_sig_replay_and_forgery_fail(chain, registry, reg_model, stranger, reg_auditors,
                                               token):
    v = submit(registry, reg_model, stranger)
    a = reg_auditors[0]
    s = signed(chain, registry, a, v)
    registry.attestBySig(*relay_args(s), sender=stranger)
    with ape.reverts(registry.InvalidAccountNonce, account=a.address, currentNonce=keyed(v, 1)):
        registry.attestBySig(*relay_args(s), sender=stranger)
    # other chain id / other verifying contract: the contract recovers someone else
    for kw in ({"chain_id": chain.chain_id + 1}, {"verifying": str(token.address)}):
        bad = signed(chain, registry, a, v, **kw)
        with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
            registry.attestBySig(*relay_args(bad), sender=stranger)
    # expired deadline
    late = signed(chain, registry, a, v, deadline=chain.pending_timestamp - 1)
    with ape.reverts(registry.ModelRegistryExpiredSignature, deadline=late.request.deadline):
        registry.attestBySig(*relay_args(late), sender=stranger)
    # a stranger signing for an auditor
    forged = signed(chain, registry, stranger, v, auditor=a.address)
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
        registry.attestBySig(*relay_args(forged), sender=stranger)
    # a tampered verdict
    good = signed(chain, registry, a, v, APPROVED)
    args = list(relay_args(good))
    args[2] = REJECTED
    with ape.reverts(registry.ModelRegistryInvalidSignature):
        registry.attestBySig(*args, sender=stranger)
    # a signer without the auditor role
    outsider = signed(chain, registry, stranger, v)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address,
                     neededRole=AUDITOR_ROLE):
        registry.attestBySig(*relay_args(outsider), sender=stranger)
    # a future nonce
    ahead = signed(chain, registry, a, v, nonce=7)
    with ape.reverts(registry.InvalidAccountNonce, account=a.address, currentNonce=keyed(v, 1)):
        registry.attestBySig(*relay_args(ahead), sender=stranger)
    # a nonce keyed by another version (or the unkeyed nonce)
    for nonce in (keyed(v + 1, 1), 1):
        args = list(relay_args(signed(chain, registry, a, v)))
        args[4] = nonce
        with ape.reverts(registry.ModelRegistryInvalidNonceKey, versionId=v, nonce=nonce):
            registry.attestBySig(*args, sender=stranger)


def test_direct_attest_or_revoke_voids_older_signatures(chain, registry, reg_model, stranger,
                                                        reg_auditors):
    a = reg_auditors[0]
    v = submit(registry, reg_model, stranger)
    before = signed(chain, registry, a, v, APPROVED)
    registry.attest(v, REJECTED, cid("found a problem"), sender=a)
    assert registry.nonces(a, v) == keyed(v, 1)
    with ape.reverts(registry.InvalidAccountNonce, account=a.address, currentNonce=keyed(v, 1)):
        registry.attestBySig(*relay_args(before), sender=stranger)
    before = signed(chain, registry, a, v, APPROVED)
    registry.revokeAttestation(v, sender=a)
    with ape.reverts(registry.InvalidAccountNonce, account=a.address, currentNonce=keyed(v, 2)):
        registry.attestBySig(*relay_args(before), sender=stranger)
    assert registry.attestationOf(v, a).verdict == NONE


def test_removed_auditor_stops_counting(registry, governance, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    approve_all(registry, v, reg_auditors, 2)
    registry.attest(v, REJECTED, cid("no"), sender=reg_auditors[2])
    assert not registry.isAudited(v)
    registry.revokeRole(AUDITOR_ROLE, reg_auditors[2], sender=governance)
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections, status.audited) == (2, 0, True)
    assert [a.auditor for a in status.attestations] == [x.address for x in reg_auditors[:2]]
    assert registry.attestationOf(v, reg_auditors[2]).verdict == REJECTED  # kept, not counted
    registry.activateVersion(reg_model, v, 0, sender=governance)
    registry.grantRole(AUDITOR_ROLE, reg_auditors[2], sender=governance)
    assert registry.auditStatus(v).rejections == 1


def test_attest_by_sig_deadline_is_inclusive(chain, registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    deadline = chain.pending_timestamp + 100
    s = signed(chain, registry, reg_auditors[0], v, deadline=deadline)
    chain.pending_timestamp = deadline
    registry.attestBySig(*relay_args(s), sender=stranger)
    assert registry.auditStatus(v).approvals == 1


def test_erc1271_wallet_auditor(chain, project, registry, governance, reg_model, stranger,
                                reg_auditors, accounts):
    owner = accounts[8]
    wallet = owner.deploy(project.ERC1271Wallet, owner.address)
    registry.grantRole(AUDITOR_ROLE, wallet.address, sender=governance)
    v = submit(registry, reg_model, stranger)
    s = signed(chain, registry, owner, v, auditor=str(wallet.address))
    registry.attestBySig(*relay_args(s), sender=stranger)
    status = registry.auditStatus(v)
    assert [a.auditor for a in status.attestations] == [wallet.address]
    # another key for the wallet is refused
    bad = signed(chain, registry, stranger, v, auditor=str(wallet.address))
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=wallet.address):
        registry.attestBySig(*relay_args(bad), sender=stranger)


# ---------------------------------------------------------------------------------------------
# required approvals, activation, suspension
# ---------------------------------------------------------------------------------------------
def test_set_required_approvals(registry, governance, stranger, reg_roles):
    receipt = registry.setRequiredApprovals(3, sender=governance)
    ev = receipt.events.filter(registry.RequiredApprovalsSet)[0]
    assert (ev.oldRequiredApprovals, ev.newRequiredApprovals) == (2, 3)
    assert registry.requiredApprovals() == 3
    with ape.reverts(registry.ModelRegistryInvalidRequiredApprovals, requiredApprovals=0):
        registry.setRequiredApprovals(0, sender=governance)
    with ape.reverts(registry.ModelRegistryInvalidRequiredApprovals):
        registry.setRequiredApprovals(2**16, sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address):
        registry.setRequiredApprovals(1, sender=stranger)


def test_activate_version(registry, governance, reg_model, stranger, reg_auditors):
    v1 = submit(registry, reg_model, stranger, "v1")
    v2 = submit(registry, reg_model, stranger, "v2")
    with ape.reverts(registry.ModelRegistryNoActiveVersion, modelId=reg_model):
        registry.activeVersion(reg_model)
    assert registry.activeVersionId(reg_model) == 0
    approve_all(registry, v1, reg_auditors)
    receipt = registry.activateVersion(reg_model, v1, 0, sender=governance)
    ev = receipt.events.filter(registry.VersionActivated)[0]
    assert (ev.modelId, ev.versionId, ev.previousVersionId) == (reg_model, v1, 0)
    assert registry.activeVersion(reg_model).versionId == v1
    assert bytes(registry.activeVersion(reg_model).cid) == cid("v1")
    approve_all(registry, v2, reg_auditors)
    receipt = registry.activateVersion(reg_model, v2, v1, sender=governance)
    assert receipt.events.filter(registry.VersionActivated)[0].previousVersionId == v1
    registry.activateVersion(reg_model, v1, v2, sender=governance)  # roll back: history kept
    assert list(registry.activationHistory(reg_model)) == [v1, v2, v1]
    assert registry.model(reg_model)[2] == v1


def test_activate_version_reverts(registry, governance, reg_model, stranger, reg_auditors):
    v1 = submit(registry, reg_model, stranger, "v1")
    registry.createModel("other", b"", sender=governance)
    other = submit(registry, 2, stranger, "o1")
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v1, approvals=0, rejections=0,
                     required=2):
        registry.activateVersion(reg_model, v1, 0, sender=governance)
    approve_all(registry, v1, reg_auditors)
    registry.attest(v1, REJECTED, cid("bad"), sender=reg_auditors[2])
    with ape.reverts(registry.ModelRegistryNotAudited, approvals=2, rejections=1):
        registry.activateVersion(reg_model, v1, 0, sender=governance)
    registry.revokeAttestation(v1, sender=reg_auditors[2])
    approve_all(registry, other, reg_auditors)
    with ape.reverts(registry.ModelRegistryVersionNotOfModel, versionId=other, modelId=reg_model):
        registry.activateVersion(reg_model, other, 0, sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address):
        registry.activateVersion(reg_model, v1, 0, sender=stranger)
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=7):
        registry.activateVersion(7, v1, 0, sender=governance)
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=7):
        registry.activateVersion(reg_model, 7, 0, sender=governance)
    with ape.reverts(registry.ModelRegistryUnexpectedActiveVersion, modelId=reg_model,
                     expectedVersionId=other, activeVersionId=0):
        registry.activateVersion(reg_model, v1, other, sender=governance)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    with ape.reverts(registry.ModelRegistryAlreadyActive, versionId=v1):
        registry.activateVersion(reg_model, v1, v1, sender=governance)


def test_requirement_change_applies_to_activation(registry, governance, reg_model, stranger,
                                                  reg_auditors):
    v1 = submit(registry, reg_model, stranger, "v1")
    registry.attest(v1, APPROVED, cid("r"), sender=reg_auditors[0])
    assert not registry.isAudited(v1)
    registry.setRequiredApprovals(1, sender=governance)
    assert registry.isAudited(v1)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    registry.setRequiredApprovals(2, sender=governance)  # a higher bar deactivates it ...
    assert registry.activeVersionId(reg_model) == 0
    registry.setRequiredApprovals(1, sender=governance)  # ... until it is met again
    assert registry.activeVersionId(reg_model) == v1


def test_activation_through_a_real_proposal(chain, governor, registry, timelock, reg_model,
                                            stranger, reg_auditors, voters):
    v1 = submit(registry, reg_model, stranger, "v1")
    approve_all(registry, v1, reg_auditors)
    receipt = govern(chain, governor, [(registry, "activateVersion", (reg_model, v1, 0))],
                     "# Activate llama v1", voters[0], voters)
    events = receipt.events.filter(registry.VersionActivated)
    assert [(e.modelId, e.versionId) for e in events] == [(reg_model, v1)]
    assert registry.activeVersionId(reg_model) == v1


def test_model_creation_through_a_real_proposal(chain, governor, registry, voters):
    govern(chain, governor, [(registry, "createModel", ("gov-made", cid("card")))],
           "# Create model", voters[0], voters)
    assert registry.modelIdOf("gov-made") == 1


def test_suspend_leaves_no_active_version_and_reinstate_activates_nothing(
        registry, governance, reg_model, stranger, reg_auditors, reg_guardian):
    v1 = submit(registry, reg_model, stranger, "v1")
    v2 = submit(registry, reg_model, stranger, "v2")
    for v in (v1, v2):
        approve_all(registry, v, reg_auditors)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    registry.activateVersion(reg_model, v2, v1, sender=governance)
    receipt = registry.suspendVersion(v2, sender=reg_guardian)
    ev = receipt.events.filter(registry.VersionSuspended)[0]
    assert (ev.modelId, ev.versionId, ev.guardian, ev.activeVersionId) == (
        reg_model, v2, reg_guardian.address, 0)
    assert registry.activeVersionId(reg_model) == 0 and registry.isSuspended(v2)
    assert registry.model(reg_model)[2] == 0
    assert registry.auditStatus(v2).suspended
    receipt = registry.suspendVersion(v1, sender=reg_guardian)
    assert receipt.events.filter(registry.VersionSuspended)[0].activeVersionId == 0
    assert registry.activeVersionId(reg_model) == 0
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=v1):
        registry.suspendVersion(v1, sender=reg_guardian)
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=v1):
        registry.activateVersion(reg_model, v1, 0, sender=governance)
    receipt = registry.reinstateVersion(v1, sender=governance)
    ev = receipt.events.filter(registry.VersionReinstated)[0]
    assert (ev.modelId, ev.versionId, ev.activeVersionId) == (reg_model, v1, 0)
    receipt = registry.reinstateVersion(v2, sender=governance)
    assert receipt.events.filter(registry.VersionReinstated)[0].activeVersionId == 0
    with ape.reverts(registry.ModelRegistryVersionNotSuspended, versionId=v2):
        registry.reinstateVersion(v2, sender=governance)
    registry.activateVersion(reg_model, v2, 0, sender=governance)  # governance chooses again
    assert registry.activeVersionId(reg_model) == v2
    assert list(registry.activationHistory(reg_model)) == [v1, v2, v2]


def test_active_version_stops_being_active_when_its_audit_lapses(registry, governance, reg_model,
                                                                  stranger, reg_auditors):
    v1 = submit(registry, reg_model, stranger, "v1")
    approve_all(registry, v1, reg_auditors)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    registry.attest(v1, REJECTED, cid("found"), sender=reg_auditors[2])
    assert registry.activeVersionId(reg_model) == 0 and registry.model(reg_model)[2] == 0
    with ape.reverts(registry.ModelRegistryNoActiveVersion, modelId=reg_model):
        registry.activeVersion(reg_model)
    registry.revokeAttestation(v1, sender=reg_auditors[2])
    assert registry.activeVersionId(reg_model) == v1  # audited again: governance's choice stands


def test_suspending_a_non_active_version_keeps_the_active_one(registry, governance, reg_model,
                                                              stranger, reg_auditors, reg_guardian):
    v1 = submit(registry, reg_model, stranger, "v1")
    v2 = submit(registry, reg_model, stranger, "v2")
    approve_all(registry, v1, reg_auditors)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    receipt = registry.suspendVersion(v2, sender=reg_guardian)
    assert receipt.events.filter(registry.VersionSuspended)[0].activeVersionId == v1
    assert registry.activeVersionId(reg_model) == v1
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=9):
        registry.suspendVersion(9, sender=reg_guardian)
    with ape.reverts(registry.ModelRegistryUnknownVersion, versionId=9):
        registry.reinstateVersion(9, sender=governance)


# ---------------------------------------------------------------------------------------------
# access-control matrix: every external state-changing function x every role
# ---------------------------------------------------------------------------------------------
ROLES = ("governance", "auditor", "guardian", "stranger")

#: function -> roles allowed; others revert with AccessControlUnauthorizedAccount unless an
#: entry in SPECIAL names another error.
ALLOWED = {
    "createModel": {"governance"},
    "submitVersion": set(ROLES),
    "attest": {"auditor"},
    "attestBySig": set(ROLES),  # anyone relays an auditor's signature
    "revokeAttestation": {"auditor"},  # whoever has a live attestation
    "setRequiredApprovals": {"governance"},
    "activateVersion": {"governance"},
    "suspendVersion": {"guardian"},
    "reinstateVersion": {"governance"},
    "grantRole": {"governance"},
    "revokeRole": {"governance"},
    "renounceRole": set(ROLES),  # only ever for oneself
    "bindVerifier": {"stranger"},  # the version's submitter (here: the stranger), nobody else
    "attestWithExpiry": {"auditor"},
    "attestWithExpiryBySig": set(ROLES),  # anyone relays an auditor's signature
    "setAlias": {"governance"},  # or an ALIAS_MANAGER_ROLE holder (tested below)
    "clearAlias": {"governance"},
    "syncAudit": set(ROLES),  # anyone: it only recomputes from the attestations
}
SPECIAL = {"revokeAttestation": "ModelRegistryNoAttestation", "bindVerifier": "ModelRegistryNotSubmitter"}


@pytest.fixture
def reg_world(chain, registry, governance, reg_model, stranger, reg_auditors, reg_guardian):
    """Model 1; v1 approved by auditors 0 and 1; v2 suspended; a signature of auditor 2."""
    v1 = submit(registry, reg_model, stranger, "v1")
    v2 = submit(registry, reg_model, stranger, "v2")
    approve_all(registry, v1, reg_auditors)
    registry.suspendVersion(v2, sender=reg_guardian)
    sig = signed(chain, registry, reg_auditors[2], v1)
    sig_expiry = signed(chain, registry, reg_auditors[2], v1, expires_at=chain.pending_timestamp + 10**6)
    registry.setAlias(1, "champion", v1, sender=governance)
    return {"v1": v1, "v2": v2, "sig": sig, "sig_expiry": sig_expiry}


def _call(registry, fn, reg_world, account, stranger):
    v1, v2 = reg_world["v1"], reg_world["v2"]
    args = {
        "createModel": ("new-model", b""),
        "submitVersion": (1, version_input("fresh")),
        "attest": (v1, APPROVED, cid("m")),
        "attestBySig": relay_args(reg_world["sig"]),
        "revokeAttestation": (v1,),
        "setRequiredApprovals": (1,),
        "activateVersion": (1, v1, 0),
        "suspendVersion": (v1,),
        "reinstateVersion": (v2,),
        "grantRole": (AUDITOR_ROLE, stranger.address),
        "revokeRole": (GUARDIAN_ROLE, stranger.address),
        "renounceRole": (AUDITOR_ROLE, account.address),
        "bindVerifier": (v2, registry.address),  # v2 has no attestation yet
        "attestWithExpiry": (v1, APPROVED, cid("m"), 2**40),
        "attestWithExpiryBySig": relay_expiry_args(reg_world["sig_expiry"]),
        "setAlias": (1, "staging", v1),
        "clearAlias": (1, "champion"),
        "syncAudit": (v1,),
    }[fn]
    return getattr(registry, fn)(*args, sender=account)


def test_every_state_changing_function_is_in_the_matrix(registry):
    names = {m.name for m in registry.contract_type.mutable_methods}
    assert names == set(ALLOWED)


@pytest.mark.parametrize("fn", sorted(ALLOWED))
def test_access_matrix(chain, registry, reg_world, governance, reg_auditors, reg_guardian, stranger, fn):
    """Each role in turn, from the same state (a snapshot restored between roles)."""
    accounts = {"governance": governance, "auditor": reg_auditors[0], "guardian": reg_guardian,
                "stranger": stranger}
    for role in ROLES:
        account = accounts[role]
        snapshot = chain.snapshot()
        try:
            if role in ALLOWED[fn]:
                receipt = _call(registry, fn, reg_world, account, stranger)
                assert not receipt.failed, (fn, role)
            elif fn in SPECIAL:
                with ape.reverts(getattr(registry, SPECIAL[fn])):
                    _call(registry, fn, reg_world, account, stranger)
            else:
                with ape.reverts(registry.AccessControlUnauthorizedAccount,
                                 account=account.address):
                    _call(registry, fn, reg_world, account, stranger)
        finally:
            chain.restore(snapshot)


def test_role_events(registry, governance, stranger):
    receipt = registry.grantRole(AUDITOR_ROLE, stranger, sender=governance)
    ev = receipt.events.filter(registry.RoleGranted)[0]
    assert (bytes(ev.role), ev.account, ev.sender) == (AUDITOR_ROLE, stranger.address,
                                                      governance.address)
    receipt = registry.revokeRole(AUDITOR_ROLE, stranger, sender=governance)
    assert receipt.events.filter(registry.RoleRevoked)[0].account == stranger.address


# ---------------------------------------------------------------------------------------------
# gas: the benchmark budget (EAS attest ~296k; goal ≤ 0.5x)
# ---------------------------------------------------------------------------------------------
def test_gas_budget(chain, registry, governance, reg_model, stranger, reg_auditors):
    r_submit = registry.submitVersion(reg_model, version_input("g"), sender=stranger)
    v = 1
    r_attest = registry.attest(v, APPROVED, cid("report-a"), sender=reg_auditors[0])
    s = signed(chain, registry, reg_auditors[1], v)
    r_sig = registry.attestBySig(*relay_args(s), sender=stranger)
    r_act = registry.activateVersion(reg_model, v, 0, sender=governance)
    r_full = registry.submitVersion(reg_model, version_input("g2", changelog=cid("changes"),
                                                             datasets=(cid("ds"),)), sender=stranger)
    r_exp = registry.attestWithExpiry(2, APPROVED, cid("report-e"), chain.pending_timestamp + 10**6,
                                      sender=reg_auditors[0])
    r_alias = registry.setAlias(reg_model, "champion", v, sender=governance)
    r_move = registry.setAlias(reg_model, "champion", 2, sender=governance)
    gas = {"submitVersion": r_submit.gas_used, "submitVersion(changelog+dataset)": r_full.gas_used,
           "attest": r_attest.gas_used, "attestWithExpiry": r_exp.gas_used,
           "attestBySig": r_sig.gas_used, "activateVersion": r_act.gas_used,
           "setAlias(new)": r_alias.gas_used, "setAlias(move)": r_move.gas_used}
    print("registry gas:", gas)
    assert gas["setAlias(new)"] <= 150_000
    assert gas["attest"] <= 148_000
    assert gas["attestBySig"] <= 148_000


# ---------------------------------------------------------------------------------------------
# zk verifier binding (issue 19)
# ---------------------------------------------------------------------------------------------
def test_bind_verifier_submitter_only_once_before_audit(registry, reg_model, reg_auditors, voters,
                                                        stranger, token, governance):
    v = submit(registry, reg_model, voters[0], seed="zk-bound")
    assert registry.verifierOf(v) == ZERO_ADDRESS
    with ape.reverts(registry.ModelRegistryNotSubmitter, versionId=v, account=stranger.address,
                     submitter=voters[0].address):
        registry.bindVerifier(v, token.address, sender=stranger)
    with ape.reverts(registry.ModelRegistryNotSubmitter):
        registry.bindVerifier(v, token.address, sender=governance)  # governance neither
    with ape.reverts(registry.ModelRegistryInvalidVerifier, verifier=stranger.address):
        registry.bindVerifier(v, stranger.address, sender=voters[0])  # no code there
    receipt = registry.bindVerifier(v, token.address, sender=voters[0])
    events = receipt.events.filter(registry.VerifierBound)
    assert len(events) == 1 and events[0].versionId == v and events[0].verifier == token.address
    assert registry.verifierOf(v) == token.address
    with ape.reverts(registry.ModelRegistryVerifierAlreadyBound, versionId=v, verifier=token.address):
        registry.bindVerifier(v, registry.address, sender=voters[0])
    late = submit(registry, reg_model, voters[0], seed="zk-late")
    approve_all(registry, late, reg_auditors, n=1)
    with ape.reverts(registry.ModelRegistryAlreadyAttested, versionId=late):
        registry.bindVerifier(late, token.address, sender=voters[0])  # the audit covers it, or nothing
    with ape.reverts(registry.ModelRegistryUnknownVersion):
        registry.verifierOf(10**6)


def test_active_verifier_follows_activation(registry, reg_model, reg_auditors, voters, token,
                                            governance, reg_guardian):
    with ape.reverts(registry.ModelRegistryNoActiveVersion):
        registry.activeVerifier(reg_model)
    v1 = submit(registry, reg_model, voters[0], seed="zk-a1")
    registry.bindVerifier(v1, token.address, sender=voters[0])
    v2 = submit(registry, reg_model, voters[0], seed="zk-a2")  # no verifier
    for v in (v1, v2):
        approve_all(registry, v, reg_auditors)
    registry.activateVersion(reg_model, v1, 0, sender=governance)
    assert registry.activeVerifier(reg_model) == token.address
    registry.activateVersion(reg_model, v2, v1, sender=governance)
    assert registry.activeVerifier(reg_model) == ZERO_ADDRESS
    registry.suspendVersion(v2, sender=reg_guardian)
    with ape.reverts(registry.ModelRegistryNoActiveVersion):
        registry.activeVerifier(reg_model)


def _cache_events(receipt, registry) -> list[tuple[int, int, int]]:
    return [(e.versionId, e.auditedUntil, e.auditEpoch) for e in receipt.events.filter(registry.AuditCacheUpdated)]


def test_active_verified_version_follows_every_audit_change(chain, registry, reg_model, reg_auditors, voters,
                                                            token, governance, reg_guardian, stranger):
    """The oracle's one-call read (issue 20): the cached audit result answers exactly what
    activeVersionId + verifierOf answer, through role changes, revocations, rejections, a higher
    requirement, an expiring approval and a suspension; and it is cheaper while cached."""
    registry.setRequiredApprovals(2, sender=governance)
    v = submit(registry, reg_model, voters[0], seed="cache-1")
    registry.bindVerifier(v, token.address, sender=voters[0])

    def both():
        pair = tuple(registry.activeVerifiedVersion(reg_model))
        active = registry.activeVersionId(reg_model)
        assert pair == ((active, registry.verifierOf(active)) if active else (0, ZERO_ADDRESS))
        return pair

    assert both() == (0, ZERO_ADDRESS)
    registry.attest(v, APPROVED, cid("c-a"), sender=reg_auditors[0])
    r = registry.attest(v, APPROVED, cid("c-b"), sender=reg_auditors[1])
    [(vid, until, epoch)] = _cache_events(r, registry)  # audited now: cached with no expiry
    assert (vid, until) == (v, 2**48 - 1)
    registry.activateVersion(reg_model, v, 0, sender=governance)
    assert both() == (v, token.address)
    cached = registry.activeVerifiedVersion.estimate_gas_cost(reg_model, sender=stranger)
    # revoking an auditor's role voids every cached result: the full tally answers (0: one approval left)
    registry.revokeRole(AUDITOR_ROLE, reg_auditors[1], sender=governance)
    assert both() == (0, ZERO_ADDRESS)
    registry.grantRole(AUDITOR_ROLE, reg_auditors[1], sender=governance)
    assert both() == (v, token.address)
    assert registry.activeVerifiedVersion.estimate_gas_cost(reg_model, sender=stranger) > cached  # stale: the tally ran
    r = registry.syncAudit(v, sender=stranger)  # anyone re-caches it
    assert _cache_events(r, registry) == [(v, 2**48 - 1, epoch + 2)]
    assert registry.activeVerifiedVersion.estimate_gas_cost(reg_model, sender=stranger) == cached
    assert _cache_events(registry.syncAudit(v, sender=stranger), registry) == []  # nothing changed
    # an attestation withdrawn, a rejection, a higher requirement: each answered at once
    r = registry.revokeAttestation(v, sender=reg_auditors[0])
    assert _cache_events(r, registry) == [(v, 0, epoch + 2)] and both() == (0, ZERO_ADDRESS)
    registry.attest(v, APPROVED, cid("c-a2"), sender=reg_auditors[0])
    assert both() == (v, token.address)
    registry.attest(v, REJECTED, cid("c-r"), sender=reg_auditors[2])
    assert both() == (0, ZERO_ADDRESS)
    registry.attest(v, APPROVED, cid("c-r2"), sender=reg_auditors[2])
    assert both() == (v, token.address)
    registry.setRequiredApprovals(4, sender=governance)
    assert both() == (0, ZERO_ADDRESS)
    registry.setRequiredApprovals(2, sender=governance)
    assert both() == (v, token.address)
    # an approval that expires: cached until its expiry, then the tally answers
    expires = chain.pending_timestamp + 1000
    for a in reg_auditors[:2]:
        registry.attestWithExpiry(v, APPROVED, cid("c-e"), expires, sender=a)
    registry.revokeAttestation(v, sender=reg_auditors[2])
    r = registry.syncAudit(v, sender=stranger)
    assert both() == (v, token.address)
    chain.mine(timestamp=expires)
    assert both() == (0, ZERO_ADDRESS)
    # a suspension drops the active version at once
    registry.attest(v, APPROVED, cid("c-f"), sender=reg_auditors[0])
    registry.attest(v, APPROVED, cid("c-g"), sender=reg_auditors[1])
    assert both() == (v, token.address)
    registry.suspendVersion(v, sender=reg_guardian)
    assert both() == (0, ZERO_ADDRESS)


def test_a_version_without_verifier_caches_nothing(registry, reg_model, reg_auditors, voters, governance):
    v = submit(registry, reg_model, voters[0], seed="cache-none")
    receipts = [registry.attest(v, APPROVED, cid(f"n{i}"), sender=a) for i, a in enumerate(reg_auditors)]
    receipts.append(registry.activateVersion(reg_model, v, 0, sender=governance))
    assert all(_cache_events(r, registry) == [] for r in receipts)
    assert tuple(registry.activeVerifiedVersion(reg_model)) == (v, ZERO_ADDRESS)
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=99):
        registry.activeVerifiedVersion(99)


# ---------------------------------------------------------------------------------------------
# v2 (issue 15): per-version nonces, expiring attestations, full VersionSubmitted, ERC-165, aliases
# ---------------------------------------------------------------------------------------------
def test_signatures_on_several_versions_relay_in_any_order(chain, registry, reg_model, stranger,
                                                           reg_auditors):
    """Signed offline for v1, v2, v3 (each its nonce 0 on that version), relayed v3, v1, v2."""
    a = reg_auditors[0]
    vs = [submit(registry, reg_model, stranger, f"any-{i}") for i in range(3)]
    sigs = {v: signed(chain, registry, a, v) for v in vs}
    assert {s.request.nonce for s in sigs.values()} == {0}
    for v in (vs[2], vs[0], vs[1]):
        registry.attestBySig(*relay_args(sigs[v]), sender=stranger)
        assert registry.nonces(a, v) == keyed(v, 1)
    assert all(registry.auditStatus(v).approvals == 1 for v in vs)
    assert registry.nonces(a) == 0


def test_old_signature_never_overrides_a_newer_one_on_the_same_version(chain, registry, reg_model,
                                                                      stranger, reg_auditors):
    """Two signatures on one version (approve with nonce 0, then reject with nonce 1): relaying
    the newer first fails, and once it is in, the older one can never be relayed over it."""
    a = reg_auditors[0]
    v = submit(registry, reg_model, stranger)
    old = signed(chain, registry, a, v, APPROVED, nonce=0)
    new = signed(chain, registry, a, v, REJECTED, nonce=1)
    with ape.reverts(registry.InvalidAccountNonce, currentNonce=keyed(v, 0)):
        registry.attestBySig(*relay_args(new), sender=stranger)
    registry.attestBySig(*relay_args(old), sender=stranger)
    registry.attestBySig(*relay_args(new), sender=stranger)
    with ape.reverts(registry.InvalidAccountNonce, currentNonce=keyed(v, 2)):
        registry.attestBySig(*relay_args(old), sender=stranger)
    assert registry.attestationOf(v, a).verdict == REJECTED


def test_attest_with_expiry_counts_until_it_expires(chain, registry, governance, reg_model,
                                                    stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    expires = chain.pending_timestamp + 1000
    receipt = registry.attestWithExpiry(v, APPROVED, cid("r0"), expires, sender=reg_auditors[0])
    ev = receipt.events.filter(registry.VersionAttested)[0]
    assert (ev.versionId, ev.auditor, ev.verdict, bytes(ev.reportCid), ev.expiresAt) == (
        v, reg_auditors[0].address, APPROVED, cid("r0"), expires)
    assert registry.nonces(reg_auditors[0], v) == keyed(v, 1)
    registry.attest(v, APPROVED, cid("r1"), sender=reg_auditors[1])
    assert registry.attestationExpiry(v, reg_auditors[0]) == expires
    assert registry.attestationExpiry(v, reg_auditors[1]) == 0
    assert registry.isAudited(v)
    registry.activateVersion(reg_model, v, 0, sender=governance)
    assert registry.activeVersionId(reg_model) == v
    chain.mine(timestamp=expires - 1)
    assert registry.isAudited(v) and registry.activeVersionId(reg_model) == v
    chain.mine(timestamp=expires)  # counts while now < expiresAt
    status = registry.auditStatus(v)
    assert (status.approvals, status.rejections, status.audited) == (1, 0, False)
    assert [x.auditor for x in status.attestations] == [reg_auditors[1].address]
    assert not registry.isAudited(v)
    assert registry.activeVersionId(reg_model) == 0
    assert registry.model(reg_model)[2] == 0
    with ape.reverts(registry.ModelRegistryNoActiveVersion):
        registry.activeVersion(reg_model)
    # the record itself is still readable, expiry included
    assert registry.attestationOf(v, reg_auditors[0]).verdict == APPROVED
    assert registry.attestationExpiry(v, reg_auditors[0]) == expires
    # an expired approval cannot activate either
    v2 = submit(registry, reg_model, stranger, "v2")
    registry.attestWithExpiry(v2, APPROVED, cid("a"), chain.pending_timestamp + 5, sender=reg_auditors[0])
    registry.attest(v2, APPROVED, cid("b"), sender=reg_auditors[1])
    chain.mine(deltatime=10)
    with ape.reverts(registry.ModelRegistryNotAudited, versionId=v2, approvals=1):
        registry.activateVersion(reg_model, v2, 0, sender=governance)
    # re-attesting without expiry makes it count again (and clears the expiry)
    registry.attest(v, APPROVED, cid("renewed"), sender=reg_auditors[0])
    assert registry.attestationExpiry(v, reg_auditors[0]) == 0
    assert registry.isAudited(v) and registry.activeVersionId(reg_model) == v


def test_attest_with_expiry_reverts(chain, registry, reg_model, stranger, reg_auditors):
    v = submit(registry, reg_model, stranger)
    now = chain.pending_timestamp
    with ape.reverts(registry.ModelRegistryInvalidExpiry, verdict=APPROVED, expiresAt=now):
        registry.attestWithExpiry(v, APPROVED, cid("r"), now, sender=reg_auditors[0])
    with ape.reverts(registry.ModelRegistryInvalidExpiry, verdict=REJECTED):
        registry.attestWithExpiry(v, REJECTED, cid("r"), now + 100, sender=reg_auditors[0])
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address,
                     neededRole=AUDITOR_ROLE):
        registry.attestWithExpiry(v, APPROVED, cid("r"), now + 100, sender=stranger)
    # expiry 0 = never; a rejection without expiry is fine
    registry.attestWithExpiry(v, REJECTED, cid("r"), 0, sender=reg_auditors[0])
    assert registry.attestationExpiry(v, reg_auditors[0]) == 0


def test_attest_with_expiry_by_sig(chain, registry, reg_model, stranger, reg_auditors):
    a = reg_auditors[0]
    v = submit(registry, reg_model, stranger)
    expires = chain.pending_timestamp + 500
    s = signed(chain, registry, a, v, expires_at=expires)
    # the expiry is signed: relaying it as a non-expiring attestation, or with another expiry, fails
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
        registry.attestBySig(*relay_args(s), sender=stranger)
    args = list(relay_expiry_args(s))
    args[4] = expires + 10**6
    with ape.reverts(registry.ModelRegistryInvalidSignature, auditor=a.address):
        registry.attestWithExpiryBySig(*args, sender=stranger)
    receipt = registry.attestWithExpiryBySig(*relay_expiry_args(s), sender=stranger)
    ev = receipt.events.filter(registry.VersionAttested)[0]
    assert (ev.auditor, ev.expiresAt) == (a.address, expires)
    assert registry.attestationExpiry(v, a) == expires
    chain.mine(timestamp=expires)
    assert registry.auditStatus(v).approvals == 0
    # a signed expiry already in the past is refused
    late = signed(chain, registry, a, v, expires_at=expires)
    with ape.reverts(registry.ModelRegistryInvalidExpiry):
        registry.attestWithExpiryBySig(*relay_expiry_args(late), sender=stranger)


def test_python_relay_of_an_expiring_signature(chain, registry, reg_model, stranger, reg_auditors):
    from registry_helpers import R

    v = submit(registry, reg_model, stranger)
    s = signed(chain, registry, reg_auditors[0], v, expires_at=chain.pending_timestamp + 100)
    assert R(registry).relay(s, sender=stranger).value.verdict == "approved"
    assert registry.attestationExpiry(v, reg_auditors[0]) == s.request.expires_at
    again = signed(chain, registry, reg_auditors[0], v)
    assert again.request.nonce == 1
    R(registry).relay(again, sender=stranger)
    assert registry.attestationExpiry(v, reg_auditors[0]) == 0


def test_version_submitted_carries_the_whole_record(registry, reg_model, stranger):
    parent = submit(registry, reg_model, stranger, "base")
    datasets = (cid("ds-1"), cid("ds-2", version=0))
    inp = version_input("full", arweave=b"\x07" * 32, changelog=cid("changes"), parent=parent,
                        datasets=datasets, profile="kubo-cidv1")
    receipt = registry.submitVersion(reg_model, inp, sender=stranger)
    ev = receipt.events.filter(registry.VersionSubmitted)[0]
    rec = registry.version(ev.versionId)
    assert (ev.modelId, ev.submitter, bytes(ev.cid), ev.parentVersionId) == (
        rec.modelId, rec.submitter, bytes(rec.cid), rec.parentVersionId)
    assert bytes(ev.arweaveTx) == bytes(rec.arweaveTx) == b"\x07" * 32
    assert bytes(ev.manifestDigest) == bytes(rec.manifestDigest) == inp[2]
    assert bytes(ev.changelogCid) == cid("changes") and ev.importProfile == "kubo-cidv1"
    assert [bytes(d) for d in ev.datasetCids] == list(datasets)
    assert bytes(rec.detailsHash) == bytes(registry.versionDetailsHash(
        ev.changelogCid, ev.importProfile, ev.datasetCids))


def test_supports_interface(project, registry):
    def selector_xor(contract_type):
        out = 0
        for m in contract_type.methods:
            out ^= int.from_bytes(keccak(text=m.selector)[:4], "big")
        return out.to_bytes(4, "big")

    for iface in (project.IModelRegistry, project.IVerifiedModels):
        assert registry.supportsInterface(selector_xor(iface.contract_type))
    assert registry.supportsInterface(bytes.fromhex("01ffc9a7"))  # ERC-165 itself
    assert registry.supportsInterface(bytes.fromhex("7965db0b"))  # IAccessControl
    assert not registry.supportsInterface(bytes.fromhex("ffffffff"))
    assert not registry.supportsInterface(bytes.fromhex("12345678"))


def test_set_alias_moves_and_clears(registry, governance, reg_model, stranger, reg_auditors):
    v1 = submit(registry, reg_model, stranger, "a1")
    v2 = submit(registry, reg_model, stranger, "a2")
    assert registry.aliasOf(reg_model, "champion") == 0 and registry.aliasesOf(reg_model) == []
    receipt = registry.setAlias(reg_model, "champion", v1, sender=governance)
    ev = receipt.events.filter(registry.AliasSet)[0]
    assert (ev.modelId, ev.aliasName, ev.versionId, ev.previousVersionId) == (reg_model, "champion", v1, 0)
    receipt = registry.setAlias(reg_model, "champion", v2, sender=governance)
    ev = receipt.events.filter(registry.AliasSet)[0]
    assert (ev.versionId, ev.previousVersionId) == (v2, v1)
    registry.setAlias(reg_model, "challenger", v1, sender=governance)
    assert registry.aliasOf(reg_model, "champion") == v2
    assert registry.aliasOf(reg_model, "challenger") == v1
    assert sorted(registry.aliasesOf(reg_model)) == ["challenger", "champion"]
    receipt = registry.clearAlias(reg_model, "champion", sender=governance)
    ev = receipt.events.filter(registry.AliasCleared)[0]
    assert (ev.modelId, ev.aliasName, ev.previousVersionId) == (reg_model, "champion", v2)
    assert registry.aliasOf(reg_model, "champion") == 0
    assert registry.aliasesOf(reg_model) == ["challenger"]
    with ape.reverts(registry.ModelRegistryUnknownAlias, modelId=reg_model, aliasName="champion"):
        registry.clearAlias(reg_model, "champion", sender=governance)
    # an alias never activates anything
    assert registry.activeVersionId(reg_model) == 0


def test_alias_manager_role(registry, governance, reg_model, stranger, reg_auditors, reg_guardian):
    v = submit(registry, reg_model, stranger)
    for who in (stranger, reg_auditors[0], reg_guardian):
        with ape.reverts(registry.AccessControlUnauthorizedAccount, account=who.address,
                         neededRole=ALIAS_MANAGER_ROLE):
            registry.setAlias(reg_model, "staging", v, sender=who)
        with ape.reverts(registry.AccessControlUnauthorizedAccount, account=who.address,
                         neededRole=ALIAS_MANAGER_ROLE):
            registry.clearAlias(reg_model, "staging", sender=who)
    assert registry.ALIAS_MANAGER_ROLE() == ALIAS_MANAGER_ROLE
    assert registry.getRoleAdmin(ALIAS_MANAGER_ROLE) == ADMIN_ROLE
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address,
                     neededRole=ADMIN_ROLE):
        registry.grantRole(ALIAS_MANAGER_ROLE, stranger, sender=stranger)
    registry.grantRole(ALIAS_MANAGER_ROLE, stranger, sender=governance)
    registry.setAlias(reg_model, "staging", v, sender=stranger)
    registry.clearAlias(reg_model, "staging", sender=stranger)
    registry.revokeRole(ALIAS_MANAGER_ROLE, stranger, sender=governance)
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=stranger.address):
        registry.setAlias(reg_model, "staging", v, sender=stranger)


def test_set_alias_reverts(registry, governance, reg_model, stranger, reg_guardian):
    v = submit(registry, reg_model, stranger)
    registry.createModel("other", b"", sender=governance)
    w = submit(registry, 2, stranger, "other-weights")
    for bad in ("", "x" * 65):
        with ape.reverts(registry.ModelRegistryInvalidAlias, aliasName=bad):
            registry.setAlias(reg_model, bad, v, sender=governance)
    registry.setAlias(reg_model, "x" * 64, v, sender=governance)
    with ape.reverts(registry.ModelRegistryVersionNotOfModel, versionId=w, modelId=reg_model):
        registry.setAlias(reg_model, "champion", w, sender=governance)
    with ape.reverts(registry.ModelRegistryUnknownVersion):
        registry.setAlias(reg_model, "champion", 10**6, sender=governance)
    with ape.reverts(registry.ModelRegistryUnknownModel):
        registry.setAlias(9, "champion", v, sender=governance)
    with ape.reverts(registry.ModelRegistryUnknownModel):
        registry.aliasOf(9, "champion")
    with ape.reverts(registry.ModelRegistryUnknownModel):
        registry.aliasesOf(9)
    registry.suspendVersion(v, sender=reg_guardian)
    with ape.reverts(registry.ModelRegistryVersionSuspended, versionId=v):
        registry.setAlias(reg_model, "champion", v, sender=governance)


def test_alias_reads_zero_while_its_version_is_suspended(registry, governance, reg_model, stranger,
                                                         reg_guardian):
    v = submit(registry, reg_model, stranger)
    registry.setAlias(reg_model, "champion", v, sender=governance)
    registry.suspendVersion(v, sender=reg_guardian)
    assert registry.aliasOf(reg_model, "champion") == 0
    assert registry.aliasesOf(reg_model) == ["champion"]  # the pointer is kept
    registry.reinstateVersion(v, sender=governance)
    assert registry.aliasOf(reg_model, "champion") == v
