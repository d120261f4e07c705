"""Events → the derived tables (models, versions, audits, proposals, votes, grants, power).

Pure database work: what the chain holds beyond an event's arguments (a version's Arweave tx and
manifest digest, a grant's milestones, a proposal's quorum) comes from an :class:`Enricher`, so
this module never talks to a node and replays the same rows from the same events.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from modelgov.chain.enums import Verdict
from modelgov.chain.events import ChainEvent
from modelgov.index import schema as s

NO_MODEL = 2**256 - 1


class Enricher(Protocol):
    """Chain reads the projector needs for immutable records (or None when unavailable)."""

    def version(self, version_id: int) -> dict[str, Any] | None:
        """``arweave_tx, manifest_digest, import_profile, changelog_cid, dataset_cids``."""

    def milestones(self, grant_id: int) -> list[dict[str, Any]]:
        """Each milestone's ``amount, deadline, model_id, description_cid``."""

    def quorum(self, timepoint: int) -> int | None:
        """The governor's quorum at ``timepoint`` (None while it is in the future)."""


def _record_of(a: Mapping[str, Any]) -> dict[str, Any]:
    """The version facts a ``VersionSubmitted`` event carries (registry v2), as the enricher's."""
    from modelgov.storage.arweave_merkle import b64url_encode

    arweave = bytes.fromhex(str(a.get("arweaveTx") or "0x")[2:])
    return {
        "arweave_tx": b64url_encode(arweave) if arweave.strip(b"\0") else None,
        "manifest_digest": str(a["manifestDigest"]),
        "import_profile": str(a.get("importProfile") or ""),
        "changelog_cid": cid_text(a.get("changelogCid")),
        "dataset_cids": [cid_text(c) or "" for c in a.get("datasetCids") or []],
    }


@functools.lru_cache(maxsize=4096)
def cid_text(hex_value: object) -> str | None:
    """A binary CID (``0x…`` from the event) as text; undecodable bytes stay hex, marked."""
    from modelgov.cid.text import cid_from_bytes
    from modelgov.errors import ModelGovError

    data = bytes.fromhex(str(hex_value)[2:]) if hex_value else b""
    if not data:
        return None
    try:
        return cid_from_bytes(data)
    except ModelGovError:
        return "invalid:0x" + data.hex()


