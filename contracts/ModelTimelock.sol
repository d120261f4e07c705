// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ModelTimelock
 * @notice OpenZeppelin's TimelockController with an expiry, as Compound's timelock has: an operation
 * can only be executed during {GRACE_PERIOD} after it becomes ready. It holds every admin role of
 * the suite and executes what the governor queued once `minDelay` has passed.
 * @dev Deployed by `modelgov.chain.deploy.deploy_suite`, which makes the governor the only proposer
 * and canceller, opens the executor role to anyone, and renounces the deployer's admin role.
 *
 * The expiry holds at the timelock itself (its executor role is open to anyone): once an operation's
 * {GRACE_PERIOD} has passed, {getOperationState} reads `Waiting` instead of `Ready` (OpenZeppelin's
 * state enum has no "expired"; an expired operation is pending and never ready again), so
 * OpenZeppelin's `execute` and `executeBatch` refuse it with `TimelockUnexpectedOperationState`
 * and {isOperationExpired} tells it apart. An expired operation can still be cancelled; the
 * governor keeps reporting its proposal as Queued. A passed proposal not executed in time must be
 * proposed again. The check sits in the one state function every OpenZeppelin path reads, so no
 * operation id is hashed twice.
 */
contract ModelTimelock is TimelockController {
    /// @notice Seconds an operation stays executable after it became ready (its timestamp).
    uint256 public constant GRACE_PERIOD = 14 days;

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

    /**
     * @notice The state of operation `id`: OpenZeppelin's, except that a `Ready` operation whose
     * {GRACE_PERIOD} has passed reads `Waiting` (pending, never ready again; see {isOperationExpired}).
     */
    function getOperationState(bytes32 id) public view virtual override returns (OperationState) {
        OperationState state = super.getOperationState(id);
        if (state == OperationState.Ready && _expired(getTimestamp(id))) return OperationState.Waiting;
        return state;
    }

    /// @notice Whether operation `id` is pending and its {GRACE_PERIOD} has passed: it can never execute.
    function isOperationExpired(bytes32 id) public view virtual returns (bool) {
        uint256 readyAt = getTimestamp(id);
        return readyAt > DONE_TIMESTAMP && _expired(readyAt);
    }

    /// @dev Whether an operation that became ready at `readyAt` is past its grace period.
    function _expired(uint256 readyAt) private view returns (bool) {
        return block.timestamp > readyAt + GRACE_PERIOD;
    }
}
