// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title ERC1271Wallet
 * @notice Test helper: a contract account whose signatures are its owner's ECDSA signatures
 * (ERC-1271). Used to check that ModelRegistry.attestBySig accepts contract auditors.
 */
contract ERC1271Wallet is IERC1271 {
    /// @notice The EOA whose signatures this wallet accepts.
    address public immutable owner;

    /// @param owner_ The signing key's address.
    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
