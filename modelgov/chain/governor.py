"""The governor of a suite, ``client.governor``: proposals' state and votes (read over JSON-RPC
from the shipped ABIs), and every governance write (propose, vote, queue, execute, cancel,
delegate) through the one transaction pipeline, returning :class:`~modelgov.chain.tx.TxResult`.

Building a proposal from a YAML file, simulating it and verifying it against the chain stay in
:mod:`modelgov.chain.governance` (the proposal's text and calldata); this module is the
governor's lifecycle. :meth:`Governor.run` drives a proposal from submission to execution on a
local chain (it moves the chain's clock): the one lifecycle helper the demo, the bench, the
tests and the simulation share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils.crypto import keccak

from modelgov.chain.abi_values import abi_int, abi_tuple
from modelgov.chain.enums import SUPPORT, ProposalState, role_name
from modelgov.chain.tx import JsonRecord, TxResult, send
from modelgov.errors import (
    CustomError,
    ModelGovError,
    NotFoundError,
    SignatureError,
    StateError,
    ValidationError,
)

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.client import ModelGov
    from modelgov.chain.contract import ContractHandle
    from modelgov.chain.governance import BuiltProposal, SimulationReport, VerifyReport
    from modelgov.chain.proposal_spec import ProposalSpec

STATE_NAMES = tuple(s.name.lower() for s in ProposalState)


@dataclass(frozen=True)
class ProposalStatus:
    """A proposal's state, votes, quorum and times (what ``modelgov proposal status`` shows)."""

    proposal_id: int
    state: str
    proposer: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    quorum: int
    snapshot: int
    deadline: int
    eta: int
    title: str

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, int) else v) for k, v in asdict(self).items()}

    def to_json(self) -> dict[str, Any]:
        return self.as_dict()


@dataclass(frozen=True)
class CreatedProposal(JsonRecord):
    """A ``ProposalCreated`` event: what the proposal does and who proposed it."""

    proposal_id: int
    proposer: str
    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    description: str
    block: int

    def args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        """``(targets, values, calldatas, descriptionHash)``: what queue/execute/cancel take."""
        return list(self.targets), list(self.values), list(self.calldatas), keccak(text=self.description)

    @property
    def content_hash(self) -> int:
        from modelgov.chain.governance import compute_proposal_id

        return compute_proposal_id(*self.args())


@dataclass(frozen=True)
class ProposalRun(JsonRecord):
    """What :meth:`Governor.run` did: the id, each step's transaction, the final state."""

    proposal_id: int
    state: str
    steps: dict[str, TxResult[int]] = field(default_factory=dict)

    def gas(self) -> dict[str, int]:
        return {name: r.gas_used for name, r in self.steps.items()}


def title_of(description: str) -> str:
    """The title of an on-chain description (first line, without ``# ``), safe for a terminal."""
    from modelgov.textsafe import md_unescape, term

    first = description.split("\n", 1)[0] if description else ""
    return term(md_unescape(first.removeprefix("#").strip()))


#: contracts a proposal calls through the timelock: their custom errors surface at the governor
CALLEES = ("ModelTimelock", "ModelRegistry", "GrantTreasury", "InferenceOracle", "GovernanceToken")


