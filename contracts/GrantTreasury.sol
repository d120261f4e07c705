// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/**
 * @title GrantTreasury
 * @notice Holds ERC-20 tokens for the DAO and pays training grants milestone by milestone, each
 * release tied to a model version that the grantee submitted to the registry and that auditors
 * approved.
 *
 * Roles:
 * - `DEFAULT_ADMIN_ROLE` ("governance", the timelock): grants/revokes stewards, sets their
 *   allowances, keeps the token allowlist, creates grants of any size, reviews any grant's
 *   milestones, cancels any grant, withdraws free funds.
 * - `STEWARD_ROLE`: creates grants within a per-token allowance per period (no vote), never to
 *   itself; approves or rejects the submitted milestones of the grants it created (while it holds
 *   the role); cancels the grants it created. Milestones of governance's grants are reviewed by
 *   governance only.
 *
 * Tokens: deposits, withdrawals and new grants are limited to the tokens governance allowed
 * ({setTokenAllowed}), so a token reachable at two addresses (a proxy and its legacy entry point)
 * cannot be withdrawn or granted again through the address the commitments are not booked under,
 * as long as governance allows one address per token. Grants already made keep paying out if
 * their token is removed from the list.
 *
 * Reviews: a rejection always leaves the grantee at least {RESUBMISSION_WINDOW} to resubmit: when
 * less is left before the deadline, the deadline moves to `now + RESUBMISSION_WINDOW`.
 *
 * Accounting (per token): `committed` is the sum of every milestone amount that is neither
 * released, reclaimed nor cancelled. A grant is only created if `committed + total` stays within
 * the treasury's balance, so committed funds are always held. Holdings are always measured with
 * `balanceOf(this)`, never with a counter: a fee-on-transfer token is credited with what actually
 * arrived ({deposit} reports it). Every payout checks that the treasury's balance dropped by
 * exactly the amount sent (else {GrantTreasuryTransferMismatch}); with a fee-on-transfer token the
 * grantee receives the amount minus the token's fee. Rebasing tokens whose balance can shrink are
 * not supported.
 *
 * Steward allowances follow Safe's allowance module: `amount` per `period` seconds, `spent` in the
 * current period, and `lastReset`; periods are aligned on `lastReset` (a late spender does not
 * shift them). `period == 0` is a one-time allowance. Spending is counted when a grant is created
 * and is not refunded when the grant is cancelled.
 *
 * Milestones name the model they must deliver, or {NO_MODEL} (`type(uint256).max`) for none.
 */
