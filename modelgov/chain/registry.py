"""Typed access to the ModelRegistry contract (an Ape contract instance).

CIDs cross this boundary as text (``Qm…`` / ``b…``) and are stored on chain as binary CIDs;
Arweave transaction ids as base64url text (stored as bytes32); the manifest digest as ``0x`` hex.

Reads return frozen dataclasses. Writes validate what can be checked locally, then SIMULATE the
call (``eth_call``) and only send when the simulation passes, so a bad input never costs a
transaction. Reverts become modelgov errors with the decoded custom error:
unknown ids → :class:`NotFoundError`; missing role, duplicate, not audited → :class:`StateError`;
bad signature, nonce or deadline → :class:`SignatureError`; malformed input →
:class:`ValidationError`; anything else → :class:`TransactionRevertedError`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from modelgov.errors import (
    ChainError,
    ModelGovError,
    NotFoundError,
    SignatureError,
    StateError,
    TransactionRevertedError,
    ValidationError,
)

VERDICT_NAMES = {0: "none", 1: "approved", 2: "rejected"}
APPROVED, REJECTED = 1, 2
ZERO32 = b"\x00" * 32
PAGE_SIZE = 50

ADMIN_ROLE = b"\x00" * 32
#: Import profiles ``ModelRegistry.submitVersion`` accepts besides "" (its ``isKnownImportProfile``);
#: the names of :data:`modelgov.cid.profiles.PROFILES`.
KNOWN_IMPORT_PROFILES = ("unixfs-v0-2015", "kubo-cidv1", "unixfs-v1-2025")


def _keccak(text: str) -> bytes:
    from eth_utils import keccak

    return keccak(text=text)


ROLE_NAMES = {ADMIN_ROLE: "DEFAULT_ADMIN_ROLE (governance)"}
for _role in ("AUDITOR_ROLE", "GUARDIAN_ROLE"):
    ROLE_NAMES[_keccak(_role)] = _role
AUDITOR_ROLE = _keccak("AUDITOR_ROLE")
GUARDIAN_ROLE = _keccak("GUARDIAN_ROLE")


# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionRecord:
    """A submitted version (never changes on chain)."""

    version_id: int
    model_id: int
    cid: str
    arweave_tx: str | None  # base64url, None if none
    manifest_digest: str  # 0x + 64 hex
    changelog_cid: str | None
    import_profile: str
    parent_version_id: int | None
    dataset_cids: tuple[str, ...]
    submitter: str
    submitted_at: int
    #: fields whose on-chain bytes are not what they should be (e.g. ``cid`` is not a binary
    #: CID, ``import_profile`` is not UTF-8): shown as ``0x…`` hex / with U+FFFD, never trusted
    invalid: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["dataset_cids"] = list(self.dataset_cids)
        doc["invalid"] = list(self.invalid)
        return doc

    def shown(self, name: str) -> str:
        """Field ``name`` for the terminal: control characters escaped, invalid ones marked."""
        from modelgov.textsafe import term

        value = getattr(self, name)
        text = "-" if value in (None, "", ()) else term(value)
        return f"{text} (invalid)" if name in self.invalid else text


@dataclass(frozen=True)
class Attestation:
    """One live attestation."""

    auditor: str
    verdict: str  # "approved" | "rejected" ("none" for no live attestation)
    attested_at: int
    report_cid: str | None


@dataclass(frozen=True)
class AuditStatus:
    """Live approvals / rejections of a version and who gave them."""

    version_id: int
    approvals: int
    rejections: int
    required_approvals: int
    audited: bool
    suspended: bool
    attestations: tuple[Attestation, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        state = "suspended" if self.suspended else ("audited" if self.audited else "not audited")
        return f"{self.approvals}/{self.required_approvals} approvals, {self.rejections} rejections ({state})"

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["attestations"] = [asdict(a) for a in self.attestations]
        return doc


@dataclass(frozen=True)
class ModelInfo:
    model_id: int
    name: str
    card_cid: str | None
    active_version_id: int | None
    version_count: int


@dataclass(frozen=True)
class VersionInput:
    """What ``submitVersion`` takes, validated, in text form (see :func:`prepare_version`)."""

    cid: str
    manifest_digest: str
    import_profile: str = ""
    arweave_tx: str | None = None
    changelog_cid: str | None = None
    parent_version_id: int | None = None
    dataset_cids: tuple[str, ...] = ()

    def to_abi(self) -> tuple:
        from modelgov.cid.text import cid_to_bytes

        return (
            cid_to_bytes(self.cid),
            arweave_to_bytes(self.arweave_tx) if self.arweave_tx else ZERO32,
            bytes.fromhex(self.manifest_digest.removeprefix("0x")),
            cid_to_bytes(self.changelog_cid) if self.changelog_cid else b"",
            self.import_profile,
            self.parent_version_id or 0,
            [cid_to_bytes(c) for c in self.dataset_cids],
        )


# ---------------------------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------------------------
def _cid_text(raw: Any) -> str | None:
    from modelgov.cid.text import cid_from_bytes

    data = bytes(raw)
    return cid_from_bytes(data) if data else None


def _cid_or_hex(raw: Any, name: str, invalid: list[str]) -> str | None:
    """A CID stored on chain as text; ``0x…`` hex (and ``name`` added to ``invalid``) when the
    bytes are not a binary CID: anyone can submit a version, with any bytes."""
    try:
        return _cid_text(raw)
    except ModelGovError:
        invalid.append(name)
        return "0x" + bytes(raw).hex()


def _chain_text(raw: Any, name: str, invalid: list[str]) -> str:
    """A string read from chain; bytes that are not UTF-8 are replaced (and ``name`` marked)."""
    if isinstance(raw, (bytes, bytearray)):
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            invalid.append(name)
            return bytes(raw).decode("utf-8", errors="replace")
    return str(raw)


def arweave_to_bytes(tx_id: str) -> bytes:
    """An Arweave transaction id (43 base64url chars, or 0x + 64 hex) → 32 bytes.

    Raises:
        ValidationError: not a 32-byte id.
    """
    from modelgov.storage.arweave_merkle import b64url_decode

    text = tx_id.strip()
    if text.startswith("0x") and len(text) == 66:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    if len(text) == 43:
        try:
            data = b64url_decode(text)
        except ValidationError:
            data = b""
        if len(data) == 32:
            return data
    raise ValidationError(f"malformed Arweave transaction id {tx_id!r}: want 43 base64url characters")


def arweave_from_bytes(raw: Any) -> str | None:
    from modelgov.storage.arweave_merkle import b64url_encode

    data = bytes(raw)
    return None if data == ZERO32 else b64url_encode(data)


def verdict_name(code: int) -> str:
    return VERDICT_NAMES.get(int(code), str(code))


def _record(raw: Any) -> VersionRecord:
    # positional: Ape returns structs inside arrays as plain tuples
    (vid, mid, cid, ar, digest, changelog, profile, parent, datasets, submitter, at) = tuple(raw)
    invalid: list[str] = []
    return VersionRecord(
        version_id=int(vid),
        model_id=int(mid),
        cid=_cid_or_hex(cid, "cid", invalid) or "",
        arweave_tx=arweave_from_bytes(ar),
        manifest_digest="0x" + bytes(digest).hex(),
        changelog_cid=_cid_or_hex(changelog, "changelog_cid", invalid),
        import_profile=_chain_text(profile, "import_profile", invalid),
        parent_version_id=int(parent) or None,
        dataset_cids=tuple(_cid_or_hex(d, "dataset_cids", invalid) or "" for d in datasets),
        submitter=_address(submitter),
        submitted_at=int(at),
        invalid=tuple(dict.fromkeys(invalid)),
    )


def _address(raw: Any) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(str(raw))


def _attestation(raw: Any) -> Attestation:
    auditor, verdict, at, report = tuple(raw)
    report_text: str | None
    try:
        report_text = _cid_text(report)
    except ModelGovError:  # not a CID: show the bytes
        report_text = "0x" + bytes(report).hex()
    return Attestation(str(auditor), verdict_name(verdict), int(at), report_text)


# ---------------------------------------------------------------------------------------------
# revert decoding
# ---------------------------------------------------------------------------------------------
def decode_revert(registry: Any, exc: BaseException) -> tuple[str, dict[str, Any]] | None:
    """``(error name, arguments)`` of a registry revert carried by ``exc``, or None."""
    from modelgov.chain.reverts import decode_custom_error

    return decode_custom_error(exc, [registry.contract_type])


def _fmt_role(role: Any) -> str:
    return ROLE_NAMES.get(bytes(role), "0x" + bytes(role).hex())


def error_for(registry: Any, exc: BaseException, action: str) -> ModelGovError:
    """The modelgov error for a registry revert, message prefixed by ``action``."""
    decoded = decode_revert(registry, exc)
    if decoded is None:
        message = " ".join(str(getattr(exc, "revert_message", None) or exc).split())
        return TransactionRevertedError(f"{action}: reverted: {message}")
    name, a = decoded
    text: dict[str, tuple[type[ModelGovError], str]] = {
        "ModelRegistryUnknownModel": (NotFoundError, f"unknown model #{a.get('modelId')}"),
        "ModelRegistryUnknownModelName": (NotFoundError, f"no model named {a.get('name')!r}"),
        "ModelRegistryUnknownVersion": (NotFoundError, f"unknown version {a.get('versionId')}"),
        "ModelRegistryNoActiveVersion": (NotFoundError, f"model #{a.get('modelId')} has no active version"),
        "ModelRegistryDuplicateName": (StateError, f"a model named {a.get('name')!r} already exists (#{a.get('modelId')})"),
        "ModelRegistryInvalidName": (ValidationError, "model names are 1 to 64 bytes"),
        "ModelRegistryDuplicateVersion": (StateError, f"model #{a.get('modelId')} already has this CID as version {a.get('existingVersionId')}"),
        "ModelRegistryEmptyCid": (ValidationError, "a version needs a CID"),
        "ModelRegistryInvalidVerdict": (ValidationError, "verdict must be approve or reject"),
        "ModelRegistryInvalidReportCid": (ValidationError, f"report CID must be 1 to 56 bytes (got {a.get('length')})"),
        "ModelRegistryNoAttestation": (StateError, f"{a.get('auditor')} has no live attestation on version {a.get('versionId')}"),
        "ModelRegistryExpiredSignature": (SignatureError, f"signature expired at {a.get('deadline')}"),
        "ModelRegistryInvalidSignature": (SignatureError, f"signature is not {a.get('auditor')}'s (wrong key, chain or registry)"),
        "InvalidAccountNonce": (SignatureError, f"nonce already used or out of order: {a.get('account')}'s next nonce is {a.get('currentNonce')}"),
        "ModelRegistryInvalidRequiredApprovals": (ValidationError, f"required approvals must be 1..65535, not {a.get('requiredApprovals')}"),
        "ModelRegistryVersionNotOfModel": (StateError, f"version {a.get('versionId')} is not a version of model #{a.get('modelId')}"),
        "ModelRegistryNotAudited": (StateError, f"version {a.get('versionId')} is not audited: {a.get('approvals')}/{a.get('required')} approvals, {a.get('rejections')} rejections"),
        "ModelRegistryAlreadyActive": (StateError, f"version {a.get('versionId')} is already active"),
        "ModelRegistryVersionSuspended": (StateError, f"version {a.get('versionId')} is suspended"),
        "ModelRegistryVersionNotSuspended": (StateError, f"version {a.get('versionId')} is not suspended"),
        "AccessControlUnauthorizedAccount": (StateError, f"{a.get('account')} lacks {_fmt_role(a.get('neededRole', b''))}"),
        "ModelRegistryNotSubmitter": (StateError, f"only version {a.get('versionId')}'s submitter {a.get('submitter')} may bind its verifier, not {a.get('account')}"),
        "ModelRegistryVerifierAlreadyBound": (StateError, f"version {a.get('versionId')} already has the verifier {a.get('verifier')}"),
        "ModelRegistryAlreadyAttested": (StateError, f"auditors already attested version {a.get('versionId')}: bind its verifier before the audit"),
        "ModelRegistryInvalidVerifier": (ValidationError, f"no contract at {a.get('verifier')}"),
    }
    cls, message = text.get(name, (TransactionRevertedError, f"reverted with {name}({a})"))
    return cls(f"{action}: {message}")


def _view(registry: Any, action: str, fn: str, *args: Any) -> Any:
    from ape.exceptions import ApeException
    from eth_abi.exceptions import DecodingError

    try:
        return getattr(registry, fn)(*args)
    except ApeException as exc:
        # anvil's revert text doesn't always reach Ape decoded: replay with eth_call for the data
        _simulate(registry, action, fn, args, None)
        raise error_for(registry, exc, action) from None
    except (UnicodeDecodeError, DecodingError):
        # a string on chain that is not UTF-8 (anyone can submit one): read it as bytes
        return _view_raw(registry, action, fn, args)


def _view_raw(registry: Any, action: str, fn: str, args: tuple[Any, ...]) -> Any:
    """``fn(*args)`` by ``eth_call``, decoded with every ``string`` output read as ``bytes``
    (callers turn them into text with :func:`_chain_text`, which marks invalid UTF-8)."""
    import re

    from ape import chain
    from eth_abi import decode as abi_decode

    abi = next(a for a in registry.contract_type.abi
               if a.type == "function" and a.name == fn and len(a.inputs) == len(args))
    data = bytes(getattr(registry, fn).encode_input(*args))
    try:
        raw = chain.provider.web3.eth.call({"to": str(registry.address), "data": "0x" + data.hex()})
        types = [re.sub(r"\bstring\b", "bytes", o.canonical_type) for o in abi.outputs]
        out = abi_decode(types, bytes(raw))
    except Exception as exc:  # noqa: BLE001 - node errors, undecodable data
        raise ChainError(f"{action}: cannot read {fn}: {' '.join(str(exc).split())[:200]}") from None
    return out[0] if len(out) == 1 else out


def _simulate(registry: Any, action: str, fn: str, args: tuple, sender: Any) -> None:
    """``eth_call`` of ``fn(*args)``; raises the mapped modelgov error if it reverts."""
    from modelgov.chain import tx

    tx.simulate(registry, fn, args, sender=sender, action=action,
                on_revert=lambda exc: error_for(registry, exc, action))


def _transact(registry: Any, action: str, fn: str, args: tuple, sender: Any) -> Any:
    """Simulate ``fn(*args)`` from ``sender``; send it only if the simulation passes."""
    from modelgov.chain import tx

    return tx.transact(registry, fn, args, sender=sender, action=action,
                       on_revert=lambda exc: error_for(registry, exc, action))


# ---------------------------------------------------------------------------------------------
# reads
# ---------------------------------------------------------------------------------------------
def model_id(registry: Any, name: str) -> int:
    """Raises: NotFoundError: no model has that name."""
    return int(_view(registry, f"model {name!r}", "modelIdOf", name))


def resolve_model(registry: Any, model: str | int) -> int:
    """A model name, or an id given as int or ``#N`` / digits → the model id (checked)."""
    text = str(model).strip()
    if isinstance(model, int) or text.lstrip("#").isdigit():
        mid = int(text.lstrip("#"))
        model_info(registry, mid)
        return mid
    return model_id(registry, text)


