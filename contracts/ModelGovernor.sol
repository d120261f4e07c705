// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IGovernor, Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
import {GovernorSequentialProposalId} from "@openzeppelin/contracts/governance/extensions/GovernorSequentialProposalId.sol";
import {GovernorNoncesKeyed} from "@openzeppelin/contracts/governance/extensions/GovernorNoncesKeyed.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title ModelGovernor
 * @notice The DAO's governor: token-weighted votes (ERC-5805, timestamp clock), a quorum as a
 * fraction of supply, For/Against/Abstain counting, a timelock between success and execution, and
 * protection against last-minute quorum (a late quorum extends the vote), and a proposal guardian
 * (set by governance with `setProposalGuardian`) who can cancel any proposal that is not executed
 * yet, queued ones included (the timelock operation is cancelled with it).
 *
 * Proposals are numbered 1, 2, 3… (GovernorSequentialProposalId); `hashProposal` still gives the
 * hash of a proposal's contents and `getProposalId` maps that hash to its number. Signed votes
 * (`castVoteBySig`) may use a nonce keyed by the proposal (GovernorNoncesKeyed: key =
 * `uint192(proposalId)`, i.e. the proposal number), so a voter can sign ballots for several
 * proposals offline and have them relayed in any order; the plain per-voter nonce still works.
 * The DAO's ERC-4824 registration (`daoURI`) is a separate contract, DaoRegistration, owned by the
 * timelock.
 * @dev Composed only of OpenZeppelin v5 modules; this contract resolves their overrides and adds
 * one restriction: OpenZeppelin's fallback "no proposal guardian set → a proposer may cancel its
 * proposal at any stage" is disabled ({_validateCancel}), so a proposer can still only cancel its
 * proposal while it is Pending and cannot withdraw a proposal that passed. Queued operations
 * expire in the timelock (`ModelTimelock.GRACE_PERIOD`). ABI-compatible with Tally and OZ's
 * IGovernor.
 */
contract ModelGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum,
    GovernorProposalGuardian,
    GovernorSequentialProposalId,
    GovernorNoncesKeyed
{
    /**
     * @param token_ The ERC-5805 voting token.
     * @param timelock_ The timelock that executes successful proposals and holds admin roles.
     * @param votingDelay_ Seconds between proposal and the start of voting (the snapshot).
     * @param votingPeriod_ Seconds the vote stays open.
     * @param proposalThreshold_ Votes needed to propose.
     * @param quorumNumerator_ Quorum as a percentage of the total supply at the snapshot.
     * @param voteExtension_ Seconds voting stays open after quorum is reached late.
     */
    constructor(
        IVotes token_,
        TimelockController timelock_,
        uint48 votingDelay_,
        uint32 votingPeriod_,
        uint256 proposalThreshold_,
        uint256 quorumNumerator_,
        uint48 voteExtension_
    )
        Governor("ModelGovernor")
        GovernorSettings(votingDelay_, votingPeriod_, proposalThreshold_)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(quorumNumerator_)
        GovernorTimelockControl(timelock_)
        GovernorPreventLateQuorum(voteExtension_)
    {}

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorPreventLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    /// @inheritdoc Governor
    function state(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc GovernorSequentialProposalId
    function getProposalId(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public view override(Governor, GovernorSequentialProposalId) returns (uint256) {
        return super.getProposalId(targets, values, calldatas, descriptionHash);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorSequentialProposalId) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _validateVoteSig(
        uint256 proposalId,
        uint8 support,
        address voter,
        bytes memory signature
    ) internal override(Governor, GovernorNoncesKeyed) returns (bool) {
        return super._validateVoteSig(proposalId, support, voter, signature);
    }

    function _validateExtendedVoteSig(
        uint256 proposalId,
        uint8 support,
        address voter,
        string memory reason,
        bytes memory params,
        bytes memory signature
    ) internal override(Governor, GovernorNoncesKeyed) returns (bool) {
        return super._validateExtendedVoteSig(proposalId, support, voter, reason, params, signature);
    }

    function _useCheckedNonce(address owner, uint256 nonce) internal override(Nonces, GovernorNoncesKeyed) {
        super._useCheckedNonce(owner, nonce);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    /**
     * @dev The proposal guardian may cancel any proposal (GovernorProposalGuardian); otherwise
     * Governor's rule applies (the proposer, while Pending). Skips GovernorProposalGuardian's
     * fallback that lets proposers cancel at any stage when no guardian is set.
     */
    function _validateCancel(
        uint256 proposalId,
        address caller
    ) internal view override(Governor, GovernorProposalGuardian) returns (bool) {
        address guardian = proposalGuardian();
        return (guardian != address(0) && caller == guardian) || Governor._validateCancel(proposalId, caller);
    }
}
