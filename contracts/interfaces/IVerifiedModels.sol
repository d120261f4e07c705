// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IVerifiedModels
 * @notice What a contract that consumes a model's answers (an inference oracle) reads from the
 * registry: which version of a model is active now, the zk verifier bound to a version, and
 * whether a version is suspended (an oracle then lets no answer of it become final).
 */
interface IVerifiedModels {
    /// @notice The active version id of `modelId`, 0 if none (see the registry's rules).
    function activeVersionId(uint256 modelId) external view returns (uint256);

    /**
     * @notice The active version id of `modelId` and its zk verifier in one call (0 and the zero
     * address when the model has no active version; the zero address when the version has none):
     * what an oracle pins at request time. Cheaper than {activeVersionId} + {verifierOf} while the
     * version's audit result is cached (see the registry's `syncAudit`).
     */
    function activeVerifiedVersion(uint256 modelId) external view returns (uint256 versionId, address verifier);

    /**
     * @notice The zk verifier bound to `versionId` (an EZKL Halo2 verifier: `verifyProof(bytes,
     * uint256[])`), or the zero address when the version has none.
     */
    function verifierOf(uint256 versionId) external view returns (address);

    /// @notice Whether a guardian suspended `versionId` (it can be reinstated); reverts for an unknown version.
    function isSuspended(uint256 versionId) external view returns (bool);
}
