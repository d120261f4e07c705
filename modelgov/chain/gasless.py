"""Gasless voting and delegation: EIP-712 signatures made offline, sent by any relayer.

A voter who holds no ETH signs, and someone else (``modelgov relay``) pays the gas:

- a **ballot** for ``ModelGovernor.castVoteBySig`` — ``Ballot(uint256 proposalId,uint8 support,
  address voter,uint256 nonce)`` in the governor's domain (``ModelGovernor``, version ``1``).
  The nonce is **keyed by the proposal** (OZ 5.7 ``GovernorNoncesKeyed``: key =
  ``uint192(proposalId)``, i.e. the sequential proposal number; nonce =
  ``key << 64 | n``). A voter votes once per proposal, so ``n`` is 0 and the nonce is known
  offline; ballots for several proposals do not depend on each other and relay in any order.
- a **delegation** for the token's ``delegateBySig`` (ERC20Votes) —
  ``Delegation(address delegatee,uint256 nonce,uint256 expiry)`` in the token's domain (its
  name, version ``1``). The nonce is the token's per-account nonce (shared with EIP-2612
  permits), so it is read from the chain when signing.

Nothing here needs a node to sign; relaying checks the chain first (right chain and contract,
nonce not used, the vote still open) so a replayed or stale file is refused in one line before
any gas is spent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from modelgov.chain.abi_values import abi_int, abi_tuple
from modelgov.chain.signing import DOMAIN_FIELDS, sign_typed_data
from modelgov.errors import SignatureError, StateError, ValidationError

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.client import ModelGov
    from modelgov.chain.signing import Signer
    from modelgov.chain.tx import TxResult

VOTE_FILE_TYPE = "modelgov/vote-signature@1"
DELEGATION_FILE_TYPE = "modelgov/delegation-signature@1"
GOVERNOR_DOMAIN = ("ModelGovernor", "1")
SUPPORT = {"against": 0, "for": 1, "abstain": 2}
SUPPORT_NAMES = {v: k for k, v in SUPPORT.items()}

BALLOT_FIELDS = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
DELEGATION_FIELDS = [
    {"name": "delegatee", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "expiry", "type": "uint256"},
]


def keyed_nonce(proposal_id: int, used: int = 0) -> int:
    """``GovernorNoncesKeyed``'s nonce for ``proposal_id``: ``uint192(proposalId) << 64 | used``."""
    return ((proposal_id % 2**192) << 64) | used


def _checksum(address: str, what: str) -> str:
    from eth_utils.address import is_address, to_checksum_address

    if not is_address(address):
        raise ValidationError(f"{what} {address!r} is not an address")
    return to_checksum_address(address)


@dataclass(frozen=True)
class SignedBallot:
    """A signed vote (``castVoteBySig``)."""

    chain_id: int
    governor: str
    proposal_id: int
    support: int
    voter: str
    nonce: int
    signature: str

    def typed_data(self) -> dict[str, Any]:
        return {
            "types": {"EIP712Domain": DOMAIN_FIELDS, "Ballot": BALLOT_FIELDS},
            "primaryType": "Ballot",
            "domain": {"name": GOVERNOR_DOMAIN[0], "version": GOVERNOR_DOMAIN[1],
                       "chainId": self.chain_id, "verifyingContract": self.governor},
            "message": {"proposalId": self.proposal_id, "support": self.support,
                        "voter": self.voter, "nonce": self.nonce},
        }

    def to_json(self) -> dict[str, Any]:
        return {"type": VOTE_FILE_TYPE, "chain_id": self.chain_id, "governor": self.governor,
                "proposal_id": str(self.proposal_id), "support": SUPPORT_NAMES[self.support],
                "voter": self.voter, "nonce": str(self.nonce), "signature": self.signature}

    @property
    def summary(self) -> str:
        return f"vote {SUPPORT_NAMES[self.support]} on proposal {self.proposal_id} by {self.voter}"


