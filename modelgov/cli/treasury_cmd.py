"""``modelgov treasury …`` and ``modelgov grant …``: a thin face over ``gov.treasury``
(:class:`modelgov.chain.treasury.Treasury`).

Every write is simulated before it is sent (the library does it): a refusal prints one line
and exits non-zero with nothing sent.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

import click

from modelgov.cli._chain import AMOUNT, account_option, client, network_option
from modelgov.cli._common import echo_json, json_option
from modelgov.textsafe import term

if TYPE_CHECKING:
    from modelgov.chain.treasury import Grant, Milestone
    from modelgov.timetext import Amount


def _when(ts: int | None) -> str:
    if not ts:
        return "-"
    return _dt.datetime.fromtimestamp(int(ts), _dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _period(seconds: int) -> str:
    if not seconds:
        return "one-time"
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _grant_lines(g: Grant) -> list[str]:
    lines = [
        f"grant #{g.grant_id}  {g.state}  {g.token.fmt(g.total)} to {g.grantee}",
        (f"  created by {g.creator}; released {g.token.fmt(g.released)}, "
         f"returned {g.token.fmt(g.returned)}, committed {g.token.fmt(g.committed)}"),
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
    with client(network) as gov:
        st = gov.treasury.status()
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
@click.argument("amount", type=AMOUNT)
@network_option
@account_option
@json_option
def treasury_deposit(token_text: str, amount: Amount, network: str, account: str | None,
                     as_json: bool) -> None:
    """Deposit AMOUNT (whole tokens, or smallest units with a 'wei' suffix) into the treasury."""
    with client(network, account) as gov:
        token = gov.treasury.resolve_token(token_text)
        units = amount.units(token.decimals, "amount")
        result = gov.treasury.deposit(token, units)
    if as_json:
        echo_json({"token": token.address, "amount": str(units), "received": str(result.value),
                   "tx": result.tx_hash})
    else:
        click.echo(f"deposited {token.fmt(result.value)} of token {token.address} (tx {result.tx_hash})")


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
    with client(network, account) as gov:
        token = gov.treasury.resolve_token(token_text)
        specs = gov.treasury.load_milestones(milestones_file, token)
        g = gov.treasury.get_grant(gov.treasury.create_grant(grantee, token, specs).value)
    if as_json:
        echo_json(g.to_json())
    else:
        click.echo("\n".join(["created " + _grant_lines(g)[0], *_grant_lines(g)[1:]]))


@grant.command("list")
@network_option
@json_option
def grant_list(network: str, as_json: bool) -> None:
    """Every grant, oldest first."""
    with client(network) as gov:
        grants = gov.treasury.list_grants()
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
    with client(network) as gov:
        g = gov.treasury.get_grant(grant_id)
    if as_json:
        echo_json(g.to_json())
    else:
        click.echo("\n".join(_grant_lines(g)))


def _print_milestone(as_json: bool, verb: str, grant_id: int, m: Milestone) -> None:
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
    with client(network, account) as gov:
        m = gov.treasury.submit_milestone(grant_id, index, version_id).value
    _print_milestone(as_json, "submitted", grant_id, m)


@grant.command("approve")
@click.argument("grant_id", type=int)
@click.argument("index", type=int)
@network_option
@account_option
@json_option
def grant_approve(grant_id: int, index: int, network: str, account: str | None, as_json: bool) -> None:
    """Steward/governance: pay a submitted milestone (its version must be audited)."""
    with client(network, account) as gov:
        m = gov.treasury.approve_milestone(grant_id, index).value
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
    with client(network, account) as gov:
        m = gov.treasury.reject_milestone(grant_id, index, reason_cid).value
    _print_milestone(as_json, "rejected", grant_id, m)


@grant.command("cancel")
@click.argument("grant_id", type=int)
@network_option
@account_option
@json_option
def grant_cancel(grant_id: int, network: str, account: str | None, as_json: bool) -> None:
    """Governance or the creating steward: cancel; unpaid milestones return to free funds."""
    with client(network, account) as gov:
        g = gov.treasury.cancel_grant(grant_id).value
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
    with client(network, account) as gov:
        m = gov.treasury.reclaim_milestone(grant_id, index).value
    _print_milestone(as_json, "reclaimed", grant_id, m)
