"""Helpers for the InferenceOracle tests: a model with an active version bound to a verifier, and
an oracle deployed over the session registry with short windows."""

from __future__ import annotations

from typing import Any

from registry_helpers import version_input

FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617
ETHER = 10**18
PROPOSER_BOND = ETHER
CHALLENGER_BOND = ETHER // 2
FEE = ETHER // 100
CHALLENGE_WINDOW = 600
RESPONSE_WINDOW = 300
CALLBACK_GAS = 200_000
TREASURY_BPS = 1000
REQUEST_TIMEOUT = 3600
STATUS = {0: "None", 1: "Open", 2: "Proposed", 3: "Challenged", 4: "Final", 5: "Refunded"}
OPEN, PROPOSED, CHALLENGED, FINAL, REFUNDED = 1, 2, 3, 4, 5  # InferenceOracle.Status

INPUT = [1, 2, 3, FIELD - 4]
TRUE_OUTPUT = [10, FIELD - 20, 30]
WRONG_OUTPUT = [10, 20, 30]


def config(treasury: str, **overrides: Any) -> tuple:
    """The oracle's Config tuple in ABI order."""
    c = {"proposerBond": PROPOSER_BOND, "challengerBond": CHALLENGER_BOND, "fee": FEE,
         "challengeWindow": CHALLENGE_WINDOW, "responseWindow": RESPONSE_WINDOW,
         "callbackGasLimit": CALLBACK_GAS, "treasuryShareBps": TREASURY_BPS, "treasury": treasury,
         "requestTimeout": REQUEST_TIMEOUT}
    c.update(overrides)
    return (c["proposerBond"], c["fee"], c["challengeWindow"], c["requestTimeout"], c["challengerBond"],
            c["responseWindow"], c["callbackGasLimit"], c["treasuryShareBps"], c["treasury"])


def pk(words: list[int], width: int | None = None) -> bytes:
    """``words`` (field elements) as the oracle's packed words (smallest width, or ``width``)."""
    from modelgov.zk.answer import pack

    return pack(list(words), width=width)


_counter = {"n": 0}


def active_model(registry, governance, auditors, submitter, verifier: str | None, name: str | None = None) -> tuple[int, int]:
    """Create a model, submit a version bound to ``verifier`` (None: unbound), audit and activate
    it. Returns ``(model_id, version_id)``."""
    _counter["n"] += 1
    name = name or f"oracle-model-{_counter['n']}"
    role = registry.AUDITOR_ROLE()
    for a in auditors:
        if not registry.hasRole(role, a):
            registry.grantRole(role, a, sender=governance)
    registry.createModel(name, b"", sender=governance)
    model_id = registry.modelIdOf(name)
    version_id = add_version(registry, model_id, submitter, auditors, verifier, f"{name}-v1")
    registry.activateVersion(model_id, version_id, 0, sender=governance)
    return model_id, version_id


def add_version(registry, model_id: int, submitter, auditors, verifier: str | None, seed: str) -> int:
    """Submit, bind and audit a version of ``model_id`` (not activated)."""
    registry.submitVersion(model_id, version_input(seed), sender=submitter)
    version_id = registry.versionCount()
    if verifier is not None:
        registry.bindVerifier(version_id, verifier, sender=submitter)
    for i, a in enumerate(auditors):
        registry.attest(version_id, 1, bytes.fromhex("01551220") + bytes([i + 1]) * 32, sender=a)
    return version_id


ZERO = "0x" + "00" * 20


def _abi_json(contract) -> list[dict]:
    return [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]


def request_events(contract, rid: int) -> list[tuple[str, dict]]:
    """The oracle's events about ``rid``, decoded, in chain order."""
    from ape import chain

    from modelgov.chain.events import EventDecoder

    decoder = EventDecoder({"oracle": (str(contract.address), _abi_json(contract))})
    logs = chain.provider.web3.eth.get_logs({"address": str(contract.address), "fromBlock": 0,
                                             "toBlock": "latest",
                                             "topics": [None, "0x" + int(rid).to_bytes(32, "big").hex()]})
    out = []
    for log in sorted(logs, key=lambda lg: (int(lg["blockNumber"]), int(lg["logIndex"]))):
        ev = decoder.decode(log)
        if ev is not None:
            out.append((ev.name, ev.args))
    return out


