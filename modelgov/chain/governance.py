"""Proposals on chain: spec → calldata → simulate → propose, vote, queue, execute.

- :func:`build` turns a :class:`~modelgov.chain.proposal_spec.ProposalSpec` into targets, values,
  calldatas, a Tally-style description (first line ``# Title``) and its content hash (computed
  locally, equal to ``governor.hashProposal``).
- Proposal ids are sequential (ModelGovernor has OZ ``GovernorSequentialProposalId``): the id of
  a submitted proposal comes from the chain (``getProposalId`` / the ``ProposalCreated`` event).
  Every function taking a proposal id also takes the content hash (:func:`resolve_id`).
- :func:`simulate` runs the whole proposal in a chain snapshot that is reverted afterwards
  (on a remote network, on an anvil fork of it), voting with the largest delegates.
- :func:`submit`, :func:`cast_vote`, :func:`queue`, :func:`execute`, :func:`delegate` send
  transactions after checking the state allows them; :func:`status` and :func:`list_proposals`
  read. Arguments of queue/execute come from the ``ProposalCreated`` event, so nothing is kept
  off chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_abi.abi import encode
from eth_abi.exceptions import EncodingError
from eth_utils.crypto import keccak

from modelgov.chain.deploy import Suite
from modelgov.chain.proposal_spec import (
    Call,
    CreateModel,
    ModelUpgrade,
    ProposalSpec,
    RoleChange,
)

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.registry import Registry
from modelgov.chain.enums import SUPPORT, ProposalState  # noqa: F401 - re-exported
from modelgov.errors import (
    ModelGovError,
    NotFoundError,
    ProposalFileError,
    ProposalMismatchError,
    SimulationError,
    StateError,
)


@dataclass(frozen=True)
class BuiltProposal:
    """Everything ``propose`` needs, plus what a reader needs to judge it."""

    title: str
    description: str
    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description_hash: bytes
    #: the on-chain (sequential) id once submitted; until then the content hash, which every
    #: command accepts as well (:func:`resolve_id`)
    proposal_id: int
    summary: list[str] = field(default_factory=list)
    upgrades: list[dict[str, Any]] = field(default_factory=list)
    #: live facts shown next to the proposal (audits, active version) — NOT in the description
    chain_state: list[str] = field(default_factory=list)
    #: ``hashProposal(targets, values, calldatas, descriptionHash)``: the content hash
    proposal_hash: int = 0

    @property
    def submitted(self) -> bool:
        """Whether ``proposal_id`` is the on-chain number (the proposal exists on chain)."""
        return self.proposal_id != self.proposal_hash

    def args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        return self.targets, self.values, self.calldatas, self.description_hash

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the client's one ``to_json()`` protocol)."""
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "targets": self.targets,
            "values": [str(v) for v in self.values],
            "calldatas": ["0x" + c.hex() for c in self.calldatas],
            "description_hash": "0x" + self.description_hash.hex(),
            "proposal_id": str(self.proposal_id),
            "proposal_hash": str(self.proposal_hash),
            "submitted": self.submitted,
            "summary": self.summary,
            "chain_state": self.chain_state,
        }


def compute_proposal_id(
    targets: list[str], values: list[int], calldatas: list[bytes], description_hash: bytes
) -> int:
    """OZ v5 ``hashProposal``: ``uint256(keccak256(abi.encode(targets, values, calldatas, h)))``.

    This is the proposal's content hash, not its on-chain id (ids are sequential): use
    :func:`onchain_id` or :func:`resolve_id` for the id.
    """
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [targets, values, calldatas, description_hash],
    )
    return int.from_bytes(keccak(encoded), "big")


