"""The human part of an upgrade proposal's description: what changes, who audited it, and the
file-level diff against the active version's manifest.

Manifests are found by their digest (the sha256 of the canonical manifest file, as stored on
chain) among the JSON files under ``models/<model>/`` (the pinned records), so a proposal can
show the diff without any network access.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from modelgov import manifest as mf
from modelgov.errors import ManifestError


def find_manifest(model: str, digest_hex: str, roots: list[Path] | None = None) -> dict[str, Any] | None:
    """The manifest whose digest is ``digest_hex`` among ``models/<model>/**/*.json``, or None."""
    want = digest_hex.lower().removeprefix("0x")
    for root in roots or [Path.cwd() / "models" / model]:
        if not root.is_dir():
            continue
        for candidate in sorted(root.rglob("*.json")):
            try:
                data = candidate.read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() == want:
                try:
                    return mf.load(candidate)
                except ManifestError:
                    return None
    return None


def describe_upgrade(facts: dict[str, Any], roots: list[Path] | None = None) -> list[str]:
    """Markdown lines for one model upgrade: CIDs, Arweave tx, digest, audits, manifest diff."""
    v = facts["version"]
    prev = facts["previous"]
    audit = facts["audit"]
    lines = [
        f"## Model upgrade: {facts['model']} → version {v.version_id}",
        "",
        f"- IPFS CID: `{v.cid}` (profile `{v.import_profile}`)",
        f"- Changelog CID: `{v.changelog_cid or 'none'}`",
        f"- Arweave tx: `{v.arweave_tx or 'none'}`",
        f"- Manifest digest: `{v.manifest_digest}`",
        f"- Submitted by: `{v.submitter}`",
        f"- Replaces: {f'version {prev.version_id} (`{prev.cid}`)' if prev else 'nothing (first activation)'}",
        "",
        f"### Audits ({audit.approvals} approval(s), {audit.rejections} rejection(s))",
        "",
    ]
    if not audit.attestations:
        lines.append("- none yet")
    for att in audit.attestations:
        lines.append(f"- `{att.auditor}`: **{att.verdict}**, report `{att.report_cid or 'none'}`")
    lines += ["", "### Files changed", ""]
    new = find_manifest(facts["model"], v.manifest_digest, roots)
    old = find_manifest(facts["model"], prev.manifest_digest, roots) if prev else None
    if new is None:
        lines.append("- (the new version's manifest was not found locally; no diff)")
    elif prev is None:
        for f in new["files"]:
            lines.append(f"- added `{f['path']}` ({f['size']:,} bytes)")
    elif old is None:
        lines.append("- (the active version's manifest was not found locally; no diff)")
    else:
        d = mf.diff(old, new)
        if d.empty:
            lines.append("- no file changes")
        lines += [f"- added `{a['path']}` ({a['size']:,} bytes)" for a in d.added]
        lines += [f"- removed `{r['path']}` ({r['size']:,} bytes)" for r in d.removed]
        lines += [
            f"- changed `{c['path']}` ({c['old_size']:,} → {c['new_size']:,} bytes)"
            for c in d.changed
        ]
    lines.append("")
    return lines