def model_info(registry: Any, model: str | int) -> ModelInfo:
    mid = model if isinstance(model, int) else model_id(registry, model)
    name, card, active, count = _view(registry, f"model #{mid}", "model", mid)
    invalid: list[str] = []
    return ModelInfo(int(mid), _chain_text(name, "name", invalid),
                     _cid_or_hex(card, "card_cid", invalid), int(active) or None, int(count))


def get_version(registry: Any, version_id: int) -> VersionRecord:
    """Raises: NotFoundError: no such version."""
    return _record(_view(registry, f"version {version_id}", "version", int(version_id)))


def versions_of(registry: Any, model_id: int, page_size: int = PAGE_SIZE) -> list[VersionRecord]:
    """Every version of ``model_id``, oldest first (read page by page)."""
    out: list[VersionRecord] = []
    offset = 0
    while True:
        page, total = _view(registry, f"model #{model_id}", "versionsOf", model_id, offset, page_size)
        out += [_record(r) for r in page]
        offset += len(page)
        if offset >= int(total) or not page:
            return out


def find_version_by_cid(
    registry: Any, model_id: int, cid: str, submitter: str | None = None
) -> VersionRecord | None:
    """The version of ``model_id`` with CID ``cid`` (submitted by ``submitter`` when given), or None.

    Versions are keyed by (model, submitter, CID) on chain, so several submitters may have
    registered the same CID; without ``submitter`` the CID must name exactly one version.

    Raises:
        InvalidCIDError: ``cid`` is malformed.
        StateError: no ``submitter`` given and several submitters registered ``cid`` (they are named).
    """
    from modelgov.cid.text import cid_to_bytes, normalize

    if submitter is not None:
        raw = cid_to_bytes(cid)
        vid = int(_view(registry, f"model #{model_id}", "versionIdOf", model_id, submitter, raw))
        return get_version(registry, vid) if vid else None
    wanted = normalize(cid)
    matches = [r for r in versions_of(registry, model_id) if r.cid == wanted]
    if len(matches) > 1:
        who = ", ".join(f"version {r.version_id} by {r.submitter}" for r in matches)
        raise StateError(f"{wanted} was submitted to model #{model_id} more than once ({who}): name the submitter")
    return matches[0] if matches else None