# --------------------------------------------------------------------------- building
def build(
    spec: ProposalSpec,
    suite: Suite,
    proposer: str | None = None,
    manifest_roots: list[Path] | None = None,
    check_state: bool = True,
) -> BuiltProposal:
    """Resolve every action against the deployment and encode it.

    Args:
        proposer: if given, ``#proposer=<address>`` is appended to the description (OZ's
            front-running protection: only that account can submit this proposal).
        manifest_roots: folders searched for the manifests of the versions involved (for the
            file diff in the description); default ``./models/<model>/``.
        check_state: refuse actions the chain's state makes pointless now (a create-model of a
            registered name). ``False`` rebuilds a proposal whose actions already ran
            (:func:`verify`).

    The description holds no live chain state (audit counts, the active version): building
    the same file later gives the same proposal id. Those facts are in ``chain_state``.

    Raises:
        ProposalFileError: unknown contract/function, wrong argument types, unknown model or
            version not submitted (file and field named).
    """
    targets: list[str] = []
    values: list[int] = []
    calldatas: list[bytes] = []
    summary: list[str] = []
    upgrades: list[dict[str, Any]] = []
    activated: dict[int, int] = {}  # model id -> version an earlier action of this proposal activates
    for action in spec.actions:
        value = 0
        if isinstance(action, ModelUpgrade):
            target, data, line, facts = _model_upgrade(action, suite, activated)
            upgrades.append(facts)
            activated[facts["model_id"]] = facts["version"].version_id
        elif isinstance(action, CreateModel):
            target, data, line = _create_model(action, suite, check_state)
        elif isinstance(action, RoleChange):
            target, data, line = _role_change(action, suite)
        else:
            target, data, line = _call(action, suite)
            value = action.value
        targets.append(target)
        values.append(value)
        calldatas.append(data)
        summary.append(line)
    description = _description(spec, upgrades, summary, manifest_roots)
    if proposer:
        description += f"#proposer={proposer}"
    description_hash = keccak(text=description)
    digest = compute_proposal_id(targets, values, calldatas, description_hash)
    number = _proposal_number(suite, targets, values, calldatas, description_hash)
    from modelgov.chain.proposal_text import chain_state_lines

    return BuiltProposal(
        spec.title, description, targets, values, calldatas, description_hash,
        digest if number is None else number, summary, upgrades, chain_state_lines(upgrades),
        proposal_hash=digest,
    )


def _proposal_number(suite: Suite, targets: list[str], values: list[int], calldatas: list[bytes],
                     description_hash: bytes) -> int | None:
    """``governor.getProposalId``: the sequential id of a proposal with these contents, or None
    when none was submitted."""
    from ape.exceptions import ApeException

    try:
        return int(suite.governor.getProposalId(targets, values, calldatas, description_hash))
    except ApeException:  # GovernorNonexistentProposal(0)
        return None


def onchain_id(suite: Suite, built: BuiltProposal) -> int | None:
    """The on-chain (sequential) id of ``built`` now — e.g. right after :func:`submit` — or None
    when it was not submitted."""
    return _proposal_number(suite, *built.args())


def _contract(suite: Suite, name: str, where: str) -> Any:
    contract = getattr(suite, name, None) if not name.startswith("0x") else None
    if name.startswith("0x"):
        for candidate in suite.CONTRACTS:
            c = getattr(suite, candidate)
            if c is not None and str(c.address).lower() == name.lower():
                contract = c
    if contract is None:
        raise ProposalFileError(f"{where}.contract: {name!r} is not part of this deployment")
    return contract


def _reg(suite: Suite) -> Registry:
    """The suite's registry through the typed client (inside the suite's Ape connection)."""
    from modelgov.chain.client import ModelGov

    return ModelGov.from_suite(suite).registry


def _create_model(action: CreateModel, suite: Suite, check_state: bool = True) -> tuple[str, bytes, str]:
    from modelgov.cid.text import cid_to_bytes

    if suite.registry is None:
        raise ProposalFileError(f"{action.where}: this deployment has no ModelRegistry")
    try:
        _reg(suite).model_id(action.model)
    except NotFoundError:
        pass
    else:
        if check_state:
            raise ProposalFileError(f"{action.where}.model: {action.model!r} is already registered")
    data = _encode(suite.registry, "createModel", [action.model, cid_to_bytes(action.card_cid)])
    summary = f"ModelRegistry.createModel({action.model}, card {action.card_cid})"
    return str(suite.registry.address), data, summary