def record_of(contract, rid: int):
    """``rid``'s state rebuilt from the events (:func:`modelgov.chain.oracle.fold_events`), None if unknown."""
    from modelgov.chain.oracle import fold_events

    return fold_events(int(rid), request_events(contract, rid))


ZERO_STATE = (ZERO, 0, False, 0, 0, 0, ZERO, 0, 0, b"\x00" * 32, ZERO, 0, b"\x00" * 32, ZERO, 0)


class StatefulOracle:
    """The deployed oracle with each step's ``state`` argument rebuilt from the events, so a test
    calls ``oracle.propose(rid, output, ...)``; ``oracle.raw`` is the contract itself (to send a
    forged or stale state), ``getRequest`` the rebuilt record with the old field names."""

    def __init__(self, contract) -> None:
        self.raw = contract

    def __getattr__(self, name: str):
        return getattr(self.raw, name)

    @property
    def address(self):
        return self.raw.address

    def state(self, rid: int) -> tuple:
        rec = record_of(self.raw, rid)
        return ZERO_STATE if rec is None else rec.to_state()

    def getRequest(self, rid: int):
        from types import SimpleNamespace

        from modelgov.chain.oracle import STATUS_CODES

        rec = record_of(self.raw, rid)
        if rec is None:
            self.raw.statusOf(rid)  # reverts: unknown request
            raise AssertionError(f"request {rid} has a record but no events")
        return SimpleNamespace(
            requester=rec.requester, status=STATUS_CODES[rec.status], proven=rec.proven,
            callbackFailed=rec.callback_failed, deadline=rec.deadline, versionId=rec.version_id,
            verifier=rec.verifier, modelId=rec.model_id, expiresAt=rec.expires_at,
            inputHash=bytes.fromhex(rec.input_hash[2:]), proposer=rec.proposer or ZERO,
            proposerBond=rec.proposer_bond,
            outputHash=bytes.fromhex(rec.output_hash[2:]) if rec.output_hash else b"\x00" * 32,
            challenger=rec.challenger or ZERO, challengerBond=rec.challenger_bond, fee=rec.fee)

    def callbackFailed(self, rid: int) -> bool:
        return bool(self.getRequest(rid).callbackFailed)

    def propose(self, rid, output, **kw):
        return self.raw.propose(rid, self.state(rid), output, **kw)

    def challenge(self, rid, **kw):
        return self.raw.challenge(rid, self.state(rid), **kw)

    def finalize(self, rid, output=b"", **kw):
        return self.raw.finalize(rid, self.state(rid), output, **kw)

    def fulfillWithProof(self, rid, inp, out, proof, **kw):
        return self.raw.fulfillWithProof(rid, self.state(rid), inp, out, proof, **kw)

    def expireChallenge(self, rid, **kw):
        return self.raw.expireChallenge(rid, self.state(rid), **kw)

    def refund(self, rid, **kw):
        return self.raw.refund(rid, self.state(rid), **kw)

    def refundable(self, rid) -> bool:
        from modelgov.chain.oracle import STATUS_CODES

        rec = record_of(self.raw, rid)
        if rec is None:
            self.raw.statusOf(rid)
        if rec is None or STATUS_CODES[rec.status] in (FINAL, REFUNDED):
            return False
        return bool(self.raw.refundable(rid, rec.to_state()))


def held(oracle) -> int:
    """Wei the oracle holds for pending requests: each open, proposed or challenged request's fee
    and posted bonds, read from its record (the contract keeps no pool counter)."""
    total = 0
    for rid in range(1, oracle.requestCount() + 1):
        r = oracle.getRequest(rid)
        if r.status in (OPEN, PROPOSED, CHALLENGED):
            total += r.fee
            total += r.proposerBond if r.status in (PROPOSED, CHALLENGED) else 0
            total += r.challengerBond if r.status == CHALLENGED else 0
    return total


def instances(inp: list[int], out: list[int]) -> list[int]:
    return list(inp) + list(out)


def event_args(receipt, name: str) -> list[dict]:
    return [dict(log.event_arguments) for log in receipt.events if log.event_name == name]
