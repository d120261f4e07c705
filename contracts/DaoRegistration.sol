// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {IERC4824} from "./interfaces/IERC4824.sol";

/**
 * @title DaoRegistration
 * @notice The DAO's ERC-4824 registration: {daoURI} points at the DAO's JSON-LD document (what
 * `modelgov dao uri` builds). Its owner is the timelock, so only a passed proposal changes it.
 * @dev Deployed beside the governor by `modelgov.chain.deploy.deploy_suite` (suite member `dao`)
 * instead of living in the governor, whose deployment then costs what OpenZeppelin's governor with
 * the same modules costs. Access control is OpenZeppelin's {Ownable}: every owner-only function
 * reverts with `OwnableUnauthorizedAccount(caller)` for any other caller, and the constructor with
 * `OwnableInvalidOwner(address(0))` for a zero owner. Ownership moves only by the owner's own
 * `transferOwnership` / `renounceOwnership` (i.e. by governance). Supports ERC-165 for {IERC4824}.
 */
contract DaoRegistration is IERC4824, Ownable, ERC165 {
    string private _daoURI;

    /**
     * @param initialOwner Who may set the URI: the DAO's timelock.
     */
    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @inheritdoc IERC4824
    function daoURI() external view returns (string memory) {
        return _daoURI;
    }

    /**
     * @notice Set {daoURI}. Only the owner (the timelock, i.e. a passed proposal).
     * @dev Reverts with `OwnableUnauthorizedAccount(caller)` for any other caller. Emits
     * {IERC4824-DAOURIUpdate}, also when the URI is unchanged (a re-announcement).
     * @param newDaoURI The new URI (e.g. `ipfs://<CID>` of the document `modelgov dao uri` builds).
     */
    function setDaoURI(string calldata newDaoURI) external onlyOwner {
        _daoURI = newDaoURI;
        emit DAOURIUpdate(newDaoURI);
    }

    /// @inheritdoc ERC165
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IERC4824).interfaceId || super.supportsInterface(interfaceId);
    }
}
