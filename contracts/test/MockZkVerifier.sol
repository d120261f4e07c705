// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice Test verifier: accepts every proof when `acceptAll`, else only instance arrays marked valid; reverts when `revertAll`.
contract MockZkVerifier {
    bool public acceptAll;
    bool public revertAll;
    mapping(bytes32 => bool) public valid;

    constructor(bool acceptAll_) {
        acceptAll = acceptAll_;
    }

    function setAcceptAll(bool value) external {
        acceptAll = value;
    }

    function setRevertAll(bool value) external {
        revertAll = value;
    }

    /// @notice Mark `instances` (input ‖ output) as provable.
    function setValid(uint256[] calldata instances, bool value) external {
        valid[keccak256(abi.encode(instances))] = value;
    }

    function verifyProof(bytes calldata, uint256[] calldata instances) external view returns (bool) {
        require(!revertAll, "mock verifier reverts");
        return acceptAll || valid[keccak256(abi.encode(instances))];
    }
}
