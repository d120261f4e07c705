// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {WeightsBoundVerifier} from "./WeightsBoundVerifier.sol";

/**
 * @title WeightsBoundVerifierFactory
 * @notice Makes each model version's {WeightsBoundVerifier}: a clone (OpenZeppelin {Clones}, with
 * immutable arguments) that checks the version's weights commitment and then calls the EZKL
 * verifier shared by its circuit architecture. A new version of an existing architecture costs one
 * clone (about 100k gas) instead of a new EZKL verifier (about 3M gas).
 * @dev Permissionless and deterministic: the clone's address follows from (verifier, commitment)
 * alone (CREATE2, salt zero, the arguments in the init code), so anyone creating it makes the very
 * same contract and nobody can occupy that address with another one. Whoever binds a clone to a
 * version (the version's submitter) and the auditors check it with `modelgov zk check`, which
 * re-derives the shared verifier's code and the commitment from the version's own weights.
 */
contract WeightsBoundVerifierFactory {
    /// @notice The {WeightsBoundVerifier} every clone delegates to (deployed by the constructor).
    address public immutable implementation;

    /// @dev Largest accepted commitment: 64 G1 points (EZKL uses one per parameter column).
    uint256 private constant _MAX_COMMITMENT_LENGTH = 64 * 64;

    /**
     * @notice A version's weights-bound verifier was created.
     * @param clone The new {WeightsBoundVerifier} clone.
     * @param verifier The shared EZKL verifier it calls.
     * @param commitmentHash keccak256 of `commitment`.
     * @param commitment The weights commitment (the proof's leading G1 points, 64 bytes each).
     */
    event WeightsBoundVerifierCreated(
        address indexed clone, address indexed verifier, bytes32 indexed commitmentHash, bytes commitment
    );

    /// @notice `verifier` holds no contract code.
    error WeightsBoundVerifierFactoryInvalidVerifier(address verifier);

    /// @notice A commitment must be 1 to 64 G1 points of 64 bytes; `length` bytes were given.
    error WeightsBoundVerifierFactoryInvalidCommitment(uint256 length);

    /// @notice The clone of these arguments already exists at `clone` (use it).
    error WeightsBoundVerifierFactoryAlreadyCreated(address clone);

    /// @notice Deploys the {WeightsBoundVerifier} implementation.
    constructor() {
        implementation = address(new WeightsBoundVerifier());
    }

    /**
     * @notice Create the weights-bound verifier of (`verifier`, `commitment`). Anyone may.
     * @dev Reverts with {WeightsBoundVerifierFactoryInvalidVerifier} when `verifier` has no code,
     * {WeightsBoundVerifierFactoryInvalidCommitment} for a commitment that is not 1..64 points and
     * {WeightsBoundVerifierFactoryAlreadyCreated} when the clone exists. Emits
     * {WeightsBoundVerifierCreated}.
     * @param verifier The EZKL verifier of the version's circuit architecture.
     * @param commitment The version's weights commitment.
     * @return clone The new clone's address (= {predict} of the same arguments).
     */
    function create(address verifier, bytes calldata commitment) external returns (address clone) {
        if (verifier.code.length == 0) revert WeightsBoundVerifierFactoryInvalidVerifier(verifier);
        uint256 length = commitment.length;
        if (length == 0 || length % 64 != 0 || length > _MAX_COMMITMENT_LENGTH) {
            revert WeightsBoundVerifierFactoryInvalidCommitment(length);
        }
        bytes32 commitmentHash = keccak256(commitment);
        bytes memory args = abi.encode(verifier, length, commitmentHash);
        address predicted = Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, bytes32(0));
        if (predicted.code.length != 0) revert WeightsBoundVerifierFactoryAlreadyCreated(predicted);
        clone = Clones.cloneDeterministicWithImmutableArgs(implementation, args, bytes32(0));
        emit WeightsBoundVerifierCreated(clone, verifier, commitmentHash, commitment);
    }

    /**
     * @notice The address of the weights-bound verifier of (`verifier`, `commitment`), created or not.
     * @param verifier The shared EZKL verifier.
     * @param commitment The weights commitment.
     * @return The clone's (future) address.
     */
    function predict(address verifier, bytes calldata commitment) external view returns (address) {
        bytes memory args = abi.encode(verifier, commitment.length, keccak256(commitment));
        return Clones.predictDeterministicAddressWithImmutableArgs(implementation, args, bytes32(0));
    }
}
