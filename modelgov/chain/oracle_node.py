"""An oracle node (``modelgov oracle serve``) and a watchtower (``modelgov oracle watch``).

Node: follows ``Requested`` events, takes the PINNED version's folder (fetched by CID and checked,
:mod:`modelgov.chain.zk_versions`), computes the output words exactly as the circuit does (EZKL's
witness, :mod:`modelgov.zk.answer`: quantized field elements, never floats) and proposes them with
the bond, or with ``prove`` answers with a proof instead. It finalizes its own proposals once their
window has passed and defends a challenged proposal with a proof. A state file records every
request it handled (written after each answer), so a restarted node never answers twice; the
contract's status is checked before every answer as well. A request that expired or whose pinned
version is suspended is skipped; while a version is suspended, the node refunds its own pending
proposals (the bond comes back instead of waiting out a window it could not defend in).

Watchtower: recomputes every proposed answer; a wrong one is challenged (bond) and then settled
with a proof of the true output, which wins the proposer's bond. While the pinned version is
suspended it refunds its pending challenges instead.

Where they read from: the state file's ``next_block`` (the block after the last pass), else
``start_block`` (0 unless given). ``from_block`` (``--from-block N``) overrides both: scanning
restarts at N — earlier to re-scan, later to skip history — while requests the state already lists
are still never answered (or challenged) twice.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.errors import OracleNodeStateError, ValidationError

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.oracle import Oracle
    from modelgov.chain.registry import Registry
    from modelgov.chain.tx import TxResult

FolderFor = Callable[[int], Path]
STATE_SCHEMA = "modelgov/oracle-node/v1"


@dataclass
class NodeState:
    """What a node or watchtower has done, persisted as JSON at ``path``."""

    path: Path
    oracle: str
    role: str
    next_block: int = 0
    handled: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: this process's transactions, (request id, result), oldest first (not persisted)
    sent: list[tuple[int, TxResult[Any]]] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path, oracle: str, role: str, start_block: int = 0,
             from_block: int | None = None) -> NodeState:
        """The state at ``path`` (a fresh one starting at ``start_block`` if absent); with
        ``from_block``, scanning starts there whatever the file says (what was handled is kept).

        Raises:
            OracleNodeStateError: unreadable, or written for another oracle or role.
            ValidationError: a negative ``from_block``.
        """
        if from_block is not None and from_block < 0:
            raise ValidationError(f"from block {from_block}: block numbers start at 0")
        path = Path(path)
        if not path.exists():
            return cls(path, oracle, role, start_block if from_block is None else from_block)
        try:
            data = json.loads(path.read_text())
            if data.get("schema") != STATE_SCHEMA:
                raise ValueError(f"schema {data.get('schema')!r}")
            state = cls(path, str(data["oracle"]), str(data["role"]), int(data["next_block"]),
                        {str(k): dict(v) for k, v in data["handled"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise OracleNodeStateError(f"{path}: not an oracle node state file ({exc})") from None
        if state.oracle.lower() != oracle.lower() or state.role != role:
            raise OracleNodeStateError(f"{path} is the {state.role} state of oracle {state.oracle}, "
                                       f"not the {role} state of {oracle}")
        if from_block is not None:
            state.next_block = from_block
        return state

    def save(self) -> None:
        """Write atomically (a crash leaves the old or the new file, never half of one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"schema": STATE_SCHEMA, "oracle": self.oracle, "role": self.role,
               "next_block": self.next_block, "handled": self.handled}
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def mark(self, request_id: int, **entry: Any) -> None:
        self.handled.setdefault(str(request_id), {}).update(entry)
        self.save()


def default_state_path(chain_id: int, oracle: str, role: str) -> Path:
    from modelgov.paths import state_dir

    return state_dir() / "oracle" / f"{chain_id}-{oracle.lower()}-{role}.json"


def registry_folders(registry: Registry, api: str | None = None) -> FolderFor:
    """Version id → its folder, fetched from IPFS when absent and always checked by CID."""
    from modelgov.chain.zk_versions import version_folder

    return lambda version_id: version_folder(registry.version(version_id), api=api)


def _prove(folder: Path, input_words: list[int]) -> tuple[list[int], bytes]:
    from modelgov.zk.answer import output_words, prove_words

    with tempfile.TemporaryDirectory(prefix="modelgov-oracle-") as tmp:
        proof = prove_words(folder, input_words, Path(tmp) / "proof.json")
    return output_words(proof, len(input_words)), proof.proof_bytes


