// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/**
 * @title FlashVoter
 * @notice Test attacker: in ONE transaction it borrows voting tokens from a lender that approved
 * it (a flash loan), self-delegates, votes, and repays. Used to show that votes are read at the
 * proposal snapshot, so such a vote weighs nothing.
 */
contract FlashVoter {
    /// @notice Borrow `amount` from `lender`, delegate to self, vote `support`, repay. Returns the weight.
    function borrowAndVote(
        address token,
        address lender,
        uint256 amount,
        IGovernor governor,
        uint256 proposalId,
        uint8 support
    ) external returns (uint256 weight) {
        require(IERC20(token).transferFrom(lender, address(this), amount), "borrow");
        IVotes(token).delegate(address(this));
        weight = governor.castVote(proposalId, support);
        require(IERC20(token).transfer(lender, amount), "repay");
    }
}
