// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ModelTimelock
 * @notice OpenZeppelin's TimelockController, unchanged: it holds every admin role of the suite and
 * executes what the governor queued once `minDelay` has passed.
 * @dev Deployed by `modelgov.chain.deploy.deploy_suite`, which makes the governor the only proposer
 * and canceller, opens the executor role to anyone, and renounces the deployer's admin role.
 */
contract ModelTimelock is TimelockController {
    /**
     * @param minDelay Seconds between queueing and execution.
     * @param proposers Accounts granted the proposer and canceller roles.
     * @param executors Accounts granted the executor role (`address(0)` opens it to anyone).
     * @param admin Optional temporary admin (renounced by the deploy flow), or `address(0)`.
     */
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
