// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IInferenceConsumer
 * @notice What a contract that requests inferences from the InferenceOracle implements to receive
 * the final answer. The call is gas-bounded and its failure never blocks settlement: a consumer
 * can always read the answer later ({InferenceOracle-isAnswer}).
 */
interface IInferenceConsumer {
    /**
     * @notice Called once by the oracle when request `requestId` is final; `output` are the
     * model's outputs as field elements at the circuit's output scale (negative values are
     * `FIELD_MODULUS - |v|`).
     */
    function onInferenceAnswer(uint256 requestId, uint256[] calldata output) external;
}
