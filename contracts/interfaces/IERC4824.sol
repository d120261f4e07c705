// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IERC4824
 * @notice ERC-4824 ("Common Interfaces for DAOs"): where a DAO publishes its registration document.
 * @dev See https://eips.ethereum.org/EIPS/eip-4824. The event's name and the function are the
 * standard's, so indexers that follow ERC-4824 find them. The ERC-165 interface id is the selector
 * of {daoURI}.
 */
interface IERC4824 {
    /**
     * @notice Emitted when the DAO's registration URI changes.
     * @param daoURI The new URI of the DAO's ERC-4824 JSON-LD document.
     */
    event DAOURIUpdate(string daoURI);

    /**
     * @notice The URI of a JSON-LD document following the "EIP-4824 DAO JSON-LD Schema" (name,
     * description, membersURI, proposalsURI, activityLogURI, governanceURI, contractsURI).
     * @return The document's URI (e.g. `ipfs://<CID>` or an HTTPS URL); empty until set.
     */
    function daoURI() external view returns (string memory);
}
