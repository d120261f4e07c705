"""ERC-20 tokens: the suite's GovernanceToken (``gov.token``) and any token the treasury holds.

Anybody can deposit any token into the treasury, so what a token says about itself is data,
not trusted: :class:`TokenRef` keeps ``symbol``/``decimals`` as read (None when unreadable), and
:func:`token_refs` reads them tolerating any answer (no such function, a revert, a ``bytes32``
symbol as MKR has). Reads are plain JSON-RPC (:class:`~modelgov.chain.contract.ContractHandle`
with :data:`ERC20_ABI`); writes go through the one pipeline of :mod:`modelgov.chain.tx`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelgov.chain.abi_values import abi_int
from modelgov.chain.contract import Manager
from modelgov.chain.tx import TxResult, send
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    StateError,
    TransactionRevertedError,
    ValidationError,
)
from modelgov.timetext import format_amount

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.client import ModelGov
    from modelgov.chain.connection import Connection


def _fn(name: str, inputs: list[tuple[str, str]], out: str | None,
        mutability: str = "view") -> dict[str, Any]:
    return {"type": "function", "name": name, "stateMutability": mutability,
            "inputs": [{"name": n, "type": t} for n, t in inputs],
            "outputs": [{"name": "", "type": out}] if out else []}


def _error(name: str, inputs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "error", "name": name, "inputs": [{"name": n, "type": t} for n, t in inputs]}


#: The OpenZeppelin ERC-20 errors a transfer can hit (any OZ token uses these selectors).
ERC20_ERRORS: tuple[dict[str, Any], ...] = (
    _error("ERC20InsufficientBalance",
           [("sender", "address"), ("balance", "uint256"), ("needed", "uint256")]),
    _error("ERC20InsufficientAllowance",
           [("spender", "address"), ("allowance", "uint256"), ("needed", "uint256")]),
)

#: The minimal ERC-20 ABI modelgov uses for arbitrary tokens.
ERC20_ABI: tuple[dict[str, Any], ...] = (
    _fn("symbol", [], "string"),
    _fn("decimals", [], "uint8"),
    _fn("totalSupply", [], "uint256"),
    _fn("balanceOf", [("account", "address")], "uint256"),
    _fn("allowance", [("owner", "address"), ("spender", "address")], "uint256"),
    _fn("approve", [("spender", "address"), ("value", "uint256")], "bool", "nonpayable"),
    *ERC20_ERRORS,
)

_SYMBOL = bytes.fromhex("95d89b41")  # symbol()
_DECIMALS = bytes.fromhex("313ce567")  # decimals()


@dataclass(frozen=True)
class TokenRef:
    """An ERC-20: address, and symbol / decimals as read from the token.

    ``symbol`` is None when the token has no readable ``symbol()`` (none, reverting, or not a
    string nor bytes32), ``decimals`` None when ``decimals()`` is missing or out of range. Show a
    token with :attr:`label` (terminal-safe), never ``symbol`` raw.
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


def decode_symbol(data: bytes | None) -> str | None:
    """An ABI ``string``, or a NUL-padded ``bytes32`` (MKR-style), decoded as UTF-8; else None."""
    from eth_abi.abi import decode as abi_decode

    if not data:
        return None
    if len(data) >= 64:
        try:
            (text,) = abi_decode(["string"], data)
            return str(text) if text else None
        except Exception:  # noqa: BLE001, S110 - not a string: maybe a bytes32 below
            pass
    if len(data) == 32:
        raw = data.rstrip(b"\x00")
        try:
            return raw.decode("utf-8") or None
        except UnicodeDecodeError:
            return None
    return None


def decode_decimals(data: bytes | None) -> int | None:
    if data is None or len(data) != 32:
        return None
    value = int.from_bytes(data, "big")
    return value if value <= 77 else None


def token_refs(connection: Connection, addresses: Sequence[str]) -> list[TokenRef]:
    """Code, ``symbol()`` and ``decimals()`` of every token, in one round trip (a JSON-RPC
    batch), tolerating any answer (see :class:`TokenRef`).

    Raises:
        ValidationError: no contract at one of the addresses.
        ChainError, NodeUnreachableError: the node failed.
    """
    from eth_utils.address import to_checksum_address

    checksums = [str(to_checksum_address(str(a))) for a in addresses]
    requests: list[tuple[str, list[Any]]] = []
    for address in checksums:
        requests += [("eth_getCode", [address, "latest"]),
                     ("eth_call", [{"to": address, "data": "0x" + _SYMBOL.hex()}, "latest"]),
                     ("eth_call", [{"to": address, "data": "0x" + _DECIMALS.hex()}, "latest"])]
    answers = connection.rpc.batch(requests)

    def raw(item: object) -> bytes | None:
        if isinstance(item, Exception) or not isinstance(item, str) or not item.startswith("0x"):
            return None  # revert, no such function, node refusing: no metadata
        try:
            return bytes.fromhex(item[2:])
        except ValueError:
            return None

    out = []
    for i, address in enumerate(checksums):
        code, symbol, decimals = answers[3 * i: 3 * i + 3]
        if isinstance(code, ChainError):
            raise code
        if not raw(code):
            raise ValidationError(f"no contract at {address}: not a token")
        out.append(TokenRef(address, decode_symbol(raw(symbol)), decode_decimals(raw(decimals))))
    return out