def serve_once(oracle: Oracle, state: NodeState, folder_for: FolderFor, *, prove: bool = False,
               sender: AccountAPI | None = None) -> list[dict[str, Any]]:
    """One pass of the node (signing as ``sender``, default the client's account): answer new
    requests, finalize or defend its own proposals.

    Returns what it did (one dict per action).

    Raises:
        ModelGovError: a chain or EZKL step failed for a reason other than an input the circuit
            cannot take (that request is recorded as skipped); the state keeps what was done.
    """
    from modelgov.zk.answer import compute

    account = oracle.signer(sender)
    actions: list[dict[str, Any]] = []
    head = oracle.head()
    for ev in oracle.requested(state.next_block, head):
        rid = ev.request_id
        if str(rid) in state.handled:
            continue
        status = oracle.record(rid).status
        if status != "open":
            state.mark(rid, action="skipped", reason=f"already {status}")
            continue
        if oracle.refundable(rid):
            state.mark(rid, action="skipped", reason="expired, or its version is suspended")
            actions.append({"request_id": rid, "action": "skipped", "reason": "expired or suspended"})
            continue
        folder = folder_for(ev.version_id)
        words = list(ev.input)
        try:
            if prove:
                output, proof = _prove(folder, words)
                sent = oracle.fulfill(rid, words, output, proof, sender=account)
                state.sent.append((rid, sent))
                action = "proven"
            else:
                output = compute(folder, words)
                sent = oracle.propose(rid, output, sender=account)
                state.sent.append((rid, sent))
                action = "proposed"
        except ValidationError as exc:
            state.mark(rid, action="skipped", reason=str(exc))
            actions.append({"request_id": rid, "action": "skipped", "reason": str(exc)})
            continue
        state.mark(rid, action=action, output=output, version_id=ev.version_id, input=words)
        actions.append({"request_id": rid, "action": action, "output": output})
    state.next_block = head + 1
    state.save()
    actions.extend(_tend_proposals(oracle, account, state, folder_for))
    return actions


def _tend_proposals(oracle: Oracle, account: AccountAPI, state: NodeState,
                    folder_for: FolderFor) -> list[dict[str, Any]]:
    """Finalize own proposals whose window passed; defend challenged ones with a proof."""
    actions: list[dict[str, Any]] = []
    for key, entry in state.handled.items():
        if entry.get("action") != "proposed" or entry.get("settled"):
            continue
        rid = int(key)
        record = oracle.record(rid)
        mine = record.proposer is not None and record.proposer.lower() == str(account.address).lower()
        if record.status in ("proposed", "challenged") and mine and oracle.refundable(rid):
            sent = oracle.refund(rid, sender=account)  # suspended version: take the bond back
            state.sent.append((rid, sent))
            state.mark(rid, settled="refunded")
            actions.append({"request_id": rid, "action": "refunded"})
        elif record.status == "proposed" and mine and oracle.now() >= record.deadline:
            sent = oracle.finalize(rid, entry["output"], sender=account)
            state.sent.append((rid, sent))
            state.mark(rid, settled="finalized")
            actions.append({"request_id": rid, "action": "finalized"})
        elif record.status == "challenged" and mine and oracle.now() < record.deadline:
            output, proof = _prove(folder_for(record.version_id), entry["input"])
            sent = oracle.fulfill(rid, entry["input"], output, proof, sender=account)
            state.sent.append((rid, sent))
            state.mark(rid, settled="defended")
            actions.append({"request_id": rid, "action": "defended", "output": output})
        elif record.status in ("final", "open", "refunded"):
            state.mark(rid, settled=record.status)
    return actions


def watch_once(oracle: Oracle, state: NodeState, folder_for: FolderFor, *,
               sender: AccountAPI | None = None) -> list[dict[str, Any]]:
    """One pass of the watchtower (signing as ``sender``, default the client's account): check
    every new proposal; challenge and disprove a wrong one.

    Returns what it did (one dict per proposal checked).

    Raises:
        ModelGovError: a chain or EZKL step failed; the state keeps what was done (a challenge
            already posted is proven on the next pass).
    """
    from modelgov.zk.answer import compute

    account = oracle.signer(sender)
    actions: list[dict[str, Any]] = []
    head = oracle.head()
    for ev in oracle.proposals(state.next_block, head):
        rid = ev.request_id
        output = list(ev.output)
        entry = state.handled.get(str(rid))
        if entry is not None and entry.get("output") == output:
            continue
        record = oracle.record(rid)
        if record.status != "proposed" or oracle.refundable(rid):
            continue
        inp = oracle.input_of(rid)
        folder = folder_for(record.version_id)
        try:
            truth = compute(folder, inp)
        except ValidationError as exc:
            state.mark(rid, output=output, verdict="unprovable input", reason=str(exc))
            continue
        if truth == output:
            state.mark(rid, output=output, verdict="correct")
            actions.append({"request_id": rid, "verdict": "correct"})
            continue
        if oracle.now() >= record.deadline:
            state.mark(rid, output=output, verdict="wrong", missed=True)
            actions.append({"request_id": rid, "verdict": "wrong", "action": "missed"})
            continue
        sent = oracle.challenge(rid, sender=account)
        state.sent.append((rid, sent))
        state.mark(rid, output=output, verdict="wrong", challenged=True, input=inp,
                   version_id=record.version_id)
        actions.append({"request_id": rid, "verdict": "wrong", "action": "challenged"})
    state.next_block = head + 1
    state.save()
    # prove every challenge of ours still awaiting its proof (also after a restart)
    for key, entry in state.handled.items():
        if not entry.get("challenged") or entry.get("proven"):
            continue
        rid = int(key)
        record = oracle.record(rid)
        if record.status == "challenged" and oracle.refundable(rid):
            sent = oracle.refund(rid, sender=account)  # suspended version: take the bond back
            state.sent.append((rid, sent))
            state.mark(rid, proven=False, final_status="refunded")
            actions.append({"request_id": rid, "action": "refunded"})
            continue
        if record.status != "challenged" or oracle.now() >= record.deadline:
            state.mark(rid, proven=False, final_status=record.status)
            continue
        output, proof = _prove(folder_for(record.version_id), entry["input"])
        sent = oracle.fulfill(rid, entry["input"], output, proof, sender=account)
        state.sent.append((rid, sent))
        state.mark(rid, proven=True, true_output=output)
        actions.append({"request_id": rid, "action": "proven", "output": output})
    return actions
