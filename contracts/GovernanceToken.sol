// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title GovernanceToken
 * @notice The modelgov voting token: ERC-20 with EIP-2612 permits and ERC-5805 votes.
 * @dev Uses a timestamp clock (ERC-6372 `mode=timestamp`) so that voting periods are measured in
 * seconds on every chain. The whole supply is minted once, at deployment, to `initialHolder`.
 */
contract GovernanceToken is ERC20, ERC20Permit, ERC20Votes {
    /**
     * @param name_ ERC-20 name (also the EIP-712 domain name).
     * @param symbol_ ERC-20 symbol.
     * @param initialHolder Receives the whole initial supply.
     * @param initialSupply Amount minted to `initialHolder` (in the smallest unit).
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address initialHolder,
        uint256 initialSupply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        _mint(initialHolder, initialSupply);
    }

    /// @notice ERC-6372 clock: the current block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 clock mode: `mode=timestamp`.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @notice Next EIP-2612 permit nonce of `owner`.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
