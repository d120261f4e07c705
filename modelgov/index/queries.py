"""What the dashboard and the JSON API read from the index: plain JSON-able dicts.

Values from the chain come back exactly as stored (never trusted as markup): the renderer
escapes them. Proposal states and audit verdicts are derived here, as of the indexed head.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import Connection, Engine, RowMapping, func, select

from modelgov.errors import NotFoundError
from modelgov.index import schema as s
from modelgov.index.indexer import read_state

AUDITOR_ROLE = "0x" + keccak(text="AUDITOR_ROLE").hex()
GUARDIAN_ROLE = "0x" + keccak(text="GUARDIAN_ROLE").hex()
STEWARD_ROLE = "0x" + keccak(text="STEWARD_ROLE").hex()
SUPPORT = {0: "against", 1: "for", 2: "abstain"}


class IndexReader:
    """Read-only queries over one index database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ helpers
    def head(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            st = read_state(conn)
        return {"block": int(st.get("head_block", 0)), "timestamp": int(st.get("head_timestamp", 0))}

    def _snapshot(self, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.snapshots).where(s.snapshots.c.name == name)).first()
        return None if row is None else {"block": row.block_number, **dict(row.data)}

    def _required_approvals(self) -> int:
        snap = self._snapshot("registry")
        return int(snap["required_approvals"]) if snap else 1

    def _members(self, conn: Connection, contract: str, role: str) -> set[str]:
        return {r.account for r in conn.execute(select(s.roles.c.account).where(
            s.roles.c.contract == contract, s.roles.c.role == role))}

    def _audit(self, attestations: list[dict[str, Any]], auditors: set[str]) -> dict[str, Any]:
        live = [a for a in attestations if a["auditor"] in auditors and a["verdict"] != "revoked"]
        approvals = sum(a["verdict"] == "approved" for a in live)
        rejections = sum(a["verdict"] == "rejected" for a in live)
        required = self._required_approvals()
        return {"approvals": approvals, "rejections": rejections, "required": required,
                "audited": rejections == 0 and approvals >= required}

    @staticmethod
    def proposal_state(row: dict[str, Any], now: int) -> str:
        """OpenZeppelin Governor's state, from indexed events, as of ``now``."""
        if row["executed"]:
            return "Executed"
        if row["canceled"]:
            return "Canceled"
        if row["vote_start"] >= now:
            return "Pending"
        if row["vote_end"] >= now:
            return "Active"
        quorum = int(row["quorum"]) if row["quorum"] is not None else None
        votes_for, against, abstain = (int(row[k]) for k in ("for_votes", "against_votes", "abstain_votes"))
        reached = quorum is not None and votes_for + abstain >= quorum
        if not (reached and votes_for > against):
            return "Defeated"
        if row["queued"]:
            return "Queued"
        return "Succeeded"

    # ------------------------------------------------------------------ models and versions
    def _serving(self, conn: Connection, rows: list[RowMapping]) -> dict[int, dict[str, Any]]:
        """Per model: the version governance activated, and whether it is served now — the
        registry serves it only while it is not suspended and audited *now*."""
        active = {r["model_id"]: r["active_version_id"] for r in rows if r["active_version_id"]}
        if not active:
            return {}
        auditors = self._members(conn, "registry", AUDITOR_ROLE)
        atts = self._attestations(conn, list(active.values()))
        suspended = {v for (v,) in conn.execute(select(s.versions.c.version_id).where(
            s.versions.c.version_id.in_(list(active.values())), s.versions.c.suspended.is_(True)))}
        found = {}
        for model_id, vid in active.items():
            audit = self._audit(atts[vid], auditors)
            found[model_id] = {"activated_version_id": vid,
                               "serving": audit["audited"] and vid not in suspended}
        return found

    def models(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            counts: dict[int, int] = dict(conn.execute(select(s.versions.c.model_id, func.count())
                                       .group_by(s.versions.c.model_id)).all())
            rows = conn.execute(select(s.models).order_by(s.models.c.model_id)).mappings().all()
            serving = self._serving(conn, list(rows))
        return [self._with_serving(dict(r), serving, int(counts.get(r["model_id"], 0))) for r in rows]

    @staticmethod
    def _with_serving(row: dict[str, Any], serving: dict[int, dict[str, Any]], count: int) -> dict[str, Any]:
        state = serving.get(row["model_id"])
        row["version_count"] = count
        row["activated_version_id"] = row["active_version_id"]
        row["active_version_id"] = row["active_version_id"] if state and state["serving"] else None
        row["active_lapsed"] = bool(state and not state["serving"])
        return row

    def model(self, model_id: int) -> dict[str, Any]:
        """Raises: NotFoundError: no such model in the index."""
        with self.engine.connect() as conn:
            row = conn.execute(select(s.models).where(s.models.c.model_id == model_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"no model #{model_id} in the index")
            versions = [dict(v) for v in conn.execute(select(s.versions).where(
                s.versions.c.model_id == model_id).order_by(s.versions.c.version_id)).mappings()]
            auditors = self._members(conn, "registry", AUDITOR_ROLE)
            atts = self._attestations(conn, [v["version_id"] for v in versions])
            grants = [dict(m) for m in conn.execute(select(s.milestones).where(
                s.milestones.c.model_id == model_id)).mappings()]
            serving = self._serving(conn, [row])
        model = self._with_serving(dict(row), serving, len(versions))
        for v in versions:
            v["audit"] = self._audit(atts[v["version_id"]], auditors)
            v["active"] = v["version_id"] == model["active_version_id"]
        lineage = [(v["parent_version_id"], v["version_id"]) for v in versions if v["parent_version_id"]]
        return {**model, "versions": versions, "lineage": lineage, "milestones": grants}

    def _attestations(self, conn: Connection, version_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if not version_ids:
            return found
        for a in conn.execute(select(s.attestations).where(
                s.attestations.c.version_id.in_(version_ids))
                .order_by(s.attestations.c.block_number)).mappings():
            found[a["version_id"]].append(dict(a))
        return found

    def version(self, version_id: int) -> dict[str, Any]:
        """Raises: NotFoundError: no such version in the index."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.versions).where(s.versions.c.version_id == version_id)).mappings().first()
            if row is None:
                raise NotFoundError(f"no version {version_id} in the index")
            model = conn.execute(
                select(s.models).where(s.models.c.model_id == row["model_id"])).mappings().first()
            serving = self._serving(conn, [model] if model else [])
            auditors = self._members(conn, "registry", AUDITOR_ROLE)
            atts = self._attestations(conn, [version_id])[version_id]
            milestones = [dict(m) for m in conn.execute(select(s.milestones).where(
                s.milestones.c.version_id == version_id)).mappings()]
        for a in atts:
            a["counted"] = a["auditor"] in auditors and a["verdict"] != "revoked"
        return {**dict(row), "model_name": model["name"] if model else None,
                "active": bool(model and model["active_version_id"] == version_id
                               and serving.get(model["model_id"], {}).get("serving")),
                "attestations": atts, "audit": self._audit(atts, auditors), "milestones": milestones}

    # ------------------------------------------------------------------ proposals
    def proposals(self, state: str | None = None) -> list[dict[str, Any]]:
        now = self.head()["timestamp"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.proposals).order_by(s.proposals.c.created_block.desc())).mappings().all()
        found = []
        for r in rows:
            item = {k: r[k] for k in ("proposal_id", "proposer", "vote_start", "vote_end", "eta",
                                      "for_votes", "against_votes", "abstain_votes", "quorum",
                                      "created_block")}
            item["state"] = self.proposal_state(dict(r), now)
            item["title"] = first_line(r["description"])
            if state is None or item["state"].lower() == state.lower():
                found.append(item)
        return found

    def proposal(self, proposal_id: str) -> dict[str, Any]:
        """Raises: NotFoundError: no such proposal in the index."""
        now = self.head()["timestamp"]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.proposals).where(s.proposals.c.proposal_id == str(proposal_id))).mappings().first()
            if row is None:
                raise NotFoundError(f"no proposal {proposal_id} in the index")
            votes = [dict(v) for v in conn.execute(select(s.votes).where(
                s.votes.c.proposal_id == str(proposal_id)).order_by(s.votes.c.block_number)).mappings()]
        for v in votes:
            v["support_name"] = SUPPORT.get(v["support"], str(v["support"]))
        return {**dict(row), "state": self.proposal_state(dict(row), now), "votes": votes,
                "title": first_line(row["description"])}

    # ------------------------------------------------------------------ grants and treasury
    def grants(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.grants).order_by(s.grants.c.grant_id)).mappings().all()
            ms = conn.execute(select(s.milestones)).mappings().all()
        by_grant: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for m in ms:
            by_grant[m["grant_id"]].append(dict(m))
        return [{**dict(r), "milestones": sorted(by_grant[r["grant_id"]], key=lambda m: m["idx"])}
                for r in rows]

    def grant(self, grant_id: int) -> dict[str, Any]:
        """Raises: NotFoundError: no such grant in the index."""
        for g in self.grants():
            if g["grant_id"] == grant_id:
                with self.engine.connect() as conn:
                    auditors = self._members(conn, "registry", AUDITOR_ROLE)
                    ids = [m["version_id"] for m in g["milestones"] if m["version_id"]]
                    atts = self._attestations(conn, ids)
                for m in g["milestones"]:
                    m["audit"] = self._audit(atts[m["version_id"]], auditors) if m["version_id"] else None
                return g
        raise NotFoundError(f"no grant #{grant_id} in the index")

    def treasury(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            stewards = sorted(self._members(conn, "treasury", STEWARD_ROLE))
            auditors = sorted(self._members(conn, "registry", AUDITOR_ROLE))
            guardians = sorted(self._members(conn, "registry", GUARDIAN_ROLE))
            power = [dict(r) for r in conn.execute(select(s.voting_power)).mappings()]
        power.sort(key=lambda r: int(r["votes"]), reverse=True)
        return {"status": self._snapshot("treasury"), "stewards": stewards, "auditors": auditors,
                "guardians": guardians, "voting_power": [p for p in power if int(p["votes"])][:20]}

    def overview(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            counts = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                      for t in (s.models, s.versions, s.attestations, s.proposals, s.grants, s.events)}
        return {"head": self.head(), "counts": counts, "models": self.models(),
                "proposals": self.proposals()[:10], "grants": self.grants()[:10]}


def first_line(text: str, limit: int = 120) -> str:
    """A proposal's title: its first non-empty line, without markdown heading marks."""
    for line in str(text).splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:limit]
    return "(no description)"
