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

import click

from modelgov.cli._chain import account_option, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.errors import ValidationError
from modelgov.textsafe import term

verdict_option = click.option(
    "--verdict", required=True, type=click.Choice(["approve", "reject"]), help="Your verdict."
)
report_option = click.option(
    "--report-cid", required=True, help="CID of the audit report (pin it first)."
)


def _session(network: str, account: str | None, sign: bool = True):
    from modelgov.chain.session import open_session

    return open_session(network, account, sign=sign)


def _registry(session):
    from modelgov.errors import DeploymentNotFoundError

    if session.suite.registry is None:
        raise DeploymentNotFoundError(f"the {session.network} deployment has no ModelRegistry")
    return session.suite.registry


# ---------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------
@click.group()
def model() -> None:
    """Create and inspect registered models."""


@model.command("create")
@click.argument("name")
@click.option("--card-cid", default=None, help="CID of the model card (README.md).")
@network_option
@account_option
@json_option
def model_create(name: str, card_cid: str | None, network: str, account: str | None,
                 as_json: bool) -> None:
    """Create model NAME (governance only).

    Sends createModel when --account holds the registry's admin role (the timelock); otherwise
    prints the call and a create-model proposal action instead: models are created by proposals.
    """
    from modelgov.chain import registry as reg
    from modelgov.cid.text import normalize

    card = normalize(card_cid) if card_cid else None
    with _session(network, account) as session:
        registry = _registry(session)
        target, data = reg.create_model_call(registry, name, card)
        if reg.is_governance(registry, str(session.account.address)):
            info = reg.create_model(registry, name, card, session.account)
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
               f"({session.account.address} is not the timelock).", err=True)
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
    from modelgov.chain import registry as reg

    with _session(network, None, sign=False) as session:
        registry = _registry(session)
        mid = reg.resolve_model(registry, name)
        info = reg.model_info(registry, mid)
        versions = reg.versions_of(registry, mid)
        audits = {v.version_id: reg.audit_status(registry, v.version_id) for v in versions}
    if as_json:
        echo_json({
            "model_id": info.model_id, "name": info.name, "card_cid": info.card_cid,
            "active_version_id": info.active_version_id,
            "versions": [
                {**v.to_json(), "audit": audits[v.version_id].to_json(),
                 "active": v.version_id == info.active_version_id}
                for v in versions
            ],
        })
        return
    click.echo(f"model #{info.model_id} {term(info.name)}  card {term(info.card_cid or '-')}  "
               f"active {'v' + str(info.active_version_id) if info.active_version_id else 'none'}")
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
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


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
    from modelgov.chain import registry as reg

    prepared = reg.prepare_version(
        cid, manifest=manifest, manifest_digest=manifest_digest, import_profile=profile,
        changelog=changelog, arweave_tx=arweave_tx, parent_version_id=parent,
        dataset_cids=datasets,
    )
    with _session(network, account) as session:
        record = reg.submit_version(_registry(session), model_name, prepared, session.account)
        bound = (reg.bind_verifier(_registry(session), record.version_id, verifier, session.account)
                 if verifier else None)
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
    from modelgov.chain import registry as reg

    with _session(network, account) as session:
        bound = reg.bind_verifier(_registry(session), version_id, verifier, session.account)
    if as_json:
        echo_json({"version_id": version_id, "verifier": bound})
    else:
        click.echo(f"version {version_id}: verifier {bound} bound")


@version.command("show")
@click.argument("version_id", type=int)
@network_option
@json_option
def version_show(version_id: int, network: str, as_json: bool) -> None:
    """Record and audit status of a version."""
    from modelgov.chain import registry as reg

    with _session(network, None, sign=False) as session:
        registry = _registry(session)
        record = reg.get_version(registry, version_id)
        status = reg.audit_status(registry, version_id)
        verifier = reg.verifier_of(registry, version_id)
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


