// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title NonStandardToken
 * @notice Test token that breaks ERC-20 the two common ways. `Mode.NoReturn`: transfer and
 * transferFrom return nothing (USDT-style) but work. `Mode.ReturnFalse`: they return false and
 * move nothing instead of reverting. Minimal on purpose (no OZ base: its functions return bool).
 */
contract NonStandardToken {
    enum Mode {
        NoReturn,
        ReturnFalse
    }

    Mode public mode;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    constructor(Mode mode_) {
        mode = mode_;
    }

    /// @notice Switch the misbehaviour (test knob).
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @notice Mint `amount` to `to` (anyone; test token).
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (mode == Mode.ReturnFalse) _returnFalse();
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        if (mode == Mode.ReturnFalse) _returnFalse();
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }

    function _returnFalse() private pure {
        assembly ("memory-safe") {
            mstore(0, 0)
            return(0, 32)
        }
    }
}