def _role_change(action: RoleChange, suite: Suite) -> tuple[str, bytes, str]:
    contract = _contract(suite, action.contract, action.where)
    getter = getattr(contract, action.role, None)
    if getter is None:
        raise ProposalFileError(
            f"{action.where}.role: {contract.contract_type.name} has no {action.role}"
        )
    account = _address_ref(suite, action.account, action.where)
    fn = "grantRole" if action.grant else "revokeRole"
    data = _encode(contract, fn, [bytes(getter()), account])
    return str(contract.address), data, f"{contract.contract_type.name}.{fn}({action.role}, {account})"


def _encode(contract: Any, fn: str, args: list[Any]) -> bytes:
    return bytes(getattr(contract, fn).encode_input(*args))


def _address_ref(suite: Suite, value: str, where: str) -> str:
    """``@token``, ``@registry``… → that contract's address; anything else unchanged."""
    if isinstance(value, str) and value.startswith("@"):
        contract = getattr(suite, value[1:], None) if value[1:] in suite.CONTRACTS else None
        if contract is None:
            raise ProposalFileError(f"{where}: {value} is not a contract of this deployment")
        return str(contract.address)
    return value


def _call(action: Call, suite: Suite) -> tuple[str, bytes, str]:
    contract = _contract(suite, action.contract, action.where)
    abis = [
        a for a in contract.contract_type.abi
        if a.type == "function" and a.name == action.function
        and a.stateMutability not in ("view", "pure")
    ]
    if not abis:
        raise ProposalFileError(
            f"{action.where}.function: {contract.contract_type.name} has no state-changing "
            f"function {action.function!r}"
        )
    matching = [a for a in abis if len(a.inputs) == len(action.args)]
    if not matching:
        want = " or ".join(str(len(a.inputs)) for a in abis)
        raise ProposalFileError(
            f"{action.where}.args: {action.function} takes {want} argument(s), got {len(action.args)}"
        )
    abi = matching[0]
    types = [i.canonical_type for i in abi.inputs]
    args = [_coerce(t, _refs(suite, v, action.where)) for t, v in zip(types, action.args, strict=True)]
    try:
        encoded = encode(types, args)
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        raise ProposalFileError(
            f"{action.where}.args: wrong argument type for {abi.selector}: "
            f"{' '.join(str(exc).split())[:200]}"
        ) from None
    selector = keccak(text=abi.selector)[:4]
    line = f"{contract.contract_type.name}.{action.function}({', '.join(map(str, action.args))})"
    return str(contract.address), selector + encoded, line