def audit_status(registry: Any, version_id: int) -> AuditStatus:
    raw = _view(registry, f"version {version_id}", "auditStatus", int(version_id))
    approvals, rejections, required, audited, suspended, attestations = tuple(raw)
    return AuditStatus(
        version_id=int(version_id),
        approvals=int(approvals),
        rejections=int(rejections),
        required_approvals=int(required),
        audited=bool(audited),
        suspended=bool(suspended),
        attestations=tuple(_attestation(a) for a in attestations),
    )


def active_version(registry: Any, model_id: int) -> VersionRecord | None:
    vid = int(_view(registry, f"model #{model_id}", "activeVersionId", model_id))
    return get_version(registry, vid) if vid else None


def attestation_of(registry: Any, version_id: int, auditor: str) -> Attestation:
    return _attestation(_view(registry, f"version {version_id}", "attestationOf", int(version_id), auditor))


def is_auditor(registry: Any, account: str) -> bool:
    return bool(registry.hasRole(AUDITOR_ROLE, account))


# ---------------------------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------------------------
def prepare_version(
    cid: str,
    *,
    manifest: str | Path | None = None,
    manifest_digest: str | None = None,
    import_profile: str | None = None,
    changelog: str | Path | None = None,
    arweave_tx: str | None = None,
    parent_version_id: int | None = None,
    dataset_cids: tuple[str, ...] | list[str] = (),
) -> VersionInput:
    """Validate and normalise a version's fields (no chain needed).

    ``manifest`` (a manifest file) gives the digest and the import profile and must describe
    ``cid``. ``changelog`` is a CID, or a file whose CID is computed with the version's profile.

    Raises:
        InvalidCIDError, ManifestError, PathError, ValidationError.
    """
    from modelgov import manifest as mf
    from modelgov.cid.text import normalize

    cid_norm = normalize(cid)
    profile = import_profile or ""
    digest = manifest_digest
    if manifest is not None:
        doc = mf.load(manifest)
        root_cid = normalize(doc["root"]["cid"])
        if root_cid != cid_norm:
            raise ValidationError(f"{manifest} describes {root_cid}, not {cid_norm}")
        digest = mf.digest(doc)
        manifest_profile = doc["root"].get("profile") or ""
        if import_profile and manifest_profile and import_profile != manifest_profile:
            raise ValidationError(
                f"profile {import_profile!r} differs from the manifest's {manifest_profile!r}"
            )
        profile = profile or manifest_profile
    if digest is None:
        raise ValidationError("a version needs a manifest (--manifest) or a manifest digest")
    digest_hex = digest.lower().removeprefix("0x")
    if len(digest_hex) != 64 or any(c not in "0123456789abcdef" for c in digest_hex):
        raise ValidationError(f"manifest digest must be 32 bytes of hex, not {digest!r}")
    if profile and profile not in KNOWN_IMPORT_PROFILES:
        raise ValidationError(
            f"import profile {profile!r} is not one the registry accepts ({', '.join(KNOWN_IMPORT_PROFILES)})"
        )
    changelog_cid = None
    if changelog is not None:
        path = Path(changelog)
        if path.is_file():
            from modelgov.cid.dag import cid_of_path

            changelog_cid = cid_of_path(path, profile or None)
        else:
            changelog_cid = normalize(str(changelog))
    if arweave_tx:
        arweave_to_bytes(arweave_tx)
    if parent_version_id is not None and parent_version_id < 1:
        raise ValidationError(f"parent version must be ≥ 1, not {parent_version_id}")
    return VersionInput(
        cid=cid_norm,
        manifest_digest="0x" + digest_hex,
        import_profile=profile,
        arweave_tx=arweave_tx or None,
        changelog_cid=changelog_cid,
        parent_version_id=parent_version_id,
        dataset_cids=tuple(normalize(c) for c in dataset_cids),
    )


