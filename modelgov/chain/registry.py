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

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.signing import SignedAttestation

from modelgov.chain.contract import Manager
from modelgov.chain.enums import ADMIN_ROLE, AUDITOR_ROLE, GUARDIAN_ROLE, Verdict, role_name
from modelgov.chain.tx import JsonRecord, TxResult, send
from modelgov.cid.text import Cid
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    NotFoundError,
    SignatureError,
    StateError,
    ValidationError,
)
from modelgov.storage.arweave_id import ArweaveId

ZERO32 = b"\x00" * 32
PAGE_SIZE = 50

#: Import profiles ``ModelRegistry.submitVersion`` accepts besides "" (its ``isKnownImportProfile``);
#: the names of :data:`modelgov.cid.profiles.PROFILES`.
KNOWN_IMPORT_PROFILES = ("unixfs-v0-2015", "kubo-cidv1", "unixfs-v1-2025")




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
class Attestation(JsonRecord):
    """One attestation: live, or (in :attr:`AuditStatus.expired`) an approval past its expiry."""

    auditor: str
    verdict: str  # "approved" | "rejected" ("none" for no live attestation)
    attested_at: int
    report_cid: str | None
    #: when an approval stops counting (unix seconds); None: it does not expire
    expires_at: int | None = None


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
    #: approvals that expired: they no longer count anywhere (views, activation, grants, oracle)
    expired: tuple[Attestation, ...] = field(default_factory=tuple)

    @property
    def summary(self) -> str:
        state = "suspended" if self.suspended else ("audited" if self.audited else "not audited")
        lapsed = f", {len(self.expired)} expired" if self.expired else ""
        return (f"{self.approvals}/{self.required_approvals} approvals, {self.rejections} rejections"
                f"{lapsed} ({state})")

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["attestations"] = [asdict(a) for a in self.attestations]
        doc["expired"] = [asdict(a) for a in self.expired]
        return doc


@dataclass(frozen=True)
class ModelInfo(JsonRecord):
    model_id: int
    name: str
    card_cid: str | None
    active_version_id: int | None
    version_count: int


