"""``modelgov pin ipfs|arweave``: each back-end's command lives in its own module."""

from __future__ import annotations

import click

from modelgov.cli import LazyGroup

PIN_COMMANDS: dict[str, tuple[str, str]] = {
    "ipfs": ("modelgov.cli.ipfs_cmd:pin_ipfs", "Pin a file or folder to an IPFS node (CAR import)."),
    "arweave": ("modelgov.cli.arweave_cmd:pin_arweave", "Upload a file to Arweave in chunks."),
}


@click.group(cls=LazyGroup, lazy_commands=PIN_COMMANDS)
def pin() -> None:
    """Pin a model to IPFS or Arweave."""
