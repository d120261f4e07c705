"""The dashboard's pages: index data (:class:`~modelgov.index.queries.IndexReader`) → HTML."""

from __future__ import annotations

from typing import Any

from modelgov.index.queries import IndexReader
from modelgov.ui.render import (
    Links,
    amount,
    audit_badge,
    badge,
    cmd,
    link,
    markdown,
    mono,
    page,
    state_badge,
    table,
    text,
    vote_bar,
    when,
)


class Pages:
    """One method per page; each returns a whole HTML document."""

    def __init__(self, reader: IndexReader, links: Links) -> None:
        self.r = reader
        self.links = links

    def _page(self, title: str, body: str) -> str:
        return page(title, body, self.r.head())

    # ------------------------------------------------------------------ overview
    def overview(self) -> str:
        o = self.r.overview()
        cards = "".join(f'<div class="card"><b>{c}</b>{text(name)}</div>'
                        for name, c in o["counts"].items())
        body = (f'<div class="grid">{cards}</div><h2>Models</h2>{self._models_table(o["models"])}'
                f'<h2>Recent proposals</h2>{self._proposals_table(o["proposals"])}'
                f'<h2>Grants</h2>{self._grants_table(o["grants"])}')
        return self._page("Overview", body)

    # ------------------------------------------------------------------ models and versions
    def _models_table(self, models: list[dict[str, Any]]) -> str:
        rows = [[link(f"/models/{m['model_id']}", f"#{m['model_id']}"),
                 link(f"/models/{m['model_id']}", m["name"]),
                 link(f"/versions/{m['active_version_id']}", f"v{m['active_version_id']}")
                 if m["active_version_id"] else self._no_active(m),
                 text(m["version_count"]), self.links.cid(m["card_cid"])] for m in models]
        return table(["id", "name", "active version", "versions", "model card"], rows, "no models yet")

    @staticmethod
    def _no_active(m: dict[str, Any]) -> str:
        if m.get("active_lapsed"):
            return badge(f"none served: v{m['activated_version_id']} is suspended or no longer audited",
                         "bad")
        return badge("no active version", "warn")

    def models(self) -> str:
        return self._page("Models", self._models_table(self.r.models()))

    def model(self, model_id: int) -> str:
        m = self.r.model(model_id)
        rows = [[link(f"/versions/{v['version_id']}", f"v{v['version_id']}"),
                 self.links.cid(v["cid"]), self.links.tx(v["arweave_tx"]),
                 audit_badge(v["audit"]),
                 " ".join(b for b in (badge("active", "ok") if v["active"] else "",
                                      badge("suspended", "bad") if v["suspended"] else "") if b) or "—",
                 link(f"/versions/{v['parent_version_id']}", f"v{v['parent_version_id']}")
                 if v["parent_version_id"] else "—",
                 mono(v["submitter"])] for v in m["versions"]]
        lineage = " ".join(f"v{a} → v{b};" for a, b in m["lineage"]) or "no lineage recorded"
        active = m["active_version_id"]
        active_html = link(f"/versions/{active}", f"v{active}") if active else self._no_active(m)
        body = (f"<p>Model card: {self.links.cid(m['card_cid'])} · active: {active_html}</p>"
                f"<h2>Versions</h2>"
                + table(["version", "CID", "Arweave tx", "audit", "status", "parent", "submitter"], rows)
                + f"<h2>Lineage</h2><p>{text(lineage)}</p>"
                + "<h2>What you can do</h2>"
                + cmd(f"modelgov model show {m['model_id']}")
                + cmd(f"modelgov version submit --model {m['name']} --cid <CID> --manifest <FILE>"))
        return self._page(f"Model {m['name']}", body)

    def version(self, version_id: int) -> str:
        v = self.r.version(version_id)
        facts = [
            ("model", link(f"/models/{v['model_id']}", v["model_name"] or f"#{v['model_id']}")),
            ("CID", self.links.cid(v["cid"])),
            ("Arweave tx", self.links.tx(v["arweave_tx"])),
            ("manifest digest", mono(v["manifest_digest"])),
            ("import profile", text(v["import_profile"])),
            ("changelog", self.links.cid(v["changelog_cid"])),
            ("datasets", " ".join(self.links.cid(c) for c in v["dataset_cids"] or []) or "—"),
            ("parent", link(f"/versions/{v['parent_version_id']}", f"v{v['parent_version_id']}")
             if v["parent_version_id"] else "—"),
            ("submitter", mono(v["submitter"])),
            ("submitted", f"block {text(v['submitted_block'])} · {mono(v['submitted_tx'])}"),
            ("status", " ".join(x for x in (badge("active", "ok") if v["active"] else "",
                                            badge("suspended", "bad") if v["suspended"] else "",
                                            audit_badge(v["audit"])) if x)),
        ]
        verdict_class = {"approved": "ok", "rejected": "bad"}
        atts = [[mono(a["auditor"]), badge(a["verdict"], verdict_class.get(a["verdict"], "")),
                 self.links.cid(a["report_cid"]), text(a["block_number"]),
                 "yes" if a["counted"] else badge("not counted (revoked or no longer an auditor)", "warn")]
                for a in v["attestations"]]
        ms = [[link(f"/grants/{m['grant_id']}", f"grant #{m['grant_id']} milestone {m['idx']}"),
               text(m["status"])] for m in v["milestones"]]
        body = (table(["", ""], [[text(k), val] for k, val in facts])
                + "<h2>Audits</h2>"
                + table(["auditor", "verdict", "report", "block", "counted"], atts, "no attestations")
                + "<h2>Grant milestones delivered by this version</h2>"
                + table(["milestone", "status"], ms, "none")
                + "<h2>What you can do</h2>"
                + cmd(f"modelgov fetch {v['cid']}")
                + cmd(f"modelgov audit attest {version_id} --verdict approve --report-cid <REPORT_CID>")
                + cmd(f"modelgov audit status {version_id}"))
        return self._page(f"Version {version_id}", body)

    # ------------------------------------------------------------------ proposals
    def _proposals_table(self, proposals: list[dict[str, Any]]) -> str:
        rows = [[link(f"/proposals/{p['proposal_id']}", p["proposal_id"][:12] + "…"),
                 link(f"/proposals/{p['proposal_id']}", p["title"]), state_badge(p["state"]),
                 vote_bar(p), when(p["vote_end"])]
                for p in proposals]
        return table(["id", "title", "state", "votes", "voting ends"], rows, "no proposals yet")

    def proposals(self, state: str | None = None) -> str:
        return self._page("Proposals", self._proposals_table(self.r.proposals(state)))

    def proposal(self, proposal_id: str) -> str:
        p = self.r.proposal(proposal_id)
        actions = [[mono(t), text(v), mono(c[:10] + ("…" if len(c) > 74 else c[10:]))]
                   for t, v, c in zip(p["targets"], p["values"], p["calldatas"], strict=False)]
        votes = [[mono(v["voter"]), text(v["support_name"]), text(amount(v["weight"])), text(v["reason"])]
                 for v in p["votes"]]
        pid = p["proposal_id"]
        next_step = {"Active": f"modelgov vote {pid} for", "Succeeded": f"modelgov proposal queue {pid}",
                     "Queued": f"modelgov proposal execute {pid}"}
        todo = next_step.get(p["state"], f"modelgov proposal status {pid}")
        body = (f"<p>{state_badge(p['state'])} proposed by {mono(p['proposer'])} · voting "
                f"{when(p['vote_start'])} → {when(p['vote_end'])} · eta {when(p['eta'])}</p>"
                f"{vote_bar(p)}<h2>Actions</h2>"
                + table(["target", "value", "calldata"], actions)
                + f'<h2>Description</h2><div class="desc">{markdown(p["description"])}</div>'
                + "<h2>Votes</h2>" + table(["voter", "support", "weight", "reason"], votes, "no votes yet")
                + "<h2>What you can do</h2>" + cmd(todo)
                + cmd(f"modelgov proposal status {pid}"))
        return self._page(f"Proposal {p['title']}", body)

    # ------------------------------------------------------------------ grants and treasury
    def _grants_table(self, grants: list[dict[str, Any]]) -> str:
        rows = [[link(f"/grants/{g['grant_id']}", f"#{g['grant_id']}"), mono(g["grantee"]),
                 text(amount(g["total"])), text(amount(g["released"])),
                 text(", ".join(m["status"] for m in g["milestones"])),
                 badge("cancelled", "bad") if g["cancelled"] else "—"] for g in grants]
        return table(["grant", "grantee", "total", "released", "milestones", ""], rows, "no grants yet")

    def grants(self) -> str:
        return self._page("Grants", self._grants_table(self.r.grants()))

    def grant(self, grant_id: int) -> str:
        g = self.r.grant(grant_id)
        rows = [[text(m["idx"]), text(amount(m["amount"])), when(m["deadline"]),
                 (link(f"/models/{m['model_id']}", f"model #{m['model_id']}")
                  if m["model_id"] is not None else "any"),
                 text(m["status"]),
                 link(f"/versions/{m['version_id']}", f"v{m['version_id']}") if m["version_id"] else "—",
                 audit_badge(m["audit"]), self.links.cid(m["description_cid"])] for m in g["milestones"]]
        body = (f"<p>grantee {mono(g['grantee'])} · token {mono(g['token'])} · created by "
                f"{mono(g['creator'])} · total {text(amount(g['total']))} · released "
                f"{text(amount(g['released']))} · returned {text(amount(g['returned']))}</p>"
                + table(["#", "amount", "deadline", "for", "status", "delivered", "audit", "description"],
                        rows)
                + "<h2>What you can do</h2>"
                + cmd(f"modelgov grant submit {grant_id} <INDEX> --version <VERSION_ID>")
                + cmd(f"modelgov grant approve {grant_id} <INDEX>")
                + cmd(f"modelgov grant show {grant_id}"))
        return self._page(f"Grant #{grant_id}", body)

    def treasury(self) -> str:
        t = self.r.treasury()
        st = t["status"] or {}
        def token_field(entry: dict[str, Any], key: str, otherwise: object) -> object:
            token = entry.get("token")
            return token.get(key) if isinstance(token, dict) else otherwise

        holdings = [[mono(token_field(h, "address", h.get("token"))), text(token_field(h, "symbol", "")),
                     text(h.get("balance")), text(h.get("committed")), text(h.get("free"))]
                    for h in st.get("holdings", [])]
        allowances = [[mono(a.get("steward")), text(token_field(a, "symbol", a.get("token"))),
                       text(a.get("amount")), text(a.get("spent")), text(a.get("remaining"))]
                      for a in st.get("allowances", [])]
        power = [[mono(p["account"]), text(amount(p["votes"]))] for p in t["voting_power"]]
        people = [[text(role), " ".join(mono(a) for a in who) or "—"] for role, who in
                  (("stewards", t["stewards"]), ("auditors", t["auditors"]), ("guardians", t["guardians"]))]
        body = (f"<p>as of block {text(st.get('block'))}</p><h2>Balances</h2>"
                + table(["token", "symbol", "balance", "committed", "free"], holdings, "no tokens")
                + "<h2>Stewards' allowances</h2>"
                + table(["steward", "token", "allowance", "spent", "remaining"], allowances, "none")
                + "<h2>Roles</h2>" + table(["role", "accounts"], people)
                + "<h2>Voting power</h2>" + table(["delegate", "votes"], power, "nobody has delegated")
                + "<h2>What you can do</h2>" + cmd("modelgov treasury status"))
        return self._page("Treasury", body)
