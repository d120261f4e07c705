"""Options every chain command shares (``--network``, ``--account``), as Ape users expect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from modelgov.errors import ValidationError

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


def _name(param: click.Parameter | None) -> str:
    """``--registry: `` / ``auditor: ``: which option a bad value came from."""
    if param is None:
        return ""
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    return f"{opts[0] if opts else param.name}: "


class AddressType(click.ParamType):
    """An Ethereum address, checksummed once at the boundary. Bad values raise
    :class:`~modelgov.errors.ValidationError` (one line on stderr, exit 2), not click's usage dump."""

    name = "address"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from eth_utils.address import is_address, to_checksum_address

        if not is_address(str(value)):
            raise ValidationError(f"{_name(param)}{value!r} is not an address (0x + 40 hex)")
        return str(to_checksum_address(str(value)))


class CidType(click.ParamType):
    """A CID, normalised once at the boundary (text form)."""

    name = "cid"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from modelgov.cid.text import normalize

        return normalize(str(value))  # InvalidCIDError: one line, like every modelgov error


class DurationType(click.ParamType):
    """A duration (``30d``, ``12h``, seconds) → seconds."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        from modelgov.timetext import parse_duration

        return parse_duration(str(value), _name(param).rstrip(": ") or "duration")


ADDRESS = AddressType()
CID = CidType()
DURATION = DurationType()
