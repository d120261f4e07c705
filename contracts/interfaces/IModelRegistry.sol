// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IModelRegistry
 * @notice The small read-only view of the ModelRegistry that other contracts (the GrantTreasury)
 * depend on. The registry knows nothing of its consumers.
 */
interface IModelRegistry {
    /**
     * @notice Who submitted a version, and for which model.
     * @dev Reverts with the registry's unknown-version error when `versionId` does not exist.
     * @return modelId The model the version belongs to.
     * @return submitter The account that submitted the version.
     */
    function versionOrigin(uint256 versionId) external view returns (uint256 modelId, address submitter);

    /**
     * @notice Whether a version is audited: live approvals ≥ the required number and no live
     * rejection, at the time of the call.
     */
    function isAudited(uint256 versionId) external view returns (bool);
}
