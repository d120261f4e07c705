// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {NoncesKeyed} from "@openzeppelin/contracts/utils/NoncesKeyed.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IVerifiedModels} from "./interfaces/IVerifiedModels.sol";

/**
 * @title ModelRegistry
 * @notice Which model weights a DAO runs: models (created by governance), immutable version records
 * (submitted by anyone), auditors' attestations on versions, and the version governance made active.
 *
 * Roles: `DEFAULT_ADMIN_ROLE` is governance (the timelock): it creates models, sets
 * `requiredApprovals`, activates and reinstates versions, and grants/revokes `AUDITOR_ROLE` and
 * `GUARDIAN_ROLE`. Auditors attest (directly or by an EIP-712 signature anyone relays, ERC-1271
 * wallets included). A guardian can suspend a version in an emergency.
 *
 * Counting: an attestation counts while it is live (not revoked or replaced) AND its auditor still
 * holds `AUDITOR_ROLE`; governance removing an auditor therefore removes their approvals and
 * rejections everywhere at once (and re-granting the role brings them back). Tallies are computed
 * over the version's auditor list, which only auditors (governance-appointed) can grow.
 *
 * Signatures: nonces are per version ({NoncesKeyed}, key = version id): an auditor may sign
 * attestations of several versions offline and have them relayed in any order, while signatures
 * on ONE version are used in nonce order. A direct {attest} or {revokeAttestation} uses up the
 * auditor's current nonce on that version, so an older signed attestation can never be relayed over
 * a newer direct verdict or withdrawal on the same version.
 *
 * Expiry: an approval may carry an expiry ({attestWithExpiry}, or signed); from that time on it
 * counts nowhere ({isAudited}, {auditStatus}, activation, {activeVersionId}, and so the treasury
 * and the oracle, which read those), exactly as if it had been withdrawn. Rejections never expire:
 * a lapsing rejection would silently re-enable a version nobody re-audited.
 *
 * Aliases (MLflow-style named pointers such as "champion"): governance or an `ALIAS_MANAGER_ROLE`
 * holder points a name at a version of the model ({setAlias}); {aliasOf} reads 0 while that
 * version is suspended. An alias never activates anything: only {activateVersion} does.
 *
 * @dev Gas: attestation storage is kept to two fresh slots per (version, auditor) plus one list
 * entry the first time an auditor attests a version. The report CID is stored compactly: its length,
 * its first 24 bytes packed with the verdict and timestamp, and the rest (≤ 32 bytes) in a second
 * slot, so CIDs of up to 56 bytes (CIDv0 = 34, CIDv1 sha2-256 = 36) are stored in full and listed
 * by {auditStatus}. The auditor-list length shares the version's first slot.
 *
 * Active version: a model's active version is the version governance last activated, as long as
 * it is not suspended AND is audited now (live approvals ≥ {requiredApprovals}, no live
 * rejection); otherwise the model has no active version (0). Nothing but {activateVersion}
 * (governance, which checks the audit) ever chooses a version: suspending the active version
 * leaves the model with no active version (there is no fall-back to an older one), reinstating a
 * version only lifts its suspension, and a version whose audit lapses (a rejection, a withdrawn
 * approval, an auditor removed, a higher threshold) stops being active until it is audited again.
 * An activation states the active version it replaces, so a stale queued activation cannot roll
 * a model back over a newer one.
 *
 * Versions are keyed by (model, submitter, CID): two submitters may submit the same CID, each
 * owning its own record, so nobody can squat another submitter's CID. Import profiles are limited
 * to the names the tooling knows ({isKnownImportProfile}), or empty. An auditor cannot attest a
 * version it submitted.
 *
 * Verifiable inference: a version's submitter may bind a zk verifier (an EZKL verifier of the
 * version's circuit, {bindVerifier}) before any auditor attested the version, so every
 * attestation covers the weights and their verifier together; activating the version activates
 * its verifier ({activeVerifier}).
 */
