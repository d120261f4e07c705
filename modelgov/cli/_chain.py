"""Options every chain command shares (``--network``, ``--account``), as Ape users expect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov

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


@contextmanager
def client(network: str | None, account: str | None = None) -> Iterator[ModelGov]:
    """The typed client for a command: the one place the CLI opens a chain (deployments and
    accounts are resolved by the client, lazily: a read-only command never loads Ape)."""
    from modelgov.chain.client import ModelGov

    with ModelGov(network, account) as gov:
        yield gov


class AddressType(click.ParamType):
    """An Ethereum address, checksummed once at the boundary."""

    name = "address"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from eth_utils import is_address, to_checksum_address

        if not is_address(str(value)):
            self.fail(f"{value!r} is not an address (0x + 40 hex)", param, ctx)
        return str(to_checksum_address(str(value)))


class CidType(click.ParamType):
    """A CID, normalised once at the boundary (text form)."""

    name = "cid"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from modelgov.cid.text import normalize
        from modelgov.errors import InvalidCIDError

        try:
            return normalize(str(value))
        except InvalidCIDError as exc:
            self.fail(str(exc), param, ctx)


class DurationType(click.ParamType):
    """A duration (``30d``, ``12h``, seconds) → seconds."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from modelgov.errors import ValidationError
        from modelgov.timetext import parse_duration

        try:
            return parse_duration(str(value))
        except ValidationError as exc:
            self.fail(str(exc), param, ctx)


ADDRESS = AddressType()
CID = CidType()
DURATION = DurationType()
