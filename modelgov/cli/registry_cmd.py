"""``modelgov model …``, ``modelgov version …``, ``modelgov audit …``: a thin face on
:mod:`modelgov.chain.registry` and :mod:`modelgov.chain.signing`.

``model create`` is governance-only on chain: unless the account holds the registry's admin role
(the timelock), it creates nothing and prints the call and a ``create-model`` proposal action
to put in ``governance/proposals/*.yaml``.

``audit sign`` needs no node: the chain id and registry address come from ``--chain-id`` /
``--registry`` or the deployments file of ``--network``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from modelgov.cli._chain import ADDRESS, CID, MOMENT, account_option, client, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.errors import ValidationError
from modelgov.textsafe import term

if TYPE_CHECKING:
    from modelgov.chain.registry import AuditStatus
    from modelgov.timetext import Moment

verdict_option = click.option(
    "--verdict", required=True, type=click.Choice(["approve", "reject"]), help="Your verdict."
)
report_option = click.option(
    "--report-cid", required=True, type=CID, help="CID of the audit report (pin it first)."
)


# ---------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------
@click.group()
def model() -> None:
    """Create and inspect registered models."""


@model.command("create")
@click.argument("name")
@click.option("--card-cid", type=CID, default=None, help="CID of the model card (README.md).")
@network_option
@account_option
@json_option
def model_create(name: str, card_cid: str | None, network: str, account: str | None,
                 as_json: bool) -> None:
    """Create model NAME (governance only).

    Sends createModel when --account holds the registry's admin role (the timelock); otherwise
    prints the call and a create-model proposal action instead: models are created by proposals.
    """
    card = card_cid
    with client(network, account) as gov:
        target, data = gov.registry.create_model_call(name, card)
        signer = str(gov.account.address)
        if gov.registry.is_governance(signer):
            info = gov.registry.create_model(name, card).value
            if as_json:
                echo_json({"created": True, "model_id": info.model_id, "name": info.name})
            else:
                click.echo(f"created model #{info.model_id} {info.name}")
            return
    action = {"type": "create-model", "model": name}
    if card:
        action["card_cid"] = card
    if as_json:
        echo_json({"created": False, "target": target, "calldata": "0x" + data.hex(),
                   "proposal_action": action})
        return
    click.echo(f"model {name!r} NOT created: createModel is governance-only "
               f"({signer} is not the timelock).", err=True)
    click.echo("Add this action to a proposal (governance/proposals/NNNN-*.yaml):")
    click.echo("  - type: create-model")
    click.echo(f"    model: {name}")
    if card:
        click.echo(f"    card_cid: {card}")
    click.echo(f"call: target {target}")
    click.echo(f"      calldata 0x{data.hex()}")


@model.command("show")
@click.argument("name")
@network_option
@json_option
def model_show(name: str, network: str, as_json: bool) -> None:
    """Versions of model NAME with their CIDs, audit status and which one is active."""
    with client(network) as gov:
        mid = gov.registry.resolve_model(name)
        info = gov.registry.model(mid)
        versions = gov.registry.versions(mid)
        audits = gov.registry.audit_statuses([v.version_id for v in versions])
        aliases = gov.registry.aliases(mid)
    if as_json:
        echo_json({
            "model_id": info.model_id, "name": info.name, "card_cid": info.card_cid,
            "active_version_id": info.active_version_id, "aliases": aliases,
            "versions": [
                {**v.to_json(), "audit": audits[v.version_id].to_json(),
                 "active": v.version_id == info.active_version_id}
                for v in versions
            ],
        })
        return
    click.echo(f"model #{info.model_id} {term(info.name)}  card {term(info.card_cid or '-')}  "
               f"active {'v' + str(info.active_version_id) if info.active_version_id else 'none'}")
    if aliases:
        click.echo("aliases  " + "  ".join(
            f"{term(n)} → {'v' + str(v) if v else '(suspended)'}" for n, v in sorted(aliases.items())))
    if not versions:
        click.echo("no versions yet")
        return
    rows = [("", "ver", "cid", "profile", "audit", "parent", "submitter")]
    for v in versions:
        a = audits[v.version_id]
        state = "suspended" if a.suspended else ("audited" if a.audited else "pending")
        rows.append((
            "*" if v.version_id == info.active_version_id else "",
            str(v.version_id), v.shown("cid"), v.shown("import_profile"),
            f"{a.approvals}/{a.required_approvals} ok, {a.rejections} rej, {state}",
            str(v.parent_version_id or "-"), term(v.submitter),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


@model.command("alias")
@click.argument("name")
@click.argument("alias_name", metavar="ALIAS")
@click.argument("version_id", type=int, required=False)
@click.option("--clear", is_flag=True, help="Remove ALIAS instead of pointing it.")
@network_option
@account_option
@json_option
def model_alias(name: str, alias_name: str, version_id: int | None, clear: bool, network: str,
                account: str | None, as_json: bool) -> None:
    """Point ALIAS (canary, staging...) of model NAME at VERSION_ID, or --clear it.

    Aliases sit beside the governance-activated version (MLflow-style); governance sets them,
    or an account holding the registry's ALIAS_MANAGER_ROLE (granted by governance).
    """
    if clear == (version_id is not None):
        raise ValidationError("give VERSION_ID, or --clear")
    with client(network, account) as gov:
        if clear:
            gov.registry.clear_alias(name, alias_name)
        else:
            assert version_id is not None  # noqa: S101 - checked just above (for the type checker)
            gov.registry.set_alias(name, alias_name, version_id)
        aliases = gov.registry.aliases(name)
    if as_json:
        echo_json({"model": name, "alias": alias_name, "version_id": aliases.get(alias_name),
                   "aliases": aliases})
    elif clear:
        click.echo(f"model {term(name)}: alias {term(alias_name)} cleared")
    else:
        click.echo(f"model {term(name)}: {term(alias_name)} → v{version_id}")


@model.command("lineage")
@click.argument("name")
@click.option("--cards/--no-cards", default=True, show_default=True,
              help="Read each version's model card (README.md) from IPFS for its base_model.")
@click.option("--card-timeout", type=float, default=5.0, show_default=True,
              help="Seconds to wait for a card block the node lacks.")
@network_option
@json_option
def model_lineage(name: str, cards: bool, card_timeout: float, network: str, as_json: bool) -> None:
    """The tree of NAME's versions: parent links, dataset CIDs, the base model each card names,
    and the active one."""
    from modelgov.chain.lineage import lineage

    with client(network) as gov:
        mid = gov.registry.resolve_model(name)
        info = gov.registry.model(mid)
        tree = lineage(gov, mid, cards=cards, timeout=card_timeout)
    if as_json:
        echo_json({"model_id": mid, "name": info.name, "active_version_id": info.active_version_id,
                   "versions": [entry.to_json() for entry in tree]})
        return
    click.echo(f"model #{mid} {term(info.name)}")
    for entry in tree:
        r = entry.version
        mark = "  *active*" if r.version_id == info.active_version_id else ""
        data = f"  datasets {', '.join(term(c) for c in r.dataset_cids)}" if r.dataset_cids else ""
        if entry.card.base_models:
            base = f"  base {', '.join(term(b) for b in entry.card.base_models)}"
        elif entry.card.status not in ("read", "no card", "not read"):
            base = f"  (card {term(entry.card.status)})"
        else:
            base = ""
        click.echo(f"{'  ' * entry.depth}└─ v{r.version_id} {r.shown('cid')}{data}{base}{mark}")
    if cards and tree and all(e.card.status.startswith("not read") for e in tree):
        click.echo("cards not read: the IPFS node is unreachable", err=True)


# ---------------------------------------------------------------------------------------------
# version
# ---------------------------------------------------------------------------------------------
@click.group()
def version() -> None:
    """Submit and inspect model versions."""


@version.command("submit")
@click.option("--model", "model_name", required=True, help="Model name (or #id).")
@click.option("--cid", required=True, help="IPFS CID of the weights (root of the manifest).")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="manifest.json: gives the digest and the import profile; must describe --cid.")
@click.option("--manifest-digest", default=None, help="sha256 of the canonical manifest (hex), "
              "when the manifest file is not at hand.")
@click.option("--profile", default=None, help="Import profile that produced --cid "
              "(default: the manifest's).")
@click.option("--changelog", default=None, help="Changelog file (its CID is recorded) or CID.")
@click.option("--arweave-tx", default=None, help="Arweave transaction id of the weights.")
@click.option("--parent", type=int, default=None, help="Parent version id (lineage).")
@click.option("--dataset", "datasets", multiple=True, help="Dataset CID (repeatable).")
@click.option("--verifier", default=None, help="Address of the version's zk verifier "
              "(`modelgov zk deploy`): bound right after the submission, before any audit.")
@network_option
@account_option
@json_option
def version_submit(model_name: str, cid: str, manifest: str | None, manifest_digest: str | None,
                   profile: str | None, changelog: str | None, arweave_tx: str | None,
                   parent: int | None, datasets: tuple[str, ...], verifier: str | None,
                   network: str, account: str | None, as_json: bool) -> None:
    """Submit a version of a model (anyone may); --verifier binds its zk verifier."""
    from modelgov.chain.registry import prepare_version

    prepared = prepare_version(
        cid, manifest=manifest, manifest_digest=manifest_digest, import_profile=profile,
        changelog=changelog, arweave_tx=arweave_tx, parent_version_id=parent,
        dataset_cids=datasets,
    )
    with client(network, account) as gov:
        record = gov.registry.submit_version(model_name, prepared).value
        bound = gov.registry.bind_verifier(record.version_id, verifier).value if verifier else None
    if as_json:
        echo_json({**record.to_json(), "verifier": bound})
    else:
        click.echo(f"submitted version {record.version_id} of model #{record.model_id}: {record.cid}"
                   + (f" (verifier {bound})" if bound else ""))


@version.command("bind-verifier")
@click.argument("version_id", type=int)
@click.argument("verifier")
@network_option
@account_option
@json_option
def version_bind_verifier(version_id: int, verifier: str, network: str, account: str | None,
                          as_json: bool) -> None:
    """Submitter: bind the zk verifier of a version (once, before any attestation)."""
    with client(network, account) as gov:
        bound = gov.registry.bind_verifier(version_id, verifier).value
    if as_json:
        echo_json({"version_id": version_id, "verifier": bound})
    else:
        click.echo(f"version {version_id}: verifier {bound} bound")


@version.command("sync-audit")
@click.argument("version_id", type=int)
@network_option
@account_option
@json_option
def version_sync_audit(version_id: int, network: str, account: str | None, as_json: bool) -> None:
    """Anyone: re-cache VERSION's audit result, so oracle requests read the active version
    cheaply again after auditors or the required approvals changed."""
    with client(network, account) as gov:
        result = gov.registry.sync_audit(version_id)
    if as_json:
        echo_json({"version_id": version_id, "changed": result.value, "tx": result.tx_hash})
    else:
        click.echo(f"version {version_id}: audit {'re-cached' if result.value else 'cache already current'}"
                   f" (tx {result.tx_hash})")


@version.command("suspend")
@click.argument("version_id", type=int)
@network_option
@account_option
@json_option
def version_suspend(version_id: int, network: str, account: str | None, as_json: bool) -> None:
    """Guardian: suspend VERSION (it stops being active at once, until governance reinstates it)."""
    with client(network, account) as gov:
        result = gov.registry.suspend(version_id)
    if as_json:
        echo_json({"version_id": version_id, "suspended": True, "tx": result.tx_hash})
    else:
        click.echo(f"version {version_id} suspended (tx {result.tx_hash})")


@version.command("reinstate")
@click.argument("version_id", type=int)
@network_option
@account_option
@json_option
def version_reinstate(version_id: int, network: str, account: str | None, as_json: bool) -> None:
    """Governance: reinstate a suspended VERSION. Unless --account is the timelock, prints the
    proposal action that does it instead."""
    with client(network, account) as gov:
        if gov.registry.is_governance(str(gov.account.address)):
            result = gov.registry.reinstate(version_id)
            if as_json:
                echo_json({"version_id": version_id, "reinstated": True, "tx": result.tx_hash})
            else:
                click.echo(f"version {version_id} reinstated (tx {result.tx_hash})")
            return
        if not gov.registry.audit_status(version_id).suspended:
            raise ValidationError(f"version {version_id} is not suspended")
        target = gov.registry.address
    action = {"type": "call", "contract": "registry", "function": "reinstateVersion(uint256)",
              "args": [version_id]}
    if as_json:
        echo_json({"version_id": version_id, "reinstated": False, "target": target,
                   "proposal_action": action})
        return
    click.echo(f"version {version_id} NOT reinstated: reinstateVersion is governance-only.", err=True)
    click.echo("Add this action to a proposal (governance/proposals/NNNN-*.yaml):")
    click.echo("  - type: call\n    contract: registry\n    function: reinstateVersion(uint256)")
    click.echo(f"    args: [{version_id}]")


@version.command("show")
@click.argument("version_id", type=int)
@network_option
@json_option
def version_show(version_id: int, network: str, as_json: bool) -> None:
    """Record and audit status of a version."""
    with client(network) as gov:
        record = gov.registry.version(version_id)
        status = gov.registry.audit_status(version_id)
        verifier = gov.registry.verifier_of(version_id)
    if as_json:
        echo_json({**record.to_json(), "audit": status.to_json(), "verifier": verifier})
        return
    for key, value in record.to_json().items():
        if key == "invalid":
            continue
        shown = record.shown(key) if key in record.invalid else term(
            value if value not in (None, [], "") else "-")
        click.echo(f"{key:18} {shown}")
    click.echo(f"{'verifier':18} {verifier or '- (no zk verifier bound)'}")
    _echo_status(status)


def _echo_status(status: AuditStatus) -> None:
    from modelgov.timetext import iso

    click.echo(f"audit              {status.summary}")
    for a in status.attestations:
        until = f"  until {iso(a.expires_at)}" if a.expires_at else ""
        click.echo(f"  {a.auditor}  {a.verdict:8}  report {term(a.report_cid)}{until}")
    for a in status.expired:
        lapsed = iso(a.expires_at or 0)
        click.echo(f"  {a.auditor}  expired   report {term(a.report_cid)}  (expired {lapsed})")


# ---------------------------------------------------------------------------------------------
# audit
# ---------------------------------------------------------------------------------------------
@click.group()
def audit() -> None:
    """Attest versions directly or by an offline EIP-712 signature; revoke; inspect."""


@audit.command("attest")
@click.argument("version_id", type=int)
@verdict_option
@report_option
@click.option("--expires", type=MOMENT, default=None,
              help="An approval's expiry: +90d, a date (end of that day, UTC), unix time or ISO "
              "date-time. After it the approval counts nowhere (views, activation, grants, oracle).")
@network_option
@account_option
@json_option
def audit_attest(version_id: int, verdict: str, report_cid: str, expires: Moment | None, network: str,
                 account: str | None, as_json: bool) -> None:
    """Attest VERSION as the --account auditor (an approval may --expire)."""
    with client(network, account) as gov:
        until = expires.at(gov.chain_time(), "--expires") if expires is not None else None
        att = gov.registry.attest(version_id, verdict, report_cid, expires_at=until).value
    if as_json:
        echo_json({"version_id": version_id, **att.__dict__})
    else:
        click.echo(f"version {version_id}: {att.auditor} {att.verdict} (report {att.report_cid})")


@audit.command("revoke")
@click.argument("version_id", type=int)
@network_option
@account_option
def audit_revoke(version_id: int, network: str, account: str | None) -> None:
    """Withdraw your attestation on VERSION."""
    with client(network, account) as gov:
        gov.registry.revoke(version_id)
        click.echo(f"version {version_id}: attestation of {gov.account.address} revoked")


@audit.command("status")
@click.argument("version_id", type=int)
@network_option
@json_option
def audit_status_cmd(version_id: int, network: str, as_json: bool) -> None:
    """Live attestations of VERSION."""
    with client(network) as gov:
        status = gov.registry.audit_status(version_id)
    if as_json:
        echo_json(status.to_json())
    else:
        _echo_status(status)


@audit.command("nonce")
@click.argument("auditor", required=False, type=ADDRESS)
@click.option("--version", "version_id", type=int, required=True,
              help="The version the signature is for: nonces are kept per version.")
@network_option
@account_option
@json_option
def audit_nonce(auditor: str | None, version_id: int, network: str, account: str | None,
                as_json: bool) -> None:
    """The next registry nonce of AUDITOR (default: --account's address) on --version: pass it
    to `audit sign`.

    Each direct attestation, revocation and relayed signature on that version uses one up;
    signatures for different versions don't interfere.
    """
    with client(network, account) as gov:
        address = auditor or str(gov.account.address)
        nonce = gov.registry.nonce_of(address, version_id)
    if as_json:
        echo_json({"auditor": address, "version_id": version_id, "nonce": nonce})
    else:
        click.echo(nonce)


def parse_deadline(text: str | Moment, now: int | None = None) -> int:
    """An offline signature's ``--deadline``/``--expires`` against this machine's clock (see
    :mod:`modelgov.timetext`: a date means the end of that day, UTC, as in grant files).
    Raises: ValidationError."""
    from modelgov.timetext import Moment

    moment = text if isinstance(text, Moment) else Moment.parse(text, "--deadline")
    return moment.at(int(time.time()) if now is None else now, "--deadline")


@audit.command("sign")
@click.argument("version_id", type=int)
@verdict_option
@report_option
@click.option("--deadline", type=MOMENT, default="+7d", show_default=True,
              help="Until when the signature is valid: +7d, +12h, unix time or ISO date-time.")
@click.option("--expires", type=MOMENT, default=None,
              help="An approval's own expiry (as in `audit attest --expires`): signed with it.")
@click.option("--nonce", type=click.IntRange(min=0), default=None,
              help="The auditor's nonce to sign with. Default: its next nonce, read from the "
              "registry. Required with --offline.")
@click.option("--offline", is_flag=True,
              help="Contact no node: --nonce is then required (and --chain-id/--registry or a "
              "deployments file).")
@click.option("--auditor", type=ADDRESS, default=None,
              help="Auditor address if it differs from the signer (an ERC-1271 wallet).")
@click.option("--chain-id", type=int, default=None, help="Default: from the deployments file.")
@click.option("--registry", "registry_address", type=ADDRESS, default=None,
              help="Registry address. Default: from the deployments file.")
@click.option("--key-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Sign with this key (raw hex, or an encrypted JSON keyfile) instead of --account.")
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Password of an encrypted --key-file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the signed attestation here (default: stdout).")
@network_option
@account_option
def audit_sign(version_id: int, verdict: str, report_cid: str, deadline: Moment, expires: Moment | None,
               nonce: int | None,
               offline: bool, auditor: str | None, chain_id: int | None, registry_address: str | None,
               key_file: str | None, password_file: str | None, output: str | None,
               network: str, account: str | None) -> None:
    """Sign an attestation of VERSION (EIP-712); anyone can relay the file.

    The auditor's next nonce is read from the registry (a signature with a used nonce is
    useless); with --offline no node is contacted and --nonce is required.

    --auditor names an ERC-1271 wallet whose owner signs: the wallet must accept its owner's
    ECDSA signature over the raw EIP-712 digest. Safe wallets wrap messages in a SafeMessage
    and are not supported here: a Safe auditor attests by a Safe transaction calling attest.
    """
    from eth_utils.address import to_checksum_address

    from modelgov.chain.client import ModelGov
    from modelgov.chain.signing import (
        AttestationRequest,
        load_signer,
        sign_attestation,
        verdict_code,
    )
    from modelgov.errors import DeploymentNotFoundError

    report = report_cid
    gov = ModelGov(network, account)
    if chain_id is None or registry_address is None:
        deployment = gov.deployment_record()
        chain_id = chain_id if chain_id is not None else deployment.chain_id
        registry_address = registry_address or deployment.address("registry")
        if not chain_id:
            raise DeploymentNotFoundError(f"the {network} deployment lacks a chain id; give --chain-id")
    if offline and nonce is None:
        raise ValidationError("--offline needs --nonce (the auditor's next nonce: "
                              "`modelgov audit nonce AUDITOR --version N` where a node is reachable)")
    signer = load_signer(key_file, password_file, account)
    auditor_address = to_checksum_address(auditor or signer.address)
    if not offline:
        with gov:
            nonce = gov.registry_at(registry_address).checked_nonce(auditor_address, version_id,
                                                                    int(chain_id), nonce)
    if nonce is None:  # not reached: --offline without --nonce is refused above
        raise ValidationError("--offline needs --nonce")
    if auditor is not None and auditor_address != to_checksum_address(signer.address):
        click.echo("note: ERC-1271 auditor: the signature is the owner's ECDSA signature of the "
                   "raw EIP-712 digest (Safe wallets, which expect a SafeMessage, reject it)",
                   err=True)
    request = AttestationRequest(
        chain_id=chain_id,
        registry=to_checksum_address(registry_address),
        auditor=auditor_address,
        version_id=version_id,
        verdict=verdict_code(verdict),
        report_cid=report,
        nonce=nonce,
        deadline=parse_deadline(deadline),
        expires_at=parse_deadline(expires) if expires is not None else 0,
    )
    signed = sign_attestation(signer, request)
    if output:
        signed.save(output)
        click.echo(f"signed attestation of version {version_id} by {request.auditor} → {output}")
    else:
        echo_json(signed.to_json())


@audit.command("relay")
@click.argument("file", type=click.Path(dir_okay=False))
@network_option
@account_option
@json_option
def audit_relay(file: str, network: str, account: str | None, as_json: bool) -> None:
    """Send a signed attestation FILE (from `modelgov audit sign`); you pay the gas."""
    from modelgov.chain.signing import SignedAttestation

    signed = SignedAttestation.load(file)
    with client(network, account) as gov:
        att = gov.registry.relay(signed).value
        relayer = gov.account.address
    if as_json:
        echo_json({"version_id": signed.request.version_id, **att.__dict__})
    else:
        click.echo(f"version {signed.request.version_id}: {att.auditor} {att.verdict} "
                   f"(report {att.report_cid}), relayed by {relayer}")