def submit_version(registry: Any, model: str | int, version: VersionInput, sender: Any) -> VersionRecord:
    """Submit ``version`` of ``model`` (name or id) from ``sender``; returns the stored record.

    Raises:
        NotFoundError: unknown model or parent. StateError: ``sender`` already submitted this CID.
    """
    mid = resolve_model(registry, model)
    action = f"cannot submit {version.cid} to model #{mid}"
    existing = find_version_by_cid(registry, mid, version.cid, submitter=str(sender.address))
    if existing is not None:
        raise StateError(f"{action}: it is already version {existing.version_id}")
    if version.parent_version_id:
        get_version(registry, version.parent_version_id)
    receipt = _transact(registry, action, "submitVersion", (mid, version.to_abi()), sender)
    events = receipt.events.filter(registry.VersionSubmitted)
    return get_version(registry, int(events[0].versionId))


def _check_attestable(registry: Any, version_id: int, auditor: str, action: str) -> None:
    get_version(registry, version_id)  # NotFoundError
    if not is_auditor(registry, auditor):
        raise StateError(f"{action}: {auditor} is not an auditor (lacks AUDITOR_ROLE)")


def attest(registry: Any, version_id: int, verdict: str | int, report_cid: str, sender: Any) -> Attestation:
    """Attest ``version_id`` as ``sender`` (an auditor).

    Raises:
        NotFoundError, StateError (not an auditor), InvalidCIDError, ValidationError.
    """
    from modelgov.chain.signing import verdict_code
    from modelgov.cid.text import cid_to_bytes

    code = verdict_code(verdict)
    report = cid_to_bytes(report_cid)
    action = f"cannot attest version {version_id}"
    _check_attestable(registry, version_id, str(sender.address), action)
    _transact(registry, action, "attest", (int(version_id), code, report), sender)
    return attestation_of(registry, version_id, str(sender.address))