def _refs(suite: Suite, value: Any, where: str) -> Any:
    if isinstance(value, list):
        return [_refs(suite, v, where) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        return _address_ref(suite, value, f"{where}.args")
    return value


def _coerce(abi_type: str, value: Any) -> Any:
    """YAML gives strings for hex bytes and big numbers; turn them into what eth-abi wants."""
    if isinstance(value, str):
        if abi_type.startswith("bytes") and not abi_type.endswith("]") and value.startswith("0x"):
            try:
                return bytes.fromhex(value[2:])
            except ValueError:
                return value
        if abi_type.startswith(("uint", "int")) and not abi_type.endswith("]"):
            try:
                return int(value.replace("_", ""), 0)
            except ValueError:
                return value
    if isinstance(value, list) and abi_type.endswith("[]"):
        return [_coerce(abi_type[:-2], v) for v in value]
    return value


def _model_upgrade(
    action: ModelUpgrade, suite: Suite, activated: dict[int, int] | None = None
) -> tuple[str, bytes, str, dict[str, Any]]:
    """``activateVersion(model, version, replaces)``: ``replaces`` is the action's, else the version
    an earlier action of the same proposal activates, else the model's active version now.

    Raises:
        ProposalFileError: unknown model or version, a CID submitted by several accounts without
            ``submitter``, or a ``replaces`` that is not a version of the model.
    """
    if suite.registry is None:
        raise ProposalFileError(f"{action.where}: this deployment has no ModelRegistry")
    try:
        model_id = _reg(suite).model_id(action.model)
    except NotFoundError:
        raise ProposalFileError(
            f"{action.where}.model: no model named {action.model!r} in the registry"
        ) from None
    if action.version is not None:
        try:
            record = _reg(suite).version(action.version)
        except NotFoundError:
            raise ProposalFileError(
                f"{action.where}.version: version {action.version} was not submitted"
            ) from None
        if record.model_id != model_id:
            raise ProposalFileError(
                f"{action.where}.version: version {action.version} belongs to another model"
            )
    else:
        try:
            found = _reg(suite).find_version_by_cid(model_id, action.cid or "", action.submitter)
        except StateError as exc:
            raise ProposalFileError(f"{action.where}.cid: {exc}") from None
        if found is None:
            by = f" by {action.submitter}" if action.submitter else ""
            raise ProposalFileError(
                f"{action.where}.cid: {action.cid} was not submitted{by} for {action.model!r}"
            )
        record = found
    if action.replaces is not None:
        replaces = action.replaces
        previous = None
        if replaces:
            try:
                previous = _reg(suite).version(replaces)
            except NotFoundError:
                raise ProposalFileError(
                    f"{action.where}.replaces: version {replaces} was not submitted"
                ) from None
            if previous.model_id != model_id:
                raise ProposalFileError(
                    f"{action.where}.replaces: version {replaces} belongs to another model"
                )
    elif activated and model_id in activated:
        replaces = activated[model_id]
        previous = _reg(suite).version(replaces)
    else:
        previous = _reg(suite).active_version(model_id)
        replaces = previous.version_id if previous is not None else 0
    data = _encode(suite.registry, "activateVersion", [model_id, record.version_id, replaces])
    facts = _upgrade_facts(suite, action, model_id, record)
    line = (f"ModelRegistry.activateVersion({action.model} #{model_id}, version {record.version_id},"
            f" replacing {f'version {replaces}' if replaces else 'no active version'})")
    return str(suite.registry.address), data, line, facts


def _upgrade_facts(suite: Suite, action: ModelUpgrade, model_id: int, record: Any) -> dict[str, Any]:
    """What the description says about an upgrade (immutable records only) plus the live state
    shown beside it (``audit``, ``previous``: never hashed).

    The diff is against the version the file says it replaces (``replaces``) or else the
    version's parent (its lineage, fixed at submission).
    """
    replaces = getattr(action, "replaces", None)
    base, origin = None, "parent"
    if replaces:
        base, origin = _reg(suite).version(int(replaces)), "replaces"
    elif record.parent_version_id:
        try:
            base = _reg(suite).version(record.parent_version_id)
        except NotFoundError:
            base = None
    return {
        "model": action.model,
        "model_id": model_id,
        "version": record,
        "base": base,
        "base_origin": origin,
        "previous": _reg(suite).active_version(model_id),
        "audit": _reg(suite).audit_status(record.version_id),
    }


def _description(
    spec: ProposalSpec,
    upgrades: list[dict[str, Any]],
    summary: list[str],
    manifest_roots: list[Path] | None,
) -> str:
    from modelgov.chain.proposal_text import describe_proposal

    return describe_proposal(spec.title, spec.body, summary, upgrades, manifest_roots)


# --------------------------------------------------------------------------- reading
def resolve_id(suite: Suite, ref: int) -> int:
    """The on-chain id of proposal ``ref`` (sequential id or content hash): see
    :meth:`modelgov.chain.governor.Governor.resolve_id`.

    Raises:
        NotFoundError: no such proposal.
    """
    return _client(suite).governor.resolve_id(ref)


def _client(suite: Suite) -> ModelGov:
    from modelgov.chain.client import ModelGov

    return ModelGov.from_suite(suite)


# --------------------------------------------------------------------------- simulation
@dataclass
class SimulationReport:
    """What a simulated run did: states, gas per step, and each model's active version change."""

    proposal_id: int
    final_state: str
    gas: dict[str, int]
    changes: list[str]
    voters: list[str]

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the client's one ``to_json()`` protocol)."""
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": str(self.proposal_id),
            "final_state": self.final_state,
            "gas": self.gas,
            "changes": self.changes,
            "voters": self.voters,
        }


