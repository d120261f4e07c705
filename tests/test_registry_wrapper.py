"""modelgov.chain.registry: typed records, CID text <-> bytes, error mapping, nothing sent on
bad input; modelgov.chain.signing: offline EIP-712."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_utils import keccak

from modelgov import manifest as mf
from modelgov.chain import registry as reg  # prepare_version, VersionInput
from modelgov.chain.signing import (
    AttestationRequest,
    SignedAttestation,
    load_key,
    sign_attestation,
)
from modelgov.chain.tx import send
from modelgov.errors import (
    InvalidCIDError,
    NotFoundError,
    SignatureError,
    StateError,
    ValidationError,
    WalletError,
)
from registry_helpers import R, cid_text, signed

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
DIGEST = "0x" + "ab" * 32
# a real CIDv0 and CIDv1 (Kubo's "hello world" objects)
CID_V0 = "QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u"
CID_V1 = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"


@pytest.fixture
def wrap_auditors(accounts):
    return accounts[4], accounts[5], accounts[6]


@pytest.fixture
def wrap_model(registry, governance, wrap_auditors, accounts):
    for a in wrap_auditors:
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.grantRole(GUARDIAN_ROLE, accounts[7], sender=governance)
    registry.createModel("llama", reg.VersionInput(CID_V1, DIGEST).to_abi()[0], sender=governance)
    return 1


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, registry,
                        governance):
    assert R(registry).is_governance(timelock.address)
    assert not R(registry).is_governance(deployer.address)


@pytest.mark.parametrize("cid", [CID_V0, CID_V1])
def test_cid_round_trip_v0_and_v1(registry, wrap_model, stranger, wrap_auditors, cid):
    datasets = (CID_V0, CID_V1)
    arweave = "A" * 42 + "E"  # 43 base64url chars = 32 bytes
    v = reg.prepare_version(cid, manifest_digest=DIGEST, import_profile="unixfs-v0-2015",
                            changelog=CID_V1, arweave_tx=arweave, dataset_cids=datasets)
    record = R(registry).submit_version("llama", v, sender=stranger).value
    assert record.cid == cid
    assert record.dataset_cids == datasets
    assert record.changelog_cid == CID_V1
    assert record.arweave_tx == arweave
    assert record.manifest_digest == DIGEST
    assert record.import_profile == "unixfs-v0-2015"
    assert record.parent_version_id is None
    assert R(registry).find_version_by_cid(wrap_model, cid) == record
    assert R(registry).version(record.version_id) == record
    assert R(registry).versions(wrap_model) == [record]
    att = R(registry).attest(record.version_id, "approve", cid, sender=wrap_auditors[0]).value
    assert (att.verdict, att.report_cid) == ("approved", cid)
    status = R(registry).audit_status(record.version_id)
    assert status.attestations[0].report_cid == cid
    assert status.summary == "1/2 approvals, 0 rejections (not audited)"


def test_versions_of_reads_every_page(registry, wrap_model, stranger):
    for i in range(5):
        R(registry).submit_version(wrap_model, reg.prepare_version(cid_text(i), manifest_digest=DIGEST), sender=stranger)
    records = R(registry).versions(wrap_model, page_size=2)
    assert [r.version_id for r in records] == [1, 2, 3, 4, 5]
    assert R(registry).model("llama").version_count == 5


def test_manifest_gives_digest_and_profile(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "a.bin").write_bytes(b"weights")
    doc = mf.build(tmp_path / "w", profile="kubo-cidv1")
    path = tmp_path / "manifest.json"
    mf.write(doc, path)
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("v1\n")
    v = reg.prepare_version(doc["root"]["cid"], manifest=path, changelog=changelog)
    assert v.manifest_digest == mf.digest(doc)
    assert v.import_profile == "kubo-cidv1"
    assert str(v.changelog_cid).startswith("baf")
    with pytest.raises(ValidationError, match="describes"):
        reg.prepare_version(CID_V0, manifest=path)


@pytest.mark.parametrize("kwargs, error", [
    ({"cid": "not-a-cid", "manifest_digest": DIGEST}, InvalidCIDError),
    ({"cid": CID_V1}, ValidationError),
    ({"cid": CID_V1, "manifest_digest": "0x12"}, ValidationError),
    ({"cid": CID_V1, "manifest_digest": DIGEST, "arweave_tx": "short"}, ValidationError),
    ({"cid": CID_V1, "manifest_digest": DIGEST, "dataset_cids": ["zz"]}, InvalidCIDError),
    ({"cid": CID_V1, "manifest_digest": DIGEST, "parent_version_id": 0}, ValidationError),
])
def test_prepare_version_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        reg.prepare_version(**kwargs)


def test_errors_are_mapped_and_nothing_is_sent(registry, wrap_model, stranger, wrap_auditors):
    v = R(registry).submit_version(wrap_model, reg.prepare_version(CID_V1, manifest_digest=DIGEST), sender=stranger).value
    nonce, auditor_nonce = stranger.nonce, wrap_auditors[0].nonce
    with pytest.raises(NotFoundError, match="no model named 'gpt'"):
        R(registry).model_id("gpt")
    with pytest.raises(NotFoundError, match="unknown version 42"):
        R(registry).version(42)
    with pytest.raises(NotFoundError, match="unknown model #9"):
        R(registry).model(9)
    with pytest.raises(StateError, match="already version 1"):
        R(registry).submit_version(wrap_model, reg.prepare_version(CID_V1, manifest_digest=DIGEST), sender=stranger)
    with pytest.raises(NotFoundError, match="unknown version 7"):
        R(registry).submit_version(wrap_model,
                           reg.prepare_version(CID_V0, manifest_digest=DIGEST, parent_version_id=7), sender=stranger)
    with pytest.raises(StateError, match="not an auditor"):
        R(registry).attest(v.version_id, "approve", CID_V0, sender=stranger)
    with pytest.raises(NotFoundError, match="unknown version 5"):
        R(registry).attest(5, "approve", CID_V0, sender=wrap_auditors[0])
    with pytest.raises(StateError, match="no live attestation"):
        R(registry).revoke(v.version_id, sender=stranger)
    with pytest.raises(StateError, match="governance-only"):
        R(registry).create_model("new", None, sender=stranger)
    with pytest.raises(StateError, match="already exists"):
        R(registry).create_model_call("llama", None)
    assert stranger.nonce == nonce  # every refusal happened before sending
    assert wrap_auditors[0].nonce == auditor_nonce


def test_simulation_decodes_custom_errors(registry, wrap_model, governance):
    # a revert only the contract knows (not audited) comes back decoded, before sending
    with pytest.raises(NotFoundError, match="unknown version 3"):
        send(R(registry).handle, "activateVersion", (wrap_model, 3, 0), sender=governance, action="activate")
    R(registry).submit_version(wrap_model, reg.prepare_version(CID_V1, manifest_digest=DIGEST), sender=governance)
    with pytest.raises(StateError, match=r"not audited: 0/2 approvals, 0 rejections"):
        send(R(registry).handle, "activateVersion", (wrap_model, 1, 0), sender=governance, action="activate")


def test_relay_checks_before_sending(chain, registry, wrap_model, stranger, wrap_auditors, token):
    v = R(registry).submit_version(wrap_model, reg.prepare_version(CID_V1, manifest_digest=DIGEST), sender=stranger).value.version_id
    nonce = stranger.nonce
    cases = [
        (signed(chain, registry, wrap_auditors[0], v, chain_id=1), "signed for chain 1"),
        (signed(chain, registry, wrap_auditors[0], v, verifying=str(token.address)), "signed for registry"),
        (signed(chain, registry, wrap_auditors[0], v, deadline=chain.pending_timestamp - 10), "expired"),
        (signed(chain, registry, wrap_auditors[0], v, nonce=3), "next nonce"),
        (signed(chain, registry, stranger, v), "not an auditor"),
        (signed(chain, registry, stranger, v, auditor=wrap_auditors[0].address), "signature is not"),
        (signed(chain, registry, wrap_auditors[0], 99), "unknown version 99"),
    ]
    for s, message in cases:
        with pytest.raises((SignatureError, StateError, NotFoundError), match=message):
            R(registry).relay(s, sender=stranger)
    assert stranger.nonce == nonce
    good = signed(chain, registry, wrap_auditors[0], v, 2, CID_V0)
    att = R(registry).relay(good, sender=stranger).value
    assert (att.auditor, att.verdict, att.report_cid) == (wrap_auditors[0].address, "rejected", CID_V0)


def test_signature_file_round_trip_and_offline_key(tmp_path, chain, registry):
    key = Account.create()
    request = AttestationRequest(chain_id=chain.chain_id, registry=str(registry.address),
                                 auditor=key.address, version_id=3, verdict=1,
                                 report_cid=CID_V0, nonce=0, deadline=2**40)
    s = sign_attestation(key, request)
    path = s.save(tmp_path / "sig.json")
    loaded = SignedAttestation.load(path)
    assert loaded == s and loaded.recover() == key.address
    assert json.loads(path.read_text())["verdict"] == "approve"
    # matches the contract's digest
    digest = registry.attestationDigest(key.address, 3, 1, request.report_cid_bytes(),
                                        request.keyed_nonce(), 2**40)  # version 3, its nonce 0
    assert digest == request.digest()
    # keyfiles: raw hex and encrypted JSON
    (tmp_path / "k.hex").write_text(key.key.hex())
    assert load_key(tmp_path / "k.hex", None).address == key.address
    (tmp_path / "k.json").write_text(json.dumps(Account.encrypt(key.key, "pw", iterations=2)))
    assert load_key(tmp_path / "k.json", "pw").address == key.address
    with pytest.raises(WalletError):
        load_key(tmp_path / "k.json", "wrong")
    with pytest.raises(WalletError):
        load_key(tmp_path / "k.json", None)
    bad = json.loads(path.read_text())
    del bad["nonce"]
    with pytest.raises(ValidationError, match="lacks 'nonce'"):
        SignedAttestation.from_json(bad)
    with pytest.raises(SignatureError, match="expired"):
        SignedAttestation(request, s.signature).check_fresh(now=2**41)
