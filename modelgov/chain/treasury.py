"""Typed access to the GrantTreasury contract (an Ape contract instance inside a :class:`Suite`).

Amounts cross this boundary as integers in the token's smallest unit; :func:`parse_amount`
and :func:`format_amount` convert from/to text using the token's ``decimals``. CIDs cross as
text and are stored on chain as binary CIDs (:mod:`modelgov.cid.text`).

Every function takes ``target``: the deployed :class:`~modelgov.chain.deploy.Suite` or the
treasury contract itself. Reads return frozen dataclasses; writes return the Ape receipt
(:func:`create_grant`: ``(receipt, grant_id)``). Every write first SIMULATES the call (``eth_call`` on the
pending block, from the signing account) and only sends it when the simulation passes, so a
refusal (over allowance, over free balance, version not audited, not the grantee, …) costs no
transaction. Reverts become modelgov errors with one readable line: unknown grant, milestone or
version → :class:`NotFoundError`; missing role, wrong state, over a limit →
:class:`StateError`; malformed input → :class:`ValidationError`; anything else →
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

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from modelgov.errors import (
    ChainError,
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

#: ``modelId`` of a milestone that does not require a particular model (``type(uint256).max``).
NO_MODEL = 2**256 - 1
MAX_MILESTONES = 20
STATUS_NAMES = ("pending", "submitted", "released", "reclaimed", "cancelled")
ADMIN_ROLE = b"\x00" * 32
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_FIELDS = {"amount", "description", "deadline", "model"}

ERC20_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": name, "stateMutability": "view", "inputs": inputs,
     "outputs": [{"name": "", "type": out}]}
    for name, inputs, out in (
        ("symbol", [], "string"),
        ("decimals", [], "uint8"),
        ("balanceOf", [{"name": "account", "type": "address"}], "uint256"),
        ("allowance", [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
         "uint256"),
    )
] + [
    {"type": "function", "name": "approve", "stateMutability": "nonpayable",
     "inputs": [{"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
]


def _keccak(text: str) -> bytes:
    from eth_utils import keccak

    return keccak(text=text)


STEWARD_ROLE = _keccak("STEWARD_ROLE")
ROLE_NAMES = {ADMIN_ROLE: "DEFAULT_ADMIN_ROLE (governance)", STEWARD_ROLE: "STEWARD_ROLE"}


# ---------------------------------------------------------------------------------------------
# amounts, deadlines, tokens
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenRef:
    """An ERC-20 the treasury pays in: address, and symbol / decimals as read from the token.

    Anybody can deposit any token, so the metadata is data, not trusted: ``symbol`` is None when
    the token has no readable ``symbol()`` (none, reverting, or not a string nor bytes32, as MKR
    returns), ``decimals`` None when ``decimals()`` is missing or out of range. Show a token with
    :attr:`label` (terminal-safe), never ``symbol`` raw.
    """

    address: str
    symbol: str | None
    decimals: int | None

    @property
    def label(self) -> str:
        """The symbol made safe for a terminal, or ``?0x1234…abcd`` when it has none."""
        from modelgov.textsafe import term

        if self.symbol:
            return term(self.symbol)
        return f"?{self.address[:6]}…{self.address[-4:]}"

    def fmt(self, amount: int) -> str:
        if self.decimals is None:
            return f"{int(amount)} units of {self.label}"
        return f"{format_amount(amount, self.decimals)} {self.label}"


def token_ref(address: str) -> TokenRef:
    """Read symbol and decimals of the token at ``address``, tolerating any answer.

    ``symbol()`` may return a string or a bytes32 (MKR, SAI); anything else, a revert, or no
    such function gives ``symbol=None``. ``decimals()`` outside 0..77 or missing gives None.

    Raises:
        ValidationError: no contract at ``address``.
    """
    from ape import chain

    if not chain.provider.get_code(address):
        raise ValidationError(f"no contract at {address}: not a token")
    checksum = _checksum(address)
    return TokenRef(checksum, _decode_symbol(_raw_call(checksum, "symbol()")),
                    _decode_decimals(_raw_call(checksum, "decimals()")))


def _raw_call(address: str, signature: str) -> bytes | None:
    """The raw return data of a view call without arguments, or None if it reverts/fails."""
    from ape import chain
    from eth_utils import keccak

    call = {"to": address, "data": "0x" + keccak(text=signature)[:4].hex()}
    try:
        return bytes(chain.provider.web3.eth.call(call))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - revert, no such function, node refusing: no metadata
        return None


def _decode_symbol(data: bytes | None) -> str | None:
    """An ABI ``string``, or a NUL-padded ``bytes32`` (MKR-style), decoded as UTF-8; else None."""
    from eth_abi import decode as abi_decode

    if not data:
        return None
    if len(data) >= 64:
        try:
            (text,) = abi_decode(["string"], data)
            return str(text) if text else None
        except Exception:  # noqa: BLE001 - not a string: maybe a bytes32 below
            pass
    if len(data) == 32:
        raw = data.rstrip(b"\x00")
        try:
            return raw.decode("utf-8") or None
        except UnicodeDecodeError:
            return None
    return None


def _decode_decimals(data: bytes | None) -> int | None:
    if data is None or len(data) != 32:
        return None
    value = int.from_bytes(data, "big")
    return value if value <= 77 else None


def resolve_token(target: Any, text: str) -> TokenRef:
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
        return token_ref(text)
    known_refs = known_tokens(target)
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


def known_tokens(target: Any) -> list[TokenRef]:
    """The tokens the treasury has seen, plus the governance token (when given a suite)."""
    addresses = [str(a) for a in _treasury(target).tokens()]
    gov = getattr(getattr(target, "token", None), "address", None)
    if gov is not None and str(gov) not in addresses:
        addresses.insert(0, str(gov))
    return [token_ref(a) for a in addresses]


def _token(token: TokenRef | str) -> TokenRef:
    return token if isinstance(token, TokenRef) else token_ref(str(token))


def _erc20(address: str) -> Any:
    from ape import chain

    w3 = chain.provider.web3
    return w3.eth.contract(address=_checksum(address), abi=ERC20_ABI)


def _checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(str(address))


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

    def to_abi(self) -> tuple:
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
        specs.append(MilestoneSpec(amount, cid, deadline, None if model in (None, "") else str(model), model_id))
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
# revert decoding
# ---------------------------------------------------------------------------------------------
#: OpenZeppelin ERC-20 errors a deposit can hit (any OZ token uses these selectors).
_TOKEN_ERRORS: dict[str, list[tuple[str, str]]] = {
    "ERC20InsufficientBalance": [("sender", "address"), ("balance", "uint256"), ("needed", "uint256")],
    "ERC20InsufficientAllowance": [("spender", "address"), ("allowance", "uint256"), ("needed", "uint256")],
}


def _decode_token_error(exc: BaseException) -> tuple[str, dict[str, Any]] | None:
    from eth_abi import decode

    from modelgov.chain.reverts import revert_data

    data = revert_data(exc)
    if data is None:
        return None
    for name, inputs in _TOKEN_ERRORS.items():
        if _keccak(f"{name}({','.join(t for _, t in inputs)})")[:4] == data[:4]:
            try:
                values = decode([t for _, t in inputs], data[4:])
            except Exception:
                return name, {}
            return name, {n: v for (n, _), v in zip(inputs, values)}
    return None


def error_for(
    target: Any, exc: BaseException, action: str, token: TokenRef | None = None
) -> ModelGovError:
    """The modelgov error for a treasury (or token) revert, prefixed by ``action``."""
    from modelgov.chain.reverts import decode_custom_error

    decoded = decode_custom_error(exc, [_treasury(target).contract_type]) or _decode_token_error(exc)
    if decoded is None:
        message = " ".join(str(getattr(exc, "revert_message", None) or exc).split())
        return TransactionRevertedError(f"{action}: reverted: {message}")
    name, a = decoded

    def amt(key: str) -> str:
        value = int(a.get(key, 0))
        return token.fmt(value) if token else f"{value} (smallest units)"

    def ms() -> str:
        return f"milestone {a.get('index')} of grant #{a.get('grantId')}"

    def status_name() -> str:
        code = int(a.get("status", 0))
        return STATUS_NAMES[code] if code < len(STATUS_NAMES) else str(code)

    text: dict[str, tuple[type[ModelGovError], Callable[[], str]]] = {
        "AccessControlUnauthorizedAccount": (StateError, lambda: (
            f"{a.get('account')} lacks {ROLE_NAMES.get(bytes(a.get('neededRole', b'')), 'the role')}")),
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
        "GrantTreasuryMilestoneNotPending": (StateError, lambda: f"{ms()} is {status_name()}, not pending"),
        "GrantTreasuryMilestoneNotSubmitted": (StateError, lambda: f"{ms()} is {status_name()}, not submitted"),
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
    if name not in text:
        return TransactionRevertedError(f"{action}: reverted with {name}({a})")
    cls, message = text[name]
    return cls(f"{action}: {message()}")


# ---------------------------------------------------------------------------------------------
# reads
# ---------------------------------------------------------------------------------------------
def _treasury(target: Any) -> Any:
    """The treasury contract of ``target`` (a Suite, or the contract itself)."""
    if hasattr(target, "CONTRACTS"):  # a Suite
        if getattr(target, "treasury", None) is None:
            from modelgov.errors import DeploymentNotFoundError

            raise DeploymentNotFoundError("this deployment has no GrantTreasury; redeploy with `modelgov deploy`")
        return target.treasury
    return target


def _milestone(index: int, raw: Any) -> Milestone:
    from modelgov.cid.text import cid_from_bytes

    data = bytes(raw.descriptionCid)
    try:
        cid = cid_from_bytes(data) if data else None
    except InvalidCIDError:
        cid = "0x" + data.hex()
    model_id = int(raw.modelId)
    version = int(raw.versionId)
    status = int(raw.status)
    return Milestone(
        index=index,
        amount=int(raw.amount),
        description_cid=cid,
        deadline=int(raw.deadline),
        model_id=None if model_id == NO_MODEL else model_id,
        status=STATUS_NAMES[status] if status < len(STATUS_NAMES) else str(status),
        version_id=version or None,
    )


def get_grant(target: Any, grant_id: int, *, _tokens: dict[str, TokenRef] | None = None) -> Grant:
    """Raises: NotFoundError: no such grant."""
    from ape.exceptions import ApeException

    t = _treasury(target)
    if not 1 <= int(grant_id) <= int(t.grantCount()):
        raise NotFoundError(f"no grant #{grant_id} (there are {int(t.grantCount())})")
    try:
        info = t.getGrant(int(grant_id))
        raw_milestones = t.getMilestones(int(grant_id))
    except ApeException as exc:
        raise error_for(target, exc, f"grant #{grant_id}") from None
    cache = _tokens if _tokens is not None else {}
    address = str(info.token)
    if address not in cache:
        cache[address] = token_ref(address)
    return Grant(
        grant_id=int(grant_id),
        grantee=str(info.grantee),
        token=cache[address],
        creator=str(info.creator),
        cancelled=bool(info.cancelled),
        total=int(info.total),
        released=int(info.released),
        returned=int(info.returned),
        milestones=[_milestone(i, m) for i, m in enumerate(raw_milestones)],
    )


def list_grants(target: Any) -> list[Grant]:
    """Every grant, oldest first."""
    cache: dict[str, TokenRef] = {}
    count = int(_treasury(target).grantCount())
    return [get_grant(target, gid, _tokens=cache) for gid in range(1, count + 1)]


def allowance(target: Any, steward: str, token: TokenRef | str) -> Allowance:
    """``steward``'s allowance for ``token`` as of the latest block."""
    token = _token(token)
    amount, spent, remaining, period, last_reset, next_reset = _treasury(target).stewardAllowance(
        steward, token.address
    )
    return Allowance(str(steward), token, int(amount), int(spent), int(remaining), int(period),
                     int(last_reset), int(next_reset) or None)


