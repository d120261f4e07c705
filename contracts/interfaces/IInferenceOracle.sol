// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IInferenceOracle
 * @notice What a consumer contract calls on the InferenceOracle: ask the active version of a
 * model about an input (packed words: a width byte, then signed big-endian fixed-point values of
 * that width, which the oracle expands into the EZKL public instances), and check a final answer
 * (as field elements).
 */
interface IInferenceOracle {
    /// @notice Ask `modelId`'s active version about `input` (packed words), paying exactly the oracle's fee; returns the request id.
    function request(uint256 modelId, bytes calldata input) external payable returns (uint256 requestId);

    /// @notice True when `requestId` is final and `output` (field elements, negatives as `FIELD_MODULUS - |v|`) is its answer.
    function isAnswer(uint256 requestId, uint256[] calldata output) external view returns (bool);
}
