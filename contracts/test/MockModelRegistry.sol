// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/**
 * @title MockModelRegistry
 * @notice Test double of {IModelRegistry}: versions and audit verdicts are set directly.
 */
contract MockModelRegistry is IModelRegistry {
    struct Origin {
        uint256 modelId;
        address submitter;
        bool exists;
    }

    mapping(uint256 versionId => Origin) private _origins;
    mapping(uint256 versionId => bool) private _audited;

    error MockRegistryUnknownVersion(uint256 versionId);

    /// @notice Record that `submitter` submitted `versionId` for `modelId`.
    function setVersion(uint256 versionId, uint256 modelId, address submitter) external {
        _origins[versionId] = Origin(modelId, submitter, true);
    }

    /// @notice Set whether `versionId` counts as audited.
    function setAudited(uint256 versionId, bool audited) external {
        _audited[versionId] = audited;
    }

    /// @inheritdoc IModelRegistry
    function versionOrigin(uint256 versionId) external view returns (uint256 modelId, address submitter) {
        Origin memory o = _origins[versionId];
        if (!o.exists) revert MockRegistryUnknownVersion(versionId);
        return (o.modelId, o.submitter);
    }

    /// @inheritdoc IModelRegistry
    function isAudited(uint256 versionId) external view returns (bool) {
        return _audited[versionId];
    }
}