def top_delegates(suite: Suite, limit: int = 20) -> list[tuple[str, int]]:
    """Delegates with the most current votes (from ``DelegateVotesChanged`` events)."""
    from ape import chain

    token = suite.token
    seen: dict[str, int] = {}
    for log in token.DelegateVotesChanged.range(0, chain.blocks.head.number + 1):
        seen[str(log.delegate)] = int(log.newVotes)
    ranked = sorted(((d, int(token.getVotes(d))) for d in seen), key=lambda x: -x[1])
    return [(d, v) for d, v in ranked if v > 0][:limit]


def simulate(suite: Suite, built: BuiltProposal) -> SimulationReport:
    """Run ``built`` end to end in a snapshot that is reverted afterwards.

    Votes come from the largest delegates (impersonated), so the simulation shows whether the
    *execution* works, not whether the vote would pass.

    Raises:
        SimulationError: a step reverted (which step, and the decoded reason).
    """
    from ape import accounts, chain

    snapshot = chain.snapshot()
    try:
        delegates = top_delegates(suite)
        if not delegates:
            raise SimulationError("no delegated votes on this token: nobody could vote")
        impersonated = []
        for address, _ in delegates:
            acct = accounts[address]
            if acct.balance < 10**18:
                acct.balance = 10**19
            impersonated.append(acct)
        before = _active_versions(suite, built)
        try:
            run = _client(suite).governor.run(built, proposer=impersonated[0],
                                              votes=[(a, "for") for a in impersonated])
        except ModelGovError as exc:
            named = f" [{exc.revert.contract}.{exc.revert.name}]" if exc.revert else ""
            raise SimulationError(f"simulation failed at {exc}{named}") from exc
        after = _active_versions(suite, built)
        changes = [
            f"{model}: active version {before[model] or 'none'} -> {after[model] or 'none'}"
            for model in before
        ]
        gas = {name.replace("vote[", "castVote["): r.gas_used for name, r in run.steps.items()}
        voters = [str(impersonated[int(n[5:-1])].address) for n in run.steps if n.startswith("vote[")]
        return SimulationReport(run.proposal_id, run.state, gas, changes, voters)
    finally:
        chain.restore(snapshot)


def _active_versions(suite: Suite, built: BuiltProposal) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not built.upgrades:
        return out
    for facts in built.upgrades:
        current = _reg(suite).active_version(facts["model_id"])
        out[facts["model"]] = (
            f"#{current.version_id} {current.cid}" if current is not None else None
        )
    return out


# --------------------------------------------------------------------------- verification
_PROPOSER_SUFFIX = re.compile(r"#proposer=(0x[0-9a-fA-F]{40})$")


@dataclass(frozen=True)
class VerifyReport:
    """What ``modelgov proposal verify`` found: the on-chain proposal against a file."""

    proposal_id: int
    file: str
    built_proposal_id: int
    differences: list[str]
    onchain_actions: list[str]

    @property
    def matches(self) -> bool:
        return not self.differences

    @property
    def line(self) -> str:
        if self.matches:
            n = len(self.onchain_actions)
            return (f"proposal {self.proposal_id} matches {self.file}: {n} action(s) and the "
                    "description are identical")
        return str(ProposalMismatchError(self.proposal_id, self.differences, self.file))

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the client's one ``to_json()`` protocol)."""
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return {
            "proposal_id": str(self.proposal_id),
            "file": self.file,
            "built_proposal_id": str(self.built_proposal_id),
            "matches": self.matches,
            "differences": self.differences,
            "onchain_actions": self.onchain_actions,
        }


