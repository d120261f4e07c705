"""Proposals as code: ``governance/proposals/NNNN-slug.yaml`` → a validated :class:`ProposalSpec`.

This module only reads and checks the file's shape (no chain needed); resolving contracts,
functions, models and versions against a deployment is :mod:`modelgov.chain.governance`'s job.

File format::

    title: Activate demo-mlp v1          # required, one line
    body: |                              # markdown, optional
      Why this upgrade...
    actions:                             # required, at least one
      - type: model-upgrade              # activate a submitted version of a model
        model: demo-mlp
        version: 1                       # a version id, or:  cid: bafy...  (+ submitter: 0x...
                                         #   when several submitters registered that CID)
        replaces: 0                      # optional: the active version this replaces (0: none);
                                         #   default: the model's active version when built
      - type: create-model               # register a model (name + model card)
        model: demo-mlp
        card: ../../models/demo-mlp/README.md   # a path (relative to this file) or card_cid: bafy...
      - type: grant-role                 # or revoke-role
        contract: registry               # any AccessControl contract of the suite
        role: AUDITOR_ROLE               # the contract's role constant
        account: "0x..."
      - type: call                       # any function of a deployed contract
        contract: registry               # token|timelock|governor|dao|registry|treasury, or its 0x address
        function: setRequiredApprovals
        args: [2]                        # "@token" etc. stand for the suite's contract addresses
        value: 0                         # wei, optional

Every error names the file and the field (``0001-x.yaml: actions[1].function: ...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelgov.errors import PathError, ProposalFileError

ACTION_TYPES = ("model-upgrade", "create-model", "grant-role", "revoke-role", "call")
CONTRACT_NAMES = ("token", "timelock", "governor", "dao", "registry", "treasury")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ModelUpgrade:
    """Activate ``version`` (an id) or the version whose CID is ``cid`` (submitted by
    ``submitter``, when given) of ``model``, replacing ``replaces`` (None: the active version read
    from the chain when the proposal is built; 0: no active version)."""

    model: str
    version: int | None = None
    cid: str | None = None
    where: str = ""
    replaces: int | None = None
    submitter: str | None = None


@dataclass(frozen=True)
class Call:
    """Call ``function(*args)`` on a deployed contract (by suite name or address)."""

    contract: str
    function: str
    args: tuple[Any, ...] = ()
    value: int = 0
    where: str = ""


@dataclass(frozen=True)
class CreateModel:
    """Register ``model`` with the CID of its model card (given, or computed from ``card``)."""

    model: str
    card_cid: str
    where: str = ""


@dataclass(frozen=True)
class RoleChange:
    """Grant (``grant=True``) or revoke ``role`` of ``contract`` for ``account``."""

    contract: str
    role: str
    account: str
    grant: bool
    where: str = ""


Action = ModelUpgrade | CreateModel | RoleChange | Call


@dataclass(frozen=True)
class ProposalSpec:
    """A proposal file, checked for shape."""

    path: str
    title: str
    body: str
    actions: tuple[Action, ...] = field(default_factory=tuple)


def load_proposal(path: str | Path) -> ProposalSpec:
    """Read and check a proposal YAML file.

    Raises:
        PathError: the file does not exist or can't be read.
        ProposalFileError: the YAML is malformed or a field is missing/wrong (file and field named).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PathError(f"{path}: no such proposal file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PathError(f"{path}: cannot read: {exc}") from None
    return parse_proposal(text, source=path.name, base=path.resolve().parent)


def parse_proposal(text: str, source: str = "<proposal>", base: Path | None = None) -> ProposalSpec:
    """Check proposal YAML given as text (see the module docstring for the format).

    Raises:
        ProposalFileError: malformed YAML or a missing/wrong field (``source`` and field named).

    ``base`` is the folder relative paths (model cards) are read from.
    """
    base = base or Path.cwd()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ProposalFileError(f"{source}: not valid YAML{where}") from None
    except RecursionError:  # PyYAML builds nested nodes recursively
        raise ProposalFileError(f"{source}: YAML nested too deeply") from None
    if not isinstance(data, dict):
        raise ProposalFileError(f"{source}: expected a mapping with title, body, actions")
    unknown = sorted(set(map(str, data)) - {"title", "body", "actions"})
    if unknown:
        raise ProposalFileError(f"{source}: unknown field(s): {', '.join(unknown)}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or "\n" in title.strip():
        raise ProposalFileError(f"{source}: title: required, one non-empty line")
    body = data.get("body", "") or ""
    if not isinstance(body, str):
        raise ProposalFileError(f"{source}: body: must be markdown text")
    body = body.strip()
    _check_body(body, source)  # what goes into the description, as it will be parsed there
    raw_actions = data.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        raise ProposalFileError(f"{source}: actions: required, a non-empty list")
    actions = tuple(
        _action(a, f"{source}: actions[{i}]", base) for i, a in enumerate(raw_actions)
    )
    return ProposalSpec(path=source, title=title.strip(), body=body, actions=actions)


def _check_body(body: str, source: str) -> None:
    """The body is the author's markdown, but without raw HTML (an unclosed ``<!--`` would hide
    what follows it from readers) and without control characters.

    Raises:
        ProposalFileError: raw HTML or a control character in the body.
    """
    from modelgov.textsafe import md_raw_html_line, visible

    line = md_raw_html_line(body)
    if line is not None:
        raise ProposalFileError(
            f"{source}: body: raw HTML is not allowed (line {line} of the body); put it in "
            "`code` or write \\< for a literal <"
        )

    flat = body.replace("\n", " ").replace("\t", " ")  # line breaks and tabs are markdown
    if visible(flat) != flat:
        raise ProposalFileError(f"{source}: body: control or invisible characters are not allowed")


def _action(raw: Any, where: str, base: Path) -> Action:
    if not isinstance(raw, dict):
        raise ProposalFileError(f"{where}: expected a mapping with a 'type'")
    kind = raw.get("type")
    if kind not in ACTION_TYPES:
        raise ProposalFileError(f"{where}.type: must be one of {', '.join(ACTION_TYPES)}, got {kind!r}")
    if kind == "model-upgrade":
        return _model_upgrade(raw, where)
    if kind == "create-model":
        return _create_model(raw, where, base)
    if kind in ("grant-role", "revoke-role"):
        return _role_change(raw, where, grant=kind == "grant-role")
    return _call(raw, where)


def _create_model(raw: dict[str, Any], where: str, base: Path) -> CreateModel:
    from modelgov.cid.text import normalize
    from modelgov.errors import InvalidCIDError, ModelGovError

    _only(raw, {"type", "model", "card", "card_cid"}, where)
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ProposalFileError(f"{where}.model: required, the model's name")
    card, card_cid = raw.get("card"), raw.get("card_cid")
    if (card is None) == (card_cid is None):
        raise ProposalFileError(f"{where}: give exactly one of 'card' (a path) or 'card_cid'")
    if card_cid is not None:
        try:
            return CreateModel(model.strip(), normalize(str(card_cid)), where)
        except InvalidCIDError as exc:
            raise ProposalFileError(f"{where}.card_cid: {exc}") from None
    from modelgov.cid.dag import cid_of_path
    from modelgov.modelcard import validate

    if not isinstance(card, str) or not card.strip() or "\x00" in card:
        raise ProposalFileError(f"{where}.card: must be a path to the model card (README.md)")
    path = (base / card).resolve()
    try:
        validate(path)
        return CreateModel(model.strip(), cid_of_path(path), where)
    except ModelGovError as exc:
        raise ProposalFileError(f"{where}.card: {exc}") from None


def _role_change(raw: dict[str, Any], where: str, grant: bool) -> RoleChange:
    _only(raw, {"type", "contract", "role", "account"}, where)
    contract = raw.get("contract")
    if not isinstance(contract, str) or contract not in CONTRACT_NAMES:
        raise ProposalFileError(f"{where}.contract: one of {', '.join(CONTRACT_NAMES)}, got {contract!r}")
    role = raw.get("role")
    if not isinstance(role, str) or not re.match(r"^[A-Z][A-Z0-9_]*_ROLE$", role):
        raise ProposalFileError(f"{where}.role: a role constant such as AUDITOR_ROLE, got {role!r}")
    account = raw.get("account")
    if not isinstance(account, str) or not (_ADDRESS.match(account) or account.lstrip("@") in CONTRACT_NAMES):
        raise ProposalFileError(f"{where}.account: a 0x address, got {account!r}")
    return RoleChange(contract, role, account, grant, where)


def _model_upgrade(raw: dict[str, Any], where: str) -> ModelUpgrade:
    _only(raw, {"type", "model", "version", "cid", "replaces", "submitter"}, where)
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ProposalFileError(f"{where}.model: required, the model's registered name")
    version, cid = raw.get("version"), raw.get("cid")
    if (version is None) == (cid is None):
        raise ProposalFileError(f"{where}: give exactly one of 'version' (id) or 'cid'")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise ProposalFileError(f"{where}.version: must be a positive version id, got {version!r}")
    replaces = raw.get("replaces")
    if replaces is not None and (isinstance(replaces, bool) or not isinstance(replaces, int) or replaces < 0):
        raise ProposalFileError(
            f"{where}.replaces: must be the version id this replaces, or 0 for none, got {replaces!r}"
        )
    submitter = raw.get("submitter")
    if submitter is not None:
        if cid is None:
            raise ProposalFileError(f"{where}.submitter: only with 'cid' (a version id is unambiguous)")
        if not isinstance(submitter, str) or not _ADDRESS.match(submitter):
            raise ProposalFileError(f"{where}.submitter: a 0x address, got {submitter!r}")
    if cid is not None:
        from modelgov.cid.text import normalize
        from modelgov.errors import InvalidCIDError

        try:
            cid = normalize(str(cid))
        except InvalidCIDError as exc:
            raise ProposalFileError(f"{where}.cid: {exc}") from None
    return ModelUpgrade(model=model.strip(), version=version, cid=cid, where=where, replaces=replaces,
                        submitter=submitter)


def _call(raw: dict[str, Any], where: str) -> Call:
    _only(raw, {"type", "contract", "function", "args", "value"}, where)
    contract = raw.get("contract")
    if not isinstance(contract, str) or not (
        contract in CONTRACT_NAMES or _ADDRESS.match(contract)
    ):
        raise ProposalFileError(
            f"{where}.contract: unknown contract {contract!r}; use one of "
            f"{', '.join(CONTRACT_NAMES)} or a 0x address"
        )
    function = raw.get("function")
    if not isinstance(function, str) or not _IDENT.match(function):
        raise ProposalFileError(f"{where}.function: required, a function name, got {function!r}")
    args = raw.get("args", [])
    if args is None:
        args = []
    if not isinstance(args, list):
        raise ProposalFileError(f"{where}.args: must be a list")
    value = raw.get("value", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProposalFileError(f"{where}.value: must be a non-negative integer (wei)")
    return Call(contract=contract, function=function, args=tuple(args), value=value, where=where)


def _only(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, raw)) - allowed)
    if unknown:
        raise ProposalFileError(f"{where}: unknown field(s): {', '.join(unknown)}")