@dataclass(frozen=True)
class SignedDelegation:
    """A signed delegation (``delegateBySig``)."""

    chain_id: int
    token: str
    domain_name: str
    domain_version: str
    delegator: str
    delegatee: str
    nonce: int
    expiry: int
    signature: str

    def typed_data(self) -> dict[str, Any]:
        return {
            "types": {"EIP712Domain": DOMAIN_FIELDS, "Delegation": DELEGATION_FIELDS},
            "primaryType": "Delegation",
            "domain": {"name": self.domain_name, "version": self.domain_version,
                       "chainId": self.chain_id, "verifyingContract": self.token},
            "message": {"delegatee": self.delegatee, "nonce": self.nonce, "expiry": self.expiry},
        }

    def to_json(self) -> dict[str, Any]:
        return {"type": DELEGATION_FILE_TYPE, "chain_id": self.chain_id, "token": self.token,
                "domain_name": self.domain_name, "domain_version": self.domain_version,
                "delegator": self.delegator, "delegatee": self.delegatee,
                "nonce": str(self.nonce), "expiry": self.expiry, "signature": self.signature}

    @property
    def summary(self) -> str:
        return f"delegation of {self.delegator} to {self.delegatee}"


Signed = SignedBallot | SignedDelegation
_SignedT = TypeVar("_SignedT", SignedBallot, SignedDelegation)


def sign_ballot(signer: Signer, *, chain_id: int, governor: str, proposal_id: int, support: str | int,
                nonce: int | None = None) -> SignedBallot:
    """Sign a vote offline. ``nonce`` defaults to the keyed nonce of ``proposal_id``
    (:func:`keyed_nonce`), valid while the voter has not voted on it.

    Raises:
        ValidationError: unknown support value or bad address.
        SignatureError: the signer declined.
    """
    code = support if isinstance(support, int) else SUPPORT.get(str(support).lower())
    if code not in SUPPORT_NAMES:
        raise ValidationError(f"vote must be one of for, against, abstain; got {support!r}")
    unsigned = SignedBallot(int(chain_id), _checksum(governor, "governor"), int(proposal_id), code,
                            _checksum(str(signer.address), "voter"),
                            keyed_nonce(int(proposal_id)) if nonce is None else int(nonce), "")
    return _with_signature(unsigned, sign_typed_data(signer, unsigned.typed_data()))


def sign_delegation(signer: Signer, *, chain_id: int, token: str, domain_name: str, delegatee: str,
                    nonce: int, expiry: int, domain_version: str = "1") -> SignedDelegation:
    """Sign a delegation of ``signer``'s votes to ``delegatee`` offline.

    Raises:
        ValidationError: bad address.
        SignatureError: the signer declined.
    """
    unsigned = SignedDelegation(int(chain_id), _checksum(token, "token"), domain_name, domain_version,
                                _checksum(str(signer.address), "delegator"),
                                _checksum(delegatee, "delegatee"), int(nonce), int(expiry), "")
    return _with_signature(unsigned, sign_typed_data(signer, unsigned.typed_data()))


def _with_signature(signed: _SignedT, signature: str) -> _SignedT:
    from dataclasses import replace

    return replace(signed, signature=signature)


def save(signed: Signed, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(signed.to_json(), indent=2, sort_keys=True) + "\n")
    return path


def load(path: str | Path) -> Signed:
    """Read a vote or delegation signature file.

    Raises:
        ValidationError: unreadable, not JSON, unknown ``type`` or a malformed field.
    """
    name = Path(path).name
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{name} is not JSON: {exc.msg}") from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    try:
        if kind == VOTE_FILE_TYPE:
            support = SUPPORT.get(str(doc["support"]).lower())
            if support is None:
                raise ValueError(f"support {doc['support']!r}")
            signed: Signed = SignedBallot(
                int(doc["chain_id"]), _checksum(str(doc["governor"]), "governor"),
                int(doc["proposal_id"]), support, _checksum(str(doc["voter"]), "voter"),
                int(doc["nonce"]), str(doc["signature"]))
        elif kind == DELEGATION_FILE_TYPE:
            signed = SignedDelegation(
                int(doc["chain_id"]), _checksum(str(doc["token"]), "token"), str(doc["domain_name"]),
                str(doc["domain_version"]), _checksum(str(doc["delegator"]), "delegator"),
                _checksum(str(doc["delegatee"]), "delegatee"), int(doc["nonce"]), int(doc["expiry"]),
                str(doc["signature"]))
        else:
            raise ValidationError(f"{name}: not a vote or delegation signature file "
                                  f"(type {kind!r}; expected {VOTE_FILE_TYPE} or {DELEGATION_FILE_TYPE})")
        if len(bytes.fromhex(signed.signature.removeprefix("0x"))) != 65:
            raise ValueError("signature must be 65 bytes")
    except KeyError as exc:
        raise ValidationError(f"{name}: lacks {exc.args[0]!r}") from None
    except ValidationError:
        raise
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name}: malformed field: {exc}") from None
    return signed