contract GrantTreasury is AccessControlEnumerable, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role of accounts that create small grants and review milestones.
    bytes32 public constant STEWARD_ROLE = keccak256("STEWARD_ROLE");

    /// @notice `modelId` of a milestone that does not require a particular model.
    uint256 public constant NO_MODEL = type(uint256).max;

    /// @notice Most milestones a grant may have (bounds the loop in {cancelGrant}).
    uint256 public constant MAX_MILESTONES = 20;

    /// @notice Time a grantee always has to resubmit after a rejection (the deadline moves if needed).
    uint64 public constant RESUBMISSION_WINDOW = 7 days;

    /// @notice Life cycle of a milestone.
    enum MilestoneStatus {
        Pending, // waiting for a submission (again, after a rejection)
        Submitted, // a version was submitted; waiting for review
        Released, // approved and paid
        Reclaimed, // deadline passed without delivery; commitment returned to free funds
        Cancelled // the grant was cancelled before this milestone was paid
    }

    /// @notice A milestone as given to {createGrant}.
    struct MilestoneInput {
        uint256 amount; // paid on approval, in the token's smallest unit (1 .. 2^128-1)
        bytes descriptionCid; // binary CID of the milestone description
        uint64 deadline; // unix time; submissions after it are refused, then it can be reclaimed
        uint256 modelId; // the registry model the version must belong to, or NO_MODEL
    }

    /// @notice A stored milestone.
    struct Milestone {
        uint128 amount; // amount, deadline and status share one storage slot
        uint64 deadline;
        MilestoneStatus status;
        uint256 modelId;
        uint256 versionId; // submitted version (kept after release; 0 when none)
        bytes descriptionCid;
    }

    /// @notice A grant as returned by {getGrant}.
    struct GrantInfo {
        address grantee;
        address token;
        address creator; // a steward, or the governance account
        bool cancelled;
        uint256 total; // sum of milestone amounts
        uint256 released; // paid to the grantee
        uint256 returned; // reclaimed or cancelled, back to free funds
        uint256 milestoneCount;
    }

    /// @notice A steward's allowance for one token (Safe allowance-module style).
    struct Allowance {
        uint256 amount; // per period
        uint256 spent; // in the period that started at lastReset
        uint64 period; // seconds; 0 = one-time allowance
        uint64 lastReset; // start of the current period
    }

    struct Grant {
        address grantee;
        address token;
        address creator;
        bool cancelled;
        uint256 total;
        uint256 released;
        uint256 returned;
        Milestone[] milestones;
    }

    /// @notice The registry whose versions and audits milestones are checked against.
    IModelRegistry public immutable registry;

    uint256 private _grantCount;
    mapping(uint256 grantId => Grant) private _grants;
    mapping(address token => uint256) private _committed;
    mapping(address steward => mapping(address token => Allowance)) private _allowances;
    EnumerableSet.AddressSet private _tokens;
    mapping(address token => bool) private _allowedTokens;

    // ------------------------------------------------------------------------------- events
    /// @notice `received` of `token` arrived from `from` (`amount` was requested).
    event Deposited(address indexed token, address indexed from, uint256 amount, uint256 received);
    /// @notice Governance withdrew free (uncommitted) funds.
    event Withdrawn(address indexed token, address indexed to, uint256 amount);
    /// @notice `token` was seen for the first time (deposit, allowance, grant or allowlist) and joined {tokens}.
    event TokenListed(address indexed token);
    /// @notice Governance allowed (or stopped allowing) `token` for deposits, withdrawals and new grants.
    event TokenAllowlisted(address indexed token, bool allowed);
    /// @notice Governance set a steward's allowance for `token`.
    event StewardAllowanceSet(
        address indexed steward,
        address indexed token,
        uint256 amount,
        uint64 period,
        uint64 lastReset
    );
    /// @notice A steward spent `amount` of its allowance; `spentInPeriod` includes it.
    event StewardAllowanceSpent(
        address indexed steward,
        address indexed token,
        uint256 amount,
        uint256 spentInPeriod
    );
    /// @notice A grant was created and its `total` committed.
    event GrantCreated(
        uint256 indexed grantId,
        address indexed grantee,
        address indexed token,
        address creator,
        uint256 total,
        uint256 milestoneCount
    );
    /// @notice The grantee submitted `versionId` for a milestone.
    event MilestoneSubmitted(uint256 indexed grantId, uint256 indexed index, uint256 indexed versionId);
    /// @notice A milestone was approved and `amount` paid to the grantee.
    event MilestoneReleased(
        uint256 indexed grantId,
        uint256 indexed index,
        uint256 indexed versionId,
        address approver,
        uint256 amount
    );
    /// @notice A submission was rejected; the grantee may submit again before the deadline.
    event MilestoneRejected(
        uint256 indexed grantId,
        uint256 indexed index,
        uint256 indexed versionId,
        address reviewer,
        bytes reasonCid
    );
    /// @notice A rejection moved a milestone's deadline to `deadline` (the resubmission window).
    event MilestoneDeadlineExtended(uint256 indexed grantId, uint256 indexed index, uint64 deadline);
    /// @notice A milestone's commitment was returned to free funds after its deadline.
    event MilestoneReclaimed(uint256 indexed grantId, uint256 indexed index, address by, uint256 amount);
    /// @notice A grant was cancelled; `returned` went back to free funds.
    event GrantCancelled(uint256 indexed grantId, address indexed by, uint256 returned);

    // ------------------------------------------------------------------------------- errors
    /// @notice An address argument (token, grantee, recipient, steward or admin) is zero.
    error GrantTreasuryZeroAddress();
    /// @notice `registry` has no code.
    error GrantTreasuryInvalidRegistry(address registry);
    /// @notice The amount is zero.
    error GrantTreasuryZeroAmount();
    /// @notice A grant needs at least one milestone.
    error GrantTreasuryNoMilestones();
    /// @notice A grant has `count` milestones, more than `max`.
    error GrantTreasuryTooManyMilestones(uint256 count, uint256 max);
    /// @notice Milestone `index`'s amount is zero or does not fit 128 bits.
    error GrantTreasuryMilestoneAmountInvalid(uint256 index, uint256 amount);
    /// @notice Milestone `index`'s description CID (or a rejection's reason CID) is empty.
    error GrantTreasuryMilestoneCidEmpty(uint256 index);
    /// @notice Milestone `index`'s deadline is not in the future.
    error GrantTreasuryMilestoneDeadlineInPast(uint256 index, uint64 deadline);
    /// @notice Only `free` of `token` is uncommitted; `needed` was asked for.
    error GrantTreasuryInsufficientFreeBalance(address token, uint256 free, uint256 needed);
    /// @notice `steward` has `remaining` of its `token` allowance left; `needed` was asked for.
    error GrantTreasuryAllowanceExceeded(address steward, address token, uint256 remaining, uint256 needed);
    /// @notice An allowance's `resetBase` is in the future.
    error GrantTreasuryInvalidResetBase(uint64 resetBase);
    /// @notice `grantId` does not exist.
    error GrantTreasuryUnknownGrant(uint256 grantId);
    /// @notice Grant `grantId` has no milestone `index`.
    error GrantTreasuryUnknownMilestone(uint256 grantId, uint256 index);
    /// @notice Grant `grantId` was cancelled.
    error GrantTreasuryGrantNotActive(uint256 grantId);
    /// @notice `account` is not the grantee of `grantId`.
    error GrantTreasuryNotGrantee(uint256 grantId, address account);
    /// @notice The milestone is not pending (it is `status`).
    error GrantTreasuryMilestoneNotPending(uint256 grantId, uint256 index, MilestoneStatus status);
    /// @notice The milestone is not submitted (it is `status`).
    error GrantTreasuryMilestoneNotSubmitted(uint256 grantId, uint256 index, MilestoneStatus status);
    /// @notice The milestone's deadline passed.
    error GrantTreasuryDeadlinePassed(uint256 grantId, uint256 index, uint64 deadline);
    /// @notice The milestone's deadline has not passed yet.
    error GrantTreasuryDeadlineNotPassed(uint256 grantId, uint256 index, uint64 deadline);
    /// @notice The registry does not know `versionId`.
    error GrantTreasuryUnknownVersion(uint256 versionId);
    /// @notice `versionId` was submitted by `submitter`, not by the grantee.
    error GrantTreasuryVersionNotFromGrantee(uint256 versionId, address submitter);
    /// @notice `versionId` belongs to `modelId`, not to the milestone's `expectedModelId`.
    error GrantTreasuryWrongModel(uint256 versionId, uint256 expectedModelId, uint256 modelId);
    /// @notice `versionId` is not audited in the registry now.
    error GrantTreasuryVersionNotAudited(uint256 versionId);
    /// @notice `account` is the grantee of `grantId` and may not approve its own milestone.
    error GrantTreasurySelfApproval(uint256 grantId, address account);
    /// @notice A steward (`account`) may not create a grant to itself.
    error GrantTreasurySelfGrant(address account);
    /// @notice `account` may not cancel `grantId` (neither governance nor its creating steward).
    error GrantTreasuryUnauthorizedCanceller(uint256 grantId, address account);
    /// @notice `account` may not review `grantId`'s milestones (neither governance nor its creating steward).
    error GrantTreasuryUnauthorizedReviewer(uint256 grantId, address account);
    /// @notice `token` is not on governance's allowlist.
    error GrantTreasuryTokenNotAllowed(address token);
    /// @notice The treasury's balance of `token` dropped by `actual` instead of `expected`.
    error GrantTreasuryTransferMismatch(address token, uint256 expected, uint256 actual);

    /**
     * @param admin The governance account (the timelock): the only holder of `DEFAULT_ADMIN_ROLE`.
     * @param registry_ The model registry (must be a contract).
     */
    constructor(address admin, address registry_) {
        if (admin == address(0)) revert GrantTreasuryZeroAddress();
        if (registry_.code.length == 0) revert GrantTreasuryInvalidRegistry(registry_);
        registry = IModelRegistry(registry_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------- funds
    /**
     * @notice Pull `amount` of an allowed `token` from the caller (who approved it) into the treasury.
     * @dev Anyone may deposit. Tokens sent with a plain transfer count as well (holdings are
     * `balanceOf`); this function additionally records the token for {tokens} and reports what
     * actually arrived, which is less than `amount` for a fee-on-transfer token.
     * @return received The increase of the treasury's balance.
     */
    function deposit(address token, uint256 amount) external nonReentrant returns (uint256 received) {
        if (token == address(0)) revert GrantTreasuryZeroAddress();
        if (amount == 0) revert GrantTreasuryZeroAmount();
        _checkAllowedToken(token);
        uint256 before = _balance(token);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        received = _balance(token) - before;
        emit Deposited(token, msg.sender, amount, received);
    }

    /**
     * @notice Governance: send `amount` of free (uncommitted) allowed `token` to `to`.
     */
    function withdraw(
        address token,
        address to,
        uint256 amount
    ) external nonReentrant onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0) || to == address(0)) revert GrantTreasuryZeroAddress();
        if (amount == 0) revert GrantTreasuryZeroAmount();
        _checkAllowedToken(token);
        uint256 free = freeBalance(token);
        if (amount > free) revert GrantTreasuryInsufficientFreeBalance(token, free, amount);
        emit Withdrawn(token, to, amount);
        _pay(token, to, amount);
    }

    /**
     * @notice Governance: allow (or stop allowing) `token` for deposits, withdrawals and new grants.
     * @dev Allow one address per token: a token reachable at two addresses must be allowed under one
     * of them only, or commitments booked under one address could be withdrawn through the other.
     * Removing a token does not stop payouts of grants already made in it.
     */
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert GrantTreasuryZeroAddress();
        _allowedTokens[token] = allowed;
        if (allowed) _listToken(token);
        emit TokenAllowlisted(token, allowed);
    }

    /// @notice Whether governance allows `token` for deposits, withdrawals and new grants.
    function isTokenAllowed(address token) external view returns (bool) {
        return _allowedTokens[token];
    }

    // ------------------------------------------------------------------------------- stewards
    /**
     * @notice Governance: set `steward`'s allowance for `token` to `amount` every `period` seconds.
     * @dev Like Safe's allowance module, the amount spent in the current period is kept. With
     * `resetBase > 0` (not in the future) the periods are aligned on it; otherwise the first
     * period starts now. `period == 0` makes a one-time allowance. The steward also needs
     * `STEWARD_ROLE` (granted separately with {grantRole}); `amount == 0` removes the allowance.
     */
    function setStewardAllowance(
        address steward,
        address token,
        uint256 amount,
        uint64 period,
        uint64 resetBase
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (steward == address(0) || token == address(0)) revert GrantTreasuryZeroAddress();
        uint64 now_ = uint64(block.timestamp);
        if (resetBase > now_) revert GrantTreasuryInvalidResetBase(resetBase);
        Allowance storage a = _allowances[steward][token];
        a.amount = amount;
        a.period = period;
        if (resetBase > 0 && period > 0) {
            a.lastReset = _periodStart(resetBase, period, now_);
        } else if (a.lastReset == 0) {
            a.lastReset = now_;
        }
        _listToken(token);
        emit StewardAllowanceSet(steward, token, amount, period, a.lastReset);
    }

    /**
     * @notice `steward`'s allowance for `token` as of now (a period that has elapsed reads as reset).
     * @return amount Allowed per period.
     * @return spent Spent in the current period.
     * @return remaining `amount - spent` (0 if the amount was lowered below `spent`).
     * @return period Period length in seconds (0: one-time).
     * @return lastReset Start of the current period.
     * @return nextReset When the next period starts (0 for a one-time allowance).
     */
    function stewardAllowance(
        address steward,
        address token
    )
        external
        view
        returns (uint256 amount, uint256 spent, uint256 remaining, uint64 period, uint64 lastReset, uint256 nextReset)
    {
        Allowance memory a = _currentAllowance(steward, token);
        remaining = a.spent >= a.amount ? 0 : a.amount - a.spent;
        nextReset = a.period > 0 ? uint256(a.lastReset) + a.period : 0;
        return (a.amount, a.spent, remaining, a.period, a.lastReset, nextReset);
    }

    // ------------------------------------------------------------------------------- grants
    /**
     * @notice Create a grant to `grantee` paid in an allowed `token`, committing the sum of `milestones`.
     * @dev Governance may create any grant; a steward only within its allowance for `token`
     * (spent at creation) and not to itself. Reverts if the total is not covered by the free balance.
     * @return grantId The new grant's id (ids start at 1).
     */
    function createGrant(
        address grantee,
        address token,
        MilestoneInput[] calldata milestones
    ) external returns (uint256 grantId) {
        bool isGovernance = hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!isGovernance) _checkRole(STEWARD_ROLE);
        if (grantee == address(0) || token == address(0)) revert GrantTreasuryZeroAddress();
        if (!isGovernance && grantee == msg.sender) revert GrantTreasurySelfGrant(msg.sender);
        _checkAllowedToken(token);
        uint256 count = milestones.length;
        if (count == 0) revert GrantTreasuryNoMilestones();
        if (count > MAX_MILESTONES) revert GrantTreasuryTooManyMilestones(count, MAX_MILESTONES);

        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            MilestoneInput calldata m = milestones[i];
            if (m.amount == 0 || m.amount > type(uint128).max) revert GrantTreasuryMilestoneAmountInvalid(i, m.amount);
            if (m.descriptionCid.length == 0) revert GrantTreasuryMilestoneCidEmpty(i);
            if (m.deadline <= block.timestamp) revert GrantTreasuryMilestoneDeadlineInPast(i, m.deadline);
            total += m.amount;
        }

        uint256 free = freeBalance(token);
        if (total > free) revert GrantTreasuryInsufficientFreeBalance(token, free, total);
        if (!isGovernance) _spendAllowance(msg.sender, token, total);

        grantId = ++_grantCount;
        Grant storage g = _grants[grantId];
        g.grantee = grantee;
        g.token = token;
        g.creator = msg.sender;
        g.total = total;
        for (uint256 i = 0; i < count; ++i) {
            MilestoneInput calldata m = milestones[i];
            g.milestones.push(
                Milestone({
                    amount: uint128(m.amount), // checked against uint128 in the first loop
                    deadline: m.deadline,
                    status: MilestoneStatus.Pending,
                    modelId: m.modelId,
                    versionId: 0,
                    descriptionCid: m.descriptionCid
                })
            );
        }
        _committed[token] += total;
        emit GrantCreated(grantId, grantee, token, msg.sender, total, count);
    }

    /**
     * @notice Grantee: submit registry version `versionId` as the delivery of milestone `index`.
     * @dev The version must have been submitted to the registry by the grantee and, when the
     * milestone names a model, belong to it. Allowed until the milestone's deadline (inclusive),
     * while the milestone is pending (first time, or again after a rejection).
     */
    function submitMilestone(uint256 grantId, uint256 index, uint256 versionId) external {
        Grant storage g = _activeGrant(grantId);
        if (msg.sender != g.grantee) revert GrantTreasuryNotGrantee(grantId, msg.sender);
        Milestone storage m = _milestone(g, grantId, index);
        if (m.status != MilestoneStatus.Pending) revert GrantTreasuryMilestoneNotPending(grantId, index, m.status);
        if (block.timestamp > m.deadline) revert GrantTreasuryDeadlinePassed(grantId, index, m.deadline);

        (uint256 modelId, address submitter) = _versionOrigin(versionId);
        if (submitter != g.grantee) revert GrantTreasuryVersionNotFromGrantee(versionId, submitter);
        if (m.modelId != NO_MODEL && modelId != m.modelId) {
            revert GrantTreasuryWrongModel(versionId, m.modelId, modelId);
        }

        m.status = MilestoneStatus.Submitted;
        m.versionId = versionId;
        emit MilestoneSubmitted(grantId, index, versionId);
    }

    /**
     * @notice The grant's reviewer (governance, or the steward that created it): approve a
     * submitted milestone and pay its amount to the grantee. Only if the submitted version is
     * audited in the registry now.
     * @dev The grantee may not approve its own milestone, even as a steward.
     */
    function approveMilestone(uint256 grantId, uint256 index) external nonReentrant {
        Grant storage g = _activeGrant(grantId);
        _checkReviewer(g, grantId);
        if (msg.sender == g.grantee) revert GrantTreasurySelfApproval(grantId, msg.sender);
        Milestone storage m = _milestone(g, grantId, index);
        if (m.status != MilestoneStatus.Submitted) revert GrantTreasuryMilestoneNotSubmitted(grantId, index, m.status);
        uint256 versionId = m.versionId;
        if (!registry.isAudited(versionId)) revert GrantTreasuryVersionNotAudited(versionId);

        uint256 amount = m.amount;
        address token = g.token;
        m.status = MilestoneStatus.Released;
        g.released += amount;
        _committed[token] -= amount;
        emit MilestoneReleased(grantId, index, versionId, msg.sender, amount);
        _pay(token, g.grantee, amount);
    }

    /**
     * @notice The grant's reviewer (governance, or the steward that created it): reject a
     * submitted milestone, giving the CID of the reason. The milestone becomes pending again; the
     * grantee may resubmit until the deadline, which moves to `now + RESUBMISSION_WINDOW` when
     * that is later (a late review never costs the grantee its chance to resubmit).
     */
    function rejectMilestone(uint256 grantId, uint256 index, bytes calldata reasonCid) external {
        Grant storage g = _activeGrant(grantId);
        _checkReviewer(g, grantId);
        Milestone storage m = _milestone(g, grantId, index);
        if (m.status != MilestoneStatus.Submitted) revert GrantTreasuryMilestoneNotSubmitted(grantId, index, m.status);
        if (reasonCid.length == 0) revert GrantTreasuryMilestoneCidEmpty(index);
        uint256 versionId = m.versionId;
        m.status = MilestoneStatus.Pending;
        m.versionId = 0;
        uint64 resubmitUntil = uint64(block.timestamp) + RESUBMISSION_WINDOW;
        bool extended = resubmitUntil > m.deadline;
        if (extended) m.deadline = resubmitUntil;
        emit MilestoneRejected(grantId, index, versionId, msg.sender, reasonCid);
        if (extended) emit MilestoneDeadlineExtended(grantId, index, resubmitUntil);
    }

    /**
     * @notice Anyone: after a pending milestone's deadline, return its commitment to free funds.
     * @dev Permissionless because it moves no tokens and the grantee can no longer submit. A
     * submitted milestone must be reviewed (approved or rejected) first.
     */
    function reclaimMilestone(uint256 grantId, uint256 index) external {
        Grant storage g = _activeGrant(grantId);
        Milestone storage m = _milestone(g, grantId, index);
        if (m.status != MilestoneStatus.Pending) revert GrantTreasuryMilestoneNotPending(grantId, index, m.status);
        if (block.timestamp <= m.deadline) revert GrantTreasuryDeadlineNotPassed(grantId, index, m.deadline);
        uint256 amount = m.amount;
        m.status = MilestoneStatus.Reclaimed;
        g.returned += amount;
        _committed[g.token] -= amount;
        emit MilestoneReclaimed(grantId, index, msg.sender, amount);
    }

    /**
     * @notice Governance (any grant) or the steward that created it: cancel a grant. Every
     * milestone not yet paid or reclaimed is cancelled and its amount returned to free funds.
     * @return returned The amount returned to free funds.
     */
    function cancelGrant(uint256 grantId) external returns (uint256 returned) {
        Grant storage g = _activeGrant(grantId);
        bool allowed = hasRole(DEFAULT_ADMIN_ROLE, msg.sender) ||
            (msg.sender == g.creator && hasRole(STEWARD_ROLE, msg.sender));
        if (!allowed) revert GrantTreasuryUnauthorizedCanceller(grantId, msg.sender);
        uint256 count = g.milestones.length;
        for (uint256 i = 0; i < count; ++i) {
            Milestone storage m = g.milestones[i];
            if (m.status == MilestoneStatus.Pending || m.status == MilestoneStatus.Submitted) {
                m.status = MilestoneStatus.Cancelled;
                returned += m.amount;
            }
        }
        g.cancelled = true;
        g.returned += returned;
        _committed[g.token] -= returned;
        emit GrantCancelled(grantId, msg.sender, returned);
    }

    // ------------------------------------------------------------------------------- views
    /// @notice Number of grants created (the highest grant id).
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /// @notice A grant's summary. Reverts for an unknown id.
    function getGrant(uint256 grantId) external view returns (GrantInfo memory) {
        Grant storage g = _grant(grantId);
        return
            GrantInfo({
                grantee: g.grantee,
                token: g.token,
                creator: g.creator,
                cancelled: g.cancelled,
                total: g.total,
                released: g.released,
                returned: g.returned,
                milestoneCount: g.milestones.length
            });
    }

    /// @notice One milestone of a grant. Reverts for an unknown grant or index.
    function getMilestone(uint256 grantId, uint256 index) external view returns (Milestone memory) {
        Grant storage g = _grant(grantId);
        return _milestone(g, grantId, index);
    }

    /// @notice Every milestone of a grant. Reverts for an unknown id.
    function getMilestones(uint256 grantId) external view returns (Milestone[] memory) {
        return _grant(grantId).milestones;
    }

    /// @notice Sum of the outstanding (not released, reclaimed or cancelled) commitments in `token`.
    function committed(address token) external view returns (uint256) {
        return _committed[token];
    }

    /// @notice `balanceOf(this) - committed`: what new grants and withdrawals may use.
    function freeBalance(address token) public view returns (uint256) {
        uint256 balance = _balance(token);
        uint256 c = _committed[token];
        return balance > c ? balance - c : 0;
    }

    /// @notice Tokens the treasury has seen (allowlist, allowances, grants); not necessarily allowed now.
    function tokens() external view returns (address[] memory) {
        return _tokens.values();
    }

    // ------------------------------------------------------------------------------- internal
    /// @dev Reviewers of `g`: governance, or the steward that created it while it holds the role.
    function _checkReviewer(Grant storage g, uint256 grantId) private view {
        if (hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) return;
        if (msg.sender != g.creator || !hasRole(STEWARD_ROLE, msg.sender)) {
            revert GrantTreasuryUnauthorizedReviewer(grantId, msg.sender);
        }
    }

    /// @dev Reverts unless governance allowed `token`.
    function _checkAllowedToken(address token) private view {
        if (!_allowedTokens[token]) revert GrantTreasuryTokenNotAllowed(token);
    }

    function _grant(uint256 grantId) private view returns (Grant storage g) {
        g = _grants[grantId];
        if (g.grantee == address(0)) revert GrantTreasuryUnknownGrant(grantId);
    }

    function _activeGrant(uint256 grantId) private view returns (Grant storage g) {
        g = _grant(grantId);
        if (g.cancelled) revert GrantTreasuryGrantNotActive(grantId);
    }

    function _milestone(Grant storage g, uint256 grantId, uint256 index) private view returns (Milestone storage) {
        if (index >= g.milestones.length) revert GrantTreasuryUnknownMilestone(grantId, index);
        return g.milestones[index];
    }

    /// @dev The registry's `versionOrigin`, with its unknown-version revert turned into ours.
    function _versionOrigin(uint256 versionId) private view returns (uint256, address) {
        try registry.versionOrigin(versionId) returns (uint256 modelId, address submitter) {
            return (modelId, submitter);
        } catch {
            revert GrantTreasuryUnknownVersion(versionId);
        }
    }

    function _currentAllowance(address steward, address token) private view returns (Allowance memory a) {
        a = _allowances[steward][token];
        uint64 now_ = uint64(block.timestamp);
        // lastReset <= now always holds; subtracting avoids overflow for huge periods
        if (a.period > 0 && now_ - a.lastReset >= a.period) {
            a.lastReset = _periodStart(a.lastReset, a.period, now_);
            a.spent = 0;
        }
    }

    /**
     * @dev Start of the period (of length `period` > 0, aligned on `base` <= `at`) that contains
     * `at`. Periods are a schedule, not randomness: the remainder is the time since that start.
     */
    function _periodStart(uint64 base, uint64 period, uint64 at) private pure returns (uint64) {
        return base + _wholePeriods(at - base, period) * period;
    }

    /// @dev How many whole periods of length `period` (> 0) fit in `elapsed` (rounded down on purpose).
    function _wholePeriods(uint64 elapsed, uint64 period) private pure returns (uint64) {
        return elapsed / period;
    }

    function _spendAllowance(address steward, address token, uint256 amount) private {
        Allowance memory a = _currentAllowance(steward, token);
        uint256 remaining = a.spent >= a.amount ? 0 : a.amount - a.spent;
        if (amount > remaining) revert GrantTreasuryAllowanceExceeded(steward, token, remaining, amount);
        a.spent += amount;
        _allowances[steward][token] = a;
        emit StewardAllowanceSpent(steward, token, amount, a.spent);
    }

    /// @dev Record `token` for {tokens}, announcing it the first time.
    function _listToken(address token) private {
        if (_tokens.add(token)) emit TokenListed(token);
    }

    function _balance(address token) private view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }

    /// @dev Send `amount`, checking the treasury's balance dropped by exactly that much.
    function _pay(address token, address to, uint256 amount) private {
        uint256 before = _balance(token);
        IERC20(token).safeTransfer(to, amount);
        uint256 after_ = _balance(token);
        uint256 sent = before > after_ ? before - after_ : 0;
        if (sent != amount) revert GrantTreasuryTransferMismatch(token, amount, sent);
    }
}
