"""``modelgov treasury …`` and ``modelgov grant …``: a thin face over :mod:`modelgov.chain.treasury`.

Every write is simulated before it is sent (the library does it): a refusal prints one line
and exits non-zero with nothing sent.
"""

from __future__ import annotations

import datetime as _dt

import click

from modelgov.cli._chain import account_option, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.textsafe import term


def _when(ts: int | None) -> str:
    if not ts:
        return "-"
    return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _period(seconds: int) -> str:
    if not seconds:
        return "one-time"
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _grant_lines(g) -> list[str]:
    lines = [
        f"grant #{g.grant_id}  {g.state}  {g.token.fmt(g.total)} to {g.grantee}",
        f"  created by {g.creator}; released {g.token.fmt(g.released)}, "
        f"returned {g.token.fmt(g.returned)}, committed {g.token.fmt(g.committed)}",
    ]
    for m in g.milestones:
        model = f"model #{m.model_id}" if m.model_id is not None else "any model"
        version = f", version {m.version_id}" if m.version_id else ""
        lines.append(f"  [{m.index}] {m.status:<9} {g.token.fmt(m.amount)}  due {_when(m.deadline)}  "
                     f"{model}{version}  {term(m.description_cid or '-')}")
    return lines


@click.group()
def treasury() -> None:
    """Inspect the grant treasury and deposit into it."""


@treasury.command("status")
@network_option
@json_option
def treasury_status(network: str, as_json: bool) -> None:
    """Balances, committed and free funds per token; stewards' allowance left this period."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        st = api.status(session.suite)
    if as_json:
        echo_json(st.to_json())
        return
    click.echo(f"treasury {st.address}  ({st.grant_count} grants; registry {st.registry})")
    for h in st.holdings:
        click.echo(f"  {h.token.label:<8} balance {h.token.fmt(h.balance)}  committed "
                   f"{h.token.fmt(h.committed)}  free {h.token.fmt(h.free)}  ({h.token.address})")
    if not st.allowances:
        click.echo("  no steward allowances")
    for a in st.allowances:
        click.echo(f"  steward {a.steward}: {a.token.fmt(a.remaining)} left of {a.token.fmt(a.amount)} "
                   f"per {_period(a.period)} (next reset {_when(a.next_reset)})")


@treasury.command("deposit")
@click.option("--token", "token_text", required=True, help="Token symbol or address.")
@click.argument("amount")
@network_option
@account_option
@json_option
def treasury_deposit(token_text: str, amount: str, network: str, account: str | None, as_json: bool) -> None:
    """Deposit AMOUNT (whole tokens, or smallest units with a 'wei' suffix) into the treasury."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        token = api.resolve_token(session.suite, token_text)
        units = api.parse_amount(amount, token.decimals, "amount")
        receipt = api.deposit(session.suite, session.account, token, units)
        event = receipt.events.filter(session.suite.treasury.Deposited)[0]
        received = int(event.received)
    if as_json:
        echo_json({"token": token.address, "amount": str(units), "received": str(received),
                   "tx": str(receipt.txn_hash)})
    else:
        click.echo(f"deposited {token.fmt(received)} of token {token.address} (tx {receipt.txn_hash})")


@click.group()
def grant() -> None:
    """Create and manage milestone grants."""


@grant.command("create")
@click.option("--grantee", required=True, help="Address that delivers the milestones and is paid.")
@click.option("--token", "token_text", required=True, help="Token symbol or address.")
@click.option("--milestones", "milestones_file", required=True,
              type=click.Path(dir_okay=False, path_type=str), help="Grant YAML file.")
@network_option
@account_option
@json_option
def grant_create(grantee: str, token_text: str, milestones_file: str, network: str,
                 account: str | None, as_json: bool) -> None:
    """Create a grant (as a steward within its allowance; larger grants need a proposal)."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        suite = session.suite
        token = api.resolve_token(suite, token_text)
        resolver = api.model_resolver(suite) if suite.registry is not None else None
        specs = api.load_milestones(milestones_file, decimals=token.decimals, now=api.chain_time(),
                                    resolve_model=resolver)
        _, grant_id = api.create_grant(suite, session.account, grantee, token, specs)
        g = api.get_grant(suite, grant_id)
    if as_json:
        echo_json(g.to_json())
    else:
        click.echo("\n".join(["created " + _grant_lines(g)[0], *_grant_lines(g)[1:]]))


@grant.command("list")
@network_option
@json_option
def grant_list(network: str, as_json: bool) -> None:
    """Every grant, oldest first."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        grants = api.list_grants(session.suite)
    if as_json:
        echo_json([g.to_json() for g in grants])
        return
    if not grants:
        click.echo("no grants")
    for g in grants:
        done = sum(m.status == "released" for m in g.milestones)
        click.echo(f"#{g.grant_id:<4} {g.state:<9} {g.token.fmt(g.total):>18}  "
                   f"{done}/{len(g.milestones)} released  to {g.grantee}")


