// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title Bytes32SymbolToken
 * @notice Test token with MKR-style metadata: `symbol()` returns a bytes32 (not a string) chosen
 * at deployment (any bytes: control characters included) and `decimals()` a uint256. Transfers
 * follow ERC-20. Minimal on purpose (no OZ base: its metadata functions return strings).
 */
contract Bytes32SymbolToken {
    /// @notice The symbol as raw bytes32, like MKR and SAI.
    bytes32 public symbol;
    /// @notice 18, returned as a uint256 like MKR.
    uint256 public decimals = 18;
    /// @notice ERC-20 balances.
    mapping(address => uint256) public balanceOf;
    /// @notice ERC-20 allowances.
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice ERC-20 total supply.
    uint256 public totalSupply;

    /// @param symbol_ The bytes32 symbol to return.
    constructor(bytes32 symbol_) {
        symbol = symbol_;
    }

    /// @notice Mint `amount` to `to` (anyone; test token).
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    /// @notice ERC-20 approve.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    /// @notice ERC-20 transfer.
    function transfer(address to, uint256 amount) external returns (bool) {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }

    /// @notice ERC-20 transferFrom.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}
