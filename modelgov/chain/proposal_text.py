"""The human part of a proposal's description, built from the proposal file and immutable records.

The description is hashed into the proposal id, so it holds only what cannot change between
building the file and executing it:

- the title and body of the proposal file, and one line per action (first, under
  ``## Actions``: a reader sees what executes before anything else);
- for a model upgrade, the fields of the version record (immutable on chain: CID, import
  profile, Arweave tx, manifest digest, changelog, submitter, parent) and the file diff against
  the version's parent (or the version the file says it replaces);
- nothing live: audit counts and the currently active version are *chain state*, shown by
  :func:`chain_state_lines` next to the proposal (``proposal build``), never inside it. The same
  file therefore builds the same proposal id after one more attestation, and
  ``modelgov proposal verify`` can re-derive a submitted proposal from the reviewed file.

Every string taken from the chain or from a file goes through :mod:`modelgov.textsafe`
(code spans or escaped text): a crafted import profile, file name or model name cannot add a
heading, a list item or an HTML comment to the description.

Manifests are found by their digest (the sha256 of the canonical manifest file, as stored on
chain) among the JSON files under ``models/<model>/`` and used only when their root CID is the
version's CID, so a proposal can show the diff without any network access.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov import manifest as mf
from modelgov.errors import InvalidCIDError, ManifestError
from modelgov.textsafe import md_code, md_text, safe_path_component

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.chain.registry import VersionRecord


def find_manifest(model: str, digest_hex: str, roots: list[Path] | None = None) -> dict[str, Any] | None:
    """The manifest whose digest is ``digest_hex`` among ``models/<model>/**/*.json``, or None.

    It is NOT checked against a version's CID: use :func:`manifest_for_version` for that.
    """
    if roots is None and not safe_path_component(model):
        return None
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


def manifest_for_version(
    model: str, version: VersionRecord, roots: list[Path] | None = None
) -> tuple[dict[str, Any] | None, str]:
    """The local manifest of ``version`` (a registry ``VersionRecord``), or None and why not.

    A manifest counts only if its digest is the version's stored digest AND its root CID is the
    version's CID: anybody can submit a version whose digest is that of some other model's
    manifest, and its diff would describe files the CID does not hold.
    """
    from modelgov.cid.text import normalize

    if roots is None and not safe_path_component(model):
        return None, f"the model name {md_code(model)} is not a folder name; no manifest looked up"
    found = find_manifest(model, version.manifest_digest, roots)
    if found is None:
        return None, (f"the manifest of version {version.version_id} (digest "
                      f"{md_code(version.manifest_digest)}) was not found locally")
    try:
        root_cid = normalize(str(found["root"]["cid"]))
        version_cid = normalize(version.cid)
    except (InvalidCIDError, KeyError, TypeError):
        root_cid, version_cid = str(found.get("root")), ""
    if root_cid != version_cid:
        return None, (f"the local manifest with the digest of version {version.version_id} "
                      f"describes {md_code(root_cid)}, not the version's CID "
                      f"{md_code(version.cid)}: not used")
    return found, ""


def _file_lines(new: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
    if old is None:
        return [f"- added {md_code(f['path'])} ({int(f['size']):,} bytes)" for f in new["files"]]
    d = mf.diff(old, new)
    lines = ["- no file changes"] if d.empty else []
    lines += [f"- added {md_code(a['path'])} ({int(a['size']):,} bytes)" for a in d.added]
    lines += [f"- removed {md_code(r['path'])} ({int(r['size']):,} bytes)" for r in d.removed]
    lines += [
        f"- changed {md_code(c['path'])} ({int(c['old_size']):,} → {int(c['new_size']):,} bytes)"
        for c in d.changed
    ]
    return lines


def describe_upgrade(facts: dict[str, Any], roots: list[Path] | None = None) -> list[str]:
    """Markdown lines for one model upgrade: the version record and the manifest diff.

    ``facts``: ``model`` (name), ``version`` (the VersionRecord activated), ``base`` (the
    VersionRecord the diff is against, or None) and ``base_origin`` (why that one: ``"parent"``
    or ``"replaces"``, stated in the file). Live chain state (``audit``, ``previous``) is ignored
    here: see :func:`chain_state_lines`.
    """
    v = facts["version"]
    base = facts.get("base")
    origin = facts.get("base_origin", "parent")
    invalid = set(getattr(v, "invalid", ()) or ())
    cid_note = " (not a valid CID)" if "cid" in invalid else ""
    lines = [
        f"## Model upgrade: {md_text(facts['model'])} → version {int(v.version_id)}",
        "",
        f"- IPFS CID: {md_code(v.cid)}{cid_note}",
        f"- Import profile: {md_code(v.import_profile) if v.import_profile else 'none'}",
        f"- Changelog CID: {md_code(v.changelog_cid) if v.changelog_cid else 'none'}",
        f"- Arweave tx: {md_code(v.arweave_tx) if v.arweave_tx else 'none'}",
        f"- Manifest digest: {md_code(v.manifest_digest)}",
        f"- Submitted by: {md_code(v.submitter)}",
        f"- Parent version (lineage): "
        f"{f'version {int(v.parent_version_id)}' if v.parent_version_id else 'none'}",
    ]
    if origin == "replaces" and base is not None:
        lines.append(f"- Replaces (stated in the proposal file): version {int(base.version_id)} "
                     f"({md_code(base.cid)})")
    against = f"version {int(base.version_id)}" if base is not None else "nothing"
    lines += ["", f"### Files changed (against {against})", ""]
    new, why_new = manifest_for_version(facts["model"], v, roots)
    if new is None:
        lines.append(f"- no diff: {why_new}")
    elif base is None:
        lines += _file_lines(new, None)
    else:
        old, why_old = manifest_for_version(facts["model"], base, roots)
        lines += [f"- no diff: {why_old}"] if old is None else _file_lines(new, old)
    lines.append("")
    return lines


def describe_proposal(
    title: str,
    body: str,
    summary: list[str],
    upgrades: list[dict[str, Any]],
    roots: list[Path] | None = None,
) -> str:
    """The whole description: title, the actions (first), each upgrade, then the file's body.

    The body is the proposal file's own markdown (raw HTML is refused when the file is read);
    it comes last, under its own heading, so it cannot hide or precede the generated sections.
    """
    parts = [f"# {md_text(title)}", "", "## Actions", ""]
    parts += [f"{i + 1}. {md_code(line)}" for i, line in enumerate(summary)] + [""]
    for facts in upgrades:
        parts += describe_upgrade(facts, roots)
    if body:
        parts += ["## Rationale (from the proposal file)", "", body, ""]
    return "\n".join(parts)


def chain_state_lines(upgrades: list[dict[str, Any]]) -> list[str]:
    """Live facts a voter wants next to the proposal but that are NOT part of it (plain text).

    Per upgrade: the active version now and the live audit status. Chain strings are made safe
    for the terminal by the caller's printing (they are addresses, CIDs and numbers here).
    """
    from modelgov.textsafe import term

    out: list[str] = []
    for facts in upgrades:
        model = term(facts["model"])
        prev = facts.get("previous")
        audit = facts.get("audit")
        active = f"version {prev.version_id} ({term(prev.cid)})" if prev else "none"
        out.append(f"{model}: active version now {active}")
        if audit is not None:
            out.append(f"{model}: version {facts['version'].version_id} audits now "
                       f"{audit.approvals} approval(s), {audit.rejections} rejection(s), "
                       f"{audit.required_approvals} required "
                       f"({'audited' if audit.audited else 'not audited'})")
            for att in audit.attestations:
                out.append(f"  {term(att.auditor)} {term(att.verdict)} "
                           f"report {term(att.report_cid or 'none')}")
    return out