def messages(err: CustomError, token: TokenRef | None = None) -> tuple[type[ModelGovError], str] | None:
    """A readable message (and error class) for an ERC-20 custom error; amounts in ``token``'s
    units when it is known."""
    a = err.args

    def amt(key: str) -> str:
        value = int(a.get(key, 0))
        return token.fmt(value) if token else f"{value} (smallest units)"

    if err.name == "ERC20InsufficientBalance":
        return StateError, f"{a.get('sender')} holds {amt('balance')}, {amt('needed')} needed"
    if err.name == "ERC20InsufficientAllowance":
        return StateError, (f"{a.get('spender')} may spend {amt('allowance')} of the sender's tokens, "
                            f"{amt('needed')} needed")
    if err.name == "ERC5805FutureLookup":
        return ValidationError, f"timepoint {a.get('timepoint')} is not in the past (clock {a.get('clock')})"
    if err.name in ("ERC20InvalidReceiver", "ERC20InvalidSpender", "ERC20InvalidSender",
                    "ERC20InvalidApprover"):
        return ValidationError, f"invalid address in {err}"
    if err.name == "ERC20ExceededSafeSupply":
        return TransactionRevertedError, f"the supply would exceed the votes' safe maximum ({err})"
    return None


class Erc20(Manager):
    """An ERC-20 at an address: balances and allowances (plain reads), ``approve``.

    Args:
        handle: the token's contract handle (:meth:`at` builds one for any address).
        client: the client whose account signs writes when no ``sender=`` is given.
    """

    @classmethod
    def at(cls, address: str, connection: Connection, client: ModelGov | None = None,
           ref: TokenRef | None = None) -> Erc20:
        """Any ERC-20 (the minimal :data:`ERC20_ABI`); its revert messages show amounts in
        ``ref``'s units when given."""
        from functools import partial

        from modelgov.chain.contract import ContractHandle

        return cls(ContractHandle("ERC20", address, connection, partial(messages, token=ref),
                                  abi=ERC20_ABI), client)

    # --- reads ------------------------------------------------------------------------------
    def ref(self) -> TokenRef:
        """Address, symbol and decimals, tolerating any answer. Raises: ValidationError: no code."""
        return token_refs(self.handle.connection, [self.address])[0]

    def balance_of(self, account: str) -> int:
        return abi_int(self.handle.call("balanceOf", str(account), action=f"balance of {account}"))

    def allowance(self, owner: str, spender: str) -> int:
        """How much of ``owner``'s tokens ``spender`` may move."""
        return abi_int(self.handle.call("allowance", str(owner), str(spender), action="allowance"))

    def total_supply(self) -> int:
        return abi_int(self.handle.call("totalSupply", action="total supply"))

    # --- writes -----------------------------------------------------------------------------
    def approve(self, spender: str, amount: int, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Let ``spender`` move ``amount`` (smallest units) of the sender's tokens; the value:
        the allowance now.

        Raises:
            ModelGovError: the token refused (its error, with ``.revert``).
        """
        signer = self.signer(sender)
        receipt = send(self.handle, "approve", (str(spender), int(amount)), sender=signer,
                       action=f"approve {spender}")
        return TxResult.of(receipt, self.allowance(str(signer.address), str(spender)))


class Token(Erc20):
    """The suite's GovernanceToken: ``gov.token`` (ERC20Votes: votes are delegated, a holder
    delegates to itself to vote)."""

    def name(self) -> str:
        return str(self.handle.call("name"))

    def symbol(self) -> str:
        return str(self.handle.call("symbol"))

    def decimals(self) -> int:
        return abi_int(self.handle.call("decimals"))

    def votes_of(self, account: str) -> int:
        """``account``'s current voting power (``getVotes``)."""
        return abi_int(self.handle.call("getVotes", str(account), action=f"votes of {account}"))

    get_votes = votes_of

    def past_votes(self, account: str, timepoint: int) -> int:
        """Raises: ValidationError: ``timepoint`` is not in the past."""
        return abi_int(self.handle.call("getPastVotes", str(account), int(timepoint),
                                    action=f"votes of {account} at {timepoint}"))

    def delegates(self, account: str) -> str | None:
        """Whom ``account`` delegates its votes to (None: nobody, its tokens do not vote)."""
        address = str(self.handle.call("delegates", str(account)))
        return None if int(address, 16) == 0 else address

    def delegate(self, to: str, *, sender: AccountAPI | None = None) -> TxResult[str]:
        """Delegate the sender's votes to ``to`` (itself, to vote); the value: the delegate.

        Raises:
            ValidationError: ``to`` is not an address.
        """
        from eth_utils.address import is_address, to_checksum_address

        if not is_address(str(to)):
            raise ValidationError(f"delegate: {to!r} is not an address")
        address = str(to_checksum_address(str(to)))
        receipt = send(self.handle, "delegate", (address,), sender=self.signer(sender),
                       action=f"delegate to {address}")
        return TxResult.of(receipt, address)