def stewards(target: Any) -> list[str]:
    return [str(a) for a in _treasury(target).getRoleMembers(STEWARD_ROLE)]


def status(target: Any) -> TreasuryStatus:
    """Balances, commitments and free funds per token; each steward's allowance per token."""
    t = _treasury(target)
    tokens = known_tokens(target)
    holdings = []
    for tok in tokens:
        balance = int(_erc20(tok.address).functions.balanceOf(str(t.address)).call())
        holdings.append(TokenHolding(tok, balance, int(t.committed(tok.address))))
    allowances = []
    for steward in stewards(target):
        for tok in tokens:
            a = allowance(target, steward, tok)
            if a.amount or a.spent:
                allowances.append(a)
    return TreasuryStatus(str(t.address), str(t.registry()), int(t.grantCount()), holdings, allowances)


def chain_time() -> int:
    """The timestamp the next block will (at least) have: what deadlines are compared with."""
    from ape import chain

    return int(chain.pending_timestamp)


def model_resolver(suite: Any) -> Callable[[str], int]:
    """Model name or id → id, through the suite's registry."""
    from modelgov.chain import registry as registry_api

    if getattr(suite, "registry", None) is None:
        raise ChainError("this deployment has no ModelRegistry to resolve model names")
    return lambda model: registry_api.resolve_model(suite.registry, model)


