"""Options every chain command shares (``--network``, ``--account``), as Ape users expect."""

from __future__ import annotations

import click

network_option = click.option(
    "--network",
    default="local",
    envvar="MODELGOV_NETWORK",
    show_default=True,
    help="Ape network choice (e.g. ethereum:sepolia:node); 'local' is the anvil of "
    "`modelgov chain start` (started on demand).",
)
account_option = click.option(
    "--account",
    default=None,
    envvar="MODELGOV_ACCOUNT",
    help="Ape account alias (see `ape accounts list`) or TEST::<n>; default TEST::0 on local. "
    "Passphrases come from Ape's prompt or APE_ACCOUNTS_<alias>_PASSPHRASE.",
)
