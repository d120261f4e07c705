// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title ReentrantToken
 * @notice A malicious ERC-20: on the next transfer out of `from_`, it calls `target` with
 * `data` (once) and records whether that re-entrant call succeeded and what it returned.
 */
contract ReentrantToken is ERC20 {
    address public hookFrom;
    address public hookTarget;
    bytes public hookData;
    bool public hookCalled;
    bool public hookSucceeded;
    bytes public hookReturnData;

    constructor() ERC20("Evil", "EVIL") {}

    /// @notice Mint `amount` to `to` (anyone; test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arm the hook: on the next transfer from `from_`, call `target` with `data`.
    function arm(address from_, address target, bytes calldata data) external {
        hookFrom = from_;
        hookTarget = target;
        hookData = data;
        hookCalled = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hookTarget != address(0) && from == hookFrom) {
            address target = hookTarget;
            hookTarget = address(0); // one shot
            hookCalled = true;
            (bool ok, bytes memory ret) = target.call(hookData);
            hookSucceeded = ok;
            hookReturnData = ret;
        }
    }
}