@dataclass(frozen=True)
class VersionInput:
    """What ``submitVersion`` takes, validated (see :func:`prepare_version`). CIDs are parsed
    once, here, into :class:`~modelgov.cid.text.Cid` values (text and bytes); text given is
    accepted and parsed.

    Raises:
        InvalidCIDError: a CID field is not a CID.
    """

    cid: Cid
    manifest_digest: str
    import_profile: str = ""
    arweave_tx: ArweaveId | None = None
    changelog_cid: Cid | None = None
    parent_version_id: int | None = None
    dataset_cids: tuple[Cid, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cid", Cid.parse(self.cid))
        if self.arweave_tx is not None:
            object.__setattr__(self, "arweave_tx", ArweaveId.parse(self.arweave_tx))
        if self.changelog_cid is not None:
            object.__setattr__(self, "changelog_cid", Cid.parse(self.changelog_cid))
        object.__setattr__(self, "dataset_cids", tuple(Cid.parse(c) for c in self.dataset_cids))

    def to_abi(self) -> tuple[bytes, bytes, bytes, bytes, str, int, list[bytes]]:
        """The ``VersionInput`` struct as ``submitVersion`` takes it."""
        return (
            self.cid.raw,
            self.arweave_tx.raw if self.arweave_tx else ZERO32,
            bytes.fromhex(self.manifest_digest.removeprefix("0x")),
            self.changelog_cid.raw if self.changelog_cid else b"",
            self.import_profile,
            self.parent_version_id or 0,
            [c.raw for c in self.dataset_cids],
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


def arweave_from_bytes(raw: bytes) -> str | None:
    from modelgov.storage.arweave_merkle import b64url_encode

    data = bytes(raw)
    return None if data == ZERO32 else b64url_encode(data)


@dataclass(frozen=True)
class VersionDetails:
    """What a version record commits to and its ``VersionSubmitted`` event carries (not stored)."""

    changelog: bytes
    import_profile: str
    datasets: tuple[bytes, ...]

    def digest(self) -> bytes:
        """``keccak256(abi.encode(changelogCid, importProfile, datasetCids))``: the registry's
        ``versionDetailsHash``."""
        from eth_abi.abi import encode
        from eth_utils.crypto import keccak

        return bytes(keccak(encode(["bytes", "string", "bytes[]"],
                                   [self.changelog, self.import_profile, list(self.datasets)])))


def _event_bytes(value: object) -> bytes:
    """A ``bytes`` argument of a decoded event (``0x`` hex text, or bytes)."""
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise ChainError(f"a VersionSubmitted event holds {type(value).__name__} where bytes belong")


def _record(raw: Any, details: VersionDetails | None) -> VersionRecord:
    """A version from the registry's stored header and its details (from the event, checked
    against ``detailsHash`` by the caller); ``details`` None: not found, marked ``invalid``."""
    # positional: Ape returns structs inside arrays as plain tuples
    (vid, mid, cid, ar, digest, parent, submitter, at, _block, _details_hash) = tuple(raw)
    invalid: list[str] = []
    if details is None:
        invalid.append("details")
    return VersionRecord(
        version_id=int(vid),
        model_id=int(mid),
        cid=_cid_or_hex(cid, "cid", invalid) or "",
        arweave_tx=arweave_from_bytes(ar),
        manifest_digest="0x" + bytes(digest).hex(),
        changelog_cid=_cid_or_hex(details.changelog, "changelog_cid", invalid) if details else None,
        import_profile=details.import_profile if details else "",
        parent_version_id=int(parent) or None,
        dataset_cids=tuple(_cid_or_hex(d, "dataset_cids", invalid) or "" for d in details.datasets)
        if details else (),
        submitter=_address(submitter),
        submitted_at=int(at),
        invalid=tuple(dict.fromkeys(invalid)),
    )


def _address(raw: Any) -> str:
    from modelgov.chain.contract import checksum

    return checksum(str(raw))


def _attestation(raw: Any) -> Attestation:
    auditor, verdict, at, report = tuple(raw)
    report_text: str | None
    try:
        report_text = _cid_text(report)
    except ModelGovError:  # not a CID: show the bytes
        report_text = "0x" + bytes(report).hex()
    return Attestation(_address(auditor), Verdict.label_of(int(verdict)), int(at), report_text)


# ---------------------------------------------------------------------------------------------
# revert messages
# ---------------------------------------------------------------------------------------------
def messages(err: CustomError) -> tuple[type[ModelGovError], str] | None:
    """The registry's readable message (and error class) for one of its custom errors."""
    a = err.args
    text: dict[str, tuple[type[ModelGovError], str]] = {
        "ModelRegistryUnknownModel": (NotFoundError, f"unknown model #{a.get('modelId')}"),
        "ModelRegistryUnknownModelName": (NotFoundError, f"no model named {a.get('name')!r}"),
        "ModelRegistryUnknownVersion": (NotFoundError, f"unknown version {a.get('versionId')}"),
        "ModelRegistryNoActiveVersion": (NotFoundError, f"model #{a.get('modelId')} has no active version"),
        "ModelRegistryDuplicateName": (StateError, f"a model named {a.get('name')!r} already exists "
                                                   f"(#{a.get('modelId')})"),
        "ModelRegistryInvalidName": (ValidationError, "model names are 1 to 64 bytes"),
        "ModelRegistryDuplicateVersion": (StateError, f"model #{a.get('modelId')} already has this CID as "
                                                      f"version {a.get('existingVersionId')}"),
        "ModelRegistryEmptyCid": (ValidationError, "a version needs a CID"),
        "ModelRegistryInvalidVerdict": (ValidationError, "verdict must be approve or reject"),
        "ModelRegistryInvalidReportCid": (ValidationError, "report CID must be 1 to 56 bytes (got "
                                                           f"{a.get('length')})"),
        "ModelRegistryNoAttestation": (StateError, f"{a.get('auditor')} has no live attestation on version "
                                                   f"{a.get('versionId')}"),
        "ModelRegistryExpiredSignature": (SignatureError, f"signature expired at {a.get('deadline')}"),
        "ModelRegistryInvalidSignature": (SignatureError, f"signature is not {a.get('auditor')}'s (wrong "
                                                          "key, chain or registry)"),
        "InvalidAccountNonce": (SignatureError, f"nonce already used or out of order: {a.get('account')}'s "
                                                f"next nonce is {a.get('currentNonce')}"),
        "ModelRegistryInvalidRequiredApprovals": (ValidationError, "required approvals must be 1..65535, "
                                                                   f"not {a.get('requiredApprovals')}"),
        "ModelRegistryVersionNotOfModel": (StateError, f"version {a.get('versionId')} is not a version of "
                                                       f"model #{a.get('modelId')}"),
        "ModelRegistryNotAudited": (StateError, f"version {a.get('versionId')} is not audited: "
                                                f"{a.get('approvals')}/{a.get('required')} approvals, "
                                                f"{a.get('rejections')} rejections"),
        "ModelRegistryAlreadyActive": (StateError, f"version {a.get('versionId')} is already active"),
        "ModelRegistryVersionSuspended": (StateError, f"version {a.get('versionId')} is suspended"),
        "ModelRegistryVersionNotSuspended": (StateError, f"version {a.get('versionId')} is not suspended"),
        "AccessControlUnauthorizedAccount": (StateError, f"{a.get('account')} lacks "
                                                         f"{role_name(a.get('neededRole', b''))}"),
        "ModelRegistryNotSubmitter": (StateError, f"only version {a.get('versionId')}'s submitter "
                                                  f"{a.get('submitter')} may bind its verifier, not "
                                                  f"{a.get('account')}"),
        "ModelRegistryVerifierAlreadyBound": (StateError, f"version {a.get('versionId')} already has the "
                                                          f"verifier {a.get('verifier')}"),
        "ModelRegistryAlreadyAttested": (StateError, "auditors already attested version "
                                                     f"{a.get('versionId')}: bind its verifier before the "
                                                     "audit"),
        "ModelRegistryInvalidVerifier": (ValidationError, f"no contract at {a.get('verifier')}"),
        "ModelRegistryUnexpectedActiveVersion": (StateError, f"model #{a.get('modelId')}'s active version "
                                                             f"is {a.get('activeVersionId')}, not "
                                                             f"{a.get('expectedVersionId')}"),
        "ModelRegistryInvalidExpiry": (
            ValidationError, f"only approvals expire, and in the future (expiry {a.get('expiresAt')})"),
        "ModelRegistryInvalidNonceKey": (
            SignatureError, f"the signature's nonce is keyed to another version than {a.get('versionId')}"),
        "ModelRegistryInvalidAlias": (
            ValidationError, f"alias {a.get('aliasName')!r}: names are 1 to 64 bytes"),
        "ModelRegistryUnknownAlias": (
            NotFoundError, f"model #{a.get('modelId')} has no alias {a.get('aliasName')!r}"),
        "ModelRegistrySelfAttestation": (StateError, f"{a.get('auditor')} submitted version "
                                                     f"{a.get('versionId')} and cannot attest it"),
    }
    return text.get(err.name)


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

    parsed = Cid.parse(cid)
    cid_norm = parsed.text
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
    changelog_cid: Cid | None = None
    if changelog is not None:
        path = Path(changelog)
        if path.is_file():
            from modelgov.cid.dag import cid_of_path

            changelog_cid = Cid.parse(cid_of_path(path, profile or None))
        else:
            changelog_cid = Cid.parse(normalize(str(changelog)))
    if parent_version_id is not None and parent_version_id < 1:
        raise ValidationError(f"parent version must be ≥ 1, not {parent_version_id}")
    return VersionInput(
        cid=parsed,
        manifest_digest="0x" + digest_hex,
        import_profile=profile,
        arweave_tx=ArweaveId.parse(arweave_tx) if arweave_tx else None,
        changelog_cid=changelog_cid,
        parent_version_id=parent_version_id,
        dataset_cids=tuple(Cid.parse(c) for c in dataset_cids),
    )


ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Registry(Manager):
    """The ModelRegistry of a suite: ``client.registry``.

    Reads return frozen dataclasses; writes take the signer as ``sender=`` (default: the
    client's account), simulate first, and return a :class:`~modelgov.chain.tx.TxResult` whose
    ``value`` is what the write created or changed. Reverts raise the registry's modelgov error
    (``NotFoundError``, ``StateError``, ``SignatureError``, ``ValidationError``,
    ``TransactionRevertedError``) with the decoded custom error as ``err.revert``.
    """

    def _view(self, action: str, fn: str, *args: Any) -> Any:
        return self.handle.call(fn, *args, action=action)

    def _send(self, action: str, fn: str, args: tuple[Any, ...], sender: AccountAPI | None) -> Any:
        return send(self.handle, fn, args, sender=self.signer(sender), action=action)

    # --- reads ------------------------------------------------------------------------------
    def model_id(self, name: str) -> int:
        """Raises: NotFoundError: no model has that name."""
        return int(self._view(f"model {name!r}", "modelIdOf", name))

    def resolve_model(self, model: str | int) -> int:
        """A model name, or an id given as int or ``#N`` / digits → the model id (checked).

        Raises:
            NotFoundError: no such model.
        """
        text = str(model).strip()
        if isinstance(model, int) or text.lstrip("#").isdigit():
            mid = int(text.lstrip("#"))
            self.model(mid)
            return mid
        return self.model_id(text)

    def model(self, model: str | int) -> ModelInfo:
        """Raises: NotFoundError: no such model."""
        mid = model if isinstance(model, int) else self.model_id(model)
        name, card, active, count = self._view(f"model #{mid}", "model", mid)
        invalid: list[str] = []
        return ModelInfo(int(mid), _chain_text(name, "name", invalid),
                         _cid_or_hex(card, "card_cid", invalid), int(active) or None, int(count))

    def version(self, version_id: int) -> VersionRecord:
        """Raises: NotFoundError: no such version."""
        return self._records([self._view(f"version {version_id}", "version", int(version_id))])[0]

    def versions(self, model_id: int, page_size: int = PAGE_SIZE) -> list[VersionRecord]:
        """Every version of ``model_id``, oldest first: the first page tells the count, the other
        pages are read in one round trip (a JSON-RPC batch), and the details (changelog, profile,
        datasets) of all of them come from one ``eth_getLogs``.

        Raises:
            NotFoundError: no such model.
        """
        action = f"model #{model_id}"
        page, total = self._view(action, "versionsOf", model_id, 0, page_size)
        raws = list(page)
        offsets = list(range(len(raws), int(total), page_size)) if raws else []
        for more, _ in self.handle.call_many("versionsOf", [(model_id, o, page_size) for o in offsets],
                                             action=action):
            raws += list(more)
        return self._records(raws)

    def _records(self, raws: list[Any]) -> list[VersionRecord]:
        """Records from stored headers, with the details their ``VersionSubmitted`` events carry:
        one ``eth_getLogs`` per model over the blocks the versions were submitted in, each event
        checked against the header's ``detailsHash`` (an event that does not match is not used)."""
        headers = [tuple(r) for r in raws]
        details: dict[int, VersionDetails] = {}
        by_model: dict[int, list[tuple[Any, ...]]] = {}
        for h in headers:
            by_model.setdefault(int(h[1]), []).append(h)
        for model_id, group in by_model.items():
            wanted = {int(h[0]): bytes(h[9]) for h in group}
            blocks = [int(h[8]) for h in group]
            topic = "0x" + model_id.to_bytes(32, "big").hex()
            ids = None if len(group) > 1 else "0x" + int(group[0][0]).to_bytes(32, "big").hex()
            for event in self.handle.logs("VersionSubmitted", min(blocks), max(blocks), topics=[topic, ids]):
                a = event.args
                vid = int(a["versionId"])
                if vid not in wanted or vid in details:
                    continue
                found = VersionDetails(_event_bytes(a["changelogCid"]), str(a["importProfile"]),
                                       tuple(_event_bytes(d) for d in a["datasetCids"]))
                if found.digest() == wanted[vid]:
                    details[vid] = found
        return [_record(h, details.get(int(h[0]))) for h in headers]

    def find_version_by_cid(self, model_id: int, cid: str | Cid,
                            submitter: str | None = None) -> VersionRecord | None:
        """The version of ``model_id`` with CID ``cid`` (submitted by ``submitter`` when given), or None.

        Versions are keyed by (model, submitter, CID) on chain, so several submitters may have
        registered the same CID; without ``submitter`` the CID must name exactly one version.

        Raises:
            InvalidCIDError: ``cid`` is malformed.
            StateError: no ``submitter`` given and several submitters registered ``cid`` (they are named).
        """
        parsed = Cid.parse(cid)
        if submitter is not None:
            vid = int(self._view(f"model #{model_id}", "versionIdOf", model_id, submitter, parsed.raw))
            return self.version(vid) if vid else None
        wanted = parsed.text
        matches = [r for r in self.versions(model_id) if r.cid == wanted]
        if len(matches) > 1:
            who = ", ".join(f"version {r.version_id} by {r.submitter}" for r in matches)
            raise StateError(f"{wanted} was submitted to model #{model_id} more than once ({who}): "
                             "name the submitter")
        return matches[0] if matches else None

    def audit_status(self, version_id: int) -> AuditStatus:
        """Raises: NotFoundError: no such version."""
        self._view(f"version {version_id}", "version", int(version_id))  # NotFoundError
        status = self.audit_statuses([int(version_id)])[int(version_id)]
        return replace(status, expired=self.expired_attestations(int(version_id)))

    def audit_statuses(self, version_ids: list[int]) -> dict[int, AuditStatus]:
        """:meth:`audit_status` of several versions in one round trip.

        Raises:
            NotFoundError: one of them does not exist.
        """
        raws = self.handle.call_many("auditStatus", [(int(v),) for v in version_ids], action="audit status")
        live = [(int(vid), tuple(_attestation(a) for a in tuple(raw)[5]))
                for vid, raw in zip(version_ids, raws, strict=True)]
        pairs = [(vid, a.auditor) for vid, atts in live for a in atts]
        expiries = iter(self.handle.call_many("attestationExpiry", pairs, action="attestation expiry")
                        if pairs else [])
        out: dict[int, AuditStatus] = {}
        for (vid, atts), raw in zip(live, raws, strict=True):
            approvals, rejections, required, audited, suspended, _ = tuple(raw)
            dated = tuple(replace(a, expires_at=int(next(expiries)) or None) for a in atts)
            out[vid] = AuditStatus(vid, int(approvals), int(rejections), int(required), bool(audited),
                                   bool(suspended), dated)
        return out

    def expired_attestations(self, version_id: int) -> tuple[Attestation, ...]:
        """Approvals of ``version_id`` whose expiry passed (they count nowhere any more), from
        the auditors who ever attested it (``VersionAttested`` events)."""
        topic = "0x" + int(version_id).to_bytes(32, "big").hex()
        auditors = dict.fromkeys(str(e.args["auditor"]) for e in self.handle.logs(
            "VersionAttested", self._from_block(), topics=[topic]))
        now = self.handle.connection.rpc.timestamp("latest")
        out = []
        for auditor in auditors:
            att = self.attestation_of(version_id, auditor)
            expires = int(self._view("attestation expiry", "attestationExpiry", int(version_id), auditor))
            if att.verdict == "approved" and expires and expires <= now:
                out.append(replace(att, expires_at=expires))
        return tuple(out)

    def _from_block(self) -> int:
        return self.client.deployment.block if self.client is not None else 0

    def active_version(self, model_id: int) -> VersionRecord | None:
        """The model's active version (None if none). Raises: NotFoundError: no such model."""
        vid = int(self._view(f"model #{model_id}", "activeVersionId", model_id))
        return self.version(vid) if vid else None

    def attestation_of(self, version_id: int, auditor: str) -> Attestation:
        return _attestation(self._view(f"version {version_id}", "attestationOf", int(version_id), auditor))

    def is_auditor(self, account: str) -> bool:
        return bool(self._view("hasRole", "hasRole", AUDITOR_ROLE, account))

    def is_governance(self, account: str) -> bool:
        return bool(self._view("hasRole", "hasRole", ADMIN_ROLE, account))

    def nonce_of(self, account: str, version_id: int) -> int:
        """The next EIP-712 nonce of ``account`` for attestations of ``version_id`` (nonces are
        keyed by version: signatures for several versions relay in any order)."""
        keyed = int(self._view("nonces", "nonces", account, int(version_id)))
        return keyed & (2**64 - 1)

    def checked_nonce(self, auditor: str, version_id: int, chain_id: int, nonce: int | None = None) -> int:
        """The auditor's next nonce (or ``nonce``, checked not to be used already), on the chain
        the signature is for.

        Raises:
            ChainError: the node is another chain than ``chain_id``, or no registry answers.
            SignatureError: ``nonce`` is below the auditor's next nonce (already used).
        """
        connected = self.handle.connection.chain_id
        if connected != int(chain_id):
            raise ChainError(f"the node is chain {connected}, not {chain_id}; "
                             "use --offline --nonce N to sign for another chain")
        try:
            current = self.nonce_of(auditor, version_id)
        except ModelGovError as exc:
            raise ChainError(f"cannot read {auditor}'s nonce from registry {self.address}: {exc}") from None
        if nonce is None:
            return current
        if nonce < current:
            raise SignatureError(f"nonce {nonce} is already used: {auditor}'s next nonce is {current}")
        return nonce

    def verifier_of(self, version_id: int) -> str | None:
        """The zk verifier bound to ``version_id``, or None. Raises: NotFoundError."""
        address = str(self._view(f"version {version_id}", "verifierOf", int(version_id)))
        return None if int(address, 16) == 0 else address

    def active_verifier(self, model: str | int) -> tuple[VersionRecord, str | None]:
        """``model``'s active version and the verifier bound to it (None if it has none).

        Raises:
            NotFoundError: unknown model, or the model has no active version.
        """
        model_id = self.resolve_model(model)
        record = self.active_version(model_id)
        if record is None:
            raise NotFoundError(f"model #{model_id} has no active version")
        return record, self.verifier_of(record.version_id)

    def create_model_call(self, name: str, card_cid: str | None) -> tuple[str, bytes]:
        """``(target, calldata)`` of ``createModel(name, card)`` for a governance proposal.

        Raises:
            ValidationError: bad name. StateError: the name is taken. InvalidCIDError.
        """
        from modelgov.cid.text import cid_to_bytes

        if not name or len(name.encode()) > 64:
            raise ValidationError("model names are 1 to 64 bytes")
        try:
            existing = self.model_id(name)
        except NotFoundError:
            existing = 0
        if existing:
            raise StateError(f"a model named {name!r} already exists (#{existing})")
        card = cid_to_bytes(card_cid) if card_cid else b""
        return self.address, self.handle.encode("createModel", name, card)

    # --- writes -----------------------------------------------------------------------------
    def submit_version(self, model: str | int, version: VersionInput, *,
                       sender: AccountAPI | None = None) -> TxResult[VersionRecord]:
        """Submit ``version`` of ``model`` (name or id); the result's value is the stored record.

        Raises:
            NotFoundError: unknown model or parent. StateError: the sender already submitted this CID.
        """
        signer = self.signer(sender)
        mid = self.resolve_model(model)
        action = f"cannot submit {version.cid} to model #{mid}"
        existing = self.find_version_by_cid(mid, version.cid, submitter=str(signer.address))
        if existing is not None:
            raise StateError(f"{action}: it is already version {existing.version_id}")
        if version.parent_version_id:
            self.version(version.parent_version_id)
        receipt = self._send(action, "submitVersion", (mid, version.to_abi()), signer)
        events = self.handle.events(receipt, "VersionSubmitted")
        return TxResult.of(receipt, self.version(int(events[0]["versionId"])))

    def _check_attestable(self, version_id: int, auditor: str, action: str) -> None:
        self.version(version_id)  # NotFoundError
        if not self.is_auditor(auditor):
            raise StateError(f"{action}: {auditor} is not an auditor (lacks AUDITOR_ROLE)")

    def attest(self, version_id: int, verdict: str | int, report_cid: str | Cid, *,
               expires_at: int | None = None, sender: AccountAPI | None = None) -> TxResult[Attestation]:
        """Attest ``version_id`` as the sender (an auditor); an approval may expire at
        ``expires_at`` (unix seconds), after which it counts nowhere.

        Raises:
            NotFoundError, StateError (not an auditor), InvalidCIDError, ValidationError (a
            rejection given an expiry, or an expiry not in the future).
        """
        signer = self.signer(sender)
        code = Verdict.parse(verdict)
        report = Cid.parse(report_cid).raw
        action = f"cannot attest version {version_id}"
        if expires_at is not None and code is not Verdict.APPROVED:
            raise ValidationError(f"{action}: only an approval can expire")
        self._check_attestable(version_id, str(signer.address), action)
        if expires_at:
            args = (int(version_id), int(code), report, int(expires_at))
            receipt = self._send(action, "attestWithExpiry", args, signer)
        else:
            receipt = self._send(action, "attest", (int(version_id), int(code), report), signer)
        att = self.attestation_of(version_id, str(signer.address))
        return TxResult.of(receipt, replace(att, expires_at=int(expires_at) if expires_at else None))

    # --- the guardian, governance --------------------------------------------------------
    def suspend(self, version_id: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Suspend ``version_id`` (the guardian: a compromised version stops being active at once).

        Raises:
            NotFoundError: unknown version. StateError: not the guardian, or already suspended.
        """
        receipt = self._send(f"cannot suspend version {version_id}", "suspendVersion",
                             (int(version_id),), sender)
        return TxResult.of(receipt, int(version_id))

    def sync_audit(self, version_id: int, *, sender: AccountAPI | None = None) -> TxResult[bool]:
        """Re-cache ``version_id``'s audit result (anyone may: it only reads the attestations), so
        an oracle's request reads the active version cheaply again after the auditors or the
        required approvals changed. The value says whether the cached result changed.

        Raises:
            NotFoundError: unknown version.
        """
        receipt = self._send(f"cannot sync the audit of version {version_id}", "syncAudit",
                             (int(version_id),), sender)
        changed = any(getattr(log, "event_name", "") == "AuditCacheUpdated" for log in receipt.events)
        return TxResult.of(receipt, changed)

    def reinstate(self, version_id: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Reinstate a suspended version (governance only: propose it unless you are the timelock).

        Raises:
            NotFoundError: unknown version. StateError: not governance, or not suspended.
        """
        receipt = self._send(f"cannot reinstate version {version_id}", "reinstateVersion",
                             (int(version_id),), sender)
        return TxResult.of(receipt, int(version_id))

    def is_guardian(self, account: str) -> bool:
        return bool(self._view("hasRole", "hasRole", GUARDIAN_ROLE, account))

    # --- named pointers (aliases) ------------------------------------------------------------
    def aliases(self, model: str | int) -> dict[str, int | None]:
        """``model``'s named pointers (``canary``, ``staging``...) → version id (None while the
        version is suspended). Raises: NotFoundError."""
        mid = self.resolve_model(model)
        names = [str(n) for n in self._view(f"model #{mid}", "aliasesOf", mid)]
        ids = (self.handle.call_many("aliasOf", [(mid, n) for n in names], action=f"model #{mid}")
               if names else [])
        return {n: int(v) or None for n, v in zip(names, ids, strict=True)}

    def alias_of(self, model: str | int, name: str) -> int | None:
        """The version ``name`` points at (None: unset, or its version is suspended)."""
        mid = self.resolve_model(model)
        return int(self._view(f"model #{mid}", "aliasOf", mid, name)) or None

    def set_alias(self, model: str | int, name: str, version_id: int, *,
                  sender: AccountAPI | None = None) -> TxResult[int]:
        """Point ``name`` at ``version_id`` (governance, or a holder of ALIAS_MANAGER_ROLE).

        Raises:
            ValidationError: bad alias name. StateError: not allowed, a version of another
            model, or a suspended one. NotFoundError: unknown model or version.
        """
        if not name or len(name.encode()) > 64:
            raise ValidationError("alias names are 1 to 64 bytes")
        mid = self.resolve_model(model)
        receipt = self._send(f"cannot set alias {name!r} of model #{mid}", "setAlias",
                             (mid, name, int(version_id)), sender)
        return TxResult.of(receipt, int(version_id))

    def clear_alias(self, model: str | int, name: str, *,
                    sender: AccountAPI | None = None) -> TxResult[int]:
        """Remove ``name`` (the value: the model id). Raises: StateError, NotFoundError."""
        mid = self.resolve_model(model)
        receipt = self._send(f"cannot clear alias {name!r} of model #{mid}", "clearAlias",
                             (mid, name), sender)
        return TxResult.of(receipt, mid)

    # --- lineage -------------------------------------------------------------------------
    def lineage(self, model: str | int) -> list[tuple[int, VersionRecord]]:
        """Every version of ``model`` in tree order (parents before children, siblings by id),
        with its depth in the tree: ``[(depth, record), ...]``. A parent from another model
        (or unknown) makes a root. Raises: NotFoundError."""
        records = self.versions(self.resolve_model(model))
        by_id = {r.version_id: r for r in records}
        children: dict[int | None, list[VersionRecord]] = {}
        for r in records:
            parent = r.parent_version_id if r.parent_version_id in by_id else None
            children.setdefault(parent, []).append(r)
        out: list[tuple[int, VersionRecord]] = []

        def walk(parent: int | None, depth: int) -> None:
            for child in sorted(children.get(parent, []), key=lambda c: c.version_id):
                out.append((depth, child))
                walk(child.version_id, depth + 1)

        walk(None, 0)
        return out

    def revoke(self, version_id: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Withdraw the sender's attestation on ``version_id`` (the value: the version id).

        Raises:
            NotFoundError: unknown version. StateError: no live attestation.
        """
        action = f"cannot revoke the attestation on version {version_id}"
        self.version(version_id)
        receipt = self._send(action, "revokeAttestation", (int(version_id),), sender)
        return TxResult.of(receipt, int(version_id))

    def relay(self, signed: SignedAttestation, *, sender: AccountAPI | None = None) -> TxResult[Attestation]:
        """Send an auditor's signed attestation from the sender (who pays the gas).

        Checked before sending: chain id, registry address, deadline (against the chain's clock),
        nonce, the auditor's role, the signature (by simulation).

        Raises:
            SignatureError, StateError, NotFoundError.
        """
        r = signed.request
        action = f"cannot relay {r.auditor}'s attestation of version {r.version_id}"
        connection = self.handle.connection
        if int(r.chain_id) != connection.chain_id:
            raise SignatureError(f"{action}: signed for chain {r.chain_id}, "
                                 f"connected to {connection.chain_id}")
        if str(r.registry).lower() != self.address.lower():
            raise SignatureError(f"{action}: signed for registry {r.registry}, not {self.address}")
        now = connection.rpc.timestamp("pending")
        if r.deadline < now:
            raise SignatureError(f"{action}: signature expired at {r.deadline} (chain time {now})")
        current = self.nonce_of(r.auditor, r.version_id)
        if r.nonce != current:
            raise SignatureError(f"{action}: nonce {r.nonce} is not the auditor's next nonce ({current})")
        self._check_attestable(r.version_id, r.auditor, action)
        expiry = (r.expires_at,) if r.expires_at else ()
        args = (r.auditor, r.version_id, r.verdict, r.report_cid_bytes(), *expiry, r.keyed_nonce(),
                r.deadline, signed.signature_bytes())
        receipt = self._send(action, "attestWithExpiryBySig" if expiry else "attestBySig", args, sender)
        return TxResult.of(receipt, self.attestation_of(r.version_id, r.auditor))

    def create_model(self, name: str, card_cid: str | None, *,
                     sender: AccountAPI | None = None) -> TxResult[ModelInfo]:
        """Create a model directly; only for an account holding the admin role (the timelock).

        Raises:
            StateError: the sender is not governance (use a proposal), or the name is taken.
        """
        signer = self.signer(sender)
        self.create_model_call(name, card_cid)  # validates the name and card CID, checks the name is free
        if not self.is_governance(str(signer.address)):
            raise StateError(
                f"cannot create model {name!r}: createModel is governance-only and "
                f"{signer.address} is not the timelock; propose a create-model action"
            )
        from modelgov.cid.text import cid_to_bytes

        card = cid_to_bytes(card_cid) if card_cid else b""
        receipt = self._send(f"cannot create model {name!r}", "createModel", (name, card), signer)
        return TxResult.of(receipt, self.model(name))

    def bind_verifier(self, version_id: int, verifier: str, *,
                      sender: AccountAPI | None = None) -> TxResult[str]:
        """Bind the zk verifier of ``version_id`` (the submitter, before any attestation).

        Raises:
            ValidationError: not an address, or no contract there.
            StateError: not the submitter, already bound, or already attested.
            NotFoundError: no such version.
        """
        from eth_utils.address import is_address, to_checksum_address

        if not is_address(str(verifier)):
            raise ValidationError(f"verifier {verifier!r} is not an address")
        address = str(to_checksum_address(str(verifier)))
        receipt = self._send(f"bind verifier of version {version_id}", "bindVerifier",
                             (int(version_id), address), sender)
        return TxResult.of(receipt, address)
