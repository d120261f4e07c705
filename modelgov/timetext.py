"""Amounts, deadlines and durations as people write them: one parser, shared by the CLI's typed
options and the YAML loaders (grant files, proposal files), so the same text means the same thing
everywhere.

- Amounts: whole tokens (``"1000"``, ``"2.5"``, using the token's decimals) or smallest units
  with a ``wei`` suffix (``"2500000wei"``).
- Deadlines: unix seconds, a date (``2026-12-31`` means the END of that day, 23:59:59 UTC — in a
  grant file and in ``audit sign --deadline`` alike), an ISO date-time (naive means UTC), or
  relative to "now" (the chain's time when the caller knows it): ``+30d``, ``+12h``, ``+2w``.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal, InvalidOperation

from modelgov.errors import ValidationError

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*([smhdw])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
MAX_TIMESTAMP = 2**64


def format_amount(amount: int, decimals: int) -> str:
    """``1500000, 6`` → ``"1.5"`` (exact; no rounding)."""
    text = format(Decimal(int(amount)).scaleb(-decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_amount(value: object, decimals: int | None, where: str = "amount") -> int:
    """Whole tokens (``"1000"``, ``"2.5"``) or smallest units (``"2500000wei"``) → smallest units.

    ``decimals`` None (a token without a readable ``decimals()``): only smallest units.

    Raises:
        ValidationError: not a positive amount, more decimal places than the token has, or
            whole tokens of a token whose decimals are unknown.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{where}: expected an amount, got {value!r}")
    text = str(value).strip().replace("_", "")
    if text.lower().endswith("wei"):
        digits = text[:-3].strip()
        if not digits.isdigit() or int(digits) <= 0:
            raise ValidationError(f"{where}: {value!r} is not a positive whole number of wei")
        return int(digits)
    if decimals is None:
        raise ValidationError(f"{where}: this token has no readable decimals(); give the amount "
                              "in smallest units with a 'wei' suffix (e.g. \"1000wei\")")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{where}: {value!r} is not a number (use e.g. \"1000\" or \"5wei\")") from None
    if not number.is_finite() or number <= 0:
        raise ValidationError(f"{where}: {value!r} must be positive")
    units = number.scaleb(decimals)
    if units != units.to_integral_value():
        raise ValidationError(f"{where}: {value!r} has more than {decimals} decimal places")
    return int(units)


def parse_duration(text: str, where: str = "duration") -> int:
    """``30d`` / ``+12h`` / ``90s`` / plain seconds → seconds.

    Raises:
        ValidationError: not a duration.
    """
    raw = str(text).strip()
    if raw.isdigit():
        return int(raw)
    m = _RELATIVE.match(raw if raw.startswith("+") else "+" + raw)
    if not m:
        raise ValidationError(f"{where}: {text!r} is not a duration (e.g. 30d, 12h, 90s)")
    return int(m.group(1)) * UNITS[m.group(2)]


def parse_time(value: object, now: int, where: str = "deadline") -> int:
    """A moment → unix seconds (no check that it is in the future; see :func:`parse_deadline`).

    Raises:
        ValidationError: unparseable.
    """
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{where}: expected a date, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, _dt.datetime):
        return utc_seconds(value)
    if isinstance(value, _dt.date):
        return end_of_day(value)
    text = str(value).strip()
    rel = _RELATIVE.match(text)
    if rel:
        return now + int(rel.group(1)) * UNITS[rel.group(2)]
    if text.isdigit():
        return int(text)
    try:
        if len(text) == 10:
            return end_of_day(_dt.date.fromisoformat(text))
        return utc_seconds(_dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValidationError(
            f"{where}: {value!r} is not a date (YYYY-MM-DD), ISO date-time, unix time or +30d"
        ) from None


def parse_deadline(value: object, now: int, where: str = "deadline") -> int:
    """A deadline → unix seconds; it must be after ``now`` (the chain's time when known).

    Raises:
        ValidationError: unparseable, or not in the future.
    """
    ts = parse_time(value, now, where)
    if ts <= now:
        raise ValidationError(f"{where}: {iso(ts)} is not in the future (chain time {iso(now)})")
    if ts >= MAX_TIMESTAMP:
        raise ValidationError(f"{where}: {value!r} is too far in the future")
    return ts


def utc_seconds(moment: _dt.datetime) -> int:
    """A datetime (naive means UTC) → unix seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp())


def end_of_day(day: _dt.date) -> int:
    """The last second (23:59:59 UTC) of ``day``."""
    return utc_seconds(_dt.datetime.combine(day, _dt.time(23, 59, 59)))


def iso(ts: int) -> str:
    """``2026-12-31 23:59:59 UTC``."""
    return _dt.datetime.fromtimestamp(int(ts), _dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Amount:
    """An amount as a user wrote it, checked once at the boundary (``"2.5"``, ``"1000wei"``);
    turned into smallest units once the token's decimals are known (:meth:`units`)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def parse(cls, value: object, where: str = "amount") -> Amount:
        """Raises: ValidationError: not a positive number (or ``Nwei``)."""
        text = str(value).strip()
        parse_amount(text, 18, where)  # syntax and sign; the decimals are checked in units()
        return cls(text)

    def units(self, decimals: int | None, where: str = "amount") -> int:
        """Smallest units of a token with ``decimals``. Raises: ValidationError."""
        return parse_amount(self.text, decimals, where)

    def __str__(self) -> str:
        return self.text


class Moment:
    """A point in time as a user wrote it (see :func:`parse_time`), checked once at the boundary;
    a relative one (``+7d``) is resolved against "now" (the chain's time) by :meth:`at`."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def parse(cls, value: object, where: str = "deadline") -> Moment:
        """Raises: ValidationError: not a date, date-time, unix time or ``+N[smhdw]``."""
        text = str(value).strip()
        parse_time(text, 0, where)
        return cls(text)

    def at(self, now: int, where: str = "deadline") -> int:
        """Unix seconds, which must be after ``now``. Raises: ValidationError."""
        return parse_deadline(self.text, now, where)

    def __str__(self) -> str:
        return self.text
