"""``modelgov pin ipfs|arweave``: each back-end's command lives in its own module."""

from __future__ import annotations

import click

from modelgov.cli import LazyGroup

PIN_COMMANDS: dict[str, tuple[str, str]] = {
    "prepare": ("modelgov.cli.pipeline_cmd:pin_prepare",
                "Read a model folder once: manifest, CAR, Arweave data_roots (digests recorded)."),
    "ipfs": ("modelgov.cli.ipfs_cmd:pin_ipfs", "Pin to an IPFS node (CAR import) and/or pinning services."),
    "arweave": ("modelgov.cli.arweave_cmd:pin_arweave", "Upload a file to Arweave in chunks."),
    "status": ("modelgov.cli.pinning_cmd:pin_status", "Each pinning service's status for a CID."),
    "ls": ("modelgov.cli.pinning_cmd:pin_ls", "List the pins of pinning services."),
    "verify": ("modelgov.cli.pinning_cmd:pin_verify", "Check sampled blocks of a CID (node or gateway)."),
    "service": ("modelgov.cli.pinning_cmd:service", "Configure pinning services (Pinning Service API)."),
}


@click.group(cls=LazyGroup, lazy_commands=PIN_COMMANDS)
def pin() -> None:
    """Pin a model to IPFS or Arweave."""
