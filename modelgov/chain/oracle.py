"""Typed access to the InferenceOracle: ``gov.oracle`` (:class:`Oracle`).

Words: inputs and outputs cross this boundary as lists of ints, EZKL field elements (see
:mod:`modelgov.zk.answer`); on chain they travel as packed words (:func:`modelgov.zk.answer.pack`:
the smallest width holding every value), which the contract expands back into these words.
Reads go over JSON-RPC with the shipped ABI (events by
``eth_getLogs``); writes simulate first and send only when the simulation passes
(:func:`modelgov.chain.tx.send`). Reverts become modelgov errors carrying the decoded custom
error as ``err.revert``: unknown request or model → :class:`NotFoundError`; missing role or no
verifier → :class:`StateError`; wrong status, window, value, proof → :class:`OracleError`;
malformed words or settings → :class:`ValidationError`. A registry error bubbling up through the
oracle (``request`` on an unknown model) is decoded with the registry's ABI and message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from modelgov.chain.contract import Manager
from modelgov.chain.tx import TxResult, send
from modelgov.errors import (
    ChainError,
    CustomError,
    ModelGovError,
    NotFoundError,
    OracleError,
    StateError,
    ValidationError,
)

if TYPE_CHECKING:
    from ape.api import AccountAPI, ReceiptAPI
    from ape.contracts import ContractInstance

    from modelgov.chain.client import ModelGov

STATUS_NAMES = {0: "none", 1: "open", 2: "proposed", 3: "challenged", 4: "final", 5: "refunded"}
OPEN, PROPOSED, CHALLENGED, FINAL, REFUNDED = 1, 2, 3, 4, 5
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OracleConfig:
    """The governance-set parameters (wei and seconds). ``request_timeout``: an unanswered
    request is refundable that long after it was made."""

    proposer_bond: int
    challenger_bond: int
    fee: int
    challenge_window: int
    response_window: int
    callback_gas_limit: int
    treasury_share_bps: int
    treasury: str
    request_timeout: int = 3600

    def to_abi(self) -> tuple[int, int, int, int, int, int, int, int, str]:
        """The contract's ``Config`` tuple (its storage order)."""
        return (self.proposer_bond, self.fee, self.challenge_window, self.request_timeout,
                self.challenger_bond, self.response_window, self.callback_gas_limit,
                self.treasury_share_bps, self.treasury)

    @classmethod
    def from_abi(cls, raw: Sequence[Any]) -> OracleConfig:
        (proposer_bond, fee, challenge_window, request_timeout, challenger_bond, response_window,
         callback_gas, share_bps, treasury) = tuple(raw)
        return cls(int(proposer_bond), int(challenger_bond), int(fee), int(challenge_window),
                   int(response_window), int(callback_gas), int(share_bps), str(treasury),
                   int(request_timeout))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def local_config(treasury: str) -> OracleConfig:
    """Settings for a local chain: 0.1 ETH / 0.05 ETH bonds, no fee, 2-minute windows, 200k
    callback gas, 10 % of a slashed bond to ``treasury``, requests refundable after an hour."""
    return OracleConfig(10**17, 5 * 10**16, 0, 120, 120, 200_000, 1000, treasury, 3600)


@dataclass(frozen=True)
class RequestRecord:
    """A request's state, rebuilt from its events and checked against the word the oracle stores
    (:func:`fold_events`, :meth:`Oracle.record`). ``to_state()`` is the ``RequestState`` tuple
    every step takes back in calldata."""

    request_id: int
    requester: str
    status: str  # none | open | proposed | challenged | final | refunded
    proven: bool
    callback_failed: bool
    deadline: int
    expires_at: int
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
    callback: bool = False  # the requester is a contract: the final answer is offered to it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_state(self) -> tuple[Any, ...]:
        """The contract's ``RequestState`` tuple (its field order) for this record."""
        return (self.requester, STATUS_CODES[self.status], self.callback, self.deadline, self.model_id,
                self.version_id, self.verifier, self.expires_at, self.fee, _b32(self.input_hash),
                self.proposer or ZERO_ADDRESS, self.proposer_bond, _b32(self.output_hash),
                self.challenger or ZERO_ADDRESS, self.challenger_bond)


STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}
_STATE_TYPE = ("(address,uint8,bool,uint64,uint32,uint32,address,uint64,uint96,bytes32,"
               "address,uint96,bytes32,address,uint96)")


def _b32(value: str | None) -> bytes:
    return b"\x00" * 32 if value is None else bytes.fromhex(value.removeprefix("0x")).rjust(32, b"\x00")


def seal(record: RequestRecord) -> str:
    """The word the oracle stores for ``record`` (0x hex): for a pending request
    ``keccak256(abi.encode(requestId, keccak256(abi.encode(state))))`` with its lowest byte the
    status; for a final one ``keccak256(abi.encode(requestId, outputHash, 4))`` with its lowest
    byte 4; refunded: 5."""
    from eth_abi.abi import encode
    from eth_utils.crypto import keccak

    code = STATUS_CODES[record.status]
    if record.status == "refunded":
        return "0x" + code.to_bytes(32, "big").hex()
    if record.status == "final":
        digest = keccak(encode(["uint256", "bytes32", "uint256"],
                               [record.request_id, _b32(record.output_hash), code]))
    else:
        inner = keccak(encode([_STATE_TYPE], [record.to_state()]))
        digest = keccak(encode(["uint256", "bytes32"], [record.request_id, inner]))
    return "0x" + ((int.from_bytes(digest, "big") & ~0xFF) | code).to_bytes(32, "big").hex()


def fold_events(request_id: int, events: Iterable[tuple[str, Mapping[str, Any]]]) -> RequestRecord | None:
    """The state of ``request_id`` after its oracle events (``(name, args)`` in chain order, as
    decoded from the oracle's ABI); None before its ``Requested`` event. Other events are ignored.

    Raises:
        ValidationError: a packed input or output in an event is malformed.
    """
    from modelgov.zk.answer import unpack

    rec: RequestRecord | None = None
    for name, a in events:
        if name == "Requested":
            rec = RequestRecord(request_id=int(request_id), requester=str(a["requester"]), status="open",
                                proven=False, callback_failed=False, deadline=0,
                                expires_at=int(a["expiresAt"]), verifier=str(a["verifier"]), proposer=None,
                                challenger=None, model_id=int(a["modelId"]), version_id=int(a["versionId"]),
                                input_hash=packed_hash(_bytes(a["input"])), output_hash=None,
                                fee=int(a["fee"]),
                                proposer_bond=0, challenger_bond=0,
                                callback=bool(a.get("callback", False)))
        elif rec is None:
            continue
        elif name == "AnswerProposed":
            rec = replace(rec, status="proposed", deadline=int(a["challengeDeadline"]),
                          proposer=str(a["proposer"]), proposer_bond=int(a["bond"]),
                          output_hash=words_hash(unpack(_bytes(a["output"]), "output")))
        elif name == "AnswerChallenged":
            rec = replace(rec, status="challenged", deadline=int(a["responseDeadline"]),
                          challenger=str(a["challenger"]), challenger_bond=int(a["bond"]))
        elif name == "ChallengeExpired":
            rec = replace(rec, status="open", deadline=0, proposer=None, proposer_bond=0, output_hash=None,
                          challenger=None, challenger_bond=0)
        elif name == "RequestFinalized":
            rec = replace(rec, status="final", proven=bool(a["proven"]), output_hash=_hex32(a["outputHash"]))
        elif name == "RequestRefunded":
            rec = replace(rec, status="refunded")
        elif name == "AnswerDelivered":
            rec = replace(rec, callback_failed=not bool(a["succeeded"]))
    return rec


def _hex32(raw: Any) -> str:
    return "0x" + (_bytes(raw) if isinstance(raw, str) else bytes(raw)).rjust(32, b"\x00").hex()


@dataclass(frozen=True)
class RequestedEvent:
    """A ``Requested`` log: the model, the pinned version and verifier, the input words (and the
    packed bytes committed on chain), the expiry."""

    request_id: int
    requester: str
    model_id: int
    version_id: int
    verifier: str
    input: tuple[int, ...]
    fee: int
    block: int
    input_packed: bytes = b""
    expires_at: int = 0

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["input"] = list(self.input)
        doc["input_packed"] = "0x" + self.input_packed.hex()
        return doc