def messages(err: CustomError) -> tuple[type[ModelGovError], str] | None:
    """Readable messages for the governor's and the timelock's custom errors; an error of a
    proposal's target gets that contract's own message (the registry's, the treasury's...)."""
    if err.contract == "ModelRegistry":
        from modelgov.chain import registry

        return registry.messages(err)
    if err.contract == "GrantTreasury":
        from modelgov.chain import treasury

        return treasury.messages(err)
    if err.contract == "InferenceOracle":
        from modelgov.chain import oracle

        return oracle.messages(err)
    a = err.args
    states = {int(s): s.name for s in ProposalState}
    if err.name == "GovernorUnexpectedProposalState":
        return StateError, f"proposal {a.get('proposalId')} is {states.get(int(a.get('current', -1)), '?')}"
    if err.name == "GovernorAlreadyCastVote":
        return StateError, f"{a.get('voter')} already voted"
    if err.name == "GovernorInsufficientProposerVotes":
        return StateError, (f"{a.get('proposer')} has {a.get('votes')} votes, "
                            f"below the threshold {a.get('threshold')}")
    if err.name == "GovernorOnlyProposer":
        return StateError, f"only the proposer may do this, not {a.get('account')}"
    if err.name in ("GovernorInvalidSignature", "InvalidAccountNonce", "ERC5805FutureLookup",
                    "VotesExpiredSignature"):
        return SignatureError, str(err)
    if err.name == "AccessControlUnauthorizedAccount":
        return StateError, f"{a.get('account')} lacks {role_name(a.get('neededRole', b''))}"
    if err.name == "TimelockUnexpectedOperationState":
        return StateError, f"timelock operation is not ready ({err})"
    return None


