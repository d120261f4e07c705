// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";

/**
 * @title ModelConsumer
 * @notice An example application of the DAO's classifier: it asks the oracle to classify an
 * input and acts on the answer, the class with the highest logit (argmax over the outputs, read
 * as signed fixed-point field elements). The answer arrives by the oracle's callback; if that
 * failed, anyone can hand the final answer in with {claim}, which the oracle confirms.
 */
contract ModelConsumer is IInferenceConsumer {
    /// @notice The BN254 field modulus: words above half of it are negative numbers.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The oracle this consumer asks.
    IInferenceOracle public immutable oracle;
    /// @notice The model it asks.
    uint256 public immutable modelId;

    /// @notice Whether a request of this consumer was decided, and the class decided.
    mapping(uint256 requestId => bool) public decided;
    /// @notice See {decided}.
    mapping(uint256 requestId => uint256) public classOf;
    /// @notice Whether `requestId` was asked by this consumer.
    mapping(uint256 requestId => bool) public asked;

    /// @notice Only the oracle may call back.
    error ModelConsumerNotOracle(address caller);
    /// @notice `requestId` was not asked by this consumer.
    error ModelConsumerUnknownRequest(uint256 requestId);
    /// @notice `requestId` was already decided.
    error ModelConsumerAlreadyDecided(uint256 requestId);
    /// @notice `output` is not the oracle's final answer to `requestId`.
    error ModelConsumerNotTheAnswer(uint256 requestId);
    /// @notice An empty output.
    error ModelConsumerEmptyOutput();

    /// @notice The consumer asked the oracle (`requestId`).
    event Asked(uint256 indexed requestId);
    /// @notice The classifier put the input of `requestId` in class `classIndex`.
    event ClassDecided(uint256 indexed requestId, uint256 classIndex);

    /// @notice A consumer of `modelId`'s answers through `oracle_`.
    constructor(IInferenceOracle oracle_, uint256 modelId_) {
        oracle = oracle_;
        modelId = modelId_;
    }

    /// @notice Ask the oracle to classify `input` (packed words, see {InferenceOracle}); send the oracle's fee along.
    function ask(bytes calldata input) external payable returns (uint256 requestId) {
        requestId = oracle.request{value: msg.value}(modelId, input);
        asked[requestId] = true;
        emit Asked(requestId);
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceAnswer(uint256 requestId, uint256[] calldata output) external {
        if (msg.sender != address(oracle)) revert ModelConsumerNotOracle(msg.sender);
        _decide(requestId, output);
    }

    /// @notice Hand in the final answer of `requestId` when the callback failed (the pull path).
    function claim(uint256 requestId, uint256[] calldata output) external {
        if (!oracle.isAnswer(requestId, output)) revert ModelConsumerNotTheAnswer(requestId);
        _decide(requestId, output);
    }

    /// @notice The index of the largest output, reading words as signed numbers (first one on ties).
    function argmax(uint256[] calldata output) public pure returns (uint256 best) {
        if (output.length == 0) revert ModelConsumerEmptyOutput();
        int256 top = _signed(output[0]);
        for (uint256 i = 1; i < output.length; ++i) {
            int256 v = _signed(output[i]);
            if (v > top) {
                top = v;
                best = i;
            }
        }
    }

    function _decide(uint256 requestId, uint256[] calldata output) private {
        if (!asked[requestId]) revert ModelConsumerUnknownRequest(requestId);
        if (decided[requestId]) revert ModelConsumerAlreadyDecided(requestId);
        uint256 classIndex = argmax(output);
        decided[requestId] = true;
        classOf[requestId] = classIndex;
        emit ClassDecided(requestId, classIndex);
    }

    function _signed(uint256 word) private pure returns (int256) {
        // field elements are below FIELD_MODULUS < 2^254: both branches fit in int256
        // forge-lint: disable-next-line(unsafe-typecast)
        return word > FIELD_MODULUS / 2 ? -int256(FIELD_MODULUS - word) : int256(word);
    }
}