def _echo_status(status) -> None:
    click.echo(f"audit              {status.summary}")
    for a in status.attestations:
        click.echo(f"  {a.auditor}  {a.verdict:8}  report {term(a.report_cid)}")


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
@network_option
@account_option
@json_option
def audit_attest(version_id: int, verdict: str, report_cid: str, network: str,
                 account: str | None, as_json: bool) -> None:
    """Attest VERSION as the --account auditor."""
    from modelgov.chain import registry as reg
    from modelgov.cid.text import normalize

    report = normalize(report_cid)
    with _session(network, account) as session:
        att = reg.attest(_registry(session), version_id, verdict, report, session.account)
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
    from modelgov.chain import registry as reg

    with _session(network, account) as session:
        reg.revoke(_registry(session), version_id, session.account)
        click.echo(f"version {version_id}: attestation of {session.account.address} revoked")


@audit.command("status")
@click.argument("version_id", type=int)
@network_option
@json_option
def audit_status_cmd(version_id: int, network: str, as_json: bool) -> None:
    """Live attestations of VERSION."""
    from modelgov.chain import registry as reg

    with _session(network, None, sign=False) as session:
        status = reg.audit_status(_registry(session), version_id)
    if as_json:
        echo_json(status.to_json())
    else:
        _echo_status(status)


@audit.command("nonce")
@click.argument("auditor", required=False)
@network_option
@account_option
@json_option
def audit_nonce(auditor: str | None, network: str, account: str | None, as_json: bool) -> None:
    """The next registry nonce of AUDITOR (default: --account's address): pass it to `audit sign`.

    Each direct attestation, revocation and relayed signature uses one up.
    """
    from eth_utils import is_address, to_checksum_address

    if auditor is not None and not is_address(auditor):
        raise ValidationError(f"auditor {auditor!r} is not an address")
    with _session(network, account if auditor is None else None, sign=auditor is None) as session:
        address = to_checksum_address(auditor) if auditor else session.account.address
        nonce = int(_registry(session).nonces(address))
    if as_json:
        echo_json({"auditor": address, "nonce": nonce})
    else:
        click.echo(nonce)


def parse_deadline(text: str, now: int | None = None) -> int:
    """The ``--deadline`` of a signature (see :mod:`modelgov.timetext`: a date means the end of
    that day, UTC, as in grant files). Raises: ValidationError."""
    from modelgov import timetext

    return timetext.parse_deadline(text, int(time.time()) if now is None else now, "--deadline")


@audit.command("sign")
@click.argument("version_id", type=int)
@verdict_option
@report_option
@click.option("--deadline", default="+7d", show_default=True,
              help="Until when the signature is valid: +7d, +12h, unix time or ISO date-time.")
@click.option("--nonce", type=click.IntRange(min=0), default=None,
              help="The auditor's nonce to sign with. Default: its next nonce, read from the "
              "registry. Required with --offline.")
@click.option("--offline", is_flag=True,
              help="Contact no node: --nonce is then required (and --chain-id/--registry or a "
              "deployments file).")
@click.option("--auditor", default=None,
              help="Auditor address if it differs from the signer (an ERC-1271 wallet).")
@click.option("--chain-id", type=int, default=None, help="Default: from the deployments file.")
@click.option("--registry", "registry_address", default=None,
              help="Registry address. Default: from the deployments file.")