def revoke(registry: Any, version_id: int, sender: Any) -> None:
    """Withdraw ``sender``'s attestation on ``version_id``.

    Raises:
        NotFoundError: unknown version. StateError: no live attestation.
    """
    action = f"cannot revoke the attestation on version {version_id}"
    get_version(registry, version_id)
    _transact(registry, action, "revokeAttestation", (int(version_id),), sender)


def relay(registry: Any, signed: Any, sender: Any) -> Attestation:
    """Send an auditor's signed attestation (a :class:`~modelgov.chain.signing.SignedAttestation`).

    Checked before sending: chain id, registry address, deadline (against the chain's clock),
    nonce, the auditor's role, the signature (by simulation).

    Raises:
        SignatureError, StateError, NotFoundError.
    """
    from ape import chain

    r = signed.request
    action = f"cannot relay {r.auditor}'s attestation of version {r.version_id}"
    if int(r.chain_id) != int(chain.chain_id):
        raise SignatureError(f"{action}: signed for chain {r.chain_id}, connected to {chain.chain_id}")
    if str(r.registry).lower() != str(registry.address).lower():
        raise SignatureError(f"{action}: signed for registry {r.registry}, not {registry.address}")
    now = int(chain.pending_timestamp)
    if r.deadline < now:
        raise SignatureError(f"{action}: signature expired at {r.deadline} (chain time {now})")
    current = int(registry.nonces(r.auditor, r.version_id)) & (2**64 - 1)  # per-version nonce
    if r.nonce != current:
        raise SignatureError(f"{action}: nonce {r.nonce} is not the auditor's next nonce ({current})")
    _check_attestable(registry, r.version_id, r.auditor, action)
    expiry = (r.expires_at,) if r.expires_at else ()
    args = (r.auditor, r.version_id, r.verdict, r.report_cid_bytes(), *expiry, r.keyed_nonce(),
            r.deadline, signed.signature_bytes())
    _transact(registry, action, "attestWithExpiryBySig" if expiry else "attestBySig", args, sender)
    return attestation_of(registry, r.version_id, r.auditor)


