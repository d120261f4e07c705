"""``modelgov demo``: the whole lifecycle on local defaults (see :mod:`modelgov.demo.lifecycle`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelgov.cli._common import echo_json, json_option

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.demo.steps import Step


@click.command()
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the demo's files (default: <state>/demo; emptied first).")
@json_option
def demo(work: Path | None, as_json: bool) -> None:
    """Deploy, onboard, pin, audit, vote, execute, fetch, grant: the whole lifecycle, locally.

    Starts anvil, the IPFS node and arlocal if they aren't running, and stops what it started.
    """
    from rich.console import Console
    from rich.table import Table

    from modelgov.demo.lifecycle import run

    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)

    def show(step: Step) -> None:  # the live step log goes to stderr with --json, stdout otherwise
        console = err if as_json else out
        tx = f" tx {step.tx[:12]}… gas {step.gas:,}" if step.tx else ""
        detail = f" [dim]{step.detail}[/dim]" if step.detail else ""
        console.print(f"{step.number:>3}. [bold]{step.actor:<9}[/bold] {step.action}{tx}{detail}",
                      soft_wrap=True)

    result = run(work, on_step=show)
    if as_json:
        echo_json(result.as_dict())
        return
    table = Table(title="modelgov demo: summary")
    out.width = max(out.width, 110)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    for key in ("model_cid", "arweave_tx", "manifest_digest", "proposal_id", "proposal_state",
                "active_cid", "fetched_ok", "grant_id", "grant_released", "v2_cid", "total_gas",
                "seconds"):
        table.add_row(key, str(getattr(result, key)))
    out.print(table)
