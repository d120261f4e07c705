"""Typed access to the InferenceOracle contract (an Ape contract instance).

Words: inputs and outputs cross this boundary as lists of ints, EZKL field elements (see
:mod:`modelgov.zk.answer`). Writes SIMULATE the call first (``eth_call``) and send only when it
passes; reverts become modelgov errors naming the decoded custom error: unknown request or model →
:class:`NotFoundError`; missing role → :class:`StateError`; wrong status, window, value, proof →
:class:`OracleError`; malformed words or settings → :class:`ValidationError`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from modelgov.errors import (
    ChainError,
    ModelGovError,
    NotFoundError,
    OracleError,
    StateError,
    TransactionRevertedError,
    ValidationError,
)

STATUS_NAMES = {0: "none", 1: "open", 2: "proposed", 3: "challenged", 4: "final"}
OPEN, PROPOSED, CHALLENGED, FINAL = 1, 2, 3, 4
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class OracleConfig:
    """The governance-set parameters (wei and seconds)."""

    proposer_bond: int
    challenger_bond: int
    fee: int
    challenge_window: int
    response_window: int
    callback_gas_limit: int
    treasury_share_bps: int
    treasury: str

    def to_abi(self) -> tuple:
        return (self.proposer_bond, self.challenger_bond, self.fee, self.challenge_window,
                self.response_window, self.callback_gas_limit, self.treasury_share_bps, self.treasury)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def local_config(treasury: str) -> OracleConfig:
    """Settings for a local chain: 0.1 ETH / 0.05 ETH bonds, no fee, 2-minute windows, 200k
    callback gas, 10 % of a slashed bond to ``treasury``."""
    return OracleConfig(10**17, 5 * 10**16, 0, 120, 120, 200_000, 1000, treasury)


@dataclass(frozen=True)
class RequestRecord:
    """A request as the oracle stores it."""

    request_id: int
    requester: str
    status: str
    proven: bool
    callback_failed: bool
    deadline: int
    verifier: str
    proposer: str | None
    challenger: str | None
    model_id: int
    version_id: int
    input_hash: str
    output_hash: str | None
    fee: int
    proposer_bond: int
    challenger_bond: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _addr(raw: Any) -> str | None:
    text = str(raw)
    return None if int(text, 16) == 0 else text


def _record(request_id: int, raw: Any) -> RequestRecord:
    output_hash = bytes(raw.outputHash)
    return RequestRecord(
        request_id=request_id, requester=str(raw.requester), status=STATUS_NAMES[int(raw.status)],
        proven=bool(raw.proven), callback_failed=bool(raw.callbackFailed), deadline=int(raw.deadline),
        verifier=str(raw.verifier), proposer=_addr(raw.proposer), challenger=_addr(raw.challenger),
        model_id=int(raw.modelId), version_id=int(raw.versionId),
        input_hash="0x" + bytes(raw.inputHash).hex(),
        output_hash=None if output_hash == b"\x00" * 32 else "0x" + output_hash.hex(),
        fee=int(raw.fee), proposer_bond=int(raw.proposerBond), challenger_bond=int(raw.challengerBond))


# ---------------------------------------------------------------------------------------------
# revert decoding
# ---------------------------------------------------------------------------------------------
def error_for(oracle: Any, exc: BaseException, action: str, registry: Any = None) -> ModelGovError:
    """The modelgov error for an oracle revert (registry errors decoded too), prefixed by ``action``."""
    from modelgov.chain.reverts import decode_custom_error

    types = [oracle.contract_type] + ([registry.contract_type] if registry is not None else [])
    decoded = decode_custom_error(exc, types)
    if decoded is None:
        message = " ".join(str(getattr(exc, "revert_message", None) or exc).split())
        return TransactionRevertedError(f"{action}: reverted: {message}")
    name, a = decoded
    status = STATUS_NAMES.get(int(a.get("status", 0) or 0), "?")
    text: dict[str, tuple[type[ModelGovError], str]] = {
        "InferenceOracleNoActiveVersion": (NotFoundError, f"model #{a.get('modelId')} has no active version"),
        "InferenceOracleNoVerifier": (StateError, f"model #{a.get('modelId')}'s active version {a.get('versionId')} has no zk verifier bound: disputes could not be settled"),
        "InferenceOracleUnknownRequest": (NotFoundError, f"no request {a.get('requestId')}"),
        "InferenceOracleWrongStatus": (OracleError, f"request {a.get('requestId')} is {status}"),
        "InferenceOracleWrongValue": (OracleError, f"exactly {a.get('expected')} wei must be sent, not {a.get('given')}"),
        "InferenceOracleInvalidLength": (ValidationError, f"{a.get('length')} words: 1 to 4096 allowed"),
        "InferenceOracleNotFieldElement": (ValidationError, f"word {a.get('index')} is not a field element"),
        "InferenceOracleChallengeWindowClosed": (OracleError, f"the challenge window of request {a.get('requestId')} closed at {a.get('deadline')}"),
        "InferenceOracleResponseWindowClosed": (OracleError, f"the response window of request {a.get('requestId')} closed at {a.get('deadline')}: expire the challenge"),
        "InferenceOracleWindowOpen": (OracleError, f"the window of request {a.get('requestId')} is open until {a.get('deadline')}"),
        "InferenceOracleSelfChallenge": (OracleError, f"the proposer of request {a.get('requestId')} cannot challenge itself"),
        "InferenceOracleInputMismatch": (OracleError, f"that is not request {a.get('requestId')}'s input"),
        "InferenceOracleOutputMismatch": (OracleError, f"that is not the output proposed for request {a.get('requestId')}"),
        "InferenceOracleProofRejected": (OracleError, f"the pinned verifier {a.get('verifier')} rejected the proof for request {a.get('requestId')}"),
        "InferenceOracleNothingToWithdraw": (OracleError, f"{a.get('account')} has nothing to withdraw"),
        "InferenceOracleInsufficientGas": (OracleError, f"send more gas: the consumer's callback needs {a.get('needed')}"),
        "InferenceOracleInvalidWindow": (ValidationError, f"window {a.get('window')} s is outside 60 s..30 days"),
        "InferenceOracleInvalidCallbackGas": (ValidationError, f"callback gas {a.get('gasLimit')} is above 5,000,000"),
        "InferenceOracleInvalidTreasuryShare": (ValidationError, "treasury share above 50 %, or a share without a treasury"),
        "InferenceOracleInvalidBond": (ValidationError, "bonds must be positive"),
        "AccessControlUnauthorizedAccount": (StateError, f"{a.get('account')} is not governance (DEFAULT_ADMIN_ROLE)"),
        "ModelRegistryUnknownModel": (NotFoundError, f"unknown model #{a.get('modelId')}"),
        "ReentrancyGuardReentrantCall": (OracleError, "re-entrant call refused"),
    }
    cls, message = text.get(name, (TransactionRevertedError, f"reverted with {name}({a})"))
    return cls(f"{action}: {message}")


def _simulate(oracle: Any, action: str, fn: str, args: tuple, sender: Any, value: int, registry: Any) -> None:
    from modelgov.chain import tx

    tx.simulate(oracle, fn, args, sender=sender, action=action, value=value,
                on_revert=lambda exc: error_for(oracle, exc, action, registry))


def _transact(oracle: Any, action: str, fn: str, args: tuple, sender: Any, value: int = 0,
              registry: Any = None) -> Any:
    """Simulate ``fn(*args)`` from ``sender``; send it only if the simulation passes."""
    from modelgov.chain import tx

    return tx.transact(oracle, fn, args, sender=sender, action=action, value=value,
                       on_revert=lambda exc: error_for(oracle, exc, action, registry))


def _view(oracle: Any, action: str, fn: str, *args: Any) -> Any:
    from ape.exceptions import ApeException

    try:
        return getattr(oracle, fn)(*args)
    except ApeException as exc:
        _simulate(oracle, action, fn, args, None, 0, None)
        raise error_for(oracle, exc, action) from None


# ---------------------------------------------------------------------------------------------
# deploy and reads
# ---------------------------------------------------------------------------------------------
def deploy_oracle(deployer: Any, admin: str, registry: str, config: OracleConfig) -> Any:
    """Deploy an InferenceOracle over ``registry`` administered by ``admin`` (the timelock).

    Raises:
        ChainError: the deployment reverted (zero address, bad settings).
    """
    from ape.exceptions import ApeException

    from modelgov.chain.ape_env import project

    try:
        return deployer.deploy(project().InferenceOracle, admin, registry, config.to_abi())
    except ApeException as exc:
        raise ChainError(f"oracle deployment failed: {str(exc).splitlines()[0]}") from exc


def get_config(oracle: Any) -> OracleConfig:
    raw = oracle.config()
    return OracleConfig(int(raw.proposerBond), int(raw.challengerBond), int(raw.fee), int(raw.challengeWindow),
                        int(raw.responseWindow), int(raw.callbackGasLimit), int(raw.treasuryShareBps),
                        str(raw.treasury))


def get_request(oracle: Any, request_id: int) -> RequestRecord:
    """Raises: NotFoundError: no such request."""
    return _record(int(request_id), _view(oracle, f"request {request_id}", "getRequest", int(request_id)))


def credit_of(oracle: Any, account: str) -> int:
    return int(oracle.creditOf(account))


def _logs(event: Any, from_block: int, to_block: int | None = None) -> list[Any]:
    from ape import chain

    stop = chain.blocks.head.number if to_block is None else to_block
    if stop < from_block:
        return []
    return list(event.range(from_block, stop + 1))


def requested(oracle: Any, from_block: int, to_block: int | None = None) -> list[dict[str, Any]]:
    """Every ``Requested`` event in the block range: request id, model, pinned version and
    verifier, input words, block."""
    return [{"request_id": int(log.requestId), "requester": str(log.requester), "model_id": int(log.modelId),
             "version_id": int(log.versionId), "verifier": str(log.verifier),
             "input": [int(w) for w in log.input], "block": int(log.block_number)}
            for log in _logs(oracle.Requested, from_block, to_block)]


def proposals(oracle: Any, from_block: int, to_block: int | None = None) -> list[dict[str, Any]]:
    """Every ``AnswerProposed`` event in the block range."""
    return [{"request_id": int(log.requestId), "proposer": str(log.proposer),
             "output": [int(w) for w in log.output], "deadline": int(log.challengeDeadline),
             "block": int(log.block_number)}
            for log in _logs(oracle.AnswerProposed, from_block, to_block)]


def input_of(oracle: Any, request_id: int, from_block: int = 0) -> list[int]:
    """The input words of ``request_id`` (from its ``Requested`` event, checked against the stored hash).

    Raises:
        NotFoundError: no such request or no event for it.
    """
    from eth_abi import encode
    from eth_utils import keccak

    record = get_request(oracle, request_id)
    for ev in requested(oracle, from_block):
        if ev["request_id"] == request_id:
            if "0x" + keccak(encode(["uint256[]"], [ev["input"]])).hex() != record.input_hash:
                raise ChainError(f"request {request_id}: the event's input is not the stored one")
            return ev["input"]
    raise NotFoundError(f"no Requested event for request {request_id} since block {from_block}")


def proposed_output(oracle: Any, request_id: int, from_block: int = 0) -> list[int]:
    """The currently proposed output words of ``request_id``.

    Raises:
        NotFoundError: no such request, or nothing proposed now.
    """
    from eth_abi import encode
    from eth_utils import keccak

    record = get_request(oracle, request_id)
    if record.output_hash is None:
        raise NotFoundError(f"request {request_id} has no answer proposed ({record.status})")
    for ev in reversed(proposals(oracle, from_block)):
        if ev["request_id"] == request_id and "0x" + keccak(encode(["uint256[]"], [ev["output"]])).hex() == record.output_hash:
            return ev["output"]
    raise NotFoundError(f"no AnswerProposed event matches request {request_id}'s output")


# ---------------------------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------------------------
def _words(words: list[int], what: str) -> list[int]:
    from modelgov.zk.answer import check_words

    return check_words(list(words), what)


def request(oracle: Any, model_id: int, input_words: list[int], sender: Any, registry: Any = None) -> int:
    """Ask ``model_id``'s active version about ``input_words``, paying the current fee; the request id.

    Raises:
        ValidationError: malformed words. NotFoundError: unknown model or no active version.
        StateError: the active version has no verifier. OracleError: other refusals.
    """
    words = _words(input_words, "input")
    fee = get_config(oracle).fee
    receipt = _transact(oracle, f"request on model #{model_id}", "request", (int(model_id), words), sender,
                        fee, registry)
    for log in receipt.events:
        if log.event_name == "Requested":
            return int(log.event_arguments["requestId"])
    raise ChainError("request: no Requested event in the receipt")


def propose(oracle: Any, request_id: int, output_words: list[int], sender: Any) -> Any:
    """Answer ``request_id`` with ``output_words`` and the proposer bond (sent from ``sender``).

    Raises:
        ValidationError, NotFoundError, OracleError: see the module.
    """
    bond = get_config(oracle).proposer_bond
    return _transact(oracle, f"propose for request {request_id}", "propose",
                     (int(request_id), _words(output_words, "output")), sender, bond)


def challenge(oracle: Any, request_id: int, sender: Any) -> Any:
    """Dispute the proposed answer of ``request_id`` with the challenger bond.

    Raises:
        NotFoundError, OracleError: see the module.
    """
    bond = get_config(oracle).challenger_bond
    return _transact(oracle, f"challenge request {request_id}", "challenge", (int(request_id),), sender, bond)


def fulfill(oracle: Any, request_id: int, input_words: list[int], output_words: list[int], proof: bytes,
            sender: Any) -> Any:
    """Settle ``request_id`` with a proof of ``output_words`` (final at once).

    Raises:
        ValidationError, NotFoundError, OracleError (e.g. the pinned verifier rejected the proof).
    """
    return _transact(oracle, f"prove request {request_id}", "fulfillWithProof",
                     (int(request_id), _words(input_words, "input"), _words(output_words, "output"), bytes(proof)),
                     sender)


def finalize(oracle: Any, request_id: int, output_words: list[int] | None, sender: Any) -> Any:
    """Make the unchallenged proposal of ``request_id`` final (its output read from the events when None).

    Raises:
        NotFoundError, OracleError: see the module.
    """
    output = proposed_output(oracle, request_id) if output_words is None else _words(output_words, "output")
    return _transact(oracle, f"finalize request {request_id}", "finalize", (int(request_id), output), sender)


def expire_challenge(oracle: Any, request_id: int, sender: Any) -> Any:
    """Settle an unproven challenge after its response window (the request reopens).

    Raises:
        NotFoundError, OracleError: see the module.
    """
    return _transact(oracle, f"expire the challenge of request {request_id}", "expireChallenge",
                     (int(request_id),), sender)


def withdraw(oracle: Any, sender: Any) -> int:
    """Withdraw everything credited to ``sender``; the amount in wei.

    Raises:
        OracleError: nothing to withdraw.
    """
    amount = credit_of(oracle, str(sender.address))
    _transact(oracle, "withdraw", "withdraw", (), sender)
    return amount