class Governor:
    """``client.governor``: reads over JSON-RPC, writes through the pipeline (``sender=`` last,
    default: the client's account)."""

    def __init__(self, client: ModelGov) -> None:
        self.client = client

    @cached_property
    def handle(self) -> ContractHandle:
        """The governor, decoding every suite contract's custom errors (a revert inside a
        proposal's call surfaces at the governor)."""
        from modelgov.chain.contract import ContractHandle

        return ContractHandle("ModelGovernor", self.client.deployment.address("governor"),
                              self.client.connection, messages, callee_errors=CALLEES)

    @cached_property
    def timelock(self) -> ContractHandle:
        """The governor's timelock (the deployment's, else the one the governor names)."""
        from modelgov.chain.contract import ContractHandle

        if "timelock" in self.client.deployment.contracts:
            return self.client.handle("timelock")
        return ContractHandle("ModelTimelock", str(self.handle.call("timelock")), self.client.connection)

    @property
    def address(self) -> str:
        return self.handle.address

    def _sender(self, sender: AccountAPI | None) -> AccountAPI:
        return sender if sender is not None else self.client.account

    # --- reads ------------------------------------------------------------------------------
    def created(self) -> list[CreatedProposal]:
        """Every ``ProposalCreated`` since the deployment, oldest first."""
        out = []
        for ev in self.handle.logs("ProposalCreated", self.client.deployment.block):
            a = ev.args
            out.append(CreatedProposal(
                proposal_id=int(a["proposalId"]), proposer=str(a["proposer"]),
                targets=tuple(str(t) for t in a["targets"]), values=tuple(int(v) for v in a["values"]),
                calldatas=tuple(bytes.fromhex(str(c)[2:]) for c in a["calldatas"]),
                description=str(a["description"]), block=ev.block_number))
        return out

    def _created(self, proposal_id: int) -> CreatedProposal:
        for p in self.created():
            if p.proposal_id == proposal_id:
                return p
        raise NotFoundError(f"no proposal {proposal_id} on this governor")

    def resolve_id(self, ref: int) -> int:
        """The on-chain id of proposal ``ref``: its sequential id, or its content hash
        (``hashProposal``) matched against the ``ProposalCreated`` events.

        Raises:
            NotFoundError: no proposal with that id or hash on this governor.
        """
        ref = int(ref)
        if 0 < ref < 2**256 and abi_int(self.handle.call("proposalSnapshot", ref)) != 0:
            return ref
        for p in self.created():
            if p.content_hash == ref:
                return p.proposal_id
        raise NotFoundError(f"no proposal {ref} on this governor")

    def onchain_id(self, built: BuiltProposal) -> int | None:
        """The sequential id of ``built`` if it was submitted, else None."""
        try:
            number = abi_int(self.handle.call("getProposalId", *built.args()))
        except ModelGovError as exc:
            if exc.revert is not None and exc.revert.name == "GovernorNonexistentProposal":
                return None
            raise
        return number or None

    def state(self, proposal_id: int) -> ProposalState:
        """The governor's state, except that a Queued proposal whose timelock operation is past
        ``ModelTimelock.GRACE_PERIOD`` (it can never execute) reads Expired."""
        state = ProposalState(abi_int(self.handle.call("state", int(proposal_id))))
        if state is ProposalState.Queued:
            grace = abi_int(self.timelock.call("GRACE_PERIOD"))
            eta = abi_int(self.handle.call("proposalEta", int(proposal_id)))
            if abi_int(self.handle.call("clock")) > eta + grace:
                return ProposalState.Expired
        return state

    def status(self, ref: int, *, _created: CreatedProposal | None = None) -> ProposalStatus:
        """A proposal's state, votes, quorum, deadline and eta (``ref``: id or content hash).

        Raises:
            NotFoundError: no such proposal.
        """
        pid = self.resolve_id(ref) if _created is None else _created.proposal_id
        created = _created or self._created(pid)
        h = self.handle
        (against, for_, abstain), snapshot, now, deadline, eta = (
            abi_tuple(h.call("proposalVotes", pid)), abi_int(h.call("proposalSnapshot", pid)),
            abi_int(h.call("clock")), abi_int(h.call("proposalDeadline", pid)),
            abi_int(h.call("proposalEta", pid)))
        # before the snapshot the quorum is not fixed yet: show today's value
        quorum = abi_int(h.call("quorum", snapshot if snapshot < now else now - 1))
        return ProposalStatus(pid, self.state(pid).name, created.proposer, abi_int(for_),
                              abi_int(against), abi_int(abstain), quorum, snapshot, deadline, eta,
                              title_of(created.description))

    def proposals(self, state: str | None = None) -> list[ProposalStatus]:
        """Every proposal since deployment, oldest first; only those in ``state`` (``active``,
        ``pending``, ``succeeded``, ``queued``, ``executed``, ``defeated``, ``canceled``,
        ``expired``) if given.

        Raises:
            ValidationError: unknown state name.
        """
        if state is not None and state.lower() not in STATE_NAMES:
            raise ValidationError(f"state must be one of {', '.join(STATE_NAMES)}; got {state!r}")
        rows = [self.status(p.proposal_id, _created=p) for p in self.created()]
        return rows if state is None else [r for r in rows if r.state.lower() == state.lower()]

    def votes_of(self, account: str, timepoint: int | None = None) -> int:
        """``account``'s voting power now (or at a past ``timepoint``)."""
        when = abi_int(self.handle.call("clock")) - 1 if timepoint is None else int(timepoint)
        return abi_int(self.handle.call("getVotes", account, when))

    # --- writes -----------------------------------------------------------------------------
    def _send(self, action: str, fn: str, args: tuple[Any, ...], sender: AccountAPI | None) -> Any:
        return send(self.handle, fn, args, sender=self._sender(sender), action=action)

    def propose(self, built: BuiltProposal, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Submit ``built``; the value is its sequential id.

        Raises:
            StateError: the proposal exists, or the sender is below the proposal threshold.
        """
        signer = self._sender(sender)
        number = self.onchain_id(built)
        if number is not None:
            raise StateError(f"proposal {number} already exists")
        threshold = abi_int(self.handle.call("proposalThreshold"))
        votes = self.votes_of(str(signer.address))
        if votes < threshold:
            raise StateError(f"{signer.address} has {votes} votes, below the threshold {threshold}")
        targets, values, calldatas, _ = built.args()
        receipt = self._send("propose", "propose", (targets, values, calldatas, built.description), signer)
        created = self.handle.events(receipt, "ProposalCreated")
        return TxResult.of(receipt, int(created[0]["proposalId"]))

    def vote(self, ref: int, support: str, reason: str = "", *,
             sender: AccountAPI | None = None) -> TxResult[int]:
        """Vote ``for``/``against``/``abstain`` (with an optional reason); the value is the id.

        Raises:
            ValidationError: unknown support value.
            StateError: voting is not open, or the sender already voted.
        """
        if support not in SUPPORT:
            raise ValidationError(f"vote must be one of for, against, abstain; got {support!r}")
        signer = self._sender(sender)
        pid = self.resolve_id(ref)
        st = ProposalState(abi_int(self.handle.call("state", pid)))
        if st is not ProposalState.Active:
            raise StateError(f"voting is not open for proposal {pid} (state {st.name})")
        if self.handle.call("hasVoted", pid, str(signer.address)):
            raise StateError(f"{signer.address} already voted on proposal {pid}")
        if reason:
            receipt = self._send("castVoteWithReason", "castVoteWithReason",
                                 (pid, SUPPORT[support], reason), signer)
        else:
            receipt = self._send("castVote", "castVote", (pid, SUPPORT[support]), signer)
        return TxResult.of(receipt, pid)

    def queue(self, ref: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Queue a succeeded proposal in the timelock.

        Raises:
            StateError: the proposal has not succeeded (still active, defeated, already queued...).
        """
        pid = self.resolve_id(ref)
        st = ProposalState(abi_int(self.handle.call("state", pid)))
        if st is not ProposalState.Succeeded:
            raise StateError(f"proposal {pid} is not queueable yet (state {st.name})")
        return TxResult.of(self._send("queue", "queue", self._created(pid).args(), sender), pid)

    def execute(self, ref: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Execute a queued proposal once its eta has passed.

        Raises:
            StateError: not queued (or expired), or the eta has not been reached.
            ModelGovError: an action reverted (its contract's error, decoded, as ``.revert``).
        """
        pid = self.resolve_id(ref)
        st = self.state(pid)
        if st is not ProposalState.Queued:
            raise StateError(f"proposal {pid} is not queued (state {st.name})")
        eta = abi_int(self.handle.call("proposalEta", pid))
        now = self.client.connection.rpc.timestamp("pending")
        if now < eta:
            raise StateError(f"proposal {pid}: eta not reached ({eta - now} s to go)")
        return TxResult.of(self._send("execute", "execute", self._created(pid).args(), sender), pid)

    def cancel(self, ref: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Cancel a proposal: its proposer while Pending, or the proposal guardian at any stage
        before execution (a queued proposal's timelock operation is cancelled with it).

        Raises:
            StateError: already canceled, executed or expired, or the sender may not cancel it now.
        """
        signer = self._sender(sender)
        pid = self.resolve_id(ref)
        st = self.state(pid)
        if st in (ProposalState.Canceled, ProposalState.Executed, ProposalState.Expired):
            raise StateError(f"proposal {pid} cannot be canceled (state {st.name})")
        who = str(signer.address).lower()
        guardian = str(self.handle.call("proposalGuardian"))
        proposer = str(self.handle.call("proposalProposer", pid))
        is_guardian = guardian.lower() == who and int(guardian, 16) != 0
        if not is_guardian and not (proposer.lower() == who and st is ProposalState.Pending):
            by_guardian = (f"or the proposal guardian {guardian}" if int(guardian, 16)
                           else "(no proposal guardian is set)")
            raise StateError(
                f"{signer.address} may not cancel proposal {pid} (state {st.name}): only its "
                f"proposer {proposer} while Pending, {by_guardian}")
        return TxResult.of(self._send("cancel", "cancel", self._created(pid).args(), signer), pid)

    # --- proposals from files (modelgov.chain.governance) -----------------------------------
    def build(self, spec: ProposalSpec | str | Path, *, proposer: str | None = None,
              manifest_roots: list[Path] | None = None) -> BuiltProposal:
        """Build a proposal (a YAML file's path, or a spec from
        :func:`~modelgov.chain.proposal_spec.parse_proposal`) against this deployment:
        calldata, description.

        Raises:
            ProposalFileError: the file is malformed or does not fit the deployment.
        """
        from modelgov.chain.governance import build
        from modelgov.chain.proposal_spec import ProposalSpec, load_proposal

        parsed = spec if isinstance(spec, ProposalSpec) else load_proposal(spec)
        return build(parsed, self.client.suite, proposer=proposer, manifest_roots=manifest_roots)

    def simulate(self, built: BuiltProposal) -> SimulationReport:
        """Run ``built`` to execution in a snapshot that is reverted (see
        :func:`modelgov.chain.governance.simulate`). Raises: SimulationError."""
        from modelgov.chain.governance import simulate

        return simulate(self.client.suite, built)

    def verify(self, spec: ProposalSpec | str | Path, ref: int,
               manifest_roots: list[Path] | None = None) -> VerifyReport:
        """Compare proposal ``ref`` on chain with what the file builds.
        Raises: NotFoundError, ProposalFileError."""
        from modelgov.chain.governance import verify
        from modelgov.chain.proposal_spec import ProposalSpec, load_proposal

        parsed = spec if isinstance(spec, ProposalSpec) else load_proposal(spec)
        return verify(self.client.suite, parsed, ref, manifest_roots)

    def delegate(self, to: str | None = None, *, sender: AccountAPI | None = None) -> TxResult[str]:
        """Delegate the sender's votes to ``to`` (default: itself); the value is the delegatee."""
        signer = self._sender(sender)
        target = to or str(signer.address)
        receipt = send(self.client.handle("token"), "delegate", (target,), sender=signer, action="delegate")
        return TxResult.of(receipt, target)

    # --- the whole lifecycle (local chains) -------------------------------------------------
    def _warp_to(self, timestamp: int) -> None:
        """Mine a block at ``timestamp`` (or now, if that is past): anvil only."""
        rpc = self.client.connection.rpc
        now = rpc.timestamp("latest")
        rpc.request("evm_mine", [max(int(timestamp), now + 1)])

    def run(self, built: BuiltProposal, *, proposer: AccountAPI,
            votes: Sequence[tuple[AccountAPI, str]], executor: AccountAPI | None = None,
            reason: str = "", execute: bool = True) -> ProposalRun:
        """Drive ``built`` from submission to execution on a local chain (anvil): propose (unless
        it exists), move the clock to the vote, cast ``votes`` (account, support), move past the
        deadline, queue, move past the eta, execute (``execute=False``: stop once queued).
        Steps already done are skipped. ``built``: anything with ``args()`` and ``description``.

        Raises:
            StateError: the proposal did not reach Executed (Queued) (its state is named).
            ModelGovError: a step reverted (decoded).
        """
        steps: dict[str, TxResult[int]] = {}
        pid = self.onchain_id(built)
        if pid is None:
            steps["propose"] = self.propose(built, sender=proposer)
            pid = steps["propose"].value
        if self.state(pid) is ProposalState.Pending:
            self._warp_to(abi_int(self.handle.call("proposalSnapshot", pid)) + 1)
        if self.state(pid) is ProposalState.Active:
            for i, (account, support) in enumerate(votes):
                if not self.handle.call("hasVoted", pid, str(account.address)):
                    steps[f"vote[{i}]"] = self.vote(pid, support, reason, sender=account)
            self._warp_to(abi_int(self.handle.call("proposalDeadline", pid)) + 1)
        if self.state(pid) is ProposalState.Succeeded:
            steps["queue"] = self.queue(pid, sender=proposer)
        if execute and self.state(pid) is ProposalState.Queued:
            self._warp_to(abi_int(self.handle.call("proposalEta", pid)) + 1)
            steps["execute"] = self.execute(pid, sender=executor or proposer)
        final = self.state(pid)
        wanted = ProposalState.Executed if execute else ProposalState.Queued
        if final is not wanted:
            raise StateError(f"proposal {pid} ended {final.name}, not {wanted.name}")
        return ProposalRun(pid, final.name, steps)
