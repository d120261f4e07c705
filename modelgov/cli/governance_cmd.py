"""``modelgov proposal …``, ``modelgov vote``, ``modelgov delegate``: a thin face on
:mod:`modelgov.chain.governance`."""

from __future__ import annotations

import datetime as dt

import click

from modelgov.cli._chain import account_option, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.textsafe import term

bind_option = click.option(
    "--bind-proposer",
    is_flag=True,
    help="Append #proposer=<account> to the description so only you can submit it "
    "(OZ front-running protection).",
)


def _built(session, file: str, bind: bool):
    from modelgov.chain.governance import build
    from modelgov.chain.proposal_spec import load_proposal

    spec = load_proposal(file)
    proposer = str(session.account.address) if bind and session.account is not None else None
    return build(spec, session.suite, proposer=proposer)


def _receipt_line(action: str, receipt) -> str:
    return f"{action}: tx {receipt.txn_hash} (block {receipt.block_number}, gas {receipt.gas_used:,})"


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
    from modelgov.chain.session import open_session

    with open_session(network, account, sign=bind_proposer) as session:
        built = _built(session, file, bind_proposer)
        onchain = int(session.suite.governor.hashProposal(*built.args()))
    if onchain != built.proposal_id:  # pragma: no cover - would be a bug in compute_proposal_id
        raise click.ClickException("local proposal id differs from governor.hashProposal")
    if as_json:
        echo_json(built.as_dict())
        return
    click.echo(f"proposal id      {built.proposal_id}")
    click.echo(f"description hash 0x{built.description_hash.hex()}")
    for i, (t, v, c) in enumerate(zip(built.targets, built.values, built.calldatas)):
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
@click.argument("proposal_id", type=int)
@network_option
@json_option
def proposal_verify(file: str, proposal_id: int, network: str, as_json: bool) -> None:
    """Check that on-chain PROPOSAL_ID is exactly what FILE builds.

    Compares the targets, values and calldatas of the governor's ProposalCreated event and its
    description with what FILE builds now. One line; exit 0 on a match, 1 on any difference.
    """
    from modelgov.chain.governance import verify
    from modelgov.chain.proposal_spec import load_proposal
    from modelgov.chain.session import open_session
    from modelgov.errors import ProposalMismatchError

    spec = load_proposal(file)
    with open_session(network, None, sign=False) as session:
        report = verify(session.suite, spec, proposal_id)
    if as_json:
        echo_json(report.as_dict())
    elif report.matches:
        click.echo(report.line)
    if not report.matches:
        raise ProposalMismatchError(proposal_id, report.differences, spec.path)


@proposal.command("simulate")
@click.argument("file", type=click.Path(dir_okay=False))
@network_option
@json_option
def proposal_simulate(file: str, network: str, as_json: bool) -> None:
    """Run FILE end to end (propose, vote, queue, execute) in a snapshot that is reverted."""
    from modelgov.chain.governance import simulate
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        report = simulate(session.suite, _built(session, file, False))
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
    from modelgov.chain.governance import status, submit
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        built = _built(session, file, bind_proposer)
        receipt = submit(session.suite, built, session.account)
        st = status(session.suite, built.proposal_id)
    if as_json:
        echo_json({"proposal_id": str(built.proposal_id), "tx": str(receipt.txn_hash),
                   "gas": receipt.gas_used, "state": st.state})
        return
    click.echo(_receipt_line("propose", receipt))
    click.echo(f"proposal {built.proposal_id}: {st.state}, voting opens {_when(st.snapshot)}")


def _when(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@proposal.command("list")
@network_option
@json_option
def proposal_list(network: str, as_json: bool) -> None:
    """Every proposal of the governor, oldest first."""
    from modelgov.chain.governance import list_proposals
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        rows = list_proposals(session.suite)
    if as_json:
        echo_json([r.as_dict() for r in rows])
        return
    if not rows:
        click.echo("no proposals")
    for r in rows:
        click.echo(f"{r.proposal_id}  {r.state:<9}  {r.title}")  # title_of made it terminal-safe


@proposal.command("status")
@click.argument("proposal_id", type=int)
@network_option
@json_option
def proposal_status(proposal_id: int, network: str, as_json: bool) -> None:
    """State, votes, quorum, deadline and eta of PROPOSAL_ID."""
    from modelgov.chain.governance import status
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        st = status(session.suite, proposal_id)
    if as_json:
        echo_json(st.as_dict())
        return
    click.echo(f"proposal {st.proposal_id}: {st.title}")
    click.echo(f"  state    {st.state}")
    click.echo(f"  votes    for {st.votes_for}  against {st.votes_against}  abstain {st.votes_abstain}")
    click.echo(f"  quorum   {st.quorum} (for + abstain must reach it)")
    click.echo(f"  voting   {_when(st.snapshot)} → {_when(st.deadline)}")
    click.echo(f"  eta      {_when(st.eta) if st.eta else '-'}")


def _tx_command(name: str, help_text: str):
    @proposal.command(name, help=help_text)
    @click.argument("proposal_id", type=int)
    @network_option
    @account_option
    @json_option
    def command(proposal_id: int, network: str, account: str | None, as_json: bool) -> None:
        from modelgov.chain import governance
        from modelgov.chain.session import open_session

        with open_session(network, account) as session:
            receipt = getattr(governance, name)(session.suite, session.account, proposal_id)
            st = governance.status(session.suite, proposal_id)
        if as_json:
            echo_json({"proposal_id": str(proposal_id), "tx": str(receipt.txn_hash),
                       "gas": receipt.gas_used, "state": st.state})
            return
        click.echo(_receipt_line(name, receipt))
        click.echo(f"proposal {proposal_id}: {st.state}"
                   + (f", executable after {_when(st.eta)}" if st.state == "Queued" else ""))

    return command


_tx_command("queue", "Queue a succeeded proposal in the timelock.")
_tx_command("execute", "Execute a queued proposal once its eta has passed.")


@click.command()
@click.argument("proposal_id", type=int)
@click.argument("support", type=click.Choice(["for", "against", "abstain"]))
@click.option("--reason", default="", help="A reason, recorded on chain.")
@network_option
@account_option
@json_option
def vote(proposal_id: int, support: str, reason: str, network: str, account: str | None,
         as_json: bool) -> None:
    """Vote for, against or abstain on PROPOSAL_ID."""
    from modelgov.chain.governance import cast_vote, status
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        receipt = cast_vote(session.suite, session.account, proposal_id, support, reason)
        st = status(session.suite, proposal_id)
    if as_json:
        echo_json({"proposal_id": str(proposal_id), "tx": str(receipt.txn_hash),
                   "gas": receipt.gas_used, "votes_for": str(st.votes_for),
                   "votes_against": str(st.votes_against), "votes_abstain": str(st.votes_abstain)})
        return
    click.echo(_receipt_line(f"vote {support}", receipt))
    click.echo(f"votes now: for {st.votes_for}  against {st.votes_against}  abstain {st.votes_abstain}")


@click.command()
@click.argument("address", required=False)
@network_option
@account_option
def delegate(address: str | None, network: str, account: str | None) -> None:
    """Delegate your voting power to ADDRESS (default: yourself)."""
    from modelgov.chain.governance import delegate as do_delegate
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        receipt = do_delegate(session.suite, session.account, address)
        votes = session.suite.token.getVotes(address or session.account.address)
    click.echo(_receipt_line("delegate", receipt))
    click.echo(f"{address or session.account.address} now has {votes} votes (from the next second)")
