// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {DualEntryToken} from "./DualEntryToken.sol";

/**
 * @title TokenAlias
 * @notice Test double: the second address of a {DualEntryToken}; balances and transfers are the
 * main token's.
 */
contract TokenAlias {
    /// @notice The token this address forwards to.
    DualEntryToken public immutable main;

    constructor(DualEntryToken main_) {
        main = main_;
    }

    /// @notice The main token's balance of `account`.
    function balanceOf(address account) external view returns (uint256) {
        return main.balanceOf(account);
    }

    /// @notice The main token's total supply.
    function totalSupply() external view returns (uint256) {
        return main.totalSupply();
    }

    /// @notice Transfer the caller's main-token balance.
    function transfer(address to, uint256 amount) external returns (bool) {
        return main.aliasTransfer(msg.sender, to, amount);
    }
}
