"""Grant files, amounts and deadlines (pure Python: no chain)."""

from __future__ import annotations

import datetime as dt

import pytest

from modelgov.chain.treasury import (
    NO_MODEL,
    MilestoneSpec,
    format_amount,
    load_milestones,
    parse_amount,
    parse_deadline,
)
from modelgov.errors import GrantFileError, ModelGovError, NotFoundError, ValidationError

NOW = 1_800_000_000
CID = "bafkreidwd4dferpwii7iz4llhh4dz5zno2rvg6qll4ve2qpjrcau7kf6h4"


@pytest.mark.parametrize(
    ("text", "decimals", "units"),
    [("1000", 6, 1_000_000_000), ("2.5", 18, 25 * 10**17), ("0.000001", 6, 1), ("7wei", 6, 7),
     ("7 wei", 18, 7), ("1_000", 0, 1000), (3, 2, 300)],
)
def test_parse_amount(text, decimals, units):
    assert parse_amount(text, decimals) == units


@pytest.mark.parametrize("text", ["0", "-1", "abc", "1.0000001", "1.5wei", "0wei", "nan", "inf", True, None])
def test_parse_amount_rejects(text):
    with pytest.raises(ValidationError):
        parse_amount(text, 6)


def test_format_amount_round_trips():
    assert format_amount(1_500_000, 6) == "1.5"
    assert format_amount(10**18, 18) == "1"
    assert format_amount(1, 6) == "0.000001"
    assert format_amount(0, 6) == "0"


def test_parse_deadline_forms():
    assert parse_deadline("+30d", NOW) == NOW + 30 * 86_400
    assert parse_deadline("+12h", NOW) == NOW + 12 * 3600
    assert parse_deadline("+2w", NOW) == NOW + 14 * 86_400
    end_of_day = int(dt.datetime(2027, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())
    assert parse_deadline("2027-12-31", NOW) == end_of_day
    assert parse_deadline(dt.date(2027, 12, 31), NOW) == end_of_day  # YAML parses bare dates
    assert parse_deadline("2027-12-31T12:00:00Z", NOW) == end_of_day - 12 * 3600 + 1
    assert parse_deadline(NOW + 5, NOW) == NOW + 5
    with pytest.raises(ValidationError, match="not in the future"):
        parse_deadline(NOW, NOW)
    with pytest.raises(ValidationError, match="not a date"):
        parse_deadline("next tuesday", NOW)


def write(tmp_path, text: str):
    path = tmp_path / "grant.yaml"
    path.write_text(text)
    return path


def test_load_milestones(tmp_path):
    path = write(tmp_path, f"""
milestones:
  - amount: "1000"
    description: {CID}
    deadline: 2027-12-31
    model: demo-mlp
  - amount: 5wei
    description: {CID}
    deadline: "+30d"
""")
    specs = load_milestones(path, decimals=6, now=NOW, resolve_model=lambda name: {"demo-mlp": 3}[name])
    assert specs[0] == MilestoneSpec(1_000_000_000, CID, parse_deadline("2027-12-31", NOW), "demo-mlp", 3)
    assert specs[1].amount == 5 and specs[1].model_id is None
    assert specs[1].to_abi()[3] == NO_MODEL
    assert specs[0].to_abi()[3] == 3


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("milestones: []", "milestones: expected a non-empty list"),
        ("other: 1", "expected a mapping with a 'milestones' list"),
        ("milestones: [1]\nextra: 2", "unknown key(s): extra"),
        (f"milestones:\n  - {{amount: 1, description: {CID}}}", "milestones[0].deadline: missing"),
        (f"milestones:\n  - {{amount: x, description: {CID}, deadline: +1d}}", "milestones[0].amount"),
        ("milestones:\n  - {amount: 1, description: nope, deadline: +1d}", "milestones[0].description"),
        (f"milestones:\n  - {{amount: 1, description: {CID}, deadline: 2001-01-01}}",
         "milestones[0].deadline"),
        (f"milestones:\n  - {{amount: 1, description: {CID}, deadline: +1d, colour: red}}",
         "milestones[0]: unknown field(s): colour"),
        (f"milestones:\n  - {{amount: 1, description: {CID}, deadline: +1d, model: ghost}}",
         "milestones[0].model: no model named 'ghost'"),
        ("milestones: [", "not valid YAML"),
    ],
)
def test_load_milestones_errors_name_file_and_field(tmp_path, body, where):
    path = write(tmp_path, body)

    def resolve(name):
        raise NotFoundError(f"no model named {name!r}")

    with pytest.raises(GrantFileError) as info:
        load_milestones(path, decimals=6, now=NOW, resolve_model=resolve)
    assert str(info.value).startswith(str(path)) and where in str(info.value)
    assert isinstance(info.value, ModelGovError) and info.value.exit_code == 2


def test_too_many_milestones(tmp_path):
    items = "\n".join(f"  - {{amount: 1, description: {CID}, deadline: +1d}}" for _ in range(21))
    with pytest.raises(GrantFileError, match="21 given, at most 20"):
        load_milestones(write(tmp_path, "milestones:\n" + items), decimals=6, now=NOW)


def test_missing_file(tmp_path):
    with pytest.raises(GrantFileError, match="cannot read"):
        load_milestones(tmp_path / "nope.yaml", decimals=6, now=NOW)
