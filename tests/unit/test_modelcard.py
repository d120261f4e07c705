"""Model cards: Hugging Face front matter conventions, clear one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from modelgov import modelcard
from modelgov.cli import cli
from modelgov.errors import ModelCardError, PathError

GOOD = """---
license: apache-2.0
language: [en]
library_name: transformers
pipeline_tag: text-generation
base_model: acme/tiny-base
datasets:
  - acme/corpus
tags: [dao, governed]
model-index:
  - name: tiny-gov
    results:
      - task: {type: text-generation}
        dataset: {type: acme/eval, name: Acme Eval}
        metrics:
          - {type: accuracy, value: 0.71}
---
# tiny-gov

A model card.
"""


def write(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    d = tmp_path / "models" / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "README.md").write_text(text)
    return d


def test_good_card(tmp_path: Path) -> None:
    meta = modelcard.validate(write(tmp_path, GOOD))
    assert meta["license"] == "apache-2.0" and meta["base_model"] == "acme/tiny-base"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("license: apache-2.0\n", ""), "`license` is required"),
        (("license: apache-2.0", "license: proprietary-ish"), "not a Hugging Face license"),
        (("license: apache-2.0", "license: other"), "license_name"),
        (("tags: [dao, governed]", "tags: {a: 1}"), "`tags` must be a list"),
        (("language: [en]", "language: [English]"), "ISO 639"),
        (("base_model: acme/tiny-base", "base_model: [1, 2]"), "base_model"),
        (("value: 0.71", "score: 0.71"), "metrics[0] needs `type` and `value`"),
        (("dataset: {type: acme/eval, name: Acme Eval}", "dataset: {type: acme/eval}"), "dataset needs"),
    ],
)
def test_bad_cards(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    d = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ModelCardError) as err:
        modelcard.validate(d)
    assert message in str(err.value) and "README.md" in str(err.value)


def test_all_problems_in_one_line(tmp_path: Path) -> None:
    d = write(tmp_path, "---\ntags: 3\nlibrary_name: ''\n---\n")
    with pytest.raises(ModelCardError) as err:
        modelcard.validate(d)
    text = str(err.value)
    assert "license" in text and "tags" in text and "library_name" in text and "\n" not in text


@pytest.mark.parametrize("text", ["# no front matter\n", "---\n: [\n---\n", "---\n- a list\n---\n"])
def test_front_matter_required(tmp_path: Path, text: str) -> None:
    with pytest.raises(ModelCardError, match="front matter"):
        modelcard.validate(write(tmp_path, text))


def test_missing_card(tmp_path: Path) -> None:
    with pytest.raises(PathError):
        modelcard.validate(tmp_path / "nothing")


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner(mix_stderr=False)
    write(tmp_path, GOOD, "a")
    write(tmp_path, GOOD, "b")
    r = runner.invoke(cli, ["card", "validate", str(tmp_path / "models")])
    assert r.exit_code == 0 and r.stdout.count("ok") == 2
    write(tmp_path, GOOD.replace("license: apache-2.0\n", ""), "c")
    r = runner.invoke(cli, ["card", "validate", str(tmp_path / "models")])
    assert r.exit_code != 0 and r.stderr.count("\n") == 1 and "models/c/README.md" in r.stderr


def test_checked_in_cards_are_valid() -> None:
    models = Path(__file__).resolve().parents[2] / "models"
    cards = sorted(models.glob("*/README.md"))
    assert cards, "models/*/README.md: no model cards checked in"
    for c in cards:
        modelcard.validate(c)
