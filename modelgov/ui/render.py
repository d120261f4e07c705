"""HTML pages of the dashboard. Every value from the chain is escaped (``html.escape``) or, for a
proposal description, rendered by CommonMark with raw HTML disabled; pages carry no script at all
and the server forbids scripts by Content-Security-Policy.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from modelgov.textsafe import visible

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#cfd8ff;text-decoration:none;font-weight:600}header .brand{color:#fff;font-size:16px}
main{max-width:1180px;margin:0 auto;padding:18px 24px}
h1{font-size:22px;margin:6px 0 14px}h2{font-size:17px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0001}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e7e9f0;vertical-align:top;
overflow-wrap:anywhere;word-break:break-word}
th{background:#eef0f7;font-weight:600}
code,.mono{font-family:ui-monospace,monospace;font-size:12.5px;overflow-wrap:anywhere}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:10px;font-size:12px;
font-weight:600;background:#e7e9f0}
.ok{background:#d9f5e3;color:#13663a}.bad{background:#fde0e0;color:#8d1f1f}.warn{background:#fff1cc;color:#7a5600}
.cmd{background:#1d2330;color:#d9e1ff;padding:6px 10px;border-radius:4px;display:block;margin:4px 0;
white-space:pre-wrap;overflow-wrap:anywhere}
.desc{background:#fff;padding:8px 16px;box-shadow:0 1px 2px #0001;overflow-wrap:anywhere;max-height:600px;
overflow:auto}
.bar{height:10px;background:#e7e9f0;border-radius:5px;overflow:hidden;display:flex;width:260px}
.bar span{display:block;height:100%}
.for{background:#2e9e5b}.against{background:#c84040}.abstain{background:#9aa3b5}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:#fff;padding:10px 14px;box-shadow:0 1px 2px #0001}.card b{font-size:20px;display:block}
footer{color:#6b7386;font-size:12px;padding:24px}
""" + "".join(f".w{i}{{width:{i}%}}" for i in range(101))


def text(value: object) -> str:
    """Chain or file data as safe HTML text: control and bidi characters shown as ``\\xNN``."""
    if value is None:
        return '<span class="badge">none</span>'
    return html.escape(visible(str(value)), quote=True)


def mono(value: object) -> str:
    return f'<span class="mono">{text(value)}</span>'


def link(href: str, label: object) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{text(label)}</a>'


def badge(label: str, kind: str = "") -> str:
    return f'<span class="badge {kind}">{text(label)}</span>'


def when(ts: int | None) -> str:
    if not ts:
        return "—"
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def amount(value: int | str | None, decimals: int = 18) -> str:
    n = int(value or 0)
    whole, frac = divmod(n, 10**decimals)
    frac_text = f"{frac:0{decimals}d}".rstrip("0")[:6]
    return f"{whole:,}" + (f".{frac_text}" if frac_text else "")


def cmd(command: str) -> str:
    return f'<code class="cmd">{text(command)}</code>'


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], empty: str = "nothing yet") -> str:
    """``rows`` hold already-safe HTML cells."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    if not body:
        body = f'<tr><td colspan="99">{text(empty)}</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def markdown(source: str) -> str:
    """CommonMark with raw HTML off (``<script>`` is shown as text) and safe links only."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    rendered: str = md.render("\n".join(visible(line) for line in str(source).split("\n")))
    return rendered


class Links:
    """Where a CID or an Arweave transaction can be opened."""

    def __init__(self, ipfs_gateway: str, arweave_gateway: str) -> None:
        self.ipfs = ipfs_gateway.rstrip("/")
        self.arweave = arweave_gateway.rstrip("/")

    def cid(self, cid: str | None) -> str:
        if not cid:
            return text(None)
        if cid.startswith("invalid:"):
            return f'{mono(cid)} {badge("not a CID", "bad")}'
        href = html.escape(self.ipfs + "/ipfs/" + quote(cid), quote=True)
        return f'<a class="mono" href="{href}">{text(cid)}</a>'

    def tx(self, tx: str | None) -> str:
        if not tx:
            return text(None)
        href = html.escape(self.arweave + "/" + quote(tx), quote=True)
        return f'<a class="mono" href="{href}">{text(tx)}</a>'


def page(title: str, body: str, head: dict[str, Any]) -> str:
    nav = " ".join(link(h, label) for h, label in (
        ("/", "Overview"), ("/models", "Models"), ("/proposals", "Proposals"),
        ("/grants", "Grants"), ("/treasury", "Treasury")))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{text(title)} · modelgov</title>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<link rel="stylesheet" href="/style.css"></head><body>'
        f'<header><span class="brand">modelgov</span>{nav}</header>'
        f"<main><h1>{text(title)}</h1>{body}</main>"
        f'<footer>Indexed to block {text(head.get("block"))} ({when(head.get("timestamp"))}) · '
        "read-only · JSON at <a href=\"/api/\">/api/</a></footer></body></html>"
    )


def audit_badge(audit: dict[str, Any] | None) -> str:
    if not audit:
        return text(None)
    label = f'{audit["approvals"]}/{audit["required"]} approvals, {audit["rejections"]} rejections'
    return badge(("audited · " if audit["audited"] else "not audited · ") + label,
                 "ok" if audit["audited"] else ("bad" if audit["rejections"] else "warn"))


STATE_KIND = {"Executed": "ok", "Succeeded": "ok", "Queued": "ok", "Active": "warn",
              "Pending": "warn", "Defeated": "bad", "Canceled": "bad", "Expired": "bad"}


def state_badge(state: str) -> str:
    return badge(state, STATE_KIND.get(state, ""))


def vote_bar(p: dict[str, Any]) -> str:
    f, a, ab = (int(p[k]) for k in ("for_votes", "against_votes", "abstain_votes"))
    total = max(f + a + ab, 1)
    spans = "".join(f'<span class="{k} w{v * 100 // total}"></span>'
                    for k, v in (("for", f), ("against", a), ("abstain", ab)))
    quorum = p.get("quorum")
    q = f"quorum {amount(quorum)}" if quorum is not None else "quorum: after voting starts"
    return (f'<div class="bar">{spans}</div><small>for {amount(f)} · against {amount(a)} · '
            f"abstain {amount(ab)} · {text(q)} (for + abstain count)</small>")
