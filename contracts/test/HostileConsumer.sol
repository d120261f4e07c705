// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {InferenceOracle} from "../InferenceOracle.sol";

interface IOracleForHostile {
    function request(uint256 modelId, bytes calldata input) external payable returns (uint256);
    function withdraw() external;
    function finalize(uint256 requestId, InferenceOracle.RequestState calldata state, bytes calldata output) external;
}

/// @notice Test consumer that misbehaves in its callback: reverts, burns all gas, reenters the oracle, or returns a huge revert reason.
contract HostileConsumer {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        Reenter,
        BigRevert
    }

    IOracleForHostile public immutable oracle;
    Mode public mode;
    uint256 public calls;
    bool public reenterSucceeded;
    bytes public reenterError;
    uint256[] public lastOutput;

    constructor(IOracleForHostile oracle_) {
        oracle = oracle_;
    }

    receive() external payable {}

    function setMode(Mode m) external {
        mode = m;
    }

    function ask(uint256 modelId, bytes calldata input) external payable returns (uint256) {
        return oracle.request{value: msg.value}(modelId, input);
    }

    function onInferenceAnswer(uint256 requestId, uint256[] calldata output) external {
        calls += 1;
        if (mode == Mode.Revert) revert("consumer refuses");
        if (mode == Mode.BurnGas) {
            uint256 x;
            while (true) x += 1;
        }
        if (mode == Mode.BigRevert) {
            assembly {
                revert(0, 500000)
            }
        }
        if (mode == Mode.Reenter) {
            // try to settle again / take funds while the oracle is mid-settlement
            // the guard refuses before the state is even looked at (the consumer does not know it)
            InferenceOracle.RequestState memory state;
            try oracle.finalize(requestId, state, abi.encodePacked(uint8(32), output)) {
                reenterSucceeded = true;
            } catch (bytes memory reason) {
                reenterError = reason;
            }
            try oracle.withdraw() {
                reenterSucceeded = true;
            } catch {}
            return;
        }
        lastOutput = output;
    }
}
