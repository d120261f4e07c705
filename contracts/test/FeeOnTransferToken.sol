// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title FeeOnTransferToken
 * @notice ERC-20 that burns `feeBps` of every transfer. By default the fee comes out of the
 * transferred value (the recipient gets less); with `feeOnTop` the sender pays value + fee.
 */
contract FeeOnTransferToken is ERC20 {
    uint256 public feeBps;
    bool public feeOnTop;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        feeBps = feeBps_;
    }

    /// @notice Mint `amount` to `to` (anyone; test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Charge the fee on top of the value (sender debited value + fee).
    function setFeeOnTop(bool onTop) external {
        feeOnTop = onTop;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps) / 10_000;
        if (feeOnTop) {
            super._update(from, to, value);
        } else {
            super._update(from, to, value - fee);
        }
        super._update(from, address(0), fee);
    }
}