# --------------------------------------------------------------------------- relaying
@dataclass(frozen=True)
class Relayed:
    """What ``relay`` sent for one file."""

    file: str
    kind: str  # "vote" | "delegation"
    summary: str
    tx: str
    gas: int

    @property
    def line(self) -> str:
        return f"{self.file}: {self.summary} relayed: tx {self.tx} (gas {self.gas:,})"

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (the client's one ``to_json()`` protocol)."""
        return self.as_dict()

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "kind": self.kind, "summary": self.summary, "tx": self.tx,
                "gas": self.gas}


def check(gov: ModelGov, signed: Signed, name: str) -> None:
    """Refuse, before any gas is spent, a file that cannot work here now.

    Raises:
        SignatureError: another chain or contract, a used nonce (a replayed file), an expired
            delegation, or a signature that is not the signer's.
        StateError: the vote is not open, or the voter already voted.
    """
    chain_id = gov.connection.chain_id
    if signed.chain_id != chain_id:
        raise SignatureError(f"{name}: signed for chain {signed.chain_id}, this is chain {chain_id}")
    if isinstance(signed, SignedBallot):
        # (a voter may be an ERC-1271 wallet: the governor checks the signature itself)
        _check_ballot(gov, signed, name)
    else:
        _check_signer(signed, name)
        _check_delegation(gov, signed, name)


def _check_signer(signed: SignedDelegation, name: str) -> None:
    """``delegateBySig`` delegates the votes of whoever signed: the file must name that account."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    try:
        recovered = Account.recover_message(encode_typed_data(full_message=signed.typed_data()),
                                            signature=bytes.fromhex(signed.signature.removeprefix("0x")))
    except Exception:  # noqa: BLE001 - any malformed signature
        recovered = None
    if recovered != signed.delegator:
        raise SignatureError(f"{name}: the signature is not {signed.delegator}'s (the file was altered)")


def _ballot_nonce(gov: ModelGov, voter: str, proposal_id: int) -> int:
    """The voter's next keyed nonce for ``proposal_id`` (key = the proposal id)."""
    return abi_int(gov.governor.handle.call("nonces", voter, keyed_nonce(proposal_id) >> 64))


def _check_ballot(gov: ModelGov, ballot: SignedBallot, name: str) -> None:
    from modelgov.chain.enums import ProposalState

    governor = gov.governor
    if ballot.governor.lower() != governor.address.lower():
        raise SignatureError(f"{name}: signed for governor {ballot.governor}, not this deployment's "
                             f"{governor.address}")
    pid = governor.resolve_id(ballot.proposal_id)
    if pid != ballot.proposal_id:
        raise SignatureError(f"{name}: signed for {ballot.proposal_id}, which is proposal {pid}'s "
                             "hash: castVoteBySig needs the proposal's id; sign again")
    if governor.handle.call("hasVoted", pid, ballot.voter):
        raise StateError(f"{name}: replayed or superseded: {ballot.voter} already voted on "
                         f"proposal {pid}")
    key = (ballot.nonce >> 64) % 2**192
    current = (abi_int(governor.handle.call("nonces", ballot.voter, key)) if key
               else abi_int(governor.handle.call("nonces", ballot.voter)))
    if ballot.nonce < current:
        raise SignatureError(f"{name}: replayed: nonce {ballot.nonce} of {ballot.voter} was used "
                             f"already (next is {current})")
    if ballot.nonce != current:
        raise SignatureError(f"{name}: nonce {ballot.nonce} is not {ballot.voter}'s next ({current})")
    st = ProposalState(abi_int(governor.handle.call("state", pid)))
    if st is not ProposalState.Active:
        raise StateError(f"{name}: voting is not open for proposal {pid} (state {st.name})")


