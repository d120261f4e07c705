// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IZkVerifier
 * @notice The EZKL Halo2 verifier a version is bound to in the registry: `instances` are the
 * circuit's public values (the model's inputs, then its outputs) as BN254 field elements.
 */
interface IZkVerifier {
    /// @notice True when `proof` proves the circuit for `instances`; EZKL verifiers revert or answer false otherwise. Called with STATICCALL.
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool);
}