def create_model_call(registry: Any, name: str, card_cid: str | None) -> tuple[str, bytes]:
    """``(target, calldata)`` of ``createModel(name, card)`` for a governance proposal.

    Raises:
        ValidationError: bad name. StateError: the name is taken. InvalidCIDError.
    """
    from modelgov.cid.text import cid_to_bytes

    if not name or len(name.encode()) > 64:
        raise ValidationError("model names are 1 to 64 bytes")
    try:
        existing = model_id(registry, name)
    except NotFoundError:
        existing = 0
    if existing:
        raise StateError(f"a model named {name!r} already exists (#{existing})")
    card = cid_to_bytes(card_cid) if card_cid else b""
    return str(registry.address), bytes(registry.createModel.encode_input(name, card))


def is_governance(registry: Any, account: str) -> bool:
    return bool(registry.hasRole(ADMIN_ROLE, account))


def create_model(registry: Any, name: str, card_cid: str | None, sender: Any) -> ModelInfo:
    """Create a model directly; only for an account holding the admin role (the timelock).

    Raises:
        StateError: ``sender`` is not governance (use a proposal), or the name is taken.
    """
    create_model_call(registry, name, card_cid)
    if not is_governance(registry, str(sender.address)):
        raise StateError(
            f"cannot create model {name!r}: createModel is governance-only and "
            f"{sender.address} is not the timelock; propose a create-model action"
        )
    from modelgov.cid.text import cid_to_bytes

    card = cid_to_bytes(card_cid) if card_cid else b""
    _transact(registry, f"cannot create model {name!r}", "createModel", (name, card), sender)
    return model_info(registry, name)