def decode_call(suite: Suite, target: str, data: bytes) -> str:
    """``Contract.function(args…)`` for calldata to a contract of the suite (terminal-safe), or
    ``<target>: 0x<selector>… (n bytes)`` when the target or selector is not one of ours."""
    from eth_abi.abi import decode as abi_decode

    from modelgov.textsafe import term

    for name in suite.CONTRACTS:
        contract = getattr(suite, name, None)
        if contract is None or str(contract.address).lower() != str(target).lower():
            continue
        for abi in contract.contract_type.abi:
            if abi.type != "function" or keccak(text=abi.selector)[:4] != data[:4]:
                continue
            try:
                args = abi_decode([i.canonical_type for i in abi.inputs], data[4:])
            except Exception:  # noqa: BLE001 - malformed calldata is shown raw below
                break
            shown = ", ".join("0x" + a.hex() if isinstance(a, bytes) else str(a) for a in args)
            return term(f"{contract.contract_type.name}.{abi.name}({shown})")
    return term(f"{target}: 0x{data[:4].hex()}… ({len(data)} bytes)")


def _first_difference(onchain: str, built: str) -> str:
    from modelgov.textsafe import term

    a, b = onchain.split("\n"), built.split("\n")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"description line {i + 1} differs: on chain {term(x)[:80]!r}, file {term(y)[:80]!r}"
    return (f"description differs in length: {len(a)} line(s) on chain, {len(b)} from the file")


def verify(
    suite: Suite, spec: ProposalSpec, proposal_id: int, manifest_roots: list[Path] | None = None
) -> VerifyReport:
    """Compare proposal ``proposal_id`` on chain with what ``spec`` builds.

    The on-chain targets, values, calldatas and description come from the governor's
    ``ProposalCreated`` event. The file is built without state checks (its actions may have run
    already) and, when the on-chain description ends with ``#proposer=0x…``, with that same
    suffix. Every difference is reported (action count, each action's target, value and decoded
    calldata, the first differing description line).

    Raises:
        NotFoundError: no such proposal on this governor.
        ProposalFileError: the file does not build against this deployment.
    """
    governor = _client(suite).governor
    proposal_id = governor.resolve_id(proposal_id)
    log = governor._created(proposal_id)
    description = log.description
    suffix = _PROPOSER_SUFFIX.search(description)
    built = build(spec, suite, proposer=suffix.group(1) if suffix else None,
                  manifest_roots=manifest_roots, check_state=False)
    targets, values, calldatas, _ = log.args()
    decoded = [decode_call(suite, t, c) for t, c in zip(targets, calldatas, strict=False)]
    diffs: list[str] = []
    if len(targets) != len(built.targets):
        diffs.append(f"{len(targets)} action(s) on chain, {len(built.targets)} in the file")
    for i, (t, v, c) in enumerate(zip(targets, values, calldatas, strict=False)):
        if i >= len(built.targets):
            break
        bt, bv, bc = built.targets[i], built.values[i], built.calldatas[i]
        if t.lower() != bt.lower():
            diffs.append(f"action {i + 1}: target {t} on chain, {bt} in the file")
        if v != bv:
            diffs.append(f"action {i + 1}: value {v} on chain, {bv} in the file")
        if c != bc:
            diffs.append(f"action {i + 1}: calldata on chain is {decoded[i]}, the file builds "
                         f"{decode_call(suite, bt, bc)}")
    if description != built.description:
        diffs.append(_first_difference(description, built.description))
    return VerifyReport(proposal_id, spec.path, built.proposal_id, diffs, decoded)
