"""Typed access to the GrantTreasury contract: ``gov.treasury`` (:class:`Treasury`).

Amounts cross this boundary as integers in the token's smallest unit; :func:`parse_amount`
and :func:`format_amount` convert from/to text using the token's ``decimals``. CIDs cross as
text and are stored on chain as binary CIDs (:mod:`modelgov.cid.text`).

Reads go over JSON-RPC with the shipped ABI (no Ape), lists in one batched round trip, and
return frozen dataclasses. Writes take the signer as ``sender=`` (default: the client's
account), first SIMULATE the call (``eth_call`` on the pending block, from the signer) and only
send it when the simulation passes, so a refusal (over allowance, over free balance, version not
audited, not the grantee, …) costs no transaction; they return a
:class:`~modelgov.chain.tx.TxResult` whose ``value`` is what they created or changed. Reverts
become modelgov errors with one readable line and the decoded custom error as ``err.revert``:
unknown grant, milestone or version → :class:`NotFoundError`; missing role, wrong state, over a
limit → :class:`StateError`; malformed input → :class:`ValidationError`; anything else →
:class:`TransactionRevertedError`.

Grant files (``grant.yaml``)::

    milestones:
      - amount: "1000"          # whole tokens (decimals read from the token), e.g. "2.5";
                                # or smallest units with a "wei" suffix: "2500000wei"
        description: bafy…      # CID (text) of the milestone description
        deadline: 2026-12-31    # a date (end of that day, UTC), an ISO date-time, unix seconds,
                                # or relative to the chain's time: "+30d", "+12h", "+2w"
        model: demo-mlp         # optional: registry model name or id the version must belong to
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.chain.contract import Manager
from modelgov.chain.enums import ADMIN_ROLE, STEWARD_ROLE, MilestoneStatus, role_name
from modelgov.chain.token import ERC20_ABI, ERC20_ERRORS, Erc20, TokenRef, token_refs
from modelgov.chain.tx import TxResult, send
from modelgov.errors import (
    ChainError,
    CustomError,
    GrantFileError,
    InvalidCIDError,
    ModelGovError,
    NotFoundError,
    StateError,
    TransactionRevertedError,
    ValidationError,
)
from modelgov.timetext import format_amount, parse_amount, parse_deadline
from modelgov.timetext import iso as _iso

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.contract import ContractHandle

__all__ = [
    "ADMIN_ROLE", "ERC20_ABI", "MAX_MILESTONES", "NO_MODEL", "STATUS_NAMES", "STEWARD_ROLE",
    "Allowance", "Grant", "Milestone", "MilestoneSpec", "TokenHolding", "TokenRef", "Treasury",
    "TreasuryStatus", "format_amount", "load_milestones", "messages", "parse_amount",
    "parse_deadline",
]

#: ``modelId`` of a milestone that does not require a particular model (``type(uint256).max``).
NO_MODEL = 2**256 - 1
MAX_MILESTONES = 20
STATUS_NAMES = tuple(s.name for s in MilestoneStatus)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_FIELDS = {"amount", "description", "deadline", "model"}


def _checksum(address: str) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(str(address)))


def _status_name(code: int) -> str:
    return STATUS_NAMES[code] if 0 <= code < len(STATUS_NAMES) else str(code)


# ---------------------------------------------------------------------------------------------
# grant files
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneSpec:
    """A milestone to create, validated: amount in smallest units, deadline in unix seconds."""

    amount: int
    description_cid: str
    deadline: int
    model: str | None = None  # as written in the file
    model_id: int | None = None  # resolved; None = any model

    def to_abi(self) -> tuple[int, bytes, int, int]:
        from modelgov.cid.text import cid_to_bytes

        model_id = NO_MODEL if self.model_id is None else self.model_id
        return (int(self.amount), cid_to_bytes(str(self.description_cid)), int(self.deadline), model_id)


def load_milestones(
    path: str | Path,
    *,
    decimals: int | None,
    now: int,
    resolve_model: Callable[[str], int] | None = None,
) -> list[MilestoneSpec]:
    """Read and validate a grant file (see the module docstring for the format).

    Args:
        decimals: the token's decimals (amounts in whole tokens are scaled by them).
        now: the chain's current time (relative deadlines, and "in the future" checks).
        resolve_model: model name or id → model id (e.g. via the registry); required when a
            milestone names a model.

    Raises:
        GrantFileError: unreadable file or invalid field; the message names file and field.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise GrantFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise GrantFileError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or "milestones" not in data:
        raise GrantFileError(f"{path}: expected a mapping with a 'milestones' list")
    extra = sorted(set(data) - {"milestones"})
    if extra:
        raise GrantFileError(f"{path}: unknown key(s): {', '.join(map(str, extra))}")
    items = data["milestones"]
    if not isinstance(items, list) or not items:
        raise GrantFileError(f"{path}: milestones: expected a non-empty list")
    if len(items) > MAX_MILESTONES:
        raise GrantFileError(f"{path}: milestones: {len(items)} given, at most {MAX_MILESTONES}")
    specs = []
    for i, item in enumerate(items):
        where = f"{path}: milestones[{i}]"
        if not isinstance(item, dict):
            raise GrantFileError(f"{where}: expected a mapping with amount, description, deadline")
        unknown = sorted(set(map(str, item)) - _FIELDS)
        if unknown:
            raise GrantFileError(f"{where}: unknown field(s): {', '.join(unknown)}")
        for name in ("amount", "description", "deadline"):
            if item.get(name) in (None, ""):
                raise GrantFileError(f"{where}.{name}: missing")
        try:
            amount = parse_amount(item["amount"], decimals, f"{where}.amount")
            deadline = parse_deadline(item["deadline"], now, f"{where}.deadline")
        except ValidationError as exc:
            raise GrantFileError(exc.message) from None
        if amount >= 2**128:
            raise GrantFileError(f"{where}.amount: too large")
        cid = _cid_field(item["description"], f"{where}.description")
        model, model_id = item.get("model"), None
        if model not in (None, ""):
            if resolve_model is None:
                raise GrantFileError(f"{where}.model: no registry to resolve {model!r}")
            try:
                model_id = int(resolve_model(str(model)))
            except ModelGovError as exc:
                raise GrantFileError(f"{where}.model: {exc}") from None
        model_name = None if model in (None, "") else str(model)
        specs.append(MilestoneSpec(amount, cid, deadline, model_name, model_id))
    return specs