@click.option("--key-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Sign with this key (raw hex, or an encrypted JSON keyfile) instead of --account.")
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Password of an encrypted --key-file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the signed attestation here (default: stdout).")
@network_option
@account_option
def audit_sign(version_id: int, verdict: str, report_cid: str, deadline: str, nonce: int | None,
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
    from eth_utils import is_address, to_checksum_address

    from modelgov.chain.signing import (
        AttestationRequest,
        load_key,
        sign_attestation,
        verdict_code,
    )
    from modelgov.cid.text import normalize

    report = normalize(report_cid)
    if chain_id is None or registry_address is None:
        from modelgov.chain.ape_env import network_name
        from modelgov.chain.deployments import read_deployment
        from modelgov.errors import DeploymentNotFoundError

        record = read_deployment(network_name(network))
        chain_id = chain_id if chain_id is not None else int(record.get("chain_id", 0))
        registry_address = registry_address or record["contracts"].get("registry")
        if not registry_address or not chain_id:
            raise DeploymentNotFoundError(
                f"the {network} deployment lacks a registry or chain id; give --registry/--chain-id"
            )
    if not is_address(registry_address):
        raise ValidationError(f"--registry {registry_address!r} is not an address")
    registry_address = to_checksum_address(registry_address)
    if auditor is not None and not is_address(auditor):
        raise ValidationError(f"--auditor {auditor!r} is not an address")
    if offline and nonce is None:
        raise ValidationError("--offline needs --nonce (the auditor's next nonce: "
                              "`modelgov audit nonce AUDITOR` where a node is reachable)")
    if key_file:
        password = None
        if password_file:
            with open(password_file) as fh:
                password = fh.read().rstrip("\n")
        signer = load_key(key_file, password)
    else:
        from modelgov.chain.ape_env import load_account, prepare_environment

        prepare_environment()
        signer = load_account(account)
    auditor_address = to_checksum_address(auditor or signer.address)
    if not offline:
        nonce = _checked_nonce(network, registry_address, int(chain_id), auditor_address, nonce)
    assert nonce is not None
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
    )
    signed = sign_attestation(signer, request)
    if output:
        signed.save(output)
        click.echo(f"signed attestation of version {version_id} by {request.auditor} → {output}")
    else:
        echo_json(signed.to_json())


def _checked_nonce(network: str, registry_address: str, chain_id: int, auditor: str,
                   nonce: int | None) -> int:
    """The auditor's next nonce on the registry (or ``nonce``, checked not to be used already).

    Raises:
        ChainError: the node does not answer or is another chain than the one signed for.
        SignatureError: ``nonce`` is below the auditor's next nonce (already used).
    """
    from modelgov.chain.ape_env import connect, network_name
    from modelgov.errors import ChainError, SignatureError

    with connect(network_name(network)):
        from ape import chain

        if int(chain.chain_id) != chain_id:
            raise ChainError(f"the node of {network} is chain {chain.chain_id}, not {chain_id}; "
                             "use --offline --nonce N to sign for another chain")
        abi = [{"type": "function", "name": "nonces", "stateMutability": "view",
                "inputs": [{"name": "owner", "type": "address"}],
                "outputs": [{"name": "", "type": "uint256"}]}]
        w3 = chain.provider.web3
        try:
            current = int(w3.eth.contract(address=registry_address, abi=abi)
                          .functions.nonces(auditor).call())
        except Exception as exc:  # noqa: BLE001 - no contract there, node errors
            raise ChainError(f"cannot read {auditor}'s nonce from registry {registry_address}: "
                             f"{' '.join(str(exc).split())[:160]}") from None
    if nonce is None:
        return current
    if nonce < current:
        raise SignatureError(f"nonce {nonce} is already used: {auditor}'s next nonce is {current}")
    return nonce


@audit.command("relay")
@click.argument("file", type=click.Path(dir_okay=False))
@network_option
@account_option
@json_option
def audit_relay(file: str, network: str, account: str | None, as_json: bool) -> None:
    """Send a signed attestation FILE (from `modelgov audit sign`); you pay the gas."""
    from modelgov.chain import registry as reg
    from modelgov.chain.signing import SignedAttestation

    signed = SignedAttestation.load(file)
    with _session(network, account) as session:
        att = reg.relay(_registry(session), signed, session.account)
    if as_json:
        echo_json({"version_id": signed.request.version_id, **att.__dict__})
    else:
        click.echo(f"version {signed.request.version_id}: {att.auditor} {att.verdict} "
                   f"(report {att.report_cid}), relayed by {session.account.address}")
