"""``modelgov relay FILE…``: send signed votes and delegations; the relayer pays the gas."""

from __future__ import annotations

from pathlib import Path

import click

from modelgov.cli._chain import account_option, client, network_option
from modelgov.cli._common import echo_json, json_option


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@network_option
@account_option
@json_option
def relay(files: tuple[str, ...], network: str, account: str | None, as_json: bool) -> None:
    """Send the signatures in FILES (from `vote --sign` and `delegate --sign`) from --account,
    which pays the gas; the signers need no ETH. One line per file, in the order given.

    Every file is read before anything is sent; each is checked on chain first (right chain
    and contract, nonce unused, vote open), so a replayed file is refused in one line.
    """
    from modelgov.chain import gasless

    loaded = [(Path(f).name, gasless.load(f)) for f in files]
    done = []
    with client(network, account) as gov:
        for name, signed in loaded:
            result = gasless.relay(gov, signed, name).value
            done.append(result)
            if not as_json:
                click.echo(result.line)
    if as_json:
        echo_json([r.as_dict() for r in done])