def _cid_field(value: Any, where: str) -> str:
    from modelgov.cid.text import cid_from_bytes, cid_to_bytes

    try:
        return cid_from_bytes(cid_to_bytes(str(value).strip()))
    except InvalidCIDError as exc:
        raise GrantFileError(f"{where}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    index: int
    amount: int
    description_cid: str | None
    deadline: int
    model_id: int | None  # None: any model
    status: str
    version_id: int | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["amount"] = str(self.amount)
        data["deadline_iso"] = _iso(self.deadline)
        return data


@dataclass(frozen=True)
class Grant:
    grant_id: int
    grantee: str
    token: TokenRef
    creator: str
    cancelled: bool
    total: int
    released: int
    returned: int
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def committed(self) -> int:
        """Still committed (neither released nor returned)."""
        return self.total - self.released - self.returned

    @property
    def state(self) -> str:
        if self.cancelled:
            return "cancelled"
        return "active" if self.committed else "closed"

    def to_json(self) -> dict[str, Any]:
        return {
            "grant_id": self.grant_id,
            "grantee": self.grantee,
            "token": asdict(self.token),
            "creator": self.creator,
            "state": self.state,
            "total": str(self.total),
            "released": str(self.released),
            "returned": str(self.returned),
            "committed": str(self.committed),
            "milestones": [m.to_json() for m in self.milestones],
        }


@dataclass(frozen=True)
class Allowance:
    """A steward's allowance for one token, as of the chain's latest block."""

    steward: str
    token: TokenRef
    amount: int
    spent: int
    remaining: int
    period: int  # seconds; 0 = one-time
    last_reset: int
    next_reset: int | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("amount", "spent", "remaining"):
            data[key] = str(data[key])
        return data


@dataclass(frozen=True)
class TokenHolding:
    token: TokenRef
    balance: int
    committed: int

    @property
    def free(self) -> int:
        return max(self.balance - self.committed, 0)

    def to_json(self) -> dict[str, Any]:
        return {"token": asdict(self.token), "balance": str(self.balance),
                "committed": str(self.committed), "free": str(self.free)}


@dataclass(frozen=True)
class TreasuryStatus:
    address: str
    registry: str
    grant_count: int
    holdings: list[TokenHolding]
    allowances: list[Allowance]

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "registry": self.registry,
            "grant_count": self.grant_count,
            "holdings": [h.to_json() for h in self.holdings],
            "allowances": [a.to_json() for a in self.allowances],
        }