def _check_delegation(gov: ModelGov, d: SignedDelegation, name: str) -> None:
    token = gov.handle("token")
    if d.token.lower() != token.address.lower():
        raise SignatureError(f"{name}: signed for token {d.token}, not this deployment's {token.address}")
    current = abi_int(token.call("nonces", d.delegator))
    if d.nonce < current:
        raise SignatureError(f"{name}: replayed: nonce {d.nonce} of {d.delegator} was used already "
                             f"(next is {current})")
    if d.nonce != current:
        raise SignatureError(f"{name}: nonce {d.nonce} is not {d.delegator}'s next ({current})")
    now = gov.connection.rpc.timestamp("pending")
    if d.expiry < now:
        raise SignatureError(f"{name}: the delegation expired at {d.expiry} (now {now}); sign again")


def ballot_for(gov: ModelGov, signer: Signer, ref: int, support: str | int) -> SignedBallot:
    """Sign a ballot for proposal ``ref`` (id or hash) with the voter's next keyed nonce, read
    from the chain.

    Raises:
        StateError: voting is over, or the voter already voted. NotFoundError: no such proposal.
    """
    from modelgov.chain.enums import ProposalState

    governor = gov.governor
    pid = governor.resolve_id(ref)
    st = ProposalState(abi_int(governor.handle.call("state", pid)))
    if st not in (ProposalState.Pending, ProposalState.Active):
        raise StateError(f"voting is over for proposal {pid} (state {st.name})")
    if governor.handle.call("hasVoted", pid, str(signer.address)):
        raise StateError(f"{signer.address} already voted on proposal {pid}")
    return sign_ballot(signer, chain_id=gov.connection.chain_id, governor=governor.address,
                       proposal_id=pid, support=support, nonce=_ballot_nonce(gov, str(signer.address), pid))


def delegation_for(gov: ModelGov, signer: Signer, delegatee: str | None, expiry: int) -> SignedDelegation:
    """Sign a delegation of ``signer``'s votes to ``delegatee`` (default: itself) with the
    token's next nonce and EIP-712 domain, read from the chain."""
    token = gov.handle("token")
    _, name, version, *_ = abi_tuple(token.call("eip712Domain"))
    return sign_delegation(signer, chain_id=gov.connection.chain_id, token=token.address,
                           domain_name=str(name), domain_version=str(version),
                           delegatee=delegatee or str(signer.address),
                           nonce=abi_int(token.call("nonces", str(signer.address))), expiry=expiry)


def relay(gov: ModelGov, signed: Signed, name: str, *,
          sender: AccountAPI | None = None) -> TxResult[Relayed]:
    """Check ``signed`` (:func:`check`) and send it from ``sender`` (default: the client's
    account), who pays the gas.

    Raises:
        SignatureError, StateError: see :func:`check`.
        ModelGovError: the contract refused it (decoded).
    """
    from modelgov.chain.tx import TxResult, send

    check(gov, signed, name)
    relayer = sender if sender is not None else gov.account
    sig = bytes.fromhex(signed.signature.removeprefix("0x"))
    if isinstance(signed, SignedBallot):
        receipt = send(gov.governor.handle, "castVoteBySig",
                       (signed.proposal_id, signed.support, signed.voter, sig),
                       sender=relayer, action=f"{name}: castVoteBySig")
        kind = "vote"
    else:
        v = sig[64] if sig[64] >= 27 else sig[64] + 27
        receipt = send(gov.handle("token"), "delegateBySig",
                       (signed.delegatee, signed.nonce, signed.expiry, v, sig[:32], sig[32:64]),
                       sender=relayer, action=f"{name}: delegateBySig")
        kind = "delegation"
    return TxResult.of(receipt, Relayed(name, kind, signed.summary, str(receipt.txn_hash),
                                        int(receipt.gas_used)))