@dataclass(frozen=True)
class ProposalEvent:
    """An ``AnswerProposed`` log: who proposed which output, until when it can be challenged."""

    request_id: int
    proposer: str
    output: tuple[int, ...]
    bond: int
    deadline: int
    block: int

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["output"] = list(self.output)
        return doc


def _bytes(raw: Any) -> bytes:
    """A decoded ``bytes`` value (0x hex text or bytes-like) as bytes."""
    if isinstance(raw, str):
        return bytes.fromhex(raw.removeprefix("0x"))
    return bytes(raw)


def _addr(raw: str) -> str | None:
    return None if int(raw, 16) == 0 else raw


def words_hash(words: Sequence[int]) -> str:
    """``keccak256(abi.encodePacked(words))``: how the oracle identifies an answer (0x hex)."""
    from eth_utils.crypto import keccak

    return "0x" + keccak(b"".join(int(w).to_bytes(32, "big") for w in words)).hex()


def packed_hash(packed: bytes) -> str:
    """``keccak256(packed)``: how the oracle stores a request's input (0x hex)."""
    from eth_utils.crypto import keccak

    return "0x" + keccak(bytes(packed)).hex()


Words = Sequence[int] | bytes


def _packed(words: Words, what: str) -> bytes:
    """Packed words: ``bytes`` checked as they are, a word list packed in its smallest width.

    Raises:
        ValidationError: malformed, or a value the encoding cannot carry (one line).
    """
    from modelgov.zk.answer import pack, unpack

    if isinstance(words, bytes | bytearray):
        unpack(bytes(words), what)
        return bytes(words)
    return pack(list(words), what)


# ---------------------------------------------------------------------------------------------
# revert messages
# ---------------------------------------------------------------------------------------------
def messages(err: CustomError) -> tuple[type[ModelGovError], str] | None:
    """The oracle's readable message (and error class) for one of its custom errors; a registry
    error that bubbled up through the oracle gets the registry's."""
    a = err.args
    status = STATUS_NAMES.get(int(a.get("status", 0) or 0), "?")
    text: dict[str, tuple[type[ModelGovError], str]] = {
        "InferenceOracleNoActiveVersion": (NotFoundError, f"model #{a.get('modelId')} has no active version"),
        "InferenceOracleNoVerifier": (StateError, f"model #{a.get('modelId')}'s active version "
                                                  f"{a.get('versionId')} has no zk verifier bound: "
                                                  "disputes could not be settled"),
        "InferenceOracleUnknownRequest": (NotFoundError, f"no request {a.get('requestId')}"),
        "InferenceOracleStaleState": (OracleError, f"request {a.get('requestId')} moved on: the state given "
                                                   "is not its current one (rebuild it from the events)"),
        "InferenceOracleWrongStatus": (OracleError, f"request {a.get('requestId')} is {status}"),
        "InferenceOracleWrongValue": (OracleError, f"exactly {a.get('expected')} wei must be sent, not "
                                                   f"{a.get('given')}"),
        "InferenceOracleInvalidEncoding": (ValidationError, f"not packed words (width byte {a.get('width')}, "
                                                            f"{a.get('length')} bytes): 1 to 16-byte values, "
                                                            "1 to 4096 of them"),
        "InferenceOracleRequestExpired": (OracleError, f"request {a.get('requestId')} expired at "
                                                       f"{a.get('expiresAt')}: it can only be refunded"),
        "InferenceOracleRequestNotExpired": (OracleError, f"request {a.get('requestId')} is not refundable: "
                                                          f"it expires at {a.get('expiresAt')}"),
        "InferenceOracleVersionSuspended": (StateError, f"version {a.get('versionId')} pinned by request "
                                                        f"{a.get('requestId')} is suspended: no answer may "
                                                        "become final (refund it)"),
        "InferenceOracleInvalidTimeout": (ValidationError, f"request timeout {a.get('timeout')} s is outside "
                                                           "60 s..365 days"),
        "InferenceOracleChallengeWindowClosed": (OracleError, "the challenge window of request "
                                                              f"{a.get('requestId')} closed at "
                                                              f"{a.get('deadline')}"),
        "InferenceOracleResponseWindowClosed": (OracleError, "the response window of request "
                                                             f"{a.get('requestId')} closed at "
                                                             f"{a.get('deadline')}: expire the challenge"),
        "InferenceOracleWindowOpen": (OracleError, f"the window of request {a.get('requestId')} is open "
                                                   f"until {a.get('deadline')}"),
        "InferenceOracleSelfChallenge": (OracleError, f"the proposer of request {a.get('requestId')} "
                                                      "cannot challenge itself"),
        "InferenceOracleInputMismatch": (OracleError, f"that is not request {a.get('requestId')}'s input"),
        "InferenceOracleOutputMismatch": (OracleError, "that is not the output proposed for request "
                                                       f"{a.get('requestId')}"),
        "InferenceOracleProofRejected": (OracleError, f"the pinned verifier {a.get('verifier')} rejected "
                                                      f"the proof for request {a.get('requestId')}"),
        "InferenceOracleNothingToWithdraw": (OracleError, f"{a.get('account')} has nothing to withdraw"),
        "InferenceOracleInsufficientGas": (OracleError, "send more gas: the consumer's callback needs "
                                                        f"{a.get('needed')}"),
        "InferenceOracleInvalidWindow": (ValidationError, f"window {a.get('window')} s is outside 60 s..30 "
                                                          "days"),
        "InferenceOracleInvalidCallbackGas": (ValidationError, f"callback gas {a.get('gasLimit')} is above "
                                                               "5,000,000"),
        "InferenceOracleInvalidTreasuryShare": (ValidationError, "treasury share above 50 %, or a share "
                                                                 "without a treasury"),
        "InferenceOracleInvalidBond": (ValidationError, "bonds must be positive"),
        "InferenceOracleZeroAddress": (ValidationError, "the admin and the registry must not be the zero "
                                                        "address"),
        "AccessControlUnauthorizedAccount": (StateError, f"{a.get('account')} is not governance "
                                                         "(DEFAULT_ADMIN_ROLE)"),
        "ReentrancyGuardReentrantCall": (OracleError, "re-entrant call refused"),
    }
    found = text.get(err.name)
    if found is None and err.contract == "ModelRegistry":
        from modelgov.chain.registry import messages as registry_messages

        return registry_messages(err)
    return found


