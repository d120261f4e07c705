// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IZkVerifier} from "./interfaces/IZkVerifier.sol";

/**
 * @title WeightsBoundVerifier
 * @notice One model version's zk verifier: accepts a proof only when the proof's weights
 * commitment is this version's, then asks the EZKL verifier shared by every version of the same
 * circuit architecture. Bound to a version with `ModelRegistry.bindVerifier` like any verifier.
 * @dev Each version's instance is an OpenZeppelin {Clones} clone with immutable arguments
 * `abi.encode(address verifier, uint256 commitmentLength, bytes32 commitmentHash)` of this
 * implementation, made by {WeightsBoundVerifierFactory}. With EZKL's `polycommit` parameter
 * visibility the verifying key does not depend on the weights; the weights live in unblinded
 * advice columns whose KZG commitments (one G1 point per column, 64 bytes each) are the first
 * `commitmentLength` bytes of the proof, identical for every proof of the same weights. Comparing
 * them with the version's commitment is what binds a proof to the version's weights (SECURITY.md,
 * "Verifiable inference"). The implementation itself refuses every call to {verifyProof}.
 */
contract WeightsBoundVerifier is IZkVerifier {
    /// @dev This contract's own address: a clone (which runs this code) has another one.
    address private immutable _self = address(this);

    /// @notice {verifyProof} or an argument getter was called on the implementation, not on a clone.
    error WeightsBoundVerifierNotAClone();

    /**
     * @notice The proof does not open with the version's weights commitment.
     * @param expected keccak256 of the version's commitment.
     * @param given keccak256 of the proof's first `commitmentLength` bytes (zero if it is shorter).
     */
    error WeightsBoundVerifierCommitmentMismatch(bytes32 expected, bytes32 given);

    /**
     * @inheritdoc IZkVerifier
     * @dev Reverts with {WeightsBoundVerifierCommitmentMismatch} when `proof` does not start with
     * the version's weights commitment and with {WeightsBoundVerifierNotAClone} on the
     * implementation; otherwise returns (or reverts with) the shared verifier's answer.
     */
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        (address shared, uint256 length, bytes32 commitmentHash) = _args();
        bytes32 given = proof.length < length ? bytes32(0) : keccak256(proof[:length]);
        if (given != commitmentHash) revert WeightsBoundVerifierCommitmentMismatch(commitmentHash, given);
        return IZkVerifier(shared).verifyProof(proof, instances);
    }

    /// @notice The EZKL verifier of the circuit architecture this version's proofs are checked by.
    function verifier() external view returns (address) {
        (address shared, , ) = _args();
        return shared;
    }

    /// @notice The version's weights commitment: its length in bytes and its keccak256.
    function weightsCommitment() external view returns (uint256 length, bytes32 commitmentHash) {
        (, length, commitmentHash) = _args();
    }

    /// @dev The clone's immutable arguments; reverts with {WeightsBoundVerifierNotAClone} on the implementation.
    function _args() private view returns (address shared, uint256 length, bytes32 commitmentHash) {
        if (address(this) == _self) revert WeightsBoundVerifierNotAClone();
        return abi.decode(Clones.fetchCloneArgs(address(this)), (address, uint256, bytes32));
    }
}