# ---------------------------------------------------------------------------------------------
# zk verifiers bound to versions
# ---------------------------------------------------------------------------------------------
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def verifier_of(registry: Any, version_id: int) -> str | None:
    """The zk verifier bound to ``version_id``, or None.

    Raises:
        NotFoundError: no such version.
    """
    address = str(_view(registry, f"version {version_id}", "verifierOf", int(version_id)))
    return None if int(address, 16) == 0 else address


def active_verifier(registry: Any, model: str | int) -> tuple[VersionRecord, str | None]:
    """``model``'s active version and the verifier bound to it (None if it has none).

    Raises:
        NotFoundError: unknown model, or the model has no active version.
    """
    model_id = resolve_model(registry, model)
    record = active_version(registry, model_id)
    if record is None:
        raise NotFoundError(f"model #{model_id} has no active version")
    return record, verifier_of(registry, record.version_id)


def bind_verifier(registry: Any, version_id: int, verifier: str, sender: Any) -> str:
    """Bind the zk verifier of ``version_id`` (the submitter, before any attestation).

    Raises:
        ValidationError: not an address, or no contract there.
        StateError: not the submitter, already bound, or already attested.
        NotFoundError: no such version.
    """
    from eth_utils import is_address, to_checksum_address

    if not is_address(str(verifier)):
        raise ValidationError(f"verifier {verifier!r} is not an address")
    address = str(to_checksum_address(str(verifier)))
    _transact(registry, f"bind verifier of version {version_id}", "bindVerifier",
              (int(version_id), address), sender)
    return address
