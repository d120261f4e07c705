// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title DualEntryToken
 * @notice Test token reachable at two addresses, like legacy TUSD or SNX: this contract and a
 * {TokenAlias} whose `transfer` moves the same balances (the cTUSD `sweepToken` class of bugs).
 */
contract DualEntryToken is ERC20 {
    /// @notice The second entry point, allowed to move balances on behalf of its callers.
    address public alias_;

    /// @notice Only the alias may call {aliasTransfer}.
    error DualEntryTokenNotAlias(address caller);

    constructor() ERC20("Dual Entry USD", "dUSD") {}

    /// @notice Mint `amount` to `to` (anyone; test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Set the second entry point (once is enough for tests; anyone may call it).
    function setAlias(address entry) external {
        alias_ = entry;
    }

    /// @notice Move `amount` from `from` to `to` for the alias (which passes its own caller as `from`).
    function aliasTransfer(address from, address to, uint256 amount) external returns (bool) {
        if (msg.sender != alias_) revert DualEntryTokenNotAlias(msg.sender);
        _transfer(from, to, amount);
        return true;
    }
}
