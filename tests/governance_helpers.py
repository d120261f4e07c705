"""Drive a proposal through the governor in tests: propose → vote → queue → execute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
AGAINST, FOR, ABSTAIN = range(3)


@dataclass
class Proposal:
    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description: str

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    def args(self) -> tuple[Any, ...]:
        return (self.targets, self.values, self.calldatas, self.description_hash)


def make_proposal(calls: list[tuple[Any, str, tuple]], description: str) -> Proposal:
    """``calls``: (contract, method name, args) triples, encoded with the contract's ABI."""
    targets, values, datas = [], [], []
    for contract, method, args in calls:
        targets.append(str(contract.address))
        values.append(0)
        datas.append(bytes(getattr(contract, method).encode_input(*args)))
    return Proposal(targets, values, datas, description)


def propose(governor, proposal: Proposal, proposer) -> int:
    governor.propose(
        proposal.targets, proposal.values, proposal.calldatas, proposal.description,
        sender=proposer,
    )
    # sequential ids (GovernorSequentialProposalId): the id comes from the chain
    return governor.getProposalId(*proposal.args())


def advance_to_voting(chain, governor, proposal_id: int) -> None:
    chain.pending_timestamp = governor.proposalSnapshot(proposal_id) + 1
    chain.mine()


def advance_past_deadline(chain, governor, proposal_id: int) -> None:
    chain.pending_timestamp = governor.proposalDeadline(proposal_id) + 1
    chain.mine()


def pass_proposal(chain, governor, proposal: Proposal, proposer, voters) -> int:
    """Propose, vote For with every voter, and queue. Returns the proposal id."""
    proposal_id = propose(governor, proposal, proposer)
    advance_to_voting(chain, governor, proposal_id)
    for voter in voters:
        governor.castVote(proposal_id, FOR, sender=voter)
    advance_past_deadline(chain, governor, proposal_id)
    governor.queue(*proposal.args(), sender=proposer)
    return proposal_id


def execute_proposal(chain, governor, proposal: Proposal, proposal_id: int, sender):
    chain.pending_timestamp = governor.proposalEta(proposal_id) + 1
    return governor.execute(*proposal.args(), sender=sender)


def govern(chain, governor, calls, description, proposer, voters):
    """Run ``calls`` through the full lifecycle; returns the execute receipt."""
    proposal = make_proposal(calls, description)
    proposal_id = pass_proposal(chain, governor, proposal, proposer, voters)
    return execute_proposal(chain, governor, proposal, proposal_id, proposer)