def _upsert(conn: Connection, table: Table, row: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    stmt = sqlite_insert(table).values(**row) if conn.dialect.name == "sqlite" else None
    if stmt is not None:
        conn.execute(stmt.on_conflict_do_update(index_elements=list(keys),
                                                set_={k: v for k, v in row.items() if k not in keys}))
        return
    where = [table.c[k] == row[k] for k in keys]
    if conn.execute(select(*[table.c[k] for k in keys]).where(*where)).first() is None:
        conn.execute(table.insert().values(**row))
    else:
        conn.execute(update(table).where(*where).values(**{k: v for k, v in row.items() if k not in keys}))


def _add(text_value: str | None, amount: int) -> str:
    return str(int(text_value or 0) + int(amount))


class Projector:
    """Applies one event at a time, inside the caller's transaction."""

    def __init__(self, conn: Connection, enricher: Enricher) -> None:
        self.conn = conn
        self.enricher = enricher
        self._handlers: dict[tuple[str, str], Callable[[ChainEvent], None]] = {
            ("registry", "ModelCreated"): self._model_created,
            ("registry", "VersionSubmitted"): self._version_submitted,
            ("registry", "VersionAttested"): self._attested,
            ("registry", "AttestationRevoked"): self._revoked,
            ("registry", "VersionActivated"): self._activated,
            ("registry", "VersionSuspended"): self._suspended,
            ("registry", "VersionReinstated"): self._reinstated,
            ("governor", "ProposalCreated"): self._proposal_created,
            ("governor", "ProposalQueued"): self._proposal_queued,
            ("governor", "ProposalExecuted"): self._proposal_flag("executed"),
            ("governor", "ProposalCanceled"): self._proposal_flag("canceled"),
            ("governor", "ProposalExtended"): self._proposal_extended,
            ("governor", "VoteCast"): self._vote,
            ("governor", "VoteCastWithParams"): self._vote,
            ("treasury", "GrantCreated"): self._grant_created,
            ("treasury", "MilestoneSubmitted"): self._milestone_submitted,
            ("treasury", "MilestoneReleased"): self._milestone_released,
            ("treasury", "MilestoneRejected"): self._milestone_rejected,
            ("treasury", "MilestoneReclaimed"): self._milestone_reclaimed,
            ("treasury", "MilestoneDeadlineExtended"): self._milestone_extended,
            ("treasury", "GrantCancelled"): self._grant_cancelled,
            ("token", "DelegateChanged"): self._delegate_changed,
            ("token", "DelegateVotesChanged"): self._votes_changed,
        }

    def apply(self, event: ChainEvent) -> None:
        """Update the derived tables for ``event`` (events no table needs are ignored)."""
        if event.name in ("RoleGranted", "RoleRevoked"):
            self._role(event)
            return
        handler = self._handlers.get((event.contract, event.name))
        if handler is not None:
            handler(event)

    def _role(self, ev: ChainEvent) -> None:
        key = {"contract": ev.contract, "role": str(ev.args["role"]), "account": str(ev.args["account"])}
        self.conn.execute(delete(s.roles).where(*[s.roles.c[k] == v for k, v in key.items()]))
        if ev.name == "RoleGranted":
            self.conn.execute(s.roles.insert().values(**key))

    # ------------------------------------------------------------------ registry
    def _model_created(self, ev: ChainEvent) -> None:
        a = ev.args
        _upsert(self.conn, s.models, {
            "model_id": int(a["modelId"]), "name": str(a["name"]),
            "card_cid": cid_text(a.get("modelCardCid")), "active_version_id": None,
            "created_block": ev.block_number, "created_tx": ev.tx_hash,
        }, ("model_id",))

    def _version_submitted(self, ev: ChainEvent) -> None:
        a = ev.args
        vid = int(a["versionId"])
        # the event carries the whole record (issue 15); older registries' events don't: read back
        extra = _record_of(a) if "manifestDigest" in a else (self.enricher.version(vid) or {})
        parent = int(a.get("parentVersionId") or 0)
        _upsert(self.conn, s.versions, {
            "version_id": vid, "model_id": int(a["modelId"]), "submitter": str(a["submitter"]),
            "cid": cid_text(a.get("cid")) or "", "parent_version_id": parent or None,
            "arweave_tx": extra.get("arweave_tx"), "manifest_digest": extra.get("manifest_digest"),
            "import_profile": extra.get("import_profile"),
            "changelog_cid": extra.get("changelog_cid"),
            "dataset_cids": list(extra.get("dataset_cids") or []),
            "submitted_block": ev.block_number, "submitted_tx": ev.tx_hash, "suspended": False,
        }, ("version_id",))

    def _attested(self, ev: ChainEvent) -> None:
        a = ev.args
        _upsert(self.conn, s.attestations, {
            "version_id": int(a["versionId"]), "auditor": str(a["auditor"]),
            "verdict": Verdict.label_of(int(a["verdict"])),
            "report_cid": cid_text(a.get("reportCid")),
            "block_number": ev.block_number, "tx_hash": ev.tx_hash,
        }, ("version_id", "auditor"))

    def _revoked(self, ev: ChainEvent) -> None:
        a = ev.args
        self.conn.execute(update(s.attestations).where(
            s.attestations.c.version_id == int(a["versionId"]),
            s.attestations.c.auditor == str(a["auditor"]),
        ).values(verdict="revoked", block_number=ev.block_number, tx_hash=ev.tx_hash))

    def _set_active(self, model_id: int, version_id: int) -> None:
        self.conn.execute(update(s.models).where(s.models.c.model_id == model_id)
                          .values(active_version_id=version_id or None))

    def _activated(self, ev: ChainEvent) -> None:
        self._set_active(int(ev.args["modelId"]), int(ev.args["versionId"]))

    def _suspended(self, ev: ChainEvent) -> None:
        a = ev.args
        self.conn.execute(update(s.versions).where(s.versions.c.version_id == int(a["versionId"]))
                          .values(suspended=True))
        if "activeVersionId" in a:
            self._set_active(int(a["modelId"]), int(a["activeVersionId"]))

    def _reinstated(self, ev: ChainEvent) -> None:
        a = ev.args
        self.conn.execute(update(s.versions).where(s.versions.c.version_id == int(a["versionId"]))
                          .values(suspended=False))
        if "activeVersionId" in a:
            self._set_active(int(a["modelId"]), int(a["activeVersionId"]))

    # ------------------------------------------------------------------ governor
    def _proposal_created(self, ev: ChainEvent) -> None:
        a = ev.args
        start = int(a["voteStart"])
        quorum = self.enricher.quorum(start)
        _upsert(self.conn, s.proposals, {
            "proposal_id": str(a["proposalId"]), "proposer": str(a["proposer"]),
            "targets": [str(t) for t in a["targets"]], "values": [str(v) for v in a["values"]],
            "calldatas": list(a["calldatas"]), "signatures": list(a["signatures"]),
            "description": str(a["description"]), "vote_start": start,
            "vote_end": int(a["voteEnd"]), "eta": None, "queued": False, "executed": False,
            "canceled": False, "for_votes": "0", "against_votes": "0", "abstain_votes": "0",
            "quorum": None if quorum is None else str(quorum),
            "created_block": ev.block_number, "created_tx": ev.tx_hash,
        }, ("proposal_id",))

    def _proposal(self, proposal_id: Any) -> Any:
        return s.proposals.c.proposal_id == str(proposal_id)

    def _proposal_queued(self, ev: ChainEvent) -> None:
        self.conn.execute(update(s.proposals).where(self._proposal(ev.args["proposalId"]))
                          .values(queued=True, eta=int(ev.args["etaSeconds"])))

    def _proposal_flag(self, column: str) -> Callable[[ChainEvent], None]:
        def handler(ev: ChainEvent) -> None:
            self.conn.execute(update(s.proposals).where(self._proposal(ev.args["proposalId"]))
                              .values(**{column: True}))
        return handler

    def _proposal_extended(self, ev: ChainEvent) -> None:
        self.conn.execute(update(s.proposals).where(self._proposal(ev.args["proposalId"]))
                          .values(vote_end=int(ev.args["extendedDeadline"])))

    def _vote(self, ev: ChainEvent) -> None:
        a = ev.args
        pid, support, weight = str(a["proposalId"]), int(a["support"]), int(a["weight"])
        self.conn.execute(s.votes.insert().values(
            proposal_id=pid, voter=str(a["voter"]), support=support, weight=str(weight),
            reason=str(a.get("reason", "")), block_number=ev.block_number))
        column = {0: "against_votes", 1: "for_votes", 2: "abstain_votes"}.get(support)
        row = self.conn.execute(select(s.proposals).where(self._proposal(pid))).mappings().first()
        if column is None or row is None:
            return
        values: dict[str, Any] = {column: _add(row[column], weight)}
        if row["quorum"] is None:  # voting has started: the quorum's timepoint is in the past
            quorum = self.enricher.quorum(int(row["vote_start"]))
            values["quorum"] = None if quorum is None else str(quorum)
        self.conn.execute(update(s.proposals).where(self._proposal(pid)).values(**values))

    # ------------------------------------------------------------------ treasury
    def _grant_created(self, ev: ChainEvent) -> None:
        a = ev.args
        gid = int(a["grantId"])
        _upsert(self.conn, s.grants, {
            "grant_id": gid, "grantee": str(a["grantee"]), "token": str(a["token"]),
            "creator": str(a["creator"]), "total": str(int(a["total"])), "released": "0",
            "returned": "0", "cancelled": False,
            "created_block": ev.block_number, "created_tx": ev.tx_hash,
        }, ("grant_id",))
        for i, m in enumerate(self.enricher.milestones(gid)):
            model_id = m.get("model_id")
            _upsert(self.conn, s.milestones, {
                "grant_id": gid, "idx": i, "amount": str(int(m["amount"])),
                "deadline": int(m["deadline"]),
                "model_id": None if model_id in (None, NO_MODEL) else int(model_id),
                "description_cid": m.get("description_cid"), "status": "pending",
                "version_id": None, "reason_cid": None,
            }, ("grant_id", "idx"))

    def _milestone(self, ev: ChainEvent, **values: Any) -> None:
        self.conn.execute(update(s.milestones).where(
            s.milestones.c.grant_id == int(ev.args["grantId"]),
            s.milestones.c.idx == int(ev.args["index"]),
        ).values(**values))

    def _grant_add(self, grant_id: int, column: str, amount: int) -> None:
        row = self.conn.execute(select(s.grants.c[column]).where(s.grants.c.grant_id == grant_id)).first()
        if row is not None:
            self.conn.execute(update(s.grants).where(s.grants.c.grant_id == grant_id)
                              .values(**{column: _add(row[0], amount)}))

    def _milestone_submitted(self, ev: ChainEvent) -> None:
        self._milestone(ev, status="submitted", version_id=int(ev.args["versionId"]))

    def _milestone_released(self, ev: ChainEvent) -> None:
        self._milestone(ev, status="released", version_id=int(ev.args["versionId"]))
        self._grant_add(int(ev.args["grantId"]), "released", int(ev.args["amount"]))

    def _milestone_rejected(self, ev: ChainEvent) -> None:
        self._milestone(ev, status="rejected", reason_cid=cid_text(ev.args.get("reasonCid")))

    def _milestone_extended(self, ev: ChainEvent) -> None:
        self._milestone(ev, deadline=int(ev.args["deadline"]))

    def _milestone_reclaimed(self, ev: ChainEvent) -> None:
        self._milestone(ev, status="reclaimed")
        self._grant_add(int(ev.args["grantId"]), "returned", int(ev.args["amount"]))

    def _grant_cancelled(self, ev: ChainEvent) -> None:
        gid = int(ev.args["grantId"])
        self.conn.execute(update(s.grants).where(s.grants.c.grant_id == gid).values(cancelled=True))
        self._grant_add(gid, "returned", int(ev.args.get("returned", 0)))
        self.conn.execute(update(s.milestones).where(
            s.milestones.c.grant_id == gid,
            s.milestones.c.status.in_(("pending", "submitted", "rejected")),
        ).values(status="cancelled"))

    # ------------------------------------------------------------------ token
    def _delegate_changed(self, ev: ChainEvent) -> None:
        a = ev.args
        account = str(a["delegator"])
        row = self.conn.execute(select(s.voting_power.c.votes)
                                .where(s.voting_power.c.account == account)).first()
        _upsert(self.conn, s.voting_power, {
            "account": account, "delegate": str(a["toDelegate"]),
            "votes": row[0] if row else "0",
        }, ("account",))

    def _votes_changed(self, ev: ChainEvent) -> None:
        a = ev.args
        account = str(a["delegate"])
        row = self.conn.execute(select(s.voting_power.c.delegate)
                                .where(s.voting_power.c.account == account)).first()
        _upsert(self.conn, s.voting_power, {
            "account": account, "delegate": row[0] if row else None,
            "votes": str(int(a["newVotes"])),
        }, ("account",))