# ---------------------------------------------------------------------------------------------
# writes (simulate, then send)
# ---------------------------------------------------------------------------------------------
def _transact(target: Any, action: str, contract: Any, fn: str, args: tuple, sender: Any,
              token: TokenRef | None = None) -> Any:
    """Simulate ``contract.fn(*args)`` from ``sender`` on the pending block; send if it passes."""
    from modelgov.chain import tx

    return tx.transact(contract, fn, args, sender=sender, action=action,
                       on_revert=lambda exc: error_for(target, exc, action, token))


def _check_address(value: str, what: str) -> str:
    if not _ADDRESS.match(str(value).strip()):
        raise ValidationError(f"{what}: {value!r} is not an address (0x + 40 hex digits)")
    address = _checksum(str(value).strip())
    if int(address, 16) == 0:
        raise ValidationError(f"{what}: the zero address")
    return address


def deposit(target: Any, account: Any, token: TokenRef | str, amount: int) -> Any:
    """Approve (if needed) and deposit ``amount`` (smallest units) of ``token`` from ``account``.

    Returns the deposit receipt (its ``Deposited`` event says what arrived).

    Raises:
        StateError: the token is not on the treasury's allowlist, or the account holds less than
            ``amount`` (nothing is sent).
    """
    token = _token(token)
    t = _treasury(target)
    if not bool(t.isTokenAllowed(token.address)):
        raise StateError(f"deposit: token {token.address} is not on the treasury's allowlist "
                         "(governance adds it with setTokenAllowed)")
    erc20 = _erc20(token.address)
    held = int(erc20.functions.balanceOf(str(account.address)).call())
    if held < amount:
        raise StateError(f"deposit: {account.address} holds {token.fmt(held)}, {token.fmt(amount)} needed")
    allowed = int(erc20.functions.allowance(str(account.address), str(t.address)).call())
    if allowed < amount:
        from ape import Contract

        tok = Contract(token.address, abi=ERC20_ABI)
        _transact(target, "approve", tok, "approve", (str(t.address), amount), account, token)
    return _transact(target, "deposit", t, "deposit", (token.address, amount), account, token)