# ---------------------------------------------------------------------------------------------
# revert messages
# ---------------------------------------------------------------------------------------------
def messages(err: CustomError, token: TokenRef | None = None) -> tuple[type[ModelGovError], str] | None:
    """The treasury's readable message (and error class) for one of its custom errors, or for
    an ERC-20 error a deposit hits; amounts in ``token``'s units when it is known."""
    a = err.args

    def amt(key: str) -> str:
        value = int(a.get(key, 0))
        return token.fmt(value) if token else f"{value} (smallest units)"

    def ms() -> str:
        return f"milestone {a.get('index')} of grant #{a.get('grantId')}"

    text: dict[str, tuple[type[ModelGovError], Callable[[], str]]] = {
        "AccessControlUnauthorizedAccount": (StateError, lambda: (
            f"{a.get('account')} lacks {role_name(bytes(a.get('neededRole', b'')))}")),
        "GrantTreasuryAllowanceExceeded": (StateError, lambda: (
            f"over allowance: steward {a.get('steward')} has {amt('remaining')} left this period, "
            f"the grant needs {amt('needed')}; larger grants go through a governance proposal")),
        "GrantTreasuryInsufficientFreeBalance": (StateError, lambda: (
            f"over free balance: the treasury has {amt('free')} free (balance minus commitments), "
            f"{amt('needed')} needed")),
        "GrantTreasuryVersionNotAudited": (StateError, lambda: (
            f"version {a.get('versionId')} is not audited in the registry "
            "(not enough live approvals, or a live rejection)")),
        "GrantTreasuryNotGrantee": (StateError, lambda: (
            f"not the grantee: {a.get('account')} is not the grantee of grant #{a.get('grantId')}")),
        "GrantTreasuryVersionNotFromGrantee": (StateError, lambda: (
            f"version {a.get('versionId')} was submitted by {a.get('submitter')}, not by the grantee")),
        "GrantTreasuryWrongModel": (StateError, lambda: (
            f"version {a.get('versionId')} belongs to model #{a.get('modelId')}, "
            f"the milestone asks for model #{a.get('expectedModelId')}")),
        "GrantTreasuryUnknownVersion": (NotFoundError, lambda: f"unknown version {a.get('versionId')}"),
        "GrantTreasuryUnknownGrant": (NotFoundError, lambda: f"no grant #{a.get('grantId')}"),
        "GrantTreasuryUnknownMilestone": (NotFoundError, lambda: (
            f"grant #{a.get('grantId')} has no milestone {a.get('index')}")),
        "GrantTreasuryGrantNotActive": (StateError, lambda: f"grant #{a.get('grantId')} is cancelled"),
        "GrantTreasuryMilestoneNotPending": (StateError, lambda: (
            f"{ms()} is {_status_name(int(a.get('status', 0)))}, not pending")),
        "GrantTreasuryMilestoneNotSubmitted": (StateError, lambda: (
            f"{ms()} is {_status_name(int(a.get('status', 0)))}, not submitted")),
        "GrantTreasuryDeadlinePassed": (StateError, lambda: (
            f"{ms()}: its deadline {_iso(a.get('deadline', 0))} has passed")),
        "GrantTreasuryDeadlineNotPassed": (StateError, lambda: (
            f"{ms()} can be reclaimed only after its deadline {_iso(a.get('deadline', 0))}")),
        "GrantTreasurySelfApproval": (StateError, lambda: (
            f"{a.get('account')} is the grantee of grant #{a.get('grantId')} and cannot approve it")),
        "GrantTreasuryUnauthorizedReviewer": (StateError, lambda: (
            f"{a.get('account')} may not review grant #{a.get('grantId')}: "
            "only governance or the steward who created it")),
        "GrantTreasurySelfGrant": (StateError, lambda: (
            f"steward {a.get('account')} cannot create a grant to itself (governance can)")),
        "GrantTreasuryTokenNotAllowed": (StateError, lambda: (
            f"token {a.get('token')} is not on the treasury's allowlist "
            "(governance adds it with setTokenAllowed)")),
        "GrantTreasuryUnauthorizedCanceller": (StateError, lambda: (
            f"{a.get('account')} may not cancel grant #{a.get('grantId')}: "
            "only governance or the steward who created it")),
        "GrantTreasuryTransferMismatch": (TransactionRevertedError, lambda: (
            f"token {a.get('token')} took {a.get('actual')} from the treasury instead of "
            f"{a.get('expected')}: unsupported token")),
        "SafeERC20FailedOperation": (TransactionRevertedError, lambda: (
            f"token {a.get('token')} refused the transfer (returned false): unsupported token")),
        "GrantTreasuryZeroAddress": (ValidationError, lambda: "an address is zero"),
        "GrantTreasuryZeroAmount": (ValidationError, lambda: "the amount must be positive"),
        "GrantTreasuryNoMilestones": (ValidationError, lambda: "a grant needs at least one milestone"),
        "GrantTreasuryTooManyMilestones": (ValidationError, lambda: (
            f"{a.get('count')} milestones, at most {a.get('max')}")),
        "GrantTreasuryMilestoneAmountInvalid": (ValidationError, lambda: (
            f"milestone {a.get('index')}: amount must be 1 .. 2^128-1")),
        "GrantTreasuryMilestoneCidEmpty": (ValidationError, lambda: f"milestone {a.get('index')}: empty CID"),
        "GrantTreasuryMilestoneDeadlineInPast": (ValidationError, lambda: (
            f"milestone {a.get('index')}: deadline {_iso(a.get('deadline', 0))} is not in the future")),
        "GrantTreasuryInvalidResetBase": (ValidationError, lambda: "the reset base is in the future"),
        "ERC20InsufficientBalance": (StateError, lambda: (
            f"{a.get('sender')} holds {amt('balance')}, {amt('needed')} needed")),
        "ERC20InsufficientAllowance": (StateError, lambda: (
            f"the treasury may spend {amt('allowance')} of the sender's tokens, {amt('needed')} needed")),
        "ReentrancyGuardReentrantCall": (TransactionRevertedError, lambda: "re-entrant call refused"),
    }
    if err.name not in text:
        return None
    cls, message = text[err.name]
    return cls, message()


