// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @notice Attack helper: clones any implementation with any immutable arguments (what an attacker
/// can deploy without the factory's checks).
contract ForgedCloneMaker {
    event Made(address clone);

    function make(address implementation, bytes calldata args) external returns (address clone) {
        clone = Clones.cloneWithImmutableArgs(implementation, args);
        emit Made(clone);
    }
}
