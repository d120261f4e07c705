// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";
import {IVerifiedModels} from "./interfaces/IVerifiedModels.sol";
import {IZkVerifier} from "./interfaces/IZkVerifier.sol";

/**
 * @title InferenceOracle
 * @notice Answers from the model version the DAO activated, for contracts: optimistic by default
 * (an answer posted with a bond becomes final after a challenge window), and a challenged answer
 * is settled by a zk proof checked by the version's bound verifier, so no trusted arbiter exists.
 *
 * Encoding: an input and an output are arrays of BN254 field elements, exactly the EZKL circuit's
 * public instances (inputs then outputs, fixed point at the circuit's scales, a negative value `v`
 * as `FIELD_MODULUS + v`). A request stores `keccak256(abi.encode(input))` and emits the input;
 * a proof is checked against `input ‖ output`.
 *
 * Pinning: {request} pins the model's active version and that version's verifier; activating
 * another version later never changes which circuit must answer a pending request.
 *
 * Dispute rules (amounts are the bonds posted, fixed when posted):
 * - {fulfillWithProof} while the request is open, proposed (window running) or challenged (response
 *   window running): the proven output is final at once and the prover earns the fee.
 *   - Proposed, unchallenged: proposal right → proposer's bond returned; wrong → the proposer's bond
 *     is slashed: `treasuryShareBps` of it to the treasury, the rest to the prover.
 *   - Challenged: proposal right → the proposer gets its bond back plus the challenger's bond less
 *     the treasury share; wrong → the challenger gets its bond back plus the proposer's bond less
 *     the treasury share.
 * - {finalize} after an unchallenged challenge window: the proposed output is final; the proposer
 *   gets its bond back and the fee.
 * - {expireChallenge} after a response window with no proof: the proposer (who could have proven
 *   its answer, the circuit being public) loses its bond to the challenger (less the treasury
 *   share), the challenger's bond is returned, and the request reopens for a new answer.
 * Nothing is pushed in settlement: amounts are credited and {withdraw}n by their owners.
 *
 * Delivery: when the requester is a contract, {IInferenceConsumer-onInferenceAnswer} is called
 * with at most `callbackGasLimit` gas; a failure is recorded ({callbackFailed}, {AnswerDelivered})
 * and never reverts settlement. The final answer can always be checked with {isAnswer}.
 *
 * Roles: `DEFAULT_ADMIN_ROLE` (the timelock) sets bonds, windows, the fee, the callback gas and
 * the treasury share. Every state-changing entry point is `nonReentrant`.
 */