def handle_abi() -> tuple[dict[str, Any], ...]:
    """The treasury's ABI plus the ERC-20 errors a deposit bubbles up from the token (so that
    they decode too)."""
    from modelgov.chain.abi import load_abi

    return (*load_abi("GrantTreasury"), *ERC20_ERRORS)


# ---------------------------------------------------------------------------------------------
# decoding
# ---------------------------------------------------------------------------------------------
def _milestone(index: int, raw: Sequence[Any]) -> Milestone:
    from modelgov.cid.text import cid_from_bytes

    amount, deadline, status, model_id, version, description = tuple(raw)
    data = bytes(description)
    try:
        cid = cid_from_bytes(data) if data else None
    except InvalidCIDError:
        cid = "0x" + data.hex()
    return Milestone(
        index=index,
        amount=int(amount),
        description_cid=cid,
        deadline=int(deadline),
        model_id=None if int(model_id) == NO_MODEL else int(model_id),
        status=_status_name(int(status)),
        version_id=int(version) or None,
    )


def _grant(grant_id: int, info: Sequence[Any], milestones: Sequence[Any], token: TokenRef) -> Grant:
    grantee, _, creator, cancelled, total, released, returned, _count = tuple(info)
    return Grant(
        grant_id=int(grant_id),
        grantee=str(grantee),
        token=token,
        creator=str(creator),
        cancelled=bool(cancelled),
        total=int(total),
        released=int(released),
        returned=int(returned),
        milestones=[_milestone(i, m) for i, m in enumerate(milestones)],
    )


def _check_address(value: str, what: str) -> str:
    if not _ADDRESS.match(str(value).strip()):
        raise ValidationError(f"{what}: {value!r} is not an address (0x + 40 hex digits)")
    address = _checksum(str(value).strip())
    if int(address, 16) == 0:
        raise ValidationError(f"{what}: the zero address")
    return address


def _milestones_abi(milestones: Sequence[MilestoneSpec]) -> list[tuple[int, bytes, int, int]]:
    if not milestones:
        raise ValidationError("create grant: no milestones")
    return [m.to_abi() for m in milestones]


#: one read of a batch: the contract, the function, its arguments
_Read = tuple["ContractHandle", str, tuple[Any, ...]]


