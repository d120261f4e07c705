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


def client_of(governor):
    """The typed client of the suite around ``governor`` (its timelock and token)."""
    from modelgov.chain.client import Deployment, ModelGov

    return ModelGov(None, deployment=Deployment({
        "governor": str(governor.address), "timelock": str(governor.timelock()),
        "token": str(governor.token())}))


def pass_proposal(chain, governor, proposal: Proposal, proposer, voters) -> int:
    """Propose, vote For with every voter, and queue — through the client's one lifecycle
    helper (``Governor.run``). Returns the proposal id."""
    run = client_of(governor).governor.run(proposal, proposer=proposer,
                                           votes=[(v, "for") for v in voters], execute=False)
    return run.proposal_id


def execute_proposal(chain, governor, proposal: Proposal, proposal_id: int, sender):
    chain.pending_timestamp = governor.proposalEta(proposal_id) + 1
    return governor.execute(*proposal.args(), sender=sender)


def govern(chain, governor, calls, description, proposer, voters):
    """Run ``calls`` through the full lifecycle; returns the execute receipt."""
    proposal = make_proposal(calls, description)
    proposal_id = pass_proposal(chain, governor, proposal, proposer, voters)
    return execute_proposal(chain, governor, proposal, proposal_id, proposer)
