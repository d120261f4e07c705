"""Options every chain command shares (``--network``, ``--account``), as Ape users expect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from modelgov.errors import ValidationError

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.timetext import Amount, Moment

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


class AmountType(click.ParamType):
    """An amount (``2.5``, ``1000wei``), checked at the boundary; converted to the token's
    smallest units by the library once its decimals are known."""

    name = "amount"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Amount:
        from modelgov.timetext import Amount

        where = _name(param).rstrip(": ") or "amount"
        return value if isinstance(value, Amount) else Amount.parse(value, where)


class MomentType(click.ParamType):
    """A deadline/expiry (``+7d``, ``2026-12-31`` = end of that day UTC, ISO, unix time), checked
    at the boundary; resolved against the chain's (or the clock's) time by the command."""

    name = "time"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Moment:
        from modelgov.timetext import Moment

        where = _name(param).rstrip(": ") or "time"
        return value if isinstance(value, Moment) else Moment.parse(value, where)


ADDRESS = AddressType()
AMOUNT = AmountType()
MOMENT = MomentType()
CID = CidType()
DURATION = DurationType()