class Treasury(Manager):
    """The GrantTreasury of a suite: ``gov.treasury``.

    Reads return frozen dataclasses; writes take the signer as ``sender=`` (default: the
    client's account), simulate first, and return a :class:`~modelgov.chain.tx.TxResult`.
    Reverts raise the treasury's modelgov error (see the module docstring) with the decoded
    custom error as ``err.revert``.

    Args:
        handle: the treasury's contract handle.
        client: the client (its account signs by default; its registry resolves model names;
            its deployment names the governance token).
    """

    def _in(self, token: TokenRef | None) -> ContractHandle:
        """The treasury's handle, its revert messages showing amounts in ``token``'s units."""
        if token is None:
            return self.handle
        handle = copy.copy(self.handle)
        handle.messages = partial(messages, token=token)
        return handle

    def _view(self, action: str, fn: str, *args: Any) -> Any:
        return self.handle.call(fn, *args, action=action)

    def _batch(self, reads: Sequence[_Read], action: str) -> list[Any]:
        """Several views, of any contracts, in one round trip (a JSON-RPC batch); a revert
        comes back as its modelgov error (not raised), for the caller to judge."""
        from modelgov.chain.rpc import Call, CallReverted

        calls = [Call(h.address, h.encode(fn, *args)) for h, fn, args in reads]
        out: list[Any] = []
        for (h, fn, args), data in zip(reads, self.handle.connection.rpc.call_many(calls), strict=True):
            if isinstance(data, CallReverted):
                out.append(h.error(action, data.data, data.message))
            else:
                out.append(h.decode_output(fn, len(args), data))
        return out

    @staticmethod
    def _ok(values: list[Any]) -> list[Any]:
        for value in values:
            if isinstance(value, ModelGovError):
                raise value
        return values

    # --- tokens -----------------------------------------------------------------------------
    def token_ref(self, address: str) -> TokenRef:
        """Symbol and decimals of the token at ``address``, tolerating any answer (see
        :class:`~modelgov.chain.token.TokenRef`).

        Raises:
            ValidationError: no contract at ``address``.
        """
        return token_refs(self.handle.connection, [address])[0]

    def _ref(self, token: TokenRef | str) -> TokenRef:
        return token if isinstance(token, TokenRef) else self.token_ref(str(token))

    def erc20(self, token: TokenRef | str) -> Erc20:
        """The token as an :class:`~modelgov.chain.token.Erc20` (balances, ``approve``)."""
        ref = self._ref(token)
        return Erc20.at(ref.address, self.handle.connection, self.client, ref)

    def token_addresses(self) -> list[str]:
        """Every token the treasury has seen (``tokens()``), plus the suite's governance token
        first when the client's deployment has one and the treasury has not seen it."""
        return self._with_gov_token(self._view("treasury tokens", "tokens"))

    def _with_gov_token(self, seen: Sequence[str]) -> list[str]:
        addresses = [str(a) for a in seen]
        gov = self.client.deployment.contracts.get("token") if self.client is not None else None
        if gov is not None and _checksum(gov) not in addresses:
            addresses.insert(0, _checksum(gov))
        return addresses

    def known_tokens(self) -> list[TokenRef]:
        """The tokens the treasury has seen, plus the governance token (metadata in one batch)."""
        return token_refs(self.handle.connection, self.token_addresses())

    def resolve_token(self, text: str) -> TokenRef:
        """A token address, or the symbol of exactly one token the treasury knows (or the
        governance token).

        Symbols are compared folded (:func:`modelgov.textsafe.symbol_key`: case, Unicode
        compatibility forms and invisible characters ignored), so a look-alike deposited by
        anyone makes the symbol ambiguous instead of being picked.

        Raises:
            NotFoundError: no known token has that symbol.
            AmbiguousTokenError: several do (their addresses are listed; give the address).
            ValidationError: the address is not a token.
        """
        from modelgov.errors import AmbiguousTokenError
        from modelgov.textsafe import symbol_key, term

        text = str(text).strip()
        if _ADDRESS.match(text):
            return self.token_ref(text)
        known_refs = self.known_tokens()
        want = symbol_key(text)
        matches = [t for t in known_refs if t.symbol is not None and symbol_key(t.symbol) == want]
        if not matches:
            known = ", ".join(sorted({t.label for t in known_refs if t.symbol})) or "none"
            raise NotFoundError(f"no token with symbol {term(text)!r} is known to the treasury "
                                f"(known: {known}); give its address")
        addresses = sorted({t.address for t in matches})
        if len(addresses) > 1:
            raise AmbiguousTokenError(text, addresses)
        return matches[0]

    def is_token_allowed(self, token: TokenRef | str) -> bool:
        """Whether ``token`` is on the treasury's allowlist (deposits and grants need it)."""
        address = token.address if isinstance(token, TokenRef) else _checksum(token)
        return bool(self._view("isTokenAllowed", "isTokenAllowed", address))

    # --- reads ------------------------------------------------------------------------------
    def grant_count(self) -> int:
        return int(self._view("grant count", "grantCount"))

    def registry_address(self) -> str:
        """The ModelRegistry the treasury checks versions against."""
        return str(self._view("treasury registry", "registry"))

    def get_grant(self, grant_id: int) -> Grant:
        """Raises: NotFoundError: no such grant."""
        gid = int(grant_id)
        action = f"grant #{gid}"
        count, info, milestones = self._batch(
            [(self.handle, "grantCount", ()), (self.handle, "getGrant", (gid,)),
             (self.handle, "getMilestones", (gid,))], action)
        count = self._ok([count])[0]
        if not 1 <= gid <= int(count):
            raise NotFoundError(f"no grant #{gid} (there are {int(count)})")
        self._ok([info, milestones])
        return _grant(gid, info, milestones, self.token_ref(str(tuple(info)[1])))

    def list_grants(self) -> list[Grant]:
        """Every grant, oldest first (three round trips: count, grants, token metadata)."""
        ids = list(range(1, self.grant_count() + 1))
        if not ids:
            return []
        reads: list[_Read] = []
        for gid in ids:
            reads += [(self.handle, "getGrant", (gid,)), (self.handle, "getMilestones", (gid,))]
        values = self._ok(self._batch(reads, "list grants"))
        infos, raw_milestones = values[0::2], values[1::2]
        addresses = list(dict.fromkeys(str(tuple(i)[1]) for i in infos))
        refs = dict(zip(addresses, token_refs(self.handle.connection, addresses), strict=True))
        return [_grant(gid, info, ms, refs[str(tuple(info)[1])])
                for gid, info, ms in zip(ids, infos, raw_milestones, strict=True)]

    def milestones(self, grant_id: int) -> list[Milestone]:
        """A grant's milestones (one read; no token metadata). Raises: NotFoundError: no such grant."""
        raw = self._view(f"grant #{grant_id}", "getMilestones", int(grant_id))
        return [_milestone(i, m) for i, m in enumerate(raw)]

    def milestone(self, grant_id: int, index: int) -> Milestone:
        """Raises: NotFoundError: no such grant or milestone."""
        raw = self._view(f"milestone {index} of grant #{grant_id}", "getMilestone", int(grant_id), int(index))
        return _milestone(int(index), raw)

    def allowance(self, steward: str, token: TokenRef | str) -> Allowance:
        """``steward``'s allowance for ``token`` as of the latest block."""
        ref = self._ref(token)
        raw = self._view("steward allowance", "stewardAllowance", _checksum(steward), ref.address)
        return _allowance(_checksum(steward), ref, raw)

    def stewards(self) -> list[str]:
        return [str(a) for a in self._view("stewards", "getRoleMembers", STEWARD_ROLE)]

    def is_steward(self, account: str) -> bool:
        return bool(self._view("hasRole", "hasRole", STEWARD_ROLE, _checksum(account)))

    def is_governance(self, account: str) -> bool:
        return bool(self._view("hasRole", "hasRole", ADMIN_ROLE, _checksum(account)))

    def committed(self, token: TokenRef | str) -> int:
        """What open milestones still commit of ``token``."""
        address = token.address if isinstance(token, TokenRef) else _checksum(token)
        return int(self._view("committed", "committed", address))

    def free_balance(self, token: TokenRef | str) -> int:
        """Balance minus commitments: what new grants (or a withdrawal) can use."""
        address = token.address if isinstance(token, TokenRef) else _checksum(token)
        return int(self._view("free balance", "freeBalance", address))

    def status(self) -> TreasuryStatus:
        """Balances, commitments and free funds per token; each steward's allowance per token
        (three round trips)."""
        action = "treasury status"
        tokens_raw, registry, count, stewards = self._ok(self._batch(
            [(self.handle, "tokens", ()), (self.handle, "registry", ()),
             (self.handle, "grantCount", ()), (self.handle, "getRoleMembers", (STEWARD_ROLE,))], action))
        tokens = token_refs(self.handle.connection, self._with_gov_token(tokens_raw))
        erc20s = [Erc20.at(t.address, self.handle.connection).handle for t in tokens]
        reads: list[_Read] = []
        for tok, erc20 in zip(tokens, erc20s, strict=True):
            reads += [(erc20, "balanceOf", (self.address,)), (self.handle, "committed", (tok.address,))]
        pairs = [(str(s), tok) for s in stewards for tok in tokens]
        reads += [(self.handle, "stewardAllowance", (s, tok.address)) for s, tok in pairs]
        values = self._ok(self._batch(reads, action))
        n = 2 * len(tokens)
        holdings = [TokenHolding(tok, int(values[2 * i]), int(values[2 * i + 1]))
                    for i, tok in enumerate(tokens)]
        allowances = [a for (s, tok), raw in zip(pairs, values[n:], strict=True)
                      if (a := _allowance(s, tok, raw)).amount or a.spent]
        return TreasuryStatus(self.address, str(registry), int(count), holdings, allowances)

    def chain_time(self) -> int:
        """The timestamp the next block will (at least) have: what deadlines are compared with."""
        rpc = self.handle.connection.rpc
        try:
            return max(rpc.timestamp("pending"), rpc.timestamp("latest") + 1)
        except (ChainError, KeyError, TypeError, ValueError):
            return rpc.timestamp("latest") + 1

    def model_resolver(self) -> Callable[[str], int] | None:
        """Model name or id → id, through the client's registry (None: the deployment has none)."""
        if self.client is None or "registry" not in self.client.deployment.contracts:
            return None
        return self.client.registry.resolve_model

    def load_milestones(self, path: str | Path, token: TokenRef | str) -> list[MilestoneSpec]:
        """A grant file read against this chain: amounts in ``token``'s decimals, relative
        deadlines from the chain's time, model names through the registry.

        Raises:
            GrantFileError: unreadable file or invalid field (the message names both).
        """
        return load_milestones(path, decimals=self._ref(token).decimals, now=self.chain_time(),
                               resolve_model=self.model_resolver())

    # --- proposal calls (governance) ----------------------------------------------------------
    def create_grant_call(self, grantee: str, token: TokenRef | str,
                          milestones: Sequence[MilestoneSpec]) -> tuple[str, bytes]:
        """``(target address, calldata)`` of ``createGrant`` for a governance proposal (grants
        above any steward's allowance)."""
        address = _check_address(grantee, "grantee")
        data = self.handle.encode("createGrant", address, self._ref(token).address,
                                  _milestones_abi(milestones))
        return self.address, data

    def set_token_allowed_call(self, token: str, allowed: bool = True) -> tuple[str, bytes]:
        """``(target, calldata)`` of ``setTokenAllowed`` for a governance proposal."""
        return self.address, self.handle.encode("setTokenAllowed", _check_address(token, "token"),
                                                bool(allowed))

    def set_steward_allowance_call(self, steward: str, token: str, amount: int, period: int,
                                   reset_base: int = 0) -> tuple[str, bytes]:
        """``(target, calldata)`` of ``setStewardAllowance`` (``period`` seconds, 0 = one-time)."""
        return self.address, self.handle.encode(
            "setStewardAllowance", _check_address(steward, "steward"), _check_address(token, "token"),
            int(amount), int(period), int(reset_base))

    # --- writes -----------------------------------------------------------------------------
    def deposit(self, token: TokenRef | str, amount: int, *,
                sender: AccountAPI | None = None) -> TxResult[int]:
        """Approve (if needed) and deposit ``amount`` (smallest units) of ``token``; the value:
        what arrived (the ``Deposited`` event's ``received``, less for a fee-taking token).

        Raises:
            StateError: the token is not on the treasury's allowlist, or the sender holds less
                than ``amount`` (nothing is sent).
        """
        signer = self.signer(sender)
        ref = self._ref(token)
        who = str(signer.address)
        if not self.is_token_allowed(ref):
            raise StateError(f"deposit: token {ref.address} is not on the treasury's allowlist "
                             "(governance adds it with setTokenAllowed)")
        erc20 = self.erc20(ref)
        held, allowed = self._ok(self._batch(
            [(erc20.handle, "balanceOf", (who,)), (erc20.handle, "allowance", (who, self.address))],
            "deposit"))
        if int(held) < amount:
            raise StateError(f"deposit: {who} holds {ref.fmt(int(held))}, {ref.fmt(amount)} needed")
        if int(allowed) < amount:
            send(erc20.handle, "approve", (self.address, int(amount)), sender=signer, action="approve")
        receipt = send(self._in(ref), "deposit", (ref.address, int(amount)), sender=signer,
                       action="deposit")
        events = self.handle.events(receipt, "Deposited")
        return TxResult.of(receipt, int(events[0]["received"]))

    def create_grant(self, grantee: str, token: TokenRef | str, milestones: Sequence[MilestoneSpec], *,
                     sender: AccountAPI | None = None) -> TxResult[int]:
        """Create a grant (as a steward within its allowance, or governance); the value: the
        grant id.

        Raises:
            StateError: over allowance, over free balance, missing role (nothing is sent).
            ValidationError: malformed input.
        """
        address = _check_address(grantee, "grantee")
        ref = self._ref(token)
        args = (address, ref.address, _milestones_abi(milestones))
        receipt = send(self._in(ref), "createGrant", args, sender=self.signer(sender),
                       action="create grant")
        return TxResult.of(receipt, int(self.handle.events(receipt, "GrantCreated")[0]["grantId"]))

    def submit_milestone(self, grant_id: int, index: int, version_id: int, *,
                         sender: AccountAPI | None = None) -> TxResult[Milestone]:
        """Grantee: submit registry version ``version_id`` (its own, of the named model)."""
        receipt = send(self.handle, "submitMilestone", (int(grant_id), int(index), int(version_id)),
                       sender=self.signer(sender), action=f"submit milestone {index} of grant #{grant_id}")
        return TxResult.of(receipt, self.milestone(grant_id, index))

    def approve_milestone(self, grant_id: int, index: int, *,
                          sender: AccountAPI | None = None) -> TxResult[Milestone]:
        """Steward or governance: release a submitted milestone whose version is audited.

        Raises:
            NotFoundError: no such grant.
        """
        grant = self.get_grant(grant_id)
        receipt = send(self._in(grant.token), "approveMilestone", (int(grant_id), int(index)),
                       sender=self.signer(sender), action=f"approve milestone {index} of grant #{grant_id}")
        return TxResult.of(receipt, self.milestone(grant_id, index))

    def reject_milestone(self, grant_id: int, index: int, reason_cid: str, *,
                         sender: AccountAPI | None = None) -> TxResult[Milestone]:
        """Steward or governance: reject a submission with the CID of the reason (the grantee
        may resubmit before the deadline).

        Raises:
            InvalidCIDError: ``reason_cid`` is not a CID.
        """
        from modelgov.cid.text import cid_to_bytes

        reason = cid_to_bytes(str(reason_cid).strip())
        receipt = send(self.handle, "rejectMilestone", (int(grant_id), int(index), reason),
                       sender=self.signer(sender), action=f"reject milestone {index} of grant #{grant_id}")
        return TxResult.of(receipt, self.milestone(grant_id, index))

    def cancel_grant(self, grant_id: int, *, sender: AccountAPI | None = None) -> TxResult[Grant]:
        """Governance or the creating steward: cancel; unpaid milestones return to free funds.
        The value: the cancelled grant."""
        receipt = send(self.handle, "cancelGrant", (int(grant_id),), sender=self.signer(sender),
                       action=f"cancel grant #{grant_id}")
        return TxResult.of(receipt, self.get_grant(grant_id))

    def reclaim_milestone(self, grant_id: int, index: int, *,
                          sender: AccountAPI | None = None) -> TxResult[Milestone]:
        """Anyone, after a pending milestone's deadline: return its commitment to free funds."""
        receipt = send(self.handle, "reclaimMilestone", (int(grant_id), int(index)),
                       sender=self.signer(sender), action=f"reclaim milestone {index} of grant #{grant_id}")
        return TxResult.of(receipt, self.milestone(grant_id, index))


def _allowance(steward: str, token: TokenRef, raw: Sequence[Any]) -> Allowance:
    amount, spent, remaining, period, last_reset, next_reset = tuple(raw)
    return Allowance(steward, token, int(amount), int(spent), int(remaining), int(period),
                     int(last_reset), int(next_reset) or None)