@grant.command("show")
@click.argument("grant_id", type=int)
@network_option
@json_option
def grant_show(grant_id: int, network: str, as_json: bool) -> None:
    """One grant and its milestones."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, None, sign=False) as session:
        g = api.get_grant(session.suite, grant_id)
    if as_json:
        echo_json(g.to_json())
    else:
        click.echo("\n".join(_grant_lines(g)))


def _print_milestone(as_json: bool, verb: str, grant_id: int, m) -> None:
    if as_json:
        echo_json(m.to_json())
        return
    version = f" (version {m.version_id})" if m.version_id else ""
    click.echo(f"{verb} milestone {m.index} of grant #{grant_id}: now {m.status}{version}")


@grant.command("submit")
@click.argument("grant_id", type=int)
@click.argument("index", type=int)
@click.option("--version", "version_id", required=True, type=int, help="Registry version id.")
@network_option
@account_option
@json_option
def grant_submit(grant_id: int, index: int, version_id: int, network: str, account: str | None,
                 as_json: bool) -> None:
    """Grantee: submit a registry version you submitted as the delivery of a milestone."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        api.submit_milestone(session.suite, session.account, grant_id, index, version_id)
        m = api.get_grant(session.suite, grant_id).milestones[index]
    _print_milestone(as_json, "submitted", grant_id, m)


@grant.command("approve")
@click.argument("grant_id", type=int)
@click.argument("index", type=int)
@network_option
@account_option
@json_option
def grant_approve(grant_id: int, index: int, network: str, account: str | None, as_json: bool) -> None:
    """Steward/governance: pay a submitted milestone (its version must be audited)."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        api.approve_milestone(session.suite, session.account, grant_id, index)
        m = api.get_grant(session.suite, grant_id).milestones[index]
    _print_milestone(as_json, "approved", grant_id, m)


@grant.command("reject")
@click.argument("grant_id", type=int)
@click.argument("index", type=int)
@click.option("--reason-cid", required=True, help="CID of the written reason.")
@network_option
@account_option
@json_option
def grant_reject(grant_id: int, index: int, reason_cid: str, network: str, account: str | None,
                 as_json: bool) -> None:
    """Steward/governance: reject a submission; the grantee may resubmit before the deadline."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        api.reject_milestone(session.suite, session.account, grant_id, index, reason_cid)
        m = api.get_grant(session.suite, grant_id).milestones[index]
    _print_milestone(as_json, "rejected", grant_id, m)


@grant.command("cancel")
@click.argument("grant_id", type=int)
@network_option
@account_option
@json_option
def grant_cancel(grant_id: int, network: str, account: str | None, as_json: bool) -> None:
    """Governance or the creating steward: cancel; unpaid milestones return to free funds."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        api.cancel_grant(session.suite, session.account, grant_id)
        g = api.get_grant(session.suite, grant_id)
    if as_json:
        echo_json(g.to_json())
    else:
        click.echo(f"cancelled grant #{grant_id}; {g.token.fmt(g.returned)} returned to free funds in total")


@grant.command("reclaim")
@click.argument("grant_id", type=int)
@click.argument("index", type=int)
@network_option
@account_option
@json_option
def grant_reclaim(grant_id: int, index: int, network: str, account: str | None, as_json: bool) -> None:
    """Anyone, after the deadline of a pending milestone: return its commitment to free funds."""
    from modelgov.chain import treasury as api
    from modelgov.chain.session import open_session

    with open_session(network, account) as session:
        api.reclaim_milestone(session.suite, session.account, grant_id, index)
        m = api.get_grant(session.suite, grant_id).milestones[index]
    _print_milestone(as_json, "reclaimed", grant_id, m)