# ---------------------------------------------------------------------------------------------
# deployment
# ---------------------------------------------------------------------------------------------
def deploy_oracle(deployer: AccountAPI, admin: str, registry: str, config: OracleConfig) -> ContractInstance:
    """Deploy an InferenceOracle over ``registry`` administered by ``admin`` (the timelock).

    Raises:
        ChainError: the deployment reverted (zero address, bad settings).
    """
    from ape.exceptions import ApeException

    from modelgov.chain.ape_env import project

    try:
        instance: ContractInstance = deployer.deploy(project().InferenceOracle, admin, registry,
                                                     config.to_abi())
    except ApeException as exc:
        raise ChainError(f"oracle deployment failed: {str(exc).splitlines()[0]}") from exc
    return instance


# ---------------------------------------------------------------------------------------------
# the client's oracle
# ---------------------------------------------------------------------------------------------
class Oracle(Manager):
    """The InferenceOracle of a suite: ``gov.oracle`` (or ``Oracle.at(gov, address)``).

    Reads return frozen dataclasses; writes take the signer as ``sender=`` (default: the
    client's account), simulate first, and return a :class:`~modelgov.chain.tx.TxResult`:
    ``request`` → the request id, ``withdraw`` → the amount, the others → the request's record
    after the write.
    """

    @classmethod
    def at(cls, client: ModelGov, address: str) -> Oracle:
        """The oracle at ``address`` (not the deployment's), read through ``client``'s connection.

        Raises:
            ValidationError: not an address.
        """
        from eth_utils.address import is_address

        from modelgov.chain.contract import ContractHandle

        if not is_address(str(address)):
            raise ValidationError(f"{address!r} is not an address")
        return cls(ContractHandle("InferenceOracle", address, client.connection, messages,
                                  callee_errors=("ModelRegistry",)), client)

    def _view(self, action: str, fn: str, *args: Any) -> Any:
        return self.handle.call(fn, *args, action=action)

    def _send(self, action: str, fn: str, args: tuple[Any, ...], sender: AccountAPI | None,
              value: int = 0) -> ReceiptAPI:
        return send(self.handle, fn, args, sender=self.signer(sender), action=action, value=value)

    # --- reads ------------------------------------------------------------------------------
    def config(self) -> OracleConfig:
        return OracleConfig.from_abi(self._view("oracle config", "config"))

    def record(self, request_id: int, from_block: int | None = None) -> RequestRecord:
        """Request ``request_id`` as it stands: rebuilt from its events (scanned from
        ``from_block``, default the deployment's block) and checked against the word the oracle
        stores (:func:`seal`).

        Raises:
            NotFoundError: no such request, or no ``Requested`` event for it in the scan.
            ChainError: the events do not rebuild the stored record (a scan that starts too late).
        """
        rid = int(request_id)
        stored = _hex32(self._view(f"request {rid}", "recordOf", rid))
        if int(stored, 16) == 0:
            self._view(f"request {rid}", "statusOf", rid)  # reverts: InferenceOracleUnknownRequest
            raise NotFoundError(f"no request {rid}")
        rec = fold_events(rid, self._request_events(rid, from_block))
        if rec is None:
            raise NotFoundError(f"no Requested event for request {rid} since block "
                                f"{self._default_from() if from_block is None else from_block}")
        if seal(rec) != stored:
            raise ChainError(f"request {rid}: its events do not rebuild the stored record "
                             "(scan from an earlier block)")
        return rec

    def state(self, request_id: int) -> tuple[Any, ...]:
        """The current ``RequestState`` tuple of ``request_id`` (what every step takes back)."""
        return self.record(request_id).to_state()

    def _request_events(self, request_id: int, from_block: int | None) -> list[tuple[str, dict[str, Any]]]:
        from modelgov.chain.events import EventDecoder, rpc_logs

        start = self._default_from() if from_block is None else int(from_block)
        decoder = EventDecoder({"oracle": (self.address, list(self.handle.abi))})
        out = []
        for log in rpc_logs(self.handle.connection.rpc, self.address, start, self.head(),
                            [None, int(request_id).to_bytes(32, "big")]):
            ev = decoder.decode(log)
            if ev is not None:
                out.append((ev.name, ev.args))
        return out

    def request_count(self) -> int:
        """How many requests were made (ids are 1..count)."""
        return int(self._view("requestCount", "requestCount"))

    def credit_of(self, account: str) -> int:
        """Wei credited to ``account`` (bonds back, awards, fees), withdrawable."""
        return int(self._view("creditOf", "creditOf", account))

    def is_answer(self, request_id: int, output_words: Sequence[int]) -> bool:
        """Whether ``output_words`` is the final answer of ``request_id``."""
        return bool(self._view(f"request {request_id}", "isAnswer", int(request_id), list(output_words)))

    def refundable(self, request_id: int) -> bool:
        """Whether :meth:`refund` would end ``request_id`` now (open and expired, or pending while
        its pinned version is suspended). Raises: NotFoundError: no such request."""
        record = self.record(request_id)
        if record.status in ("final", "refunded"):
            return False
        return bool(self._view(f"request {request_id}", "refundable", int(request_id), record.to_state()))

    def head(self) -> int:
        """The latest block number."""
        return self.handle.connection.rpc.block_number()

    def now(self) -> int:
        """The latest block's timestamp (the clock the oracle's windows use)."""
        return self.handle.connection.rpc.timestamp("latest")

    def _events(self, name: str, from_block: int | None, to_block: int | None,
                request_id: int | None = None) -> list[tuple[int, dict[str, Any]]]:
        from modelgov.chain.events import EventDecoder, event_abis, rpc_logs

        topic = next(e.topic for e in event_abis("oracle", self.handle.abi) if e.name == name)
        start = self._default_from() if from_block is None else int(from_block)
        stop = self.head() if to_block is None else int(to_block)
        topics = [topic] + ([int(request_id).to_bytes(32, "big")] if request_id is not None else [])
        decoder = EventDecoder({"oracle": (self.address, list(self.handle.abi))})
        out = []
        for log in rpc_logs(self.handle.connection.rpc, self.address, start, stop, topics):
            ev = decoder.decode(log)
            if ev is not None and ev.name == name:
                out.append((ev.block_number, ev.args))
        return out

    def _default_from(self) -> int:
        """Where event scans start by default: the suite's deployment block (the oracle is
        deployed over the suite's registry, so never before it)."""
        try:
            return self.client.deployment.block if self.client is not None else 0
        except ModelGovError:
            return 0

    def requested(self, from_block: int | None = None, to_block: int | None = None,
                  request_id: int | None = None) -> list[RequestedEvent]:
        """Every ``Requested`` event in ``[from_block, to_block]`` (default: the deployment's
        block to the head), of one request when ``request_id`` is given."""
        from modelgov.zk.answer import unpack

        return [RequestedEvent(int(a["requestId"]), str(a["requester"]), int(a["modelId"]),
                               int(a["versionId"]), str(a["verifier"]),
                               tuple(unpack(_bytes(a["input"]), "input")),
                               int(a["fee"]), block, _bytes(a["input"]), int(a["expiresAt"]))
                for block, a in self._events("Requested", from_block, to_block, request_id)]

    def proposals(self, from_block: int | None = None, to_block: int | None = None,
                  request_id: int | None = None) -> list[ProposalEvent]:
        """Every ``AnswerProposed`` event in the block range (see :meth:`requested`)."""
        from modelgov.zk.answer import unpack

        return [ProposalEvent(int(a["requestId"]), str(a["proposer"]),
                              tuple(unpack(_bytes(a["output"]), "output")),
                              int(a["bond"]), int(a["challengeDeadline"]), block)
                for block, a in self._events("AnswerProposed", from_block, to_block, request_id)]

    def input_of(self, request_id: int, from_block: int | None = None) -> list[int]:
        """The input words of ``request_id`` (its ``Requested`` event, checked against the stored hash).

        Raises:
            NotFoundError: no such request, or no event for it.
            ChainError: the event's words are not the stored ones.
        """
        return list(self.requested_event(request_id, from_block).input)

    def requested_event(self, request_id: int, from_block: int | None = None) -> RequestedEvent:
        """The ``Requested`` event of ``request_id``, its packed input checked against the stored hash.

        Raises:
            NotFoundError: no such request, or no event for it.
            ChainError: the event's bytes are not the stored ones.
        """
        record = self.record(request_id)
        for ev in self.requested(from_block, request_id=request_id):
            if packed_hash(ev.input_packed) != record.input_hash:
                raise ChainError(f"request {request_id}: the event's input is not the stored one")
            return ev
        raise NotFoundError(f"no Requested event for request {request_id} since block "
                            f"{self._default_from() if from_block is None else from_block}")

    def proposed_output(self, request_id: int, from_block: int | None = None, *,
                        record: RequestRecord | None = None) -> list[int]:
        """The currently proposed output words of ``request_id`` (``record``: its record, when the
        caller has just read it).

        Raises:
            NotFoundError: no such request, or nothing proposed now.
        """
        record = self.record(request_id) if record is None else record
        if record.output_hash is None:
            raise NotFoundError(f"request {request_id} has no answer proposed ({record.status})")
        for ev in reversed(self.proposals(from_block, request_id=request_id)):
            if words_hash(ev.output) == record.output_hash:
                return list(ev.output)
        raise NotFoundError(f"no AnswerProposed event matches request {request_id}'s output")

    # --- writes -----------------------------------------------------------------------------
    def request(self, model_id: int, input_words: Words, *,
                sender: AccountAPI | None = None) -> TxResult[int]:
        """Ask ``model_id``'s active version (pinned now) about ``input_words`` (field elements,
        packed here; or packed bytes as they are), paying the current fee; the value is the
        request id.

        Raises:
            ValidationError: malformed words, or a value the packed encoding cannot carry.
            NotFoundError: unknown model or no active version. StateError: the active version
            has no verifier. OracleError: other refusals.
        """
        words = _packed(input_words, "input")
        fee = self.config().fee
        receipt = self._send(f"request on model #{model_id}", "request", (int(model_id), words), sender, fee)
        events = self.handle.events(receipt, "Requested")
        if not events:
            raise ChainError("request: no Requested event in the receipt")
        return TxResult.of(receipt, int(events[0]["requestId"]))

    def propose(self, request_id: int, output_words: Words, *,
                sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """Answer ``request_id`` with ``output_words`` and the proposer bond (accepted while the
        pinned version is suspended too: nothing becomes final then, and a refund returns the bond).

        Raises:
            ValidationError, NotFoundError, OracleError: see the module.
        """
        words = _packed(output_words, "output")
        bond = self.config().proposer_bond
        receipt = self._send(f"propose for request {request_id}", "propose",
                             (int(request_id), self.state(request_id), words),
                             sender, bond)
        return TxResult.of(receipt, self.record(request_id))

    def challenge(self, request_id: int, *, sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """Dispute the proposed answer of ``request_id`` with the challenger bond.

        Raises:
            NotFoundError, OracleError: see the module.
        """
        bond = self.config().challenger_bond
        receipt = self._send(f"challenge request {request_id}", "challenge",
                             (int(request_id), self.state(request_id)), sender, bond)
        return TxResult.of(receipt, self.record(request_id))

    def fulfill(self, request_id: int, input_words: Words, output_words: Words,
                proof: bytes, *, sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """Settle ``request_id`` with a proof of ``output_words`` (final at once). The input must
        be the request's: packed bytes as committed, or its words (packed here; when the requester
        used another width, the committed bytes are read from its ``Requested`` event).

        Raises:
            ValidationError, NotFoundError, OracleError (e.g. the pinned verifier rejected the proof).
            StateError: the pinned version is suspended.
        """
        packed_input = _packed(input_words, "input")
        state = self.record(request_id)
        if not isinstance(input_words, bytes | bytearray):
            stored = state.input_hash
            if packed_hash(packed_input) != stored:
                committed = self.requested_event(request_id).input_packed
                from modelgov.zk.answer import unpack

                if unpack(committed) == list(input_words):
                    packed_input = committed
        args = (int(request_id), state.to_state(), packed_input, _packed(output_words, "output"),
                bytes(proof))
        receipt = self._send(f"prove request {request_id}", "fulfillWithProof", args, sender)
        return TxResult.of(receipt, self.record(request_id))

    def finalize(self, request_id: int, output_words: Sequence[int] | None = None, *,
                 sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """Make the unchallenged proposal of ``request_id`` final. The output goes along only
        when the requester takes a callback (read from the events when None) or when it is given
        (the oracle then checks it): otherwise the proposal's hash in the state is enough.

        Raises:
            NotFoundError, OracleError: see the module.
        """
        record = self.record(request_id)
        if output_words is not None:
            output = _packed(output_words, "output")
        elif record.callback:
            output = _packed(self.proposed_output(request_id, record=record), "output")
        else:
            output = b""
        receipt = self._send(f"finalize request {request_id}", "finalize",
                             (int(request_id), record.to_state(), output), sender)
        return TxResult.of(receipt, self.record(request_id))

    def expire_challenge(self, request_id: int, *,
                         sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """Settle an unproven challenge after its response window (the request reopens).

        Raises:
            NotFoundError, OracleError: see the module.
        """
        receipt = self._send(f"expire the challenge of request {request_id}", "expireChallenge",
                             (int(request_id), self.state(request_id)), sender)
        return TxResult.of(receipt, self.record(request_id))

    def refund(self, request_id: int, *, sender: AccountAPI | None = None) -> TxResult[RequestRecord]:
        """End ``request_id`` without an answer (anyone may send it): an open request after its
        expiry, or any pending one while its pinned version is suspended. The fee is credited to
        the requester and posted bonds to their posters (:meth:`withdraw` pays them).

        Raises:
            NotFoundError: no such request. OracleError: not expired yet, or a proposal is pending
            (it runs its course), or already final / refunded.
        """
        receipt = self._send(f"refund request {request_id}", "refund",
                             (int(request_id), self.state(request_id)), sender)
        return TxResult.of(receipt, self.record(request_id))

    def withdraw(self, *, sender: AccountAPI | None = None) -> TxResult[int]:
        """Withdraw everything credited to the sender; the value is the amount in wei.

        Raises:
            OracleError: nothing to withdraw.
        """
        signer = self.signer(sender)
        amount = self.credit_of(str(signer.address))
        receipt = self._send("withdraw", "withdraw", (), signer)
        events = self.handle.events(receipt, "Withdrawn")
        return TxResult.of(receipt, int(events[0]["amount"]) if events else amount)