contract ModelRegistry is IModelRegistry, IVerifiedModels, AccessControl, EIP712, NoncesKeyed {
    using EnumerableSet for EnumerableSet.StringSet;

    /// @notice May attest versions.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice May suspend versions in an emergency.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May set and clear model aliases (governance may too).
    bytes32 public constant ALIAS_MANAGER_ROLE = keccak256("ALIAS_MANAGER_ROLE");
    /**
     * @notice EIP-712 type of a signed attestation (`reportCid` is hashed, as EIP-712 does for
     * `bytes`). `expiresAt` is 0 for an attestation that never expires; `nonce` is the auditor's
     * keyed nonce on the version (`nonces(auditor, versionId)`: the version id in the upper 192
     * bits, the sequence number in the lower 64).
     */
    bytes32 public constant ATTESTATION_TYPEHASH =
        keccak256(
            "Attestation(address auditor,uint256 versionId,uint8 verdict,bytes reportCid,uint48 expiresAt,uint256 nonce,uint256 deadline)"
        );

    /// @notice Longest report CID stored (bytes).
    uint256 public constant MAX_REPORT_CID_LENGTH = 56;
    /// @notice Longest model name or alias (bytes).
    uint256 public constant MAX_NAME_LENGTH = 64;

    /// @dev `Version.cidHeadLength` of a CID kept whole in `_longCids`.
    uint8 private constant _LONG_CID = type(uint8).max;

    /// @dev keccak256 of the import profiles a version may name (see `modelgov/cid/profiles.py`).
    bytes32 private constant _PROFILE_UNIXFS_V0_2015 = keccak256("unixfs-v0-2015");
    bytes32 private constant _PROFILE_KUBO_CIDV1 = keccak256("kubo-cidv1");
    bytes32 private constant _PROFILE_UNIXFS_V1_2025 = keccak256("unixfs-v1-2025");

    /// @notice An auditor's verdict. `None` marks no live attestation and is never accepted as input.
    enum Verdict {
        None,
        Approved,
        Rejected
    }

    /// @notice What a submitter gives for a new version.
    struct VersionInput {
        bytes cid; // binary IPFS CID of the weights (any CID version)
        bytes32 arweaveTx; // Arweave transaction id, zero if none
        bytes32 manifestDigest; // sha256 of the canonical manifest
        bytes changelogCid; // binary CID of the changelog, empty if none
        string importProfile; // name of the CID recipe: "", "unixfs-v0-2015", "kubo-cidv1" or "unixfs-v1-2025"
        uint256 parentVersionId; // 0 if none
        bytes[] datasetCids; // binary CIDs of the training data (lineage)
    }

    /**
     * @notice A version as stored: never changes after submission. What contracts read is stored
     * (CID, manifest digest, Arweave tx, submitter, time, parent); the rest of the submission
     * (changelog CID, import profile, dataset CIDs) is in the {VersionSubmitted} event of block
     * `submittedBlock`, and `detailsHash` commits to it: `keccak256(abi.encode(changelogCid,
     * importProfile, datasetCids))` (see {versionDetailsHash}).
     */
    struct VersionRecord {
        uint256 versionId;
        uint256 modelId;
        bytes cid;
        bytes32 arweaveTx;
        bytes32 manifestDigest;
        uint256 parentVersionId;
        address submitter;
        uint256 submittedAt;
        uint256 submittedBlock;
        bytes32 detailsHash;
    }

    /// @notice One live attestation.
    struct Attestation {
        address auditor;
        Verdict verdict;
        uint256 attestedAt;
        bytes reportCid;
    }

    /// @notice The audit state of a version.
    struct AuditStatus {
        uint256 approvals;
        uint256 rejections;
        uint256 requiredApprovals;
        bool audited;
        bool suspended;
        Attestation[] attestations;
    }

    /**
     * @dev A version's zk verifier and the cached result of its audit, kept for {activeVerifiedVersion}
     * (one slot): the version is audited (no live rejection, approvals ≥ {requiredApprovals})
     * while `block.timestamp < auditedUntil` and `auditEpoch` is the registry's current one. The
     * epoch moves whenever the set of auditors or {requiredApprovals} changes, and an attestation
     * on the version recomputes the entry, so a cached "audited" is never stale; anything else
     * (no verifier, not audited, a moved epoch, an expired approval) falls back to the full tally.
     */
    struct Binding {
        address verifier; // zero until {bindVerifier}
        uint48 auditedUntil; // 0: not cached as audited; else the earliest expiry of a counted approval (or max)
        uint32 auditEpoch;
    }

    struct Model {
        string name;
        bytes cardCid;
        // one slot, written non-zero at creation so a model's first version pays no fresh slot
        uint48 createdAt;
        uint48 activeVersionId; // last activated by governance (0 once suspended); see {_activeOf}
        uint48 versionCount;
        uint48 latestVersionId; // newest version; each version links to the one before it
        uint256[] history; // activations, oldest first
    }

    struct Version {
        // slot 0: immutable header packed with the two mutable fields
        address submitter;
        uint48 submittedAt;
        uint32 auditorCount; // auditors who ever attested (length of _auditors[versionId])
        bool suspended;
        // slot 1
        uint48 modelId;
        uint48 parentVersionId;
        uint48 previousOfModel; // the model's version submitted just before this one, 0 for its first
        uint48 submittedBlock;
        uint8 cidHeadLength; // bytes of the CID before its last 32, or _LONG_CID (the CID is in _longCids)
        bytes7 cidHead;
        // slot 2..5
        bytes32 cidTail; // the CID's last 32 bytes (its digest, for every sha2-256 CID)
        bytes32 manifestDigest;
        bytes32 detailsHash;
        bytes32 arweaveTx; // written only when non-zero
    }

    struct StoredAttestation {
        // slot 0
        Verdict verdict;
        uint40 attestedAt; // non-zero once the auditor ever attested (listed in _auditors)
        bool expires; // `expiresAt` holds the expiry of the live attestation
        uint8 reportLength;
        bytes24 reportHead;
        // slot 1 (only written when reportLength > 24)
        bytes32 reportTail;
        // slot 2 (only written, and read, when `expires`)
        uint48 expiresAt;
    }

    // one slot, non-zero from the constructor on: counting a model or a version writes no fresh slot
    uint16 private _requiredApprovals;
    uint48 private _modelCount;
    uint48 private _versionCount;
    uint32 private _auditEpoch; // moves when auditors or the required approvals change (see {Binding})

    mapping(uint256 modelId => Model) private _models;
    mapping(bytes32 nameHash => uint256 modelId) private _modelIdByName;
    mapping(uint256 versionId => Version) private _versions;
    mapping(uint256 versionId => bytes cid) private _longCids; // CIDs shorter than 32 or longer than 39 bytes
    mapping(uint256 modelId => mapping(bytes32 submitterCidHash => uint256 versionId)) private _versionIdByKey;
    mapping(uint256 versionId => mapping(address auditor => StoredAttestation)) private _attestations;
    mapping(uint256 versionId => mapping(uint256 index => address auditor)) private _auditors;
    mapping(uint256 versionId => Binding) private _bindings;
    mapping(uint256 modelId => EnumerableSet.StringSet) private _aliasNames;
    mapping(uint256 modelId => mapping(string aliasName => uint256 versionId)) private _aliasTargets;

    /// @notice `modelId` does not exist.
    error ModelRegistryUnknownModel(uint256 modelId);
    /// @notice No model is called `name`.
    error ModelRegistryUnknownModelName(string name);
    /// @notice `versionId` does not exist.
    error ModelRegistryUnknownVersion(uint256 versionId);
    /// @notice A model is already called `name`.
    error ModelRegistryDuplicateName(string name, uint256 modelId);
    /// @notice `name` is empty or longer than {MAX_NAME_LENGTH} bytes.
    error ModelRegistryInvalidName(string name);
    /// @notice The submitter already submitted a version of `modelId` with this CID.
    error ModelRegistryDuplicateVersion(uint256 modelId, uint256 existingVersionId);
    /// @notice `importProfile` is neither empty nor a profile the registry knows.
    error ModelRegistryUnknownImportProfile(string importProfile);
    /// @notice `auditor` submitted `versionId` and so may not attest it.
    error ModelRegistrySelfAttestation(uint256 versionId, address auditor);
    /// @notice The activation expected `expectedVersionId` to be the active version of `modelId`,
    /// but `activeVersionId` is.
    error ModelRegistryUnexpectedActiveVersion(uint256 modelId, uint256 expectedVersionId, uint256 activeVersionId);
    /// @notice A version needs a non-empty CID.
    error ModelRegistryEmptyCid();
    /// @notice `Verdict.None` is not a verdict.
    error ModelRegistryInvalidVerdict();
    /// @notice The report CID is empty or longer than {MAX_REPORT_CID_LENGTH} bytes.
    error ModelRegistryInvalidReportCid(uint256 length);
    /// @notice `auditor` has no live attestation on `versionId`.
    error ModelRegistryNoAttestation(uint256 versionId, address auditor);
    /// @notice The signed attestation expired at `deadline`.
    error ModelRegistryExpiredSignature(uint256 deadline);
    /// @notice The signature is not `auditor`'s.
    error ModelRegistryInvalidSignature(address auditor);
    /// @notice `requiredApprovals` must be at least 1.
    error ModelRegistryInvalidRequiredApprovals(uint256 requiredApprovals);
    /// @notice The admin must not be the zero address.
    error ModelRegistryInvalidAdmin(address admin);
    /// @notice `versionId` belongs to another model than `modelId`.
    error ModelRegistryVersionNotOfModel(uint256 versionId, uint256 modelId);
    /// @notice `versionId` lacks approvals or has a live rejection.
    error ModelRegistryNotAudited(uint256 versionId, uint256 approvals, uint256 rejections, uint256 required);
    /// @notice `versionId` is already the active version of its model.
    error ModelRegistryAlreadyActive(uint256 versionId);
    /// @notice `versionId` is suspended.
    error ModelRegistryVersionSuspended(uint256 versionId);
    /// @notice `versionId` is not suspended.
    error ModelRegistryVersionNotSuspended(uint256 versionId);
    /// @notice The model has no active version.
    error ModelRegistryNoActiveVersion(uint256 modelId);
    /// @notice Only the version's submitter (`submitter`) may bind its verifier; `account` tried.
    error ModelRegistryNotSubmitter(uint256 versionId, address account, address submitter);
    /// @notice `versionId` already has the verifier `verifier`: a binding never changes.
    error ModelRegistryVerifierAlreadyBound(uint256 versionId, address verifier);
    /// @notice Auditors already attested `versionId`: binding now would change what they audited.
    error ModelRegistryAlreadyAttested(uint256 versionId);
    /// @notice `verifier` holds no contract code.
    error ModelRegistryInvalidVerifier(address verifier);
    /// @notice A signed attestation's `nonce` is not keyed by its version (`nonce >> 64` must be `versionId`).
    error ModelRegistryInvalidNonceKey(uint256 versionId, uint256 nonce);
    /// @notice `expiresAt` is not in the future, or `verdict` is a rejection (rejections never expire).
    error ModelRegistryInvalidExpiry(Verdict verdict, uint48 expiresAt);
    /// @notice `aliasName` is empty or longer than {MAX_NAME_LENGTH} bytes.
    error ModelRegistryInvalidAlias(string aliasName);
    /// @notice `modelId` has no alias called `aliasName`.
    error ModelRegistryUnknownAlias(uint256 modelId, string aliasName);

    /// @notice Governance created a model.
    event ModelCreated(uint256 indexed modelId, string name, bytes modelCardCid);
    /**
     * @notice Someone submitted a version. The event carries the whole record (every field of
     * {VersionInput}), so an indexer never reads a version back.
     */
    event VersionSubmitted(
        uint256 indexed modelId,
        uint256 indexed versionId,
        address indexed submitter,
        bytes cid,
        uint256 parentVersionId,
        bytes32 arweaveTx,
        bytes32 manifestDigest,
        bytes changelogCid,
        string importProfile,
        bytes[] datasetCids
    );
    /// @notice An auditor recorded (or replaced) an attestation; `expiresAt` is 0 if it never expires.
    event VersionAttested(
        uint256 indexed versionId,
        address indexed auditor,
        Verdict verdict,
        bytes reportCid,
        uint48 expiresAt
    );
    /// @notice An auditor withdrew an attestation.
    event AttestationRevoked(uint256 indexed versionId, address indexed auditor);
    /// @notice Governance changed the number of approvals needed for activation.
    event RequiredApprovalsSet(uint256 oldRequiredApprovals, uint256 newRequiredApprovals);
    /// @notice Governance activated a version.
    event VersionActivated(uint256 indexed modelId, uint256 indexed versionId, uint256 previousVersionId);
    /// @notice A guardian suspended a version; `activeVersionId` is the model's active version afterwards
    /// (0 when the suspended version was the active one).
    event VersionSuspended(
        uint256 indexed modelId,
        uint256 indexed versionId,
        address indexed guardian,
        uint256 activeVersionId
    );
    /// @notice Governance lifted a suspension; `activeVersionId` is the model's active version afterwards
    /// (unchanged: reinstating never activates).
    event VersionReinstated(uint256 indexed modelId, uint256 indexed versionId, uint256 activeVersionId);
    /// @notice The submitter bound the zk verifier of `versionId`'s circuit.
    event VerifierBound(uint256 indexed versionId, address indexed verifier);
    /**
     * @notice The cached audit result of `versionId` (a version with a verifier) changed: audited until
     * `auditedUntil` (0: not audited) under audit epoch `auditEpoch` (see {activeVerifiedVersion}).
     */
    event AuditCacheUpdated(uint256 indexed versionId, uint48 auditedUntil, uint32 auditEpoch);
    /// @notice `aliasName` of `modelId` now points at `versionId` (`previousVersionId`: 0 for a new alias).
    event AliasSet(uint256 indexed modelId, string aliasName, uint256 indexed versionId, uint256 previousVersionId);
    /// @notice `aliasName` of `modelId` was removed; it pointed at `previousVersionId`.
    event AliasCleared(uint256 indexed modelId, string aliasName, uint256 previousVersionId);

    /**
     * @param admin Governance (the timelock): receives `DEFAULT_ADMIN_ROLE`, nobody else gets a role.
     * @param requiredApprovals_ Approvals a version needs before it can be activated (≥ 1).
     */
    constructor(address admin, uint256 requiredApprovals_) EIP712("ModelRegistry", "1") {
        if (admin == address(0)) revert ModelRegistryInvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setRequiredApprovals(requiredApprovals_);
    }

    // ------------------------------------------------------------------------------------------
    // Models
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Create a model (governance only). Names are unique.
     * @param name 1..64 bytes.
     * @param modelCardCid Binary CID of the model card.
     * @return modelId The new model's id (ids start at 1).
     */
    function createModel(
        string calldata name,
        bytes calldata modelCardCid
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 modelId) {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_LENGTH) revert ModelRegistryInvalidName(name);
        bytes32 nameHash = keccak256(bytes(name));
        uint256 existing = _modelIdByName[nameHash];
        if (existing != 0) revert ModelRegistryDuplicateName(name, existing);

        modelId = ++_modelCount; // ids stay far below 2^48: each costs a transaction
        _modelIdByName[nameHash] = modelId;
        Model storage m = _models[modelId];
        m.name = name;
        m.cardCid = modelCardCid;
        m.createdAt = uint48(block.timestamp);
        emit ModelCreated(modelId, name, modelCardCid);
    }

    /**
     * @notice The id of the model called `name`.
     * @dev Reverts with {ModelRegistryUnknownModelName} when there is none.
     */
    function modelIdOf(string calldata name) external view returns (uint256) {
        uint256 modelId = _modelIdByName[keccak256(bytes(name))];
        if (modelId == 0) revert ModelRegistryUnknownModelName(name);
        return modelId;
    }

    /**
     * @notice A model's name, card CID, active version id (0 if none, see {activeVersionId}) and
     * number of versions.
     */
    function model(
        uint256 modelId
    ) external view returns (string memory name, bytes memory cardCid, uint256 activeVersionId, uint256 versionCount) {
        Model storage m = _model(modelId);
        return (m.name, m.cardCid, _activeOf(m), m.versionCount);
    }

    /// @notice Number of models created (ids are 1..modelCount).
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    // ------------------------------------------------------------------------------------------
    // Versions
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Submit a version of `modelId` (anyone). The record never changes afterwards.
     * @dev Reverts on an unknown model or parent, an empty CID, an unknown import profile, or a
     * CID the caller already submitted for this model. Another submitter's record with the same
     * CID does not prevent the caller's: records are keyed by (model, submitter, CID).
     * @return versionId The new version's id (ids start at 1, shared across models).
     */
    function submitVersion(uint256 modelId, VersionInput calldata input) external returns (uint256 versionId) {
        Model storage m = _model(modelId);
        if (input.cid.length == 0) revert ModelRegistryEmptyCid();
        if (!isKnownImportProfile(input.importProfile)) revert ModelRegistryUnknownImportProfile(input.importProfile);
        if (input.parentVersionId != 0) _version(input.parentVersionId);
        bytes32 key = _versionKey(msg.sender, input.cid);
        uint256 existing = _versionIdByKey[modelId][key];
        if (existing != 0) revert ModelRegistryDuplicateVersion(modelId, existing);

        uint48 id48 = ++_versionCount; // ids stay far below 2^48: each costs a transaction
        versionId = id48;
        _versionIdByKey[modelId][key] = versionId;
        Version storage v = _versions[versionId];
        v.submitter = msg.sender;
        v.submittedAt = uint48(block.timestamp);
        v.modelId = uint48(modelId);
        v.parentVersionId = uint48(input.parentVersionId);
        v.previousOfModel = m.latestVersionId;
        v.submittedBlock = uint48(block.number);
        _storeCid(versionId, v, input.cid);
        v.manifestDigest = input.manifestDigest;
        v.detailsHash = versionDetailsHash(input.changelogCid, input.importProfile, input.datasetCids);
        if (input.arweaveTx != bytes32(0)) v.arweaveTx = input.arweaveTx;
        m.latestVersionId = id48;
        ++m.versionCount;
        _emitVersionSubmitted(modelId, versionId, input);
    }

    /**
     * @notice The commitment a version record keeps to the parts of its submission that live in
     * the {VersionSubmitted} event only: `keccak256(abi.encode(changelogCid, importProfile,
     * datasetCids))`. A reader of the event checks the event's fields against the record with it.
     */
    function versionDetailsHash(
        bytes calldata changelogCid,
        string calldata importProfile,
        bytes[] calldata datasetCids
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(changelogCid, importProfile, datasetCids));
    }

    /// @notice The full record of `versionId`.
    function version(uint256 versionId) external view returns (VersionRecord memory) {
        return _record(versionId, _version(versionId));
    }

    /// @notice The version of `modelId` that `submitter` submitted with binary CID `cid`, or 0 if none.
    function versionIdOf(uint256 modelId, address submitter, bytes calldata cid) external view returns (uint256) {
        return _versionIdByKey[modelId][_versionKey(submitter, cid)];
    }

    /**
     * @notice Whether a version may name `importProfile`: empty (not stated), or one of
     * `unixfs-v0-2015`, `kubo-cidv1`, `unixfs-v1-2025` (the profiles of `modelgov.cid.profiles`).
     */
    function isKnownImportProfile(string calldata importProfile) public pure returns (bool) {
        if (bytes(importProfile).length == 0) return true;
        bytes32 h = keccak256(bytes(importProfile));
        return h == _PROFILE_UNIXFS_V1_2025 || h == _PROFILE_KUBO_CIDV1 || h == _PROFILE_UNIXFS_V0_2015;
    }

    /// @notice Number of versions submitted (ids are 1..versionCount).
    function versionCount() external view returns (uint256) {
        return _versionCount;
    }

    /**
     * @notice A page of `modelId`'s versions, oldest first.
     * @param offset Index of the first version to return.
     * @param limit Maximum number of versions to return.
     * @return page The records.
     * @return total Number of versions the model has.
     */
    function versionsOf(
        uint256 modelId,
        uint256 offset,
        uint256 limit
    ) external view returns (VersionRecord[] memory page, uint256 total) {
        Model storage m = _model(modelId);
        total = m.versionCount;
        uint256 end = offset >= total ? offset : (total - offset > limit ? offset + limit : total);
        page = new VersionRecord[](end - offset);
        // Walk the model's list from its newest version back to the page (a view: reads only).
        uint256 versionId = m.latestVersionId;
        for (uint256 i = total; i > offset; --i) {
            Version storage v = _versions[versionId];
            if (i <= end) page[i - 1 - offset] = _record(versionId, v);
            versionId = v.previousOfModel;
        }
    }

    /// @inheritdoc IModelRegistry
    function versionOrigin(uint256 versionId) external view returns (uint256 modelId, address submitter) {
        Version storage v = _version(versionId);
        return (v.modelId, v.submitter);
    }

    // ------------------------------------------------------------------------------------------
    // Attestations
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Attest `versionId` (auditors only; not a version the caller submitted). Replaces the
     * caller's previous attestation and uses up the caller's nonce on `versionId`, so signatures
     * made before on this version can no longer be relayed over it. The attestation never expires.
     * @param verdict Approved or Rejected.
     * @param reportCid Binary CID of the audit report (1..56 bytes).
     */
    function attest(uint256 versionId, Verdict verdict, bytes calldata reportCid) external onlyRole(AUDITOR_ROLE) {
        _attest(msg.sender, versionId, verdict, reportCid, 0, true);
    }

    /**
     * @notice Same as {attest}, with an expiry: from `expiresAt` on (a unix time, 0 = never) the
     * attestation counts nowhere, as if withdrawn. Only approvals may expire.
     * @dev Reverts with {ModelRegistryInvalidExpiry} when `expiresAt` is not in the future or the
     * verdict is a rejection.
     */
    function attestWithExpiry(
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt
    ) external onlyRole(AUDITOR_ROLE) {
        _attest(msg.sender, versionId, verdict, reportCid, expiresAt, true);
    }

    /**
     * @notice Record an attestation signed by `auditor` (EIP-712, or ERC-1271 for contract
     * wallets); anyone may relay it. The attestation never expires (signed with `expiresAt` 0).
     * Each signature is usable once, in nonce order among the auditor's signatures on the same
     * version, until `deadline`. The auditor may not attest a version it submitted.
     * @param nonce The auditor's keyed nonce on `versionId` (see {ATTESTATION_TYPEHASH}).
     */
    function attestBySig(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _attestBySig(auditor, versionId, verdict, reportCid, 0, nonce, deadline, signature);
    }

    /// @notice Same as {attestBySig} for a signed attestation with an expiry (see {attestWithExpiry}).
    function attestWithExpiryBySig(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _attestBySig(auditor, versionId, verdict, reportCid, expiresAt, nonce, deadline, signature);
    }

    /// @notice The EIP-712 digest an auditor signs for {attestBySig} (an attestation without expiry).
    function attestationDigest(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _attestationDigest(auditor, versionId, verdict, reportCid, 0, nonce, deadline);
    }

    /// @notice The EIP-712 digest an auditor signs for {attestWithExpiryBySig}.
    function attestationWithExpiryDigest(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _attestationDigest(auditor, versionId, verdict, reportCid, expiresAt, nonce, deadline);
    }

    /**
     * @notice Withdraw the caller's live attestation on `versionId` (works after losing the
     * auditor role too). Uses up the caller's nonce on `versionId`: signatures made before on this
     * version are void.
     */
    function revokeAttestation(uint256 versionId) external {
        _version(versionId);
        StoredAttestation storage a = _attestations[versionId][msg.sender];
        if (a.verdict == Verdict.None) revert ModelRegistryNoAttestation(versionId, msg.sender);
        a.verdict = Verdict.None;
        _useNonce(msg.sender, uint192(versionId)); // outstanding signatures must not undo the withdrawal
        emit AttestationRevoked(versionId, msg.sender);
        _syncAudit(versionId, _versions[versionId]);
    }

    /// @notice Set the number of approvals a version needs before activation (governance only, ≥ 1).
    function setRequiredApprovals(uint256 requiredApprovals_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRequiredApprovals(requiredApprovals_);
    }

    /// @notice Approvals a version needs before it can be activated.
    function requiredApprovals() external view returns (uint256) {
        return _requiredApprovals;
    }

    /// @inheritdoc IModelRegistry
    function isAudited(uint256 versionId) public view returns (bool) {
        (uint256 approvals, uint256 rejections, ) = _tally(versionId, _version(versionId));
        return rejections == 0 && approvals >= _requiredApprovals;
    }

    /**
     * @notice Approvals, rejections and the list of counted attestations of `versionId`: live
     * ones (not withdrawn, not expired) whose auditor still holds `AUDITOR_ROLE`.
     */
    function auditStatus(uint256 versionId) external view returns (AuditStatus memory status) {
        Version storage v = _version(versionId);
        (status.approvals, status.rejections, ) = _tally(versionId, v);
        status.requiredApprovals = _requiredApprovals;
        status.audited = status.rejections == 0 && status.approvals >= _requiredApprovals;
        status.suspended = v.suspended;
        status.attestations = new Attestation[](status.approvals + status.rejections);
        uint256 n = 0;
        uint256 count = v.auditorCount;
        for (uint256 i = 0; i < count; ++i) {
            address auditor = _auditors[versionId][i];
            StoredAttestation storage a = _attestations[versionId][auditor];
            if (!_counts(auditor, a)) continue;
            status.attestations[n++] = Attestation(auditor, a.verdict, a.attestedAt, _unpackReport(a));
        }
    }

    /**
     * @notice `auditor`'s live attestation on `versionId` (verdict `None` if there is none), whether
     * or not it counts (see {auditStatus}): an expired one is still returned, see {attestationExpiry}.
     */
    function attestationOf(uint256 versionId, address auditor) external view returns (Attestation memory) {
        _version(versionId);
        StoredAttestation storage a = _attestations[versionId][auditor];
        if (a.verdict == Verdict.None) return Attestation(auditor, Verdict.None, 0, "");
        return Attestation(auditor, a.verdict, a.attestedAt, _unpackReport(a));
    }

    /**
     * @notice When `auditor`'s attestation on `versionId` expires (it counts while
     * `block.timestamp < expiresAt`); 0 if it never expires or there is no live attestation.
     */
    function attestationExpiry(uint256 versionId, address auditor) external view returns (uint48) {
        _version(versionId);
        StoredAttestation storage a = _attestations[versionId][auditor];
        return a.verdict != Verdict.None && a.expires ? a.expiresAt : 0;
    }

    // ------------------------------------------------------------------------------------------
    // Activation
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Make `versionId` the active version of `modelId` (governance only), replacing
     * `expectedActiveVersionId` (0: the model has no active version). It needs approvals ≥
     * {requiredApprovals}, no live rejection, and must not be suspended. The activation is appended
     * to the model's history.
     * @dev Reverts with {ModelRegistryUnexpectedActiveVersion} when the model's active version
     * ({activeVersionId}) is not `expectedActiveVersionId`: a queued activation built against
     * another state (e.g. before a newer version was activated) cannot execute.
     */
    function activateVersion(
        uint256 modelId,
        uint256 versionId,
        uint256 expectedActiveVersionId
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Model storage m = _model(modelId);
        Version storage v = _version(versionId);
        if (v.modelId != modelId) revert ModelRegistryVersionNotOfModel(versionId, modelId);
        if (v.suspended) revert ModelRegistryVersionSuspended(versionId);
        uint256 previous = _activeOf(m);
        if (previous == versionId) revert ModelRegistryAlreadyActive(versionId);
        if (previous != expectedActiveVersionId) {
            revert ModelRegistryUnexpectedActiveVersion(modelId, expectedActiveVersionId, previous);
        }
        (uint256 approvals, uint256 rejections, uint48 until) = _tally(versionId, v);
        if (rejections != 0 || approvals < _requiredApprovals) {
            revert ModelRegistryNotAudited(versionId, approvals, rejections, _requiredApprovals);
        }
        m.history.push(versionId);
        m.activeVersionId = uint48(versionId);
        emit VersionActivated(modelId, versionId, previous);
        _cacheAudit(versionId, until);
    }

    /**
     * @notice Suspend `versionId` in an emergency (guardians only). If it is its model's active
     * version, the model is left with NO active version until governance activates one: a guardian
     * can stop a version, never choose which one runs.
     */
    function suspendVersion(uint256 versionId) external onlyRole(GUARDIAN_ROLE) {
        Version storage v = _version(versionId);
        if (v.suspended) revert ModelRegistryVersionSuspended(versionId);
        v.suspended = true;
        uint256 modelId = v.modelId;
        Model storage m = _models[modelId];
        if (m.activeVersionId == versionId) m.activeVersionId = 0;
        emit VersionSuspended(modelId, versionId, msg.sender, _activeOf(m));
    }

    /**
     * @notice Lift the suspension of `versionId` (governance only). This never changes the active
     * version: making the version active again takes an {activateVersion}, which checks its audit.
     */
    function reinstateVersion(uint256 versionId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Version storage v = _version(versionId);
        if (!v.suspended) revert ModelRegistryVersionNotSuspended(versionId);
        v.suspended = false;
        uint256 modelId = v.modelId;
        emit VersionReinstated(modelId, versionId, _activeOf(_models[modelId]));
    }

    /**
     * @notice The active version id of `modelId`, 0 if none: the version governance last
     * activated, unless it was suspended since or is not audited now.
     */
    function activeVersionId(uint256 modelId) external view returns (uint256) {
        return _activeOf(_model(modelId));
    }

    /// @notice The full record of `modelId`'s active version (see {activeVersionId}); reverts if there is none.
    function activeVersion(uint256 modelId) external view returns (VersionRecord memory) {
        uint256 versionId = _activeOf(_model(modelId));
        if (versionId == 0) revert ModelRegistryNoActiveVersion(modelId);
        return _record(versionId, _versions[versionId]);
    }

    /// @notice Every activation of `modelId`, oldest first (a version may appear more than once).
    function activationHistory(uint256 modelId) external view returns (uint256[] memory) {
        return _model(modelId).history;
    }

    /**
     * @notice Bind the zk verifier of `versionId`'s circuit (`verifyProof(bytes,uint256[])`).
     * Only the version's submitter, once, and only before any auditor attested the version.
     */
    function bindVerifier(uint256 versionId, address verifier) external {
        Version storage v = _version(versionId);
        if (v.submitter != msg.sender) revert ModelRegistryNotSubmitter(versionId, msg.sender, v.submitter);
        Binding storage b = _bindings[versionId];
        address bound = b.verifier;
        if (bound != address(0)) revert ModelRegistryVerifierAlreadyBound(versionId, bound);
        if (v.auditorCount != 0) revert ModelRegistryAlreadyAttested(versionId);
        if (verifier.code.length == 0) revert ModelRegistryInvalidVerifier(verifier);
        b.verifier = verifier;
        emit VerifierBound(versionId, verifier);
    }

    /// @inheritdoc IVerifiedModels
    function verifierOf(uint256 versionId) external view returns (address) {
        _version(versionId);
        return _bindings[versionId].verifier;
    }

    /// @notice The verifier of `modelId`'s active version (zero if it has none); reverts if the model has no active version.
    function activeVerifier(uint256 modelId) external view returns (address) {
        uint256 versionId = _activeOf(_model(modelId));
        if (versionId == 0) revert ModelRegistryNoActiveVersion(modelId);
        return _bindings[versionId].verifier;
    }

    /// @inheritdoc IVerifiedModels
    function activeVerifiedVersion(uint256 modelId) external view returns (uint256 versionId, address verifier) {
        Model storage m = _model(modelId);
        versionId = m.activeVersionId;
        if (versionId == 0) return (0, address(0));
        Binding storage b = _bindings[versionId];
        verifier = b.verifier;
        // the cached audit (see {Binding}): three slots instead of the tally's reads per auditor
        if (b.auditEpoch == _auditEpoch && block.timestamp < b.auditedUntil) return (versionId, verifier);
        if (_activeOf(m) == 0) return (0, address(0));
    }

    /**
     * @notice Recompute the cached audit result of `versionId` (anyone may call; it only reads the
     * attestations): after the auditors or {requiredApprovals} changed, this makes
     * {activeVerifiedVersion} cheap again for the version. Emits {AuditCacheUpdated} when the
     * cached result changes. A version without a verifier has nothing cached.
     */
    function syncAudit(uint256 versionId) external {
        _syncAudit(versionId, _version(versionId));
    }

    /// @notice Whether `versionId` is suspended.
    function isSuspended(uint256 versionId) external view returns (bool) {
        return _version(versionId).suspended;
    }

    // ------------------------------------------------------------------------------------------
    // Aliases
    // ------------------------------------------------------------------------------------------

    /**
     * @notice Point `aliasName` of `modelId` at `versionId` (governance or `ALIAS_MANAGER_ROLE`),
     * creating the alias or moving it. The version must belong to the model and must not be
     * suspended. An alias is a label for tooling (MLflow-style "champion", "staging"): it never
     * activates anything and needs no audit.
     * @param aliasName 1..{MAX_NAME_LENGTH} bytes, like a model name.
     */
    function setAlias(uint256 modelId, string calldata aliasName, uint256 versionId) external {
        _checkAliasManager();
        _model(modelId);
        uint256 length = bytes(aliasName).length;
        if (length == 0 || length > MAX_NAME_LENGTH) revert ModelRegistryInvalidAlias(aliasName);
        Version storage v = _version(versionId);
        if (v.modelId != modelId) revert ModelRegistryVersionNotOfModel(versionId, modelId);
        if (v.suspended) revert ModelRegistryVersionSuspended(versionId);

        uint256 previous = _aliasNames[modelId].add(aliasName) ? 0 : _aliasTargets[modelId][aliasName];
        _aliasTargets[modelId][aliasName] = versionId;
        emit AliasSet(modelId, aliasName, versionId, previous);
    }

    /// @notice Remove `aliasName` of `modelId` (governance or `ALIAS_MANAGER_ROLE`).
    function clearAlias(uint256 modelId, string calldata aliasName) external {
        _checkAliasManager();
        _model(modelId);
        if (!_aliasNames[modelId].remove(aliasName)) revert ModelRegistryUnknownAlias(modelId, aliasName);
        uint256 previous = _aliasTargets[modelId][aliasName];
        delete _aliasTargets[modelId][aliasName];
        emit AliasCleared(modelId, aliasName, previous);
    }

    /**
     * @notice The version `aliasName` of `modelId` points at; 0 if there is no such alias or while
     * that version is suspended (the pointer itself is kept: reinstating the version restores it).
     */
    function aliasOf(uint256 modelId, string calldata aliasName) external view returns (uint256) {
        _model(modelId);
        uint256 versionId = _aliasTargets[modelId][aliasName];
        return versionId == 0 || _versions[versionId].suspended ? 0 : versionId;
    }

    /// @notice The alias names of `modelId`, in no particular order.
    function aliasesOf(uint256 modelId) external view returns (string[] memory) {
        _model(modelId);
        return _aliasNames[modelId].values();
    }

    /**
     * @notice ERC-165: true for {IModelRegistry}, {IVerifiedModels} and what {AccessControl}
     * supports.
     */
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return
            interfaceId == type(IModelRegistry).interfaceId ||
            interfaceId == type(IVerifiedModels).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev Governance or an alias manager; reverts naming `ALIAS_MANAGER_ROLE` otherwise.
    function _checkAliasManager() private view {
        if (!hasRole(ALIAS_MANAGER_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, ALIAS_MANAGER_ROLE);
        }
    }

    /// @dev Checks and records an attestation; `direct` uses up the auditor's nonce on the version.
    function _attest(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt,
        bool direct
    ) private {
        Version storage v = _version(versionId);
        if (verdict == Verdict.None) revert ModelRegistryInvalidVerdict();
        uint256 length = reportCid.length;
        if (length == 0 || length > MAX_REPORT_CID_LENGTH) revert ModelRegistryInvalidReportCid(length);
        if (expiresAt != 0 && (verdict != Verdict.Approved || expiresAt <= block.timestamp)) {
            revert ModelRegistryInvalidExpiry(verdict, expiresAt);
        }
        if (v.submitter == auditor) revert ModelRegistrySelfAttestation(versionId, auditor);

        if (direct) _useNonce(auditor, uint192(versionId)); // versionId < 2**64: a known version
        StoredAttestation storage a = _attestations[versionId][auditor];
        if (a.attestedAt == 0) _auditors[versionId][v.auditorCount++] = auditor;

        a.verdict = verdict;
        a.attestedAt = uint40(block.timestamp);
        a.expires = expiresAt != 0;
        a.reportLength = uint8(length);
        a.reportHead = bytes24(reportCid);
        if (length > 24) a.reportTail = bytes32(reportCid[24:]);
        if (expiresAt != 0) a.expiresAt = expiresAt;
        emit VersionAttested(versionId, auditor, verdict, reportCid, expiresAt);
        _syncAudit(versionId, v);
    }

    function _attestBySig(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert ModelRegistryExpiredSignature(deadline);
        _checkRole(AUDITOR_ROLE, auditor);
        if (nonce >> 64 != versionId) revert ModelRegistryInvalidNonceKey(versionId, nonce);
        _useCheckedNonce(auditor, nonce);
        bytes32 digest = _attestationDigest(auditor, versionId, verdict, reportCid, expiresAt, nonce, deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(auditor, digest, signature)) {
            revert ModelRegistryInvalidSignature(auditor);
        }
        _attest(auditor, versionId, verdict, reportCid, expiresAt, false);
    }

    /// @dev Whether an attestation counts now: live, not expired, and its auditor still an auditor.
    function _counts(address auditor, StoredAttestation storage a) private view returns (bool) {
        if (a.verdict == Verdict.None) return false;
        if (a.expires && block.timestamp >= a.expiresAt) return false;
        return hasRole(AUDITOR_ROLE, auditor);
    }

    /**
     * @dev Live attestations of current auditors, by verdict, and `until`: the earliest expiry of a
     * counted approval (`type(uint48).max` when none expires), when the tally can next change by itself.
     */
    function _tally(
        uint256 versionId,
        Version storage v
    ) private view returns (uint256 approvals, uint256 rejections, uint48 until) {
        until = type(uint48).max;
        uint256 count = v.auditorCount;
        for (uint256 i = 0; i < count; ++i) {
            address auditor = _auditors[versionId][i];
            StoredAttestation storage a = _attestations[versionId][auditor];
            if (!_counts(auditor, a)) continue;
            if (a.verdict == Verdict.Approved) {
                ++approvals;
                if (a.expires && a.expiresAt < until) until = a.expiresAt;
            } else {
                ++rejections;
            }
        }
    }

    /// @dev Recompute `versionId`'s cached audit result (see {Binding}); nothing for a version without a verifier.
    function _syncAudit(uint256 versionId, Version storage v) private {
        if (_bindings[versionId].verifier == address(0)) return;
        (uint256 approvals, uint256 rejections, uint48 until) = _tally(versionId, v);
        _cacheAudit(versionId, rejections == 0 && approvals >= _requiredApprovals ? until : 0);
    }

    /// @dev Cache `versionId` as audited until `until` (0: not audited) under the current epoch, if it has a verifier.
    function _cacheAudit(uint256 versionId, uint48 until) private {
        Binding storage b = _bindings[versionId];
        if (b.verifier == address(0)) return;
        uint32 epoch = _auditEpoch;
        if (b.auditedUntil == until && b.auditEpoch == epoch) return;
        b.auditedUntil = until;
        b.auditEpoch = epoch;
        emit AuditCacheUpdated(versionId, until, epoch);
    }

    /// @dev Every cached audit result is void from now on (the auditors or the required approvals changed).
    function _voidAuditCache() private {
        unchecked {
            ++_auditEpoch; // wrapping would need 2^32 role changes, each a governance action
        }
    }

    /// @dev Granting `AUDITOR_ROLE` can make attestations count again: voids the audit cache.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == AUDITOR_ROLE) _voidAuditCache();
    }

    /// @dev Revoking (or renouncing) `AUDITOR_ROLE` stops attestations counting: voids the audit cache.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == AUDITOR_ROLE) _voidAuditCache();
    }

    function _attestationDigest(
        address auditor,
        uint256 versionId,
        Verdict verdict,
        bytes calldata reportCid,
        uint48 expiresAt,
        uint256 nonce,
        uint256 deadline
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ATTESTATION_TYPEHASH,
                        auditor,
                        versionId,
                        verdict,
                        keccak256(reportCid),
                        expiresAt,
                        nonce,
                        deadline
                    )
                )
            );
    }

    function _emitVersionSubmitted(uint256 modelId, uint256 versionId, VersionInput calldata input) private {
        emit VersionSubmitted(
            modelId,
            versionId,
            msg.sender,
            input.cid,
            input.parentVersionId,
            input.arweaveTx,
            input.manifestDigest,
            input.changelogCid,
            input.importProfile,
            input.datasetCids
        );
    }

    function _unpackReport(StoredAttestation storage a) private view returns (bytes memory out) {
        uint256 length = a.reportLength;
        bytes24 head = a.reportHead;
        bytes32 tail = length > 24 ? a.reportTail : bytes32(0);
        // Both parts are zero-padded: write them into a 56-byte buffer, then shorten it.
        out = new bytes(MAX_REPORT_CID_LENGTH);
        assembly ("memory-safe") {
            mstore(add(out, 32), head)
            mstore(add(out, 56), tail)
            mstore(out, length)
        }
    }

    /**
     * @dev The active version: the last activation (cleared when suspended), if it is audited now;
     * else 0. The audit is read live, so a lapsed audit deactivates without any transaction.
     */
    function _activeOf(Model storage m) private view returns (uint256 versionId) {
        versionId = m.activeVersionId;
        if (versionId == 0) return 0;
        (uint256 approvals, uint256 rejections, ) = _tally(versionId, _versions[versionId]);
        if (rejections != 0 || approvals < _requiredApprovals) return 0;
    }

    /// @dev Key of a version record: its submitter and CID (within a model).
    function _versionKey(address submitter, bytes calldata cid) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(submitter, cid));
    }

    function _setRequiredApprovals(uint256 value) private {
        if (value == 0 || value > type(uint16).max) revert ModelRegistryInvalidRequiredApprovals(value);
        uint256 old = _requiredApprovals;
        _requiredApprovals = uint16(value);
        _voidAuditCache();
        emit RequiredApprovalsSet(old, value);
    }

    function _model(uint256 modelId) private view returns (Model storage m) {
        if (modelId == 0 || modelId > _modelCount) revert ModelRegistryUnknownModel(modelId);
        return _models[modelId];
    }

    function _version(uint256 versionId) private view returns (Version storage v) {
        v = _versions[versionId];
        if (v.submitter == address(0)) revert ModelRegistryUnknownVersion(versionId);
    }

    /// @dev Store `cid` compactly: its last 32 bytes in one slot, up to 7 bytes before them in the header.
    function _storeCid(uint256 versionId, Version storage v, bytes calldata cid) private {
        uint256 length = cid.length;
        if (length < 32 || length > 39) {
            v.cidHeadLength = _LONG_CID;
            _longCids[versionId] = cid;
            return;
        }
        uint256 headLength = length - 32;
        v.cidHeadLength = uint8(headLength);
        v.cidHead = bytes7(cid[:headLength]);
        v.cidTail = bytes32(cid[headLength:]);
    }

    function _cid(uint256 versionId, Version storage v) private view returns (bytes memory cid) {
        uint256 headLength = v.cidHeadLength;
        if (headLength == _LONG_CID) return _longCids[versionId];
        bytes7 head = v.cidHead;
        bytes32 tail = v.cidTail;
        cid = new bytes(headLength + 32);
        assembly ("memory-safe") {
            mstore(add(cid, 32), head)
            mstore(add(add(cid, 32), headLength), tail)
        }
    }

    function _record(uint256 versionId, Version storage v) private view returns (VersionRecord memory) {
        return
            VersionRecord({
                versionId: versionId,
                modelId: v.modelId,
                cid: _cid(versionId, v),
                arweaveTx: v.arweaveTx,
                manifestDigest: v.manifestDigest,
                parentVersionId: v.parentVersionId,
                submitter: v.submitter,
                submittedAt: v.submittedAt,
                submittedBlock: v.submittedBlock,
                detailsHash: v.detailsHash
            });
    }
}
