// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IInferenceOracle
 * @notice What a consumer contract calls on the InferenceOracle: ask the active version of a
 * model about an input (field elements, EZKL public instances), and check a final answer.
 */
interface IInferenceOracle {
    /// @notice Ask `modelId`'s active version about `input`, paying exactly the oracle's fee; returns the request id.
    function request(uint256 modelId, uint256[] calldata input) external payable returns (uint256 requestId);

    /// @notice True when `requestId` is final and `output` is its answer.
    function isAnswer(uint256 requestId, uint256[] calldata output) external view returns (bool);
}