def _milestones_abi(milestones: list[MilestoneSpec]) -> list[tuple]:
    if not milestones:
        raise ValidationError("create grant: no milestones")
    return [m.to_abi() for m in milestones]


def create_grant(target: Any, account: Any, grantee: str, token: TokenRef | str,
                 milestones: list[MilestoneSpec]) -> tuple[Any, int]:
    """Create a grant as ``account`` (a steward within its allowance, or governance).

    Returns:
        ``(receipt, grant_id)``.

    Raises:
        StateError: over allowance, over free balance, missing role (nothing is sent).
        ValidationError: malformed input.
    """
    grantee = _check_address(grantee, "grantee")
    token = _token(token)
    t = _treasury(target)
    args = (grantee, token.address, _milestones_abi(milestones))
    receipt = _transact(target, "create grant", t, "createGrant", args, account, token)
    return receipt, int(receipt.events.filter(t.GrantCreated)[0].grantId)


def create_grant_call(target: Any, grantee: str, token: TokenRef | str,
                      milestones: list[MilestoneSpec]) -> tuple[str, bytes]:
    """``(target address, calldata)`` of ``createGrant`` for a governance proposal (grants above
    any steward's allowance)."""
    grantee = _check_address(grantee, "grantee")
    t = _treasury(target)
    data = bytes(t.createGrant.encode_input(grantee, _token(token).address, _milestones_abi(milestones)))
    return str(t.address), data


def submit_milestone(target: Any, account: Any, grant_id: int, index: int, version_id: int) -> Any:
    """Grantee: submit registry version ``version_id`` (its own, of the named model)."""
    return _transact(target, f"submit milestone {index} of grant #{grant_id}", _treasury(target),
                     "submitMilestone", (int(grant_id), int(index), int(version_id)), account)


def approve_milestone(target: Any, account: Any, grant_id: int, index: int) -> Any:
    """Steward or governance: release a submitted milestone whose version is audited."""
    grant = get_grant(target, grant_id)
    return _transact(target, f"approve milestone {index} of grant #{grant_id}", _treasury(target),
                     "approveMilestone", (int(grant_id), int(index)), account, grant.token)


def reject_milestone(target: Any, account: Any, grant_id: int, index: int, reason_cid: str) -> Any:
    """Steward or governance: reject a submission with the CID of the reason."""
    from modelgov.cid.text import cid_to_bytes

    reason = cid_to_bytes(str(reason_cid).strip())
    return _transact(target, f"reject milestone {index} of grant #{grant_id}", _treasury(target),
                     "rejectMilestone", (int(grant_id), int(index), reason), account)


def cancel_grant(target: Any, account: Any, grant_id: int) -> Any:
    """Governance or the creating steward: cancel; unpaid milestones return to free funds."""
    return _transact(target, f"cancel grant #{grant_id}", _treasury(target), "cancelGrant",
                     (int(grant_id),), account)


def reclaim_milestone(target: Any, account: Any, grant_id: int, index: int) -> Any:
    """Anyone, after a pending milestone's deadline: return its commitment to free funds."""
    return _transact(target, f"reclaim milestone {index} of grant #{grant_id}", _treasury(target),
                     "reclaimMilestone", (int(grant_id), int(index)), account)