contract InferenceOracle is IInferenceOracle, AccessControl, ReentrancyGuard {
    /// @notice The BN254 scalar field modulus: every input and output word must be below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The largest treasury share of a slashed bond, in basis points (50 %).
    uint16 public constant MAX_TREASURY_SHARE_BPS = 5000;
    /// @notice The largest callback gas limit governance may set.
    uint32 public constant MAX_CALLBACK_GAS = 5_000_000;
    /// @notice The shortest and longest challenge or response window, in seconds.
    uint64 public constant MIN_WINDOW = 60;
    /// @notice See {MIN_WINDOW}.
    uint64 public constant MAX_WINDOW = 30 days;
    /// @notice The most words an input or an output may have.
    uint256 public constant MAX_WORDS = 4096;
    /// @notice Gas kept for the work after the consumer's callback returns.
    uint256 public constant CALLBACK_RESERVE = 20_000;

    /// @notice Where a request stands.
    enum Status {
        None,
        Open,
        Proposed,
        Challenged,
        Final
    }

    /// @notice A request and its current answer (packed: a request writes five storage slots).
    struct Request {
        address requester;
        Status status;
        bool proven;
        bool callbackFailed;
        uint64 deadline;
        address verifier;
        uint96 versionId;
        address proposer;
        uint96 modelId;
        address challenger;
        uint96 fee;
        bytes32 inputHash;
        bytes32 outputHash;
        uint128 proposerBond;
        uint128 challengerBond;
    }

    /// @notice The governance-set parameters.
    struct Config {
        uint128 proposerBond;
        uint128 challengerBond;
        uint96 fee;
        uint64 challengeWindow;
        uint64 responseWindow;
        uint32 callbackGasLimit;
        uint16 treasuryShareBps;
        address treasury;
    }

    /// @notice The registry the active version and its verifier are read from.
    IVerifiedModels public immutable registry;

    Config private _config;
    uint256 private _requestCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(address account => uint256) private _credits;
    uint256 private _held;

    /// @notice `modelId` has no active version: there is nothing to ask.
    error InferenceOracleNoActiveVersion(uint256 modelId);
    /// @notice The active version `versionId` of `modelId` has no zk verifier bound: disputes could not be settled.
    error InferenceOracleNoVerifier(uint256 modelId, uint256 versionId);
    /// @notice `requestId` does not exist.
    error InferenceOracleUnknownRequest(uint256 requestId);
    /// @notice `requestId` is in `status`, which does not allow this action.
    error InferenceOracleWrongStatus(uint256 requestId, Status status);
    /// @notice `given` wei were sent; exactly `expected` are required.
    error InferenceOracleWrongValue(uint256 expected, uint256 given);
    /// @notice An input or output of `length` words (1 to {MAX_WORDS} allowed).
    error InferenceOracleInvalidLength(uint256 length);
    /// @notice Word `index` is not a field element (not below {FIELD_MODULUS}).
    error InferenceOracleNotFieldElement(uint256 index);
    /// @notice The challenge window of `requestId` closed at `deadline`.
    error InferenceOracleChallengeWindowClosed(uint256 requestId, uint64 deadline);
    /// @notice The response window of `requestId` closed at `deadline`: call {expireChallenge}.
    error InferenceOracleResponseWindowClosed(uint256 requestId, uint64 deadline);
    /// @notice The window of `requestId` is still open until `deadline`.
    error InferenceOracleWindowOpen(uint256 requestId, uint64 deadline);
    /// @notice The proposer of `requestId` cannot challenge its own answer.
    error InferenceOracleSelfChallenge(uint256 requestId);
    /// @notice The input given is not the one `requestId` asked about.
    error InferenceOracleInputMismatch(uint256 requestId);
    /// @notice The output given is not the one proposed for `requestId`.
    error InferenceOracleOutputMismatch(uint256 requestId);
    /// @notice The verifier pinned for `requestId` (`verifier`) rejected the proof.
    error InferenceOracleProofRejected(uint256 requestId, address verifier);
    /// @notice `account` has nothing to withdraw.
    error InferenceOracleNothingToWithdraw(address account);
    /// @notice Less gas than the callback needs (`needed`) was left (`left`): resend with more gas.
    error InferenceOracleInsufficientGas(uint256 needed, uint256 left);
    /// @notice A window of `window` seconds is outside {MIN_WINDOW}..{MAX_WINDOW}.
    error InferenceOracleInvalidWindow(uint64 window);
    /// @notice A callback gas limit above {MAX_CALLBACK_GAS}.
    error InferenceOracleInvalidCallbackGas(uint32 gasLimit);
    /// @notice A treasury share above {MAX_TREASURY_SHARE_BPS}, or a zero treasury with a share.
    error InferenceOracleInvalidTreasuryShare(address treasury, uint16 shareBps);
    /// @notice A zero bond: answers and challenges must put something at stake.
    error InferenceOracleInvalidBond();
    /// @notice The zero address as admin or registry.
    error InferenceOracleZeroAddress();

    /// @notice `requester` asked `modelId`, pinned to `versionId` and `verifier`, about `input`.
    event Requested(
        uint256 indexed requestId,
        address indexed requester,
        uint256 indexed modelId,
        uint256 versionId,
        address verifier,
        uint256[] input,
        uint256 fee
    );
    /// @notice `proposer` answered `output` with `bond`; it can be challenged until `challengeDeadline`.
    event AnswerProposed(
        uint256 indexed requestId,
        address indexed proposer,
        uint256[] output,
        uint256 bond,
        uint64 challengeDeadline
    );
    /// @notice `challenger` disputed the proposed answer with `bond`; a proof is awaited until `responseDeadline`.
    event AnswerChallenged(uint256 indexed requestId, address indexed challenger, uint256 bond, uint64 responseDeadline);
    /// @notice `prover` proved `output` through the pinned verifier.
    event AnswerProven(uint256 indexed requestId, address indexed prover, uint256[] output);
    /// @notice No proof came in the response window: the proposer's bond went to the challenger and the request reopened.
    event ChallengeExpired(uint256 indexed requestId, address indexed proposer, address indexed challenger);
    /// @notice `requestId` is final with the output whose hash is `outputHash` (`proven`: by a zk proof).
    event RequestFinalized(uint256 indexed requestId, bytes32 outputHash, bool proven);
    /// @notice `amount` was credited to `account` in the settlement of `requestId`.
    event Credited(uint256 indexed requestId, address indexed account, uint256 amount);
    /// @notice The answer of `requestId` was offered to `consumer`; `succeeded` false when its callback failed.
    event AnswerDelivered(uint256 indexed requestId, address indexed consumer, bool succeeded);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Governance set the bonds.
    event BondsSet(uint256 proposerBond, uint256 challengerBond);
    /// @notice Governance set the windows.
    event WindowsSet(uint64 challengeWindow, uint64 responseWindow);
    /// @notice Governance set the request fee.
    event FeeSet(uint256 fee);
    /// @notice Governance set the callback gas limit.
    event CallbackGasLimitSet(uint32 gasLimit);
    /// @notice Governance set the treasury and its share of slashed bonds.
    event TreasuryShareSet(address indexed treasury, uint16 shareBps);

    /**
     * @notice The oracle over `registry_`, administered by `admin` (the timelock), starting with
     * `config_` (validated as by the setters).
     */
    constructor(address admin, IVerifiedModels registry_, Config memory config_) {
        if (admin == address(0) || address(registry_) == address(0)) revert InferenceOracleZeroAddress();
        registry = registry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setBonds(config_.proposerBond, config_.challengerBond);
        _setWindows(config_.challengeWindow, config_.responseWindow);
        _setFee(config_.fee);
        _setCallbackGasLimit(config_.callbackGasLimit);
        _setTreasuryShare(config_.treasury, config_.treasuryShareBps);
    }

    // ----------------------------------------------------------------------------------------
    // requests and answers
    // ----------------------------------------------------------------------------------------

    /**
     * @notice Ask `modelId`'s active version about `input` (field elements), paying exactly the
     * fee. Pins the version and its verifier. Returns the request id (from 1).
     */
    function request(uint256 modelId, uint256[] calldata input) external payable nonReentrant returns (uint256 requestId) {
        uint256 fee = _config.fee;
        if (msg.value != fee) revert InferenceOracleWrongValue(fee, msg.value);
        _checkWords(input);
        uint256 versionId = registry.activeVersionId(modelId);
        if (versionId == 0) revert InferenceOracleNoActiveVersion(modelId);
        address verifier = registry.verifierOf(versionId);
        if (verifier == address(0)) revert InferenceOracleNoVerifier(modelId, versionId);
        requestId = ++_requestCount;
        Request storage r = _requests[requestId];
        r.requester = msg.sender;
        r.status = Status.Open;
        r.verifier = verifier;
        r.versionId = SafeCast.toUint96(versionId);
        r.modelId = SafeCast.toUint96(modelId);
        r.inputHash = keccak256(abi.encode(input));
        if (fee != 0) r.fee = uint96(fee);
        _held += fee;
        emit Requested(requestId, msg.sender, modelId, versionId, verifier, input, fee);
    }

    /// @notice Answer open request `requestId` with `output`, posting exactly the proposer bond.
    function propose(uint256 requestId, uint256[] calldata output) external payable nonReentrant {
        Request storage r = _existing(requestId);
        if (r.status != Status.Open) revert InferenceOracleWrongStatus(requestId, r.status);
        uint128 bond = _config.proposerBond;
        if (msg.value != bond) revert InferenceOracleWrongValue(bond, msg.value);
        _checkWords(output);
        uint64 deadline = uint64(block.timestamp) + _config.challengeWindow;
        r.status = Status.Proposed;
        r.proposer = msg.sender;
        r.proposerBond = bond;
        r.outputHash = keccak256(abi.encode(output));
        r.deadline = deadline;
        _held += bond;
        emit AnswerProposed(requestId, msg.sender, output, bond, deadline);
    }

    /// @notice Dispute the proposed answer of `requestId` before its challenge window closes, posting exactly the challenger bond.
    function challenge(uint256 requestId) external payable nonReentrant {
        Request storage r = _existing(requestId);
        if (r.status != Status.Proposed) revert InferenceOracleWrongStatus(requestId, r.status);
        if (block.timestamp >= r.deadline) revert InferenceOracleChallengeWindowClosed(requestId, r.deadline);
        if (msg.sender == r.proposer) revert InferenceOracleSelfChallenge(requestId);
        uint128 bond = _config.challengerBond;
        if (msg.value != bond) revert InferenceOracleWrongValue(bond, msg.value);
        uint64 deadline = uint64(block.timestamp) + _config.responseWindow;
        r.status = Status.Challenged;
        r.challenger = msg.sender;
        r.challengerBond = bond;
        r.deadline = deadline;
        _held += bond;
        emit AnswerChallenged(requestId, msg.sender, bond, deadline);
    }

    /**
     * @notice Prove that the pinned version answers `output` on the request's `input`: final at
     * once (see the dispute rules). Allowed while the request is open, proposed (challenge window
     * running) or challenged (response window running).
     */
    function fulfillWithProof(
        uint256 requestId,
        uint256[] calldata input,
        uint256[] calldata output,
        bytes calldata proof
    ) external nonReentrant {
        Request storage r = _existing(requestId);
        Status status = r.status;
        if (status == Status.Proposed && block.timestamp >= r.deadline) {
            revert InferenceOracleChallengeWindowClosed(requestId, r.deadline);
        }
        if (status == Status.Challenged && block.timestamp >= r.deadline) {
            revert InferenceOracleResponseWindowClosed(requestId, r.deadline);
        }
        if (status != Status.Open && status != Status.Proposed && status != Status.Challenged) {
            revert InferenceOracleWrongStatus(requestId, status);
        }
        if (keccak256(abi.encode(input)) != r.inputHash) revert InferenceOracleInputMismatch(requestId);
        _checkWords(output);
        if (!_verified(r.verifier, proof, input, output)) revert InferenceOracleProofRejected(requestId, r.verifier);

        bytes32 provenHash = keccak256(abi.encode(output));
        if (status == Status.Proposed) {
            if (r.outputHash == provenHash) {
                _credit(requestId, r.proposer, r.proposerBond);
            } else {
                _award(requestId, msg.sender, 0, r.proposerBond);
            }
        } else if (status == Status.Challenged) {
            if (r.outputHash == provenHash) {
                _award(requestId, r.proposer, r.proposerBond, r.challengerBond);
            } else {
                _award(requestId, r.challenger, r.challengerBond, r.proposerBond);
            }
        }
        _credit(requestId, msg.sender, r.fee);
        r.outputHash = provenHash;
        r.proven = true;
        r.status = Status.Final;
        emit AnswerProven(requestId, msg.sender, output);
        emit RequestFinalized(requestId, provenHash, true);
        _deliver(requestId, r, output);
    }

    /// @notice Make the unchallenged proposed `output` of `requestId` final after its challenge window.
    function finalize(uint256 requestId, uint256[] calldata output) external nonReentrant {
        Request storage r = _existing(requestId);
        if (r.status != Status.Proposed) revert InferenceOracleWrongStatus(requestId, r.status);
        if (block.timestamp < r.deadline) revert InferenceOracleWindowOpen(requestId, r.deadline);
        bytes32 outputHash = keccak256(abi.encode(output));
        if (outputHash != r.outputHash) revert InferenceOracleOutputMismatch(requestId);
        _credit(requestId, r.proposer, uint256(r.proposerBond) + r.fee);
        r.status = Status.Final;
        emit RequestFinalized(requestId, outputHash, false);
        _deliver(requestId, r, output);
    }

    /**
     * @notice Settle a challenge nobody proved within the response window: the proposer's bond
     * goes to the challenger (less the treasury share), and the request reopens.
     */
    function expireChallenge(uint256 requestId) external nonReentrant {
        Request storage r = _existing(requestId);
        if (r.status != Status.Challenged) revert InferenceOracleWrongStatus(requestId, r.status);
        if (block.timestamp < r.deadline) revert InferenceOracleWindowOpen(requestId, r.deadline);
        address proposer = r.proposer;
        address challenger = r.challenger;
        _award(requestId, challenger, r.challengerBond, r.proposerBond);
        r.status = Status.Open;
        r.proposer = address(0);
        r.challenger = address(0);
        r.proposerBond = 0;
        r.challengerBond = 0;
        r.outputHash = bytes32(0);
        r.deadline = 0;
        emit ChallengeExpired(requestId, proposer, challenger);
    }

    /// @notice Send the caller everything credited to it.
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert InferenceOracleNothingToWithdraw(msg.sender);
        _credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ----------------------------------------------------------------------------------------
    // governance
    // ----------------------------------------------------------------------------------------

    /// @notice Set the bonds of future proposals and challenges (governance; both non-zero).
    function setBonds(uint128 proposerBond, uint128 challengerBond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBonds(proposerBond, challengerBond);
    }

    /// @notice Set the windows of future proposals and challenges, in seconds (governance).
    function setWindows(uint64 challengeWindow, uint64 responseWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindows(challengeWindow, responseWindow);
    }

    /// @notice Set the fee of future requests, in wei (governance; 0 allowed).
    function setFee(uint96 fee) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFee(fee);
    }

    /// @notice Set the gas given to a consumer's callback (governance).
    function setCallbackGasLimit(uint32 gasLimit) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCallbackGasLimit(gasLimit);
    }

    /// @notice Set the treasury and its share of slashed bonds in basis points (governance).
    function setTreasuryShare(address treasury, uint16 shareBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasuryShare(treasury, shareBps);
    }

    // ----------------------------------------------------------------------------------------
    // reads
    // ----------------------------------------------------------------------------------------

    /// @notice The current parameters.
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @notice The number of requests made (the last request id).
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @notice The record of `requestId`; reverts if unknown.
    function getRequest(uint256 requestId) external view returns (Request memory) {
        return _existing(requestId);
    }

    /// @notice Whether `requestId` is final, and the hash of its answer (`keccak256(abi.encode(output))`).
    function answerOf(uint256 requestId) external view returns (bool isFinal, bytes32 outputHash) {
        Request storage r = _existing(requestId);
        isFinal = r.status == Status.Final;
        outputHash = isFinal ? r.outputHash : bytes32(0);
    }

    /// @notice True when `requestId` is final and `output` is its answer (the pull path for consumers).
    function isAnswer(uint256 requestId, uint256[] calldata output) external view returns (bool) {
        Request storage r = _existing(requestId);
        return r.status == Status.Final && r.outputHash == keccak256(abi.encode(output));
    }

    /// @notice Whether the consumer's callback of final request `requestId` failed.
    function callbackFailed(uint256 requestId) external view returns (bool) {
        return _existing(requestId).callbackFailed;
    }

    /// @notice Wei credited to `account` and not yet withdrawn.
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @notice Wei held for pending requests (fees and bonds not yet settled).
    function heldTotal() external view returns (uint256) {
        return _held;
    }

    // ----------------------------------------------------------------------------------------
    // internals
    // ----------------------------------------------------------------------------------------

    function _existing(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == Status.None) revert InferenceOracleUnknownRequest(requestId);
    }

    function _checkWords(uint256[] calldata words) private pure {
        uint256 n = words.length;
        if (n == 0 || n > MAX_WORDS) revert InferenceOracleInvalidLength(n);
        for (uint256 i = 0; i < n; ++i) {
            if (words[i] >= FIELD_MODULUS) revert InferenceOracleNotFieldElement(i);
        }
    }

    /// @dev The pinned verifier's verdict on `input ‖ output` (a revert counts as a rejection); a static call.
    function _verified(
        address verifier,
        bytes calldata proof,
        uint256[] calldata input,
        uint256[] calldata output
    ) private view returns (bool) {
        uint256[] memory instances = new uint256[](input.length + output.length);
        for (uint256 i = 0; i < input.length; ++i) instances[i] = input[i];
        for (uint256 j = 0; j < output.length; ++j) instances[input.length + j] = output[j];
        try IZkVerifier(verifier).verifyProof(proof, instances) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    /// @dev Move `amount` from the held pool to `account`'s credit.
    function _credit(uint256 requestId, address account, uint256 amount) private {
        if (amount == 0) return;
        _held -= amount;
        _credits[account] += amount;
        emit Credited(requestId, account, amount);
    }

    /// @dev `winner` gets `ownBond` back and `losingBond` less the treasury share, which goes to the treasury.
    function _award(uint256 requestId, address winner, uint256 ownBond, uint256 losingBond) private {
        uint256 cut = (losingBond * _config.treasuryShareBps) / 10_000;
        _credit(requestId, winner, ownBond + losingBond - cut);
        _credit(requestId, _config.treasury, cut);
    }

    /// @dev Offer the final `output` to a contract requester with bounded gas; a failure is recorded, never bubbled.
    function _deliver(uint256 requestId, Request storage r, uint256[] calldata output) private {
        address consumer = r.requester;
        if (consumer.code.length == 0) return;
        uint256 gasLimit = _config.callbackGasLimit;
        // EIP-150: a call gets at most 63/64 of what is left; make sure the consumer gets its full limit.
        uint256 needed = gasLimit + gasLimit / 63 + CALLBACK_RESERVE;
        if (gasleft() < needed) revert InferenceOracleInsufficientGas(needed, gasleft());
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceAnswer, (requestId, output));
        bool ok;
        assembly ("memory-safe") {
            // no return data is copied: a consumer cannot make settlement pay for a huge revert reason
            ok := call(gasLimit, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) r.callbackFailed = true;
        emit AnswerDelivered(requestId, consumer, ok);
    }

    function _setBonds(uint128 proposerBond, uint128 challengerBond) private {
        if (proposerBond == 0 || challengerBond == 0) revert InferenceOracleInvalidBond();
        _config.proposerBond = proposerBond;
        _config.challengerBond = challengerBond;
        emit BondsSet(proposerBond, challengerBond);
    }

    function _setWindows(uint64 challengeWindow, uint64 responseWindow) private {
        if (challengeWindow < MIN_WINDOW || challengeWindow > MAX_WINDOW) revert InferenceOracleInvalidWindow(challengeWindow);
        if (responseWindow < MIN_WINDOW || responseWindow > MAX_WINDOW) revert InferenceOracleInvalidWindow(responseWindow);
        _config.challengeWindow = challengeWindow;
        _config.responseWindow = responseWindow;
        emit WindowsSet(challengeWindow, responseWindow);
    }

    function _setFee(uint96 fee) private {
        _config.fee = fee;
        emit FeeSet(fee);
    }

    function _setCallbackGasLimit(uint32 gasLimit) private {
        if (gasLimit > MAX_CALLBACK_GAS) revert InferenceOracleInvalidCallbackGas(gasLimit);
        _config.callbackGasLimit = gasLimit;
        emit CallbackGasLimitSet(gasLimit);
    }

    function _setTreasuryShare(address treasury, uint16 shareBps) private {
        if (shareBps > MAX_TREASURY_SHARE_BPS || (treasury == address(0) && shareBps != 0)) {
            revert InferenceOracleInvalidTreasuryShare(treasury, shareBps);
        }
        _config.treasury = treasury;
        _config.treasuryShareBps = shareBps;
        emit TreasuryShareSet(treasury, shareBps);
    }
}
