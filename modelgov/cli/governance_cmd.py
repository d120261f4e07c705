"""``modelgov proposal …``, ``modelgov vote``, ``modelgov delegate``: a thin face on
:mod:`modelgov.chain.governance` (and :mod:`modelgov.chain.gasless` for ``--sign``).

Proposal ids are sequential (1, 2, 3…); every command taking PROPOSAL_ID also takes the
proposal's content hash (``hashProposal``, the id before sequential numbering).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from modelgov.cli._chain import MOMENT, account_option, client, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.textsafe import term

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.gasless import Signed
    from modelgov.chain.governance import BuiltProposal
    from modelgov.chain.tx import TxResult
    from modelgov.timetext import Moment

bind_option = click.option(
    "--bind-proposer",
    is_flag=True,
    help="Append #proposer=<account> to the description so only you can submit it "
    "(OZ front-running protection).",
)
id_argument = click.argument("proposal_id", type=click.IntRange(min=0), metavar="PROPOSAL_ID")
sign_option = click.option(
    "--sign", is_flag=True,
    help="Sign offline (EIP-712) instead of sending a transaction; `modelgov relay FILE` sends "
    "it from an account that pays the gas.")
output_option = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                             help="With --sign: write the signature file here (default: stdout).")
key_file_option = click.option(
    "--key-file", type=click.Path(dir_okay=False, exists=True), default=None,
    help="With --sign: sign with this key (raw hex, or an encrypted JSON keyfile) instead of "
    "--account (as `audit sign`).")
password_file_option = click.option(
    "--password-file", type=click.Path(dir_okay=False, exists=True), default=None,
    help="Password of an encrypted --key-file.")


def _save_signed(signed: Signed, output: str | None) -> None:
    from modelgov.chain.gasless import save

    if output:
        save(signed, output)
        click.echo(f"signed {signed.summary} → {output}")
    else:
        echo_json(signed.to_json())


def _built(gov: ModelGov, file: str, bind: bool) -> BuiltProposal:
    proposer = str(gov.account.address) if bind else None
    return gov.governor.build(file, proposer=proposer)


def _receipt_line(action: str, result: TxResult[Any]) -> str:
    return f"{action}: tx {result.tx_hash} (block {result.block}, gas {result.gas_used:,})"


@click.group()
def proposal() -> None:
    """Build, simulate, submit and follow governance proposals (governance/proposals/*.yaml)."""


@proposal.command("build")
@click.argument("file", type=click.Path(dir_okay=False))
@network_option
@account_option
@bind_option
@json_option
def proposal_build(file: str, network: str, account: str | None, bind_proposer: bool,
                   as_json: bool) -> None:
    """Print targets, values, calldatas, description hash and the proposal id of FILE."""
    from modelgov.chain.abi_values import abi_int

    with client(network, account) as gov:
        built = _built(gov, file, bind_proposer)
        onchain = abi_int(gov.governor.handle.call("hashProposal", *built.args()))
    if onchain != built.proposal_hash:  # pragma: no cover - would be a bug in compute_proposal_id
        raise click.ClickException("local proposal hash differs from governor.hashProposal")
    if as_json:
        echo_json(built.as_dict())
        return
    click.echo(f"proposal id      {built.proposal_id}"
               + ("" if built.submitted else " (the content hash: the id is numbered on submit)"))
    click.echo(f"proposal hash    {built.proposal_hash}")
    click.echo(f"description hash 0x{built.description_hash.hex()}")
    for i, (t, v, c) in enumerate(zip(built.targets, built.values, built.calldatas, strict=True)):
        click.echo(f"action {i + 1}: {term(built.summary[i])}")
        click.echo(f"  target {t}  value {v}")
        click.echo(f"  calldata 0x{c.hex()}")
    click.echo("")
    click.echo(built.description)
    if built.chain_state:
        click.echo("chain state now (shown for review; NOT part of the proposal):")
        for line in built.chain_state:
            click.echo(f"  {line}")


@proposal.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@id_argument
@network_option
@json_option
def proposal_verify(file: str, proposal_id: int, network: str, as_json: bool) -> None:
    """Check that on-chain PROPOSAL_ID is exactly what FILE builds.

    Compares the targets, values and calldatas of the governor's ProposalCreated event and its
    description with what FILE builds now. One line; exit 0 on a match, 1 on any difference.
    """
    from modelgov.chain.proposal_spec import load_proposal
    from modelgov.errors import ProposalMismatchError

    spec = load_proposal(file)
    with client(network) as gov:
        report = gov.governor.verify(spec, proposal_id)
    if as_json:
        echo_json(report.as_dict())
    elif report.matches:
        click.echo(report.line)
    if not report.matches:
        raise ProposalMismatchError(proposal_id, report.differences, spec.path)


@proposal.command("simulate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--fork-url", default=None,
              help="Simulate on a local anvil fork of this RPC URL (any network; the deployment "
              "is --network's). The fork runs on 127.0.0.1 and is stopped afterwards.")
@click.option("--fork-block-number", type=click.IntRange(min=0), default=None,
              help="With --fork-url: fork at this block (default: the latest).")
@network_option
@json_option
def proposal_simulate(file: str, fork_url: str | None, fork_block_number: int | None, network: str,
                      as_json: bool) -> None:
    """Run FILE end to end (propose, vote, queue, execute) in a snapshot that is reverted.

    Votes come from the largest delegates, impersonated. With --fork-url nothing is sent to the
    real network: the whole run happens on a throwaway anvil fork.
    """
    from modelgov.chain.fork import fork_client

    if fork_block_number is not None and fork_url is None:
        raise click.UsageError("--fork-block-number needs --fork-url")
    opened = fork_client(network, fork_url, fork_block_number) if fork_url else client(network)
    with opened as gov:
        report = gov.governor.simulate(_built(gov, file, False))
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"simulation: proposal {report.proposal_id} → {report.final_state}")
    for step, gas in report.gas.items():
        click.echo(f"  {step:<14} gas {gas:,}")
    for change in report.changes:
        click.echo(f"  {change}")


@proposal.command("submit")
@click.argument("file", type=click.Path(dir_okay=False))
@network_option
@account_option
@bind_option
@json_option
def proposal_submit(file: str, network: str, account: str | None, bind_proposer: bool,
                    as_json: bool) -> None:
    """Propose FILE to the governor."""
    with client(network, account) as gov:
        built = _built(gov, file, bind_proposer)
        receipt = gov.governor.propose(built)
        pid = receipt.value
        st = gov.governor.status(pid)
    if as_json:
        echo_json({"proposal_id": str(pid), "proposal_hash": str(built.proposal_hash),
                   "tx": receipt.tx_hash, "gas": receipt.gas_used, "state": st.state})
        return
    click.echo(_receipt_line("propose", receipt))
    click.echo(f"proposal {pid}: {st.state}, voting opens {_when(st.snapshot)}")


def _when(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@proposal.command("list")
@click.option("--state", "state_filter", default=None,
              type=click.Choice(["active", "pending", "succeeded", "queued", "executed", "defeated",
                                 "canceled", "expired"], case_sensitive=False),
              help="Only proposals in this state.")
@network_option
@json_option
def proposal_list(state_filter: str | None, network: str, as_json: bool) -> None:
    """Every proposal of the governor (or those in --state), oldest first."""
    with client(network) as gov:
        rows = gov.governor.proposals(state_filter)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    if not rows:
        click.echo(f"no {state_filter.lower()} proposals" if state_filter else "no proposals")
    for r in rows:
        click.echo(f"{r.proposal_id}  {r.state:<9}  {r.title}")  # title_of made it terminal-safe


@proposal.command("status")
@id_argument
@network_option
@json_option
def proposal_status(proposal_id: int, network: str, as_json: bool) -> None:
    """State, votes, quorum, deadline and eta of PROPOSAL_ID."""
    with client(network) as gov:
        st = gov.governor.status(proposal_id)
    if as_json:
        echo_json(st.as_dict())
        return
    click.echo(f"proposal {st.proposal_id}: {st.title}")
    click.echo(f"  state    {st.state}")
    click.echo(f"  votes    for {st.votes_for}  against {st.votes_against}  abstain {st.votes_abstain}")
    click.echo(f"  quorum   {st.quorum} (for + abstain must reach it)")
    click.echo(f"  voting   {_when(st.snapshot)} → {_when(st.deadline)}")
    click.echo(f"  eta      {_when(st.eta) if st.eta else '-'}")


def _tx_command(name: str, help_text: str) -> click.Command:
    @proposal.command(name, help=help_text)
    @id_argument
    @network_option
    @account_option
    @json_option
    def command(proposal_id: int, network: str, account: str | None, as_json: bool) -> None:
        with client(network, account) as gov:
            receipt = getattr(gov.governor, name)(proposal_id)
            st = gov.governor.status(proposal_id)
        if as_json:
            echo_json({"proposal_id": str(st.proposal_id), "tx": receipt.tx_hash,
                       "gas": receipt.gas_used, "state": st.state})
            return
        click.echo(_receipt_line(name, receipt))
        click.echo(f"proposal {st.proposal_id}: {st.state}"
                   + (f", executable after {_when(st.eta)}" if st.state == "Queued" else ""))

    return command


_tx_command("queue", "Queue a succeeded proposal in the timelock.")
_tx_command("execute", "Execute a queued proposal once its eta has passed.")
_tx_command("cancel", "Cancel a proposal: its proposer while it is Pending, or the proposal "
            "guardian at any stage before execution (a queued one's timelock operation too).")


@click.command()
@id_argument
@click.argument("support", type=click.Choice(["for", "against", "abstain"]))
@click.option("--reason", default="", help="A reason, recorded on chain.")
@sign_option
@output_option
@click.option("--offline", is_flag=True,
              help="With --sign: contact no node (chain id and governor from the deployments "
              "file; PROPOSAL_ID must be the proposal's number).")
@key_file_option
@password_file_option
@network_option
@account_option
@json_option
def vote(proposal_id: int, support: str, reason: str, sign: bool, output: str | None,
         offline: bool, key_file: str | None, password_file: str | None, network: str,
         account: str | None, as_json: bool) -> None:
    """Vote for, against or abstain on PROPOSAL_ID.

    With --sign, nothing is sent: an EIP-712 Ballot for castVoteBySig is signed with a nonce
    keyed by the proposal (key = proposal id, OZ GovernorNoncesKeyed), so ballots for several
    proposals relay independently, in any order.
    """
    if sign:
        _sign_vote(proposal_id, support, reason, output, offline, key_file, password_file, network,
                   account)
        return
    if output or offline or key_file:
        raise click.UsageError("-o/--offline/--key-file go with --sign")
    with client(network, account) as gov:
        receipt = gov.governor.vote(proposal_id, support, reason)
        st = gov.governor.status(proposal_id)
    if as_json:
        echo_json({"proposal_id": str(st.proposal_id), "tx": receipt.tx_hash,
                   "gas": receipt.gas_used, "votes_for": str(st.votes_for),
                   "votes_against": str(st.votes_against), "votes_abstain": str(st.votes_abstain)})
        return
    click.echo(_receipt_line(f"vote {support}", receipt))
    click.echo(f"votes now: for {st.votes_for}  against {st.votes_against}  abstain {st.votes_abstain}")


def _sign_vote(proposal_id: int, support: str, reason: str, output: str | None, offline: bool,
               key_file: str | None, password_file: str | None, network: str,
               account: str | None) -> None:
    from modelgov.chain.gasless import sign_ballot
    from modelgov.chain.signing import load_signer
    from modelgov.errors import ValidationError

    if reason:
        raise ValidationError("--reason cannot be signed (castVoteBySig records none); vote "
                              "without --sign to give one")
    if offline:
        from modelgov.chain.client import ModelGov

        if proposal_id >= 2**64:
            raise ValidationError("--offline needs the proposal's number, not its hash")
        record = ModelGov(network).deployment_record()  # no node contacted
        signer = load_signer(key_file, password_file, account)
        signed = sign_ballot(signer, chain_id=int(record.chain_id or 0),
                             governor=record.address("governor"), proposal_id=proposal_id,
                             support=support)
        _save_signed(signed, output)
        return
    from modelgov.chain.gasless import ballot_for

    with client(network) as gov:
        signed = ballot_for(gov, load_signer(key_file, password_file, account), proposal_id, support)
    _save_signed(signed, output)


@click.command()
@click.argument("address", required=False)
@sign_option
@output_option
@click.option("--expiry", type=MOMENT, default="+7d", show_default=True,
              help="With --sign: until when the signature is valid (+7d, +12h, unix time, ISO).")
@key_file_option
@password_file_option
@network_option
@account_option
def delegate(address: str | None, sign: bool, output: str | None, expiry: Moment,
             key_file: str | None, password_file: str | None, network: str,
             account: str | None) -> None:
    """Delegate your voting power to ADDRESS (default: yourself).

    With --sign, nothing is sent: an ERC20Votes Delegation (delegatee, nonce, expiry) for the
    token's delegateBySig is signed; the token nonce is read from the chain.
    """
    if sign:
        _sign_delegation(address, output, expiry, key_file, password_file, network, account)
        return
    if output or key_file:
        raise click.UsageError("-o/--key-file go with --sign")
    with client(network, account) as gov:
        receipt = gov.governor.delegate(address)
        votes = gov.token.votes_of(receipt.value)
    click.echo(_receipt_line("delegate", receipt))
    click.echo(f"{receipt.value} now has {votes} votes (from the next second)")


def _sign_delegation(address: str | None, output: str | None, expiry: Moment, key_file: str | None,
                     password_file: str | None, network: str, account: str | None) -> None:
    from modelgov.chain.gasless import delegation_for
    from modelgov.chain.signing import load_signer
    from modelgov.cli.registry_cmd import parse_deadline

    until = parse_deadline(expiry)
    with client(network) as gov:
        signed = delegation_for(gov, load_signer(key_file, password_file, account), address, until)
    _save_signed(signed, output)
