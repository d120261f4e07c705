// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
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
 * Encoding ("packed words"): an input or an output is `bytes`: one width byte `w` (1 to
 * {MAX_WIDTH}), then `n` (1 to {MAX_WORDS}) big-endian two's-complement signed integers of `w`
 * bytes each: the EZKL circuit's fixed-point values at its scales. Each value `v` stands for the
 * BN254 field element `v` (v ≥ 0) or `FIELD_MODULUS - |v|` (v < 0), as EZKL encodes negatives;
 * {unpack} shows the expansion. A request stores `keccak256(input)` (the packed bytes) and emits
 * them; {fulfillWithProof} takes the same bytes, expands them and the output into the verifier's
 * public instances `input ‖ output`, so the proven instances are exactly the committed input. An
 * answer is identified by the hash of its field elements (`keccak256(abi.encodePacked(words))`),
 * so two widths of the same output are the same answer ({isAnswer} takes the words).
 *
 * Pinning: {request} pins the model's active version and that version's verifier; activating
 * another version later never changes which circuit must answer a pending request.
 *
 * Dispute rules (amounts are the bonds posted, fixed when posted):
 * - {fulfillWithProof} while the request is open (before it expires), proposed (challenge window
 *   running) or challenged (response window running): the proven output is final at once and the
 *   prover earns the fee.
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
 *
 * Timeout and refund ({refund}, anyone may call it; amounts are credited to their owners):
 * - Every request expires `requestTimeout` seconds (governance-set, fixed at request time) after
 *   it was made. An OPEN request accepts {propose} and {fulfillWithProof} strictly before
 *   `expiresAt` and {refund} only at or after it: the two never overlap, so no ordering of
 *   transactions in a block can turn a timely answer into a refund (or the reverse).
 * - A request that is proposed or challenged when it expires is not refundable: the dispute runs
 *   its course under its own windows (finalize, challenge, proof, expireChallenge), so an honest
 *   proposer, challenger or prover still wins. If an expired challenge reopens it after
 *   `expiresAt`, it is open and expired: refundable, and no new answer is accepted.
 * - A refund ends the request (`Refunded`, terminal): the fee goes back to the requester.
 *
 * Suspension (the registry's guardian suspends the pinned version, {IVerifiedModels-isSuspended}):
 * - While it is suspended, no answer can become final: {finalize}, {fulfillWithProof} and
 *   {expireChallenge} revert with {InferenceOracleVersionSuspended}. {propose} and {challenge} stay
 *   open: they only post bonds (a window must not lapse unchallenged), and a refund returns them.
 * - While it is suspended, {refund} ends any pending request (open, proposed or challenged,
 *   expired or not): the fee goes back to the requester and every posted bond to its poster,
 *   nothing slashed. A suspension does not stop the clocks: once the version is reinstated the
 *   request continues where it stands, so a party that does not want a window lapsed during the
 *   suspension to count refunds while it lasts (the modelgov node and watchtower do).
 * Nothing is pushed in settlement: amounts are credited and {withdraw}n by their owners. Every wei
 * received is at all times held by exactly one pending request (its fee and posted bonds, see
 * its {RequestState}), credited, or withdrawn; there is no pool counter to pay for on every step.
 *
 * Delivery: when the requester is a contract (it had code when it asked: `callback` in its
 * {RequestState}; a contract asking from its constructor reads its answer with {isAnswer}),
 * {IInferenceConsumer-onInferenceAnswer} is called
 * with at most `callbackGasLimit` gas; a failure is recorded ({AnswerDelivered} with `succeeded` false)
 * and never reverts settlement. The final answer can always be checked with {isAnswer}.
 *
 * Roles: `DEFAULT_ADMIN_ROLE` (the timelock) sets bonds, windows, the request timeout, the fee,
 * the callback gas and the treasury share. Every state-changing entry point is `nonReentrant`
 * (transient storage).
 */
contract InferenceOracle is IInferenceOracle, AccessControl, ReentrancyGuardTransient {
    /// @notice The BN254 scalar field modulus: the verifier's instances are below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The largest treasury share of a slashed bond, in basis points (50 %).
    uint16 public constant MAX_TREASURY_SHARE_BPS = 5000;
    /// @notice The largest callback gas limit governance may set.
    uint32 public constant MAX_CALLBACK_GAS = 5_000_000;
    /// @notice The shortest challenge or response window and request timeout, in seconds.
    uint32 public constant MIN_WINDOW = 60;
    /// @notice The longest challenge or response window, in seconds.
    uint32 public constant MAX_WINDOW = 30 days;
    /// @notice The longest request timeout, in seconds.
    uint32 public constant MAX_REQUEST_TIMEOUT = 365 days;
    /// @notice The most values a packed input or output may have.
    uint256 public constant MAX_WORDS = 4096;
    /// @notice The widest packed value, in bytes (int128).
    uint256 public constant MAX_WIDTH = 16;
    /// @notice The largest proposer bond or fee, in wei (2^80 - 1, about 1.2 million ether).
    uint256 public constant MAX_AMOUNT = type(uint80).max;
    /// @notice Gas kept for the work after the consumer's callback returns.
    uint256 public constant CALLBACK_RESERVE = 20_000;

    /// @notice Where a request stands. `Final` and `Refunded` are terminal.
    enum Status {
        None,
        Open,
        Proposed,
        Challenged,
        Final,
        Refunded
    }

    /**
     * @notice A pending request and its current answer: never stored, only committed to. The
     * contract keeps one word per request, its record (see {recordOf}): `keccak256(abi.encode(
     * requestId, keccak256(abi.encode(state))))` with its lowest byte replaced by `status`. Every step takes the current
     * state back in calldata (rebuilt from the events, {modelgov.chain.oracle} does it), checks it
     * against the record and writes the record of the new state. A final request's record commits
     * to its answer instead (see {isAnswer}); a refunded one is `uint256(Status.Refunded)`.
     */
    struct RequestState {
        address requester;
        Status status;
        bool callback; // the requester had code when it asked: the final answer is offered to it
        uint64 deadline; // the running window's end (proposed: challenge, challenged: response); 0 when open
        uint32 modelId;
        uint32 versionId; // pinned at request time
        address verifier; // pinned at request time
        uint64 expiresAt;
        uint96 fee;
        bytes32 inputHash; // keccak256 of the packed input
        address proposer;
        uint96 proposerBond;
        bytes32 outputHash; // keccak256(abi.encodePacked(words)) of the proposed output
        address challenger;
        uint96 challengerBond;
    }

    /// @notice The governance-set parameters (wei and seconds).
    struct Config {
        uint96 proposerBond; // ≤ MAX_AMOUNT
        uint96 fee; // ≤ MAX_AMOUNT
        uint32 challengeWindow;
        uint32 requestTimeout;
        uint96 challengerBond;
        uint32 responseWindow;
        uint32 callbackGasLimit;
        uint16 treasuryShareBps;
        address treasury;
    }

    /**
     * @dev {Config} as stored, with the request counter: a request reads and writes one slot for
     * its fee, timeout and id, and a proposal reads the same slot for its bond and window.
     */
    struct Settings {
        // slot 0
        uint80 proposerBond; // ≤ MAX_AMOUNT
        uint80 fee; // ≤ MAX_AMOUNT
        uint24 challengeWindow; // ≤ MAX_WINDOW < 2^24
        uint32 requestTimeout;
        uint40 requestCount;
        // slot 1
        uint96 challengerBond;
        uint32 responseWindow;
        uint32 callbackGasLimit;
        uint16 treasuryShareBps;
        // slot 2
        address treasury;
    }

    /// @notice The registry the active version, its verifier and its suspension are read from.
    IVerifiedModels public immutable registry;

    Settings private _config;
    mapping(uint256 requestId => bytes32) private _records;
    mapping(address account => uint256) private _credits;

    /// @notice `modelId` has no active version: there is nothing to ask.
    error InferenceOracleNoActiveVersion(uint256 modelId);
    /// @notice The active version `versionId` of `modelId` has no zk verifier bound: disputes could not be settled.
    error InferenceOracleNoVerifier(uint256 modelId, uint256 versionId);
    /// @notice `requestId` does not exist.
    error InferenceOracleUnknownRequest(uint256 requestId);
    /**
     * @notice The state given for `requestId` is not its current one (forged, stale, or another
     * request's): rebuild it from the events (see {RequestState}).
     */
    error InferenceOracleStaleState(uint256 requestId);
    /// @notice `requestId` is in `status`, which does not allow this action.
    error InferenceOracleWrongStatus(uint256 requestId, Status status);
    /// @notice `given` wei were sent; exactly `expected` are required.
    error InferenceOracleWrongValue(uint256 expected, uint256 given);
    /**
     * @notice Packed words of `length` bytes whose width byte is `width`: not a width byte 1 to
     * {MAX_WIDTH} followed by 1 to {MAX_WORDS} values of that width.
     */
    error InferenceOracleInvalidEncoding(uint256 width, uint256 length);
    /// @notice Open request `requestId` expired at `expiresAt`: it takes no answer, only {refund}.
    error InferenceOracleRequestExpired(uint256 requestId, uint64 expiresAt);
    /// @notice Open request `requestId` expires at `expiresAt` (and its version is not suspended): no refund yet.
    error InferenceOracleRequestNotExpired(uint256 requestId, uint64 expiresAt);
    /// @notice The version `versionId` pinned by `requestId` is suspended: no answer may be posted or become final.
    error InferenceOracleVersionSuspended(uint256 requestId, uint256 versionId);
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
    error InferenceOracleInvalidWindow(uint32 window);
    /// @notice A request timeout of `timeout` seconds is outside {MIN_WINDOW}..{MAX_REQUEST_TIMEOUT}.
    error InferenceOracleInvalidTimeout(uint32 timeout);
    /// @notice A callback gas limit above {MAX_CALLBACK_GAS}.
    error InferenceOracleInvalidCallbackGas(uint32 gasLimit);
    /// @notice A treasury share above {MAX_TREASURY_SHARE_BPS}, or a zero treasury with a share.
    error InferenceOracleInvalidTreasuryShare(address treasury, uint16 shareBps);
    /// @notice A zero bond: answers and challenges must put something at stake.
    error InferenceOracleInvalidBond();
    /// @notice A proposer bond or fee of `amount` wei, above {MAX_AMOUNT}.
    error InferenceOracleAmountTooLarge(uint256 amount);
    /// @notice The zero address as admin or registry.
    error InferenceOracleZeroAddress();

    /**
     * @notice `requester` asked `modelId`, pinned to `versionId` and `verifier`, about `input`
     * (packed words), paying `fee`; the request expires at `expiresAt` if nobody answers. `callback`:
     * the requester is a contract (it had code), so the final answer will be offered to it.
     */
    event Requested(
        uint256 indexed requestId,
        address indexed requester,
        uint256 indexed modelId,
        uint256 versionId,
        address verifier,
        bytes input,
        uint256 fee,
        uint64 expiresAt,
        bool callback
    );
    /// @notice `proposer` answered `output` (packed words) with `bond`; it can be challenged until `challengeDeadline`.
    event AnswerProposed(
        uint256 indexed requestId,
        address indexed proposer,
        bytes output,
        uint256 bond,
        uint64 challengeDeadline
    );
    /// @notice `challenger` disputed the proposed answer with `bond`; a proof is awaited until `responseDeadline`.
    event AnswerChallenged(uint256 indexed requestId, address indexed challenger, uint256 bond, uint64 responseDeadline);
    /// @notice `prover` proved `output` (packed words) through the pinned verifier.
    event AnswerProven(uint256 indexed requestId, address indexed prover, bytes output);
    /// @notice No proof came in the response window: the proposer's bond went to the challenger and the request reopened.
    event ChallengeExpired(uint256 indexed requestId, address indexed proposer, address indexed challenger);
    /// @notice `requestId` is final with the output whose hash is `outputHash` (`proven`: by a zk proof).
    event RequestFinalized(uint256 indexed requestId, bytes32 outputHash, bool proven);
    /**
     * @notice `requestId` ended without an answer: `fee` went back to `requester` (and posted bonds
     * to their posters); `suspended` when it was refunded because its pinned version was suspended
     * (an open request past its expiry reads `false`, suspended or not: the expiry alone allowed it).
     */
    event RequestRefunded(uint256 indexed requestId, address indexed requester, uint256 fee, bool suspended);
    /**
     * @notice `amount` was credited to `account` in the settlement of `requestId`; every credit but
     * {finalize}'s (the proposer's bond and the fee, told by {RequestFinalized} with `proven` false).
     */
    event Credited(uint256 indexed requestId, address indexed account, uint256 amount);
    /// @notice The answer of `requestId` was offered to `consumer`; `succeeded` false when its callback failed.
    event AnswerDelivered(uint256 indexed requestId, address indexed consumer, bool succeeded);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Governance set the bonds.
    event BondsSet(uint256 proposerBond, uint256 challengerBond);
    /// @notice Governance set the windows.
    event WindowsSet(uint32 challengeWindow, uint32 responseWindow);
    /// @notice Governance set the timeout of future requests.
    event RequestTimeoutSet(uint32 timeout);
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
        _setRequestTimeout(config_.requestTimeout);
        _setFee(config_.fee);
        _setCallbackGasLimit(config_.callbackGasLimit);
        _setTreasuryShare(config_.treasury, config_.treasuryShareBps);
    }

    // ----------------------------------------------------------------------------------------
    // requests and answers
    // ----------------------------------------------------------------------------------------

    /**
     * @notice Ask `modelId`'s active version about `input` (packed words, see the encoding),
     * paying exactly the fee. Pins the version and its verifier; the request expires after the
     * current request timeout. Returns the request id (from 1). The request's state is in the
     * {Requested} event (its `inputHash` is `keccak256(input)`).
     */
    function request(uint256 modelId, bytes calldata input) external payable nonReentrant returns (uint256 requestId) {
        Settings storage c = _config;
        uint256 fee = c.fee;
        if (msg.value != fee) revert InferenceOracleWrongValue(fee, msg.value);
        _checkPacked(input);
        (uint256 versionId, address verifier) = registry.activeVerifiedVersion(modelId);
        if (versionId == 0) revert InferenceOracleNoActiveVersion(modelId);
        if (verifier == address(0)) revert InferenceOracleNoVerifier(modelId, versionId);
        uint64 expiresAt = uint64(block.timestamp) + c.requestTimeout;
        requestId = uint256(c.requestCount) + 1;
        c.requestCount = SafeCast.toUint40(requestId);
        RequestState memory s = RequestState({
            requester: msg.sender,
            status: Status.Open,
            callback: msg.sender.code.length != 0,
            deadline: 0,
            modelId: SafeCast.toUint32(modelId),
            versionId: SafeCast.toUint32(versionId),
            verifier: verifier,
            expiresAt: expiresAt,
            fee: uint96(fee),
            inputHash: keccak256(input),
            proposer: address(0),
            proposerBond: 0,
            outputHash: bytes32(0),
            challenger: address(0),
            challengerBond: 0
        });
        _records[requestId] = _seal(requestId, s);
        emit Requested(requestId, msg.sender, modelId, versionId, verifier, input, fee, expiresAt, s.callback);
    }

    /**
     * @notice Answer open request `requestId` (current state `state`) with `output` (packed
     * words), posting exactly the proposer bond. Refused once the request expired. Accepted while
     * the version is suspended (it only posts a bond: nothing can become final then, and a refund
     * returns the bond).
     */
    function propose(
        uint256 requestId,
        RequestState calldata state,
        bytes calldata output
    ) external payable nonReentrant {
        RequestState memory s = _load(requestId, state);
        if (s.status != Status.Open) revert InferenceOracleWrongStatus(requestId, s.status);
        if (block.timestamp >= s.expiresAt) revert InferenceOracleRequestExpired(requestId, s.expiresAt);
        Settings storage c = _config;
        uint256 bond = c.proposerBond;
        if (msg.value != bond) revert InferenceOracleWrongValue(bond, msg.value);
        uint64 deadline = uint64(block.timestamp) + c.challengeWindow;
        s.status = Status.Proposed;
        s.deadline = deadline;
        s.proposer = msg.sender;
        s.proposerBond = uint96(bond);
        s.outputHash = _hashWords(_unpackChecked(output));
        _records[requestId] = _seal(requestId, s);
        emit AnswerProposed(requestId, msg.sender, output, bond, deadline);
    }

    /**
     * @notice Dispute the proposed answer of `requestId` (current state `state`) before its
     * challenge window closes, posting exactly the challenger bond (also while the version is
     * suspended).
     */
    function challenge(uint256 requestId, RequestState calldata state) external payable nonReentrant {
        RequestState memory s = _load(requestId, state);
        if (s.status != Status.Proposed) revert InferenceOracleWrongStatus(requestId, s.status);
        if (block.timestamp >= s.deadline) revert InferenceOracleChallengeWindowClosed(requestId, s.deadline);
        if (msg.sender == s.proposer) revert InferenceOracleSelfChallenge(requestId);
        Settings storage c = _config;
        uint256 bond = c.challengerBond;
        if (msg.value != bond) revert InferenceOracleWrongValue(bond, msg.value);
        uint64 deadline = uint64(block.timestamp) + c.responseWindow;
        s.status = Status.Challenged;
        s.deadline = deadline;
        s.challenger = msg.sender;
        s.challengerBond = uint96(bond);
        _records[requestId] = _seal(requestId, s);
        emit AnswerChallenged(requestId, msg.sender, bond, deadline);
    }

    /**
     * @notice Prove that the pinned version answers `output` (packed words) on the request's
     * `input` (the packed bytes it was requested with): final at once (see the dispute rules).
     * Allowed while the request (current state `state`) is open and not expired, proposed
     * (challenge window running) or challenged (response window running), and its version is
     * not suspended.
     */
    function fulfillWithProof(
        uint256 requestId,
        RequestState calldata state,
        bytes calldata input,
        bytes calldata output,
        bytes calldata proof
    ) external nonReentrant {
        RequestState memory s = _load(requestId, state);
        _checkProvable(requestId, s);
        if (keccak256(input) != s.inputHash) revert InferenceOracleInputMismatch(requestId);
        uint256[] memory words = _unpackChecked(output);
        if (!_verified(s.verifier, proof, input, words)) revert InferenceOracleProofRejected(requestId, s.verifier);

        bytes32 provenHash = _hashWords(words);
        _records[requestId] = _finalRecord(requestId, provenHash);
        if (s.status == Status.Proposed) {
            if (s.outputHash == provenHash) {
                _credit(requestId, s.proposer, s.proposerBond);
            } else {
                _award(requestId, msg.sender, 0, s.proposerBond);
            }
        } else if (s.status == Status.Challenged) {
            if (s.outputHash == provenHash) {
                _award(requestId, s.proposer, s.proposerBond, s.challengerBond);
            } else {
                _award(requestId, s.challenger, s.challengerBond, s.proposerBond);
            }
        }
        _credit(requestId, msg.sender, s.fee);
        emit AnswerProven(requestId, msg.sender, output);
        emit RequestFinalized(requestId, provenHash, true);
        if (s.callback) _deliver(requestId, s.requester, words);
    }

    /**
     * @notice Make the unchallenged proposed `output` (packed words, any width) of `requestId`
     * (current state `state`) final after its challenge window. `output` may be empty when the
     * requester takes no callback (`state.callback` false): the proposal's hash is already in the
     * state. Refused while the pinned version is suspended.
     */
    function finalize(uint256 requestId, RequestState calldata state, bytes calldata output) external nonReentrant {
        RequestState memory s = _load(requestId, state);
        if (s.status != Status.Proposed) revert InferenceOracleWrongStatus(requestId, s.status);
        if (block.timestamp < s.deadline) revert InferenceOracleWindowOpen(requestId, s.deadline);
        _checkNotSuspended(requestId, s.versionId);
        bytes32 outputHash = s.outputHash;
        // the output is needed for a callback; given anyway, it is checked; else the state's hash is the answer
        uint256[] memory words = s.callback || output.length != 0 ? _unpackChecked(output) : new uint256[](0);
        if (words.length != 0 && _hashWords(words) != outputHash) revert InferenceOracleOutputMismatch(requestId);
        _records[requestId] = _finalRecord(requestId, outputHash);
        // the proposer's bond and the fee, credited without a {Credited} event: this RequestFinalized
        // (`proven` false) is the only settlement that pays exactly `proposerBond + fee` to the proposer
        _credits[s.proposer] += uint256(s.proposerBond) + s.fee;
        emit RequestFinalized(requestId, outputHash, false);
        if (s.callback) _deliver(requestId, s.requester, words);
    }

    /**
     * @notice Settle a challenge nobody proved within the response window (current state
     * `state`): the proposer's bond goes to the challenger (less the treasury share), and the
     * request reopens (refundable at once if it has expired). Refused while the pinned version is
     * suspended (nobody could prove).
     */
    function expireChallenge(uint256 requestId, RequestState calldata state) external nonReentrant {
        RequestState memory s = _load(requestId, state);
        if (s.status != Status.Challenged) revert InferenceOracleWrongStatus(requestId, s.status);
        if (block.timestamp < s.deadline) revert InferenceOracleWindowOpen(requestId, s.deadline);
        _checkNotSuspended(requestId, s.versionId);
        address proposer = s.proposer;
        address challenger = s.challenger;
        uint256 challengerBond = s.challengerBond;
        uint256 proposerBond = s.proposerBond;
        s.status = Status.Open;
        s.deadline = 0;
        s.proposer = address(0);
        s.proposerBond = 0;
        s.outputHash = bytes32(0);
        s.challenger = address(0);
        s.challengerBond = 0;
        _records[requestId] = _seal(requestId, s);
        _award(requestId, challenger, challengerBond, proposerBond);
        emit ChallengeExpired(requestId, proposer, challenger);
    }

    /**
     * @notice End `requestId` (current state `state`) without an answer (anyone may call; see the
     * timeout and suspension rules): an open request at or after its expiry, or any pending
     * request while its pinned version is suspended. The fee is credited back to the requester
     * and every posted bond to its poster; the request is `Refunded` for good.
     */
    function refund(uint256 requestId, RequestState calldata state) external nonReentrant {
        RequestState memory s = _load(requestId, state);
        Status status = s.status;
        // an open request refundable by its expiry needs no registry read; otherwise only a suspension allows it
        bool suspended = status != Status.Open || block.timestamp < s.expiresAt;
        if (suspended && !registry.isSuspended(s.versionId)) {
            if (status != Status.Open) revert InferenceOracleWrongStatus(requestId, status);
            revert InferenceOracleRequestNotExpired(requestId, s.expiresAt);
        }
        _records[requestId] = bytes32(uint256(uint8(Status.Refunded)));
        _credit(requestId, s.requester, s.fee);
        if (status != Status.Open) _credit(requestId, s.proposer, s.proposerBond);
        if (status == Status.Challenged) _credit(requestId, s.challenger, s.challengerBond);
        emit RequestRefunded(requestId, s.requester, s.fee, suspended);
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
    function setBonds(uint96 proposerBond, uint96 challengerBond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBonds(proposerBond, challengerBond);
    }

    /// @notice Set the windows of future proposals and challenges, in seconds (governance).
    function setWindows(uint32 challengeWindow, uint32 responseWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWindows(challengeWindow, responseWindow);
    }

    /// @notice Set the timeout of future requests, in seconds (governance): after it an unanswered request is refundable.
    function setRequestTimeout(uint32 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRequestTimeout(timeout);
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
        Settings storage c = _config;
        return
            Config({
                proposerBond: c.proposerBond,
                fee: c.fee,
                challengeWindow: c.challengeWindow,
                requestTimeout: c.requestTimeout,
                challengerBond: c.challengerBond,
                responseWindow: c.responseWindow,
                callbackGasLimit: c.callbackGasLimit,
                treasuryShareBps: c.treasuryShareBps,
                treasury: c.treasury
            });
    }

    /// @notice The number of requests made (the last request id).
    function requestCount() external view returns (uint256) {
        return _config.requestCount;
    }

    /**
     * @notice The record of `requestId`: the commitment to its current state (see {RequestState});
     * zero for an unknown request.
     */
    function recordOf(uint256 requestId) external view returns (bytes32) {
        return _records[requestId];
    }

    /// @notice Where `requestId` stands (the record's lowest byte); reverts if unknown.
    function statusOf(uint256 requestId) external view returns (Status) {
        return _storedStatus(requestId);
    }

    /// @notice Whether `state` is the current state of pending request `requestId` (what every step checks).
    function isCurrent(uint256 requestId, RequestState calldata state) external view returns (bool) {
        bytes32 stored = _records[requestId];
        Status status = _statusIn(stored);
        if (status < Status.Open || status > Status.Challenged) return false;
        return _sameWord(stored, _seal(requestId, state));
    }

    /// @notice The record a pending request `requestId` in `state` has (see {RequestState}).
    function sealOf(uint256 requestId, RequestState calldata state) external pure returns (bytes32) {
        return _seal(requestId, state);
    }

    /// @inheritdoc IInferenceOracle
    function isAnswer(uint256 requestId, uint256[] calldata output) external view returns (bool) {
        // a final record is never zero: an unknown request is never answered
        return _sameWord(_records[requestId], _finalRecord(requestId, keccak256(abi.encodePacked(output))));
    }

    /**
     * @notice Whether {refund} would end `requestId` (current state `state`) now: expired and
     * open, or its version suspended while pending. Reverts if `state` is not current.
     */
    function refundable(uint256 requestId, RequestState calldata state) external view returns (bool) {
        RequestState memory s = _load(requestId, state);
        if (registry.isSuspended(s.versionId)) return true;
        return s.status == Status.Open && block.timestamp >= s.expiresAt;
    }

    /// @notice The field elements `packed` stands for (what the verifier is given); reverts if malformed.
    function unpack(bytes calldata packed) external pure returns (uint256[] memory words) {
        return _unpackChecked(packed);
    }

    /// @notice Wei credited to `account` and not yet withdrawn.
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    // ----------------------------------------------------------------------------------------
    // internals
    // ----------------------------------------------------------------------------------------

    /// @dev The status in `requestId`'s record; reverts if unknown.
    function _storedStatus(uint256 requestId) private view returns (Status status) {
        status = _statusIn(_records[requestId]);
        if (status < Status.Open) revert InferenceOracleUnknownRequest(requestId);
    }

    /// @dev The status a record holds in its lowest byte (`None` for the zero record of an unknown request).
    function _statusIn(bytes32 record) private pure returns (Status) {
        return Status(uint8(uint256(record)));
    }

    /// @dev Whether two records are the same word (keccak-derived words compared bit for bit: no balance or time).
    function _sameWord(bytes32 a, bytes32 b) private pure returns (bool) {
        if (a != b) return false;
        return true;
    }

    /**
     * @dev `state` in memory once it is checked to be `requestId`'s current state: an unknown
     * request, a terminal one (final or refunded: {InferenceOracleWrongStatus}) and a state that
     * is not the committed one ({InferenceOracleStaleState}) revert.
     */
    function _load(uint256 requestId, RequestState calldata state) private view returns (RequestState memory s) {
        bytes32 stored = _records[requestId];
        // every non-zero record has a status byte 1..5: pending records 1..3, final 4, refunded 5
        Status status = _statusIn(stored);
        if (status < Status.Open) revert InferenceOracleUnknownRequest(requestId);
        if (status > Status.Challenged) revert InferenceOracleWrongStatus(requestId, status);
        // copied word for word, unchecked: a state with any dirty word hashes to another record (stale)
        assembly ("memory-safe") {
            calldatacopy(s, state, 0x1e0) // 15 words
        }
        if (_seal(requestId, s) != stored) revert InferenceOracleStaleState(requestId);
    }

    /**
     * @dev The record of pending `requestId` in state `s`: `keccak256(abi.encode(requestId,
     * keccak256(abi.encode(s))))`, its lowest byte the status. A memory struct of static members
     * is `abi.encode(s)` as laid out (one clean word per member), so it is hashed in place.
     */
    function _seal(uint256 requestId, RequestState memory s) private pure returns (bytes32 record) {
        assembly ("memory-safe") {
            mstore(0x20, keccak256(s, 0x1e0)) // 15 words
            mstore(0x00, requestId)
            record := or(and(keccak256(0x00, 0x40), not(0xff)), and(mload(add(s, 0x20)), 0xff))
        }
    }

    /**
     * @dev The record of `requestId` final with the answer hashed `outputHash`:
     * `keccak256(abi.encode(requestId, outputHash, uint256(Status.Final)))` (a three-word
     * preimage: never a pending record's), its lowest byte `Final`.
     */
    function _finalRecord(uint256 requestId, bytes32 outputHash) private pure returns (bytes32) {
        uint256 digest = uint256(keccak256(abi.encode(requestId, outputHash, uint256(uint8(Status.Final)))));
        return bytes32((digest & ~uint256(0xff)) | uint256(uint8(Status.Final)));
    }

    /// @dev Reverts unless a proof may settle `s` now (see {fulfillWithProof}).
    function _checkProvable(uint256 requestId, RequestState memory s) private view {
        Status status = s.status;
        if (status == Status.Open) {
            if (block.timestamp >= s.expiresAt) revert InferenceOracleRequestExpired(requestId, s.expiresAt);
        } else if (status == Status.Proposed) {
            if (block.timestamp >= s.deadline) revert InferenceOracleChallengeWindowClosed(requestId, s.deadline);
        } else if (block.timestamp >= s.deadline) {
            // Challenged: _load lets no other status through
            revert InferenceOracleResponseWindowClosed(requestId, s.deadline);
        }
        _checkNotSuspended(requestId, s.versionId);
    }

    function _checkNotSuspended(uint256 requestId, uint256 versionId) private view {
        if (registry.isSuspended(versionId)) revert InferenceOracleVersionSuspended(requestId, versionId);
    }

    /// @dev The width and count of well-formed packed words; reverts otherwise.
    function _checkPacked(bytes calldata packed) private pure returns (uint256 width, uint256 n) {
        uint256 length = packed.length;
        width = length == 0 ? 0 : uint8(packed[0]);
        if (width == 0 || width > MAX_WIDTH) revert InferenceOracleInvalidEncoding(width, length);
        uint256 body = length - 1;
        n = body / width;
        if (n == 0 || n > MAX_WORDS || body % width != 0) revert InferenceOracleInvalidEncoding(width, length);
    }

    /// @dev `packed` expanded into new field elements; reverts if malformed.
    function _unpackChecked(bytes calldata packed) private pure returns (uint256[] memory words) {
        (uint256 width, uint256 n) = _checkPacked(packed);
        words = new uint256[](n);
        _unpackInto(packed, width, n, words, 0);
    }

    /**
     * @dev Write the `n` values of well-formed `packed` (width `width`) as field elements into
     * `dst[at..at+n)`: each value is sign-extended from its `width` bytes, and a negative `v`
     * becomes `FIELD_MODULUS + v` (|v| < 2^127 < FIELD_MODULUS, so every value has one element).
     */
    function _unpackInto(
        bytes calldata packed,
        uint256 width,
        uint256 n,
        uint256[] memory dst,
        uint256 at
    ) private pure {
        uint256 shift = 256 - 8 * width;
        uint256 modulus = FIELD_MODULUS;
        assembly ("memory-safe") {
            let src := add(packed.offset, 1)
            let out := add(add(dst, 0x20), shl(5, at))
            let end := add(out, shl(5, n))
            for {} lt(out, end) {} {
                let v := sar(shift, calldataload(src))
                if slt(v, 0) {
                    v := add(v, modulus)
                }
                mstore(out, v)
                out := add(out, 0x20)
                src := add(src, width)
            }
        }
    }

    /// @dev `keccak256(abi.encodePacked(words))` without the copy.
    function _hashWords(uint256[] memory words) private pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            digest := keccak256(add(words, 0x20), shl(5, mload(words)))
        }
    }

    /// @dev The pinned verifier's verdict on `input ‖ output` (a revert counts as a rejection); a static call.
    function _verified(
        address verifier,
        bytes calldata proof,
        bytes calldata input,
        uint256[] memory output
    ) private view returns (bool) {
        (uint256 width, uint256 n) = _checkPacked(input);
        uint256 m = output.length;
        uint256[] memory instances = new uint256[](n + m);
        _unpackInto(input, width, n, instances, 0);
        for (uint256 j = 0; j < m; ++j) instances[n + j] = output[j];
        try IZkVerifier(verifier).verifyProof(proof, instances) returns (bool ok) {
            return ok;
        } catch {
            return false;
        }
    }

    /// @dev Credit `amount` held by `requestId` to `account`.
    function _credit(uint256 requestId, address account, uint256 amount) private {
        if (amount == 0) return;
        _credits[account] += amount;
        emit Credited(requestId, account, amount);
    }

    /// @dev `winner` gets `ownBond` back and `losingBond` less the treasury share, which goes to the treasury.
    function _award(uint256 requestId, address winner, uint256 ownBond, uint256 losingBond) private {
        uint256 cut = (losingBond * _config.treasuryShareBps) / 10_000;
        _credit(requestId, winner, ownBond + losingBond - cut);
        _credit(requestId, _config.treasury, cut);
    }

    /// @dev Offer the final `output` to `consumer` (a contract requester) with bounded gas; a failure is recorded in {AnswerDelivered}, never bubbled.
    function _deliver(uint256 requestId, address consumer, uint256[] memory output) private {
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
        emit AnswerDelivered(requestId, consumer, ok);
    }

    function _setBonds(uint96 proposerBond, uint96 challengerBond) private {
        if (proposerBond == 0 || challengerBond == 0) revert InferenceOracleInvalidBond();
        if (proposerBond > MAX_AMOUNT) revert InferenceOracleAmountTooLarge(proposerBond);
        _config.proposerBond = uint80(proposerBond);
        _config.challengerBond = challengerBond;
        emit BondsSet(proposerBond, challengerBond);
    }

    function _setWindows(uint32 challengeWindow, uint32 responseWindow) private {
        if (challengeWindow < MIN_WINDOW || challengeWindow > MAX_WINDOW) revert InferenceOracleInvalidWindow(challengeWindow);
        if (responseWindow < MIN_WINDOW || responseWindow > MAX_WINDOW) revert InferenceOracleInvalidWindow(responseWindow);
        _config.challengeWindow = uint24(challengeWindow); // ≤ MAX_WINDOW
        _config.responseWindow = responseWindow;
        emit WindowsSet(challengeWindow, responseWindow);
    }

    function _setRequestTimeout(uint32 timeout) private {
        if (timeout < MIN_WINDOW || timeout > MAX_REQUEST_TIMEOUT) revert InferenceOracleInvalidTimeout(timeout);
        _config.requestTimeout = timeout;
        emit RequestTimeoutSet(timeout);
    }

    function _setFee(uint96 fee) private {
        if (fee > MAX_AMOUNT) revert InferenceOracleAmountTooLarge(fee);
        _config.fee = uint80(fee);
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
