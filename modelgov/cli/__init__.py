"""The ``modelgov`` command: one click group whose subcommands are imported only when used.

Keeping sub-modules lazy keeps ``modelgov cid …`` fast: nothing here imports Ape.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from modelgov import __version__
from modelgov.cli._common import OneLineError, run_main
from modelgov.errors import ModelGovError

# name -> "module:attribute" (a click command or group). Order is the order in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "cid": ("modelgov.cli.cid_cmd:cid", "Print the CID of a file or directory."),
    "car": ("modelgov.cli.cid_cmd:car", "Write a CARv1 of a file or directory."),
    "manifest": ("modelgov.cli.manifest_cmd:manifest", "Build or verify a model manifest."),
    "card": ("modelgov.cli.manifest_cmd:card", "Validate model cards."),
    "node": ("modelgov.cli.node_cmd:node", "Start, stop or inspect the local IPFS node."),
    "pin": ("modelgov.cli.pin_cmd:pin", "Pin a model to IPFS or Arweave."),
    "fetch": ("modelgov.cli.ipfs_cmd:fetch", "Fetch a CID from IPFS and verify every block."),
    "arweave": ("modelgov.cli.arweave_cmd:arweave", "Arweave: data_root, wallet, node, fetch."),
    "chain": ("modelgov.cli.chain_cmd:chain", "Start, stop or inspect the local anvil chain."),
    "deploy": ("modelgov.cli.chain_cmd:deploy", "Deploy the governance suite."),
    "model": ("modelgov.cli.registry_cmd:model", "Create and inspect registered models."),
    "version": ("modelgov.cli.registry_cmd:version", "Submit model versions."),
    "audit": ("modelgov.cli.registry_cmd:audit", "Attest, sign, relay and revoke audits."),
    "proposal": ("modelgov.cli.governance_cmd:proposal", "Build, simulate and run proposals."),
    "vote": ("modelgov.cli.governance_cmd:vote", "Vote on a proposal."),
    "delegate": ("modelgov.cli.governance_cmd:delegate", "Delegate your votes."),
    "relay": ("modelgov.cli.relay_cmd:relay", "Send signed votes and delegations (you pay the gas)."),
    "dao": ("modelgov.cli.dao_cmd:dao", "The DAO's ERC-4824 document (daoURI)."),
    "treasury": ("modelgov.cli.treasury_cmd:treasury", "Inspect the grant treasury."),
    "grant": ("modelgov.cli.treasury_cmd:grant", "Create and manage training grants."),
    "index": ("modelgov.cli.index_cmd:index", "Index the suite's events into a database."),
    "ui": ("modelgov.cli.index_cmd:ui", "Serve the read-only web dashboard of the index."),
    "zk": ("modelgov.cli.zk_cmd:zk", "Circuits, proofs and verifiers of versions (EZKL)."),
    "oracle": ("modelgov.cli.oracle_cmd:oracle", "Inference oracle: request, serve, watch, finalize."),
    "demo": ("modelgov.cli.demo_cmd:demo", "Run the whole lifecycle on local defaults."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand runs.

    ``lazy_commands`` maps a name to ``("module:attribute", "one-line help")``.
    """

    def __init__(self, *args: object, lazy_commands: dict[str, tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (t, _) in self.lazy_commands.items() if _available(t)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy_commands.get(cmd_name)
        if entry is None or not _available(entry[0]):
            return None
        module_name, attr = entry[0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry[0]} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        # One line on stderr for every ModelGovError, also under click's CliRunner.
        try:
            return super().invoke(ctx)
        except ModelGovError as exc:
            raise OneLineError(str(exc), exc.exit_code) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy_commands[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(target: str) -> bool:
    module_name = target.split(":")[0]
    try:
        return importlib.util.find_spec(module_name) is not None
    except ModuleNotFoundError:
        return False


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelgov")
def cli() -> None:
    """modelgov: pin model weights, propose upgrades, attest, vote, grant."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the group, one-line errors, non-zero exit on failure."""
    sys.exit(run_main(cli, argv))
