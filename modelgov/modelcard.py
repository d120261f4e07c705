"""Model cards: ``models/<name>/README.md`` with YAML front matter, Hugging Face conventions.

The front matter sits between a first line ``---`` and the next ``---`` line. Fields checked
(as on the Hugging Face Hub; other keys are allowed and kept):

- ``license`` (required): a Hub license identifier; ``other`` needs ``license_name`` (and
  ``license_link``).
- ``language``: ISO 639 code or a list of them; ``tags``, ``datasets``, ``metrics``: lists of
  strings (a single string is accepted); ``library_name``, ``pipeline_tag``: strings;
  ``base_model``: a repo id (``owner/name``) or a list of them.
- ``model-index``: a list of ``{name, results: [{task: {type}, dataset: {type, name},
  metrics: [{type, value}]}]}``.

Every problem is reported in one :class:`ModelCardError` line, each prefixed with the field.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from modelgov.errors import ModelCardError, PathError

#: license identifiers accepted by the Hugging Face Hub
LICENSES = frozenset(
    """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
    bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear
    c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0
    cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0
    cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0
    wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0
    lgpl lgpl-2.1 lgpl-3.0 isc h-research intel-research lppl-1.3c ms-pl apple-ascl apple-amlr
    mpl-2.0 odc-by odbl openmdw-1.0 openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl
    lgpl-lr deepfloyd-if-license fair-noncommercial-research-license llama2 llama3 llama3.1 llama3.2
    llama3.3 llama4 gemma unknown other""".split()  # noqa: SIM905 (a word list reads best as words)
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_LANG = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]+)*$")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$", re.S | re.M)


def split_front_matter(text: str, where: str = "README.md") -> tuple[dict[str, Any], str]:
    """Return (front matter, body) of a model card's text.

    Raises:
        ModelCardError: no front matter, or it is not a YAML mapping.
    """
    import yaml

    match = _FRONT.match(text.lstrip("\ufeff"))
    if match is None:
        raise ModelCardError(f"{where}: no YAML front matter (the file must start with a `---` block)")
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", exc)
        raise ModelCardError(f"{where}: front matter is not valid YAML{at}: {problem}") from None
    if not isinstance(data, dict):
        raise ModelCardError(f"{where}: front matter must be a YAML mapping of fields")
    return data, text[match.end():]


def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return value
    return None


def base_models(meta: dict[str, Any]) -> list[str] | None:
    """The ``base_model`` ids the front matter names (empty when it names none); None when the
    field is there but is not a model id like ``owner/name`` or a list of them."""
    if "base_model" not in meta:
        return []
    bases = _str_list(meta["base_model"])
    if bases is None or not all(_REPO_ID.match(b) for b in bases):
        return None
    return list(bases)


def problems(meta: dict[str, Any]) -> list[str]:
    """Every convention the front matter breaks (empty when valid)."""
    out: list[str] = []
    lic = meta.get("license")
    if lic is None:
        out.append("`license` is required")
    elif not isinstance(lic, str) or lic not in LICENSES:
        out.append(f"`license` {lic!r} is not a Hugging Face license identifier (or `other`)")
    elif lic == "other" and not isinstance(meta.get("license_name"), str):
        out.append("`license: other` needs `license_name` (and `license_link`)")
    for key in ("tags", "datasets", "metrics"):
        if key in meta and _str_list(meta[key]) is None:
            out.append(f"`{key}` must be a list of strings")
    if "language" in meta:
        langs = _str_list(meta["language"])
        if langs is None or not all(_LANG.match(x) for x in langs):
            out.append("`language` must be ISO 639 codes (e.g. `en` or [en, fr])")
    for key in ("library_name", "pipeline_tag", "license_name", "license_link"):
        if key in meta and not (isinstance(meta[key], str) and meta[key]):
            out.append(f"`{key}` must be a non-empty string")
    if base_models(meta) is None:
        out.append("`base_model` must be a model id like `owner/name` (or a list of them)")
    if "model-index" in meta:
        out.extend(_model_index_problems(meta["model-index"]))
    return out


def _model_index_problems(index: Any) -> list[str]:
    if not isinstance(index, list) or not index:
        return ["`model-index` must be a non-empty list"]
    out = []
    for i, model in enumerate(index):
        at = f"`model-index[{i}]`"
        if not isinstance(model, dict) or not isinstance(model.get("name"), str):
            out.append(f"{at} needs a `name`")
            continue
        results = model.get("results")
        if not isinstance(results, list) or not results:
            out.append(f"{at}.results must be a non-empty list")
            continue
        for j, res in enumerate(results):
            rat = f"{at}.results[{j}]"
            if not isinstance(res, dict):
                out.append(f"{rat} must be a mapping")
                continue
            task = res.get("task")
            if not isinstance(task, dict) or not isinstance(task.get("type"), str):
                out.append(f"{rat}.task.type is required")
            ds = res.get("dataset")
            if not isinstance(ds, dict) or not all(isinstance(ds.get(k), str) for k in ("type", "name")):
                out.append(f"{rat}.dataset needs `type` and `name`")
            metrics = res.get("metrics")
            if not isinstance(metrics, list) or not metrics:
                out.append(f"{rat}.metrics must be a non-empty list")
                continue
            for k, metric in enumerate(metrics):
                named = isinstance(metric, dict) and isinstance(metric.get("type"), str)
                if not named or "value" not in metric:
                    out.append(f"{rat}.metrics[{k}] needs `type` and `value`")
    return out


def card_path(path: str | os.PathLike[str]) -> Path:
    """The README.md of a model folder (or ``path`` itself when it is a file).

    Raises:
        PathError: missing path, or a folder without README.md.
    """
    p = Path(path)
    if p.is_dir():
        p = p / "README.md"
    if not p.is_file():
        raise PathError(f"{p}: no such model card")
    return p


def validate(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Validate one model card; returns its front matter.

    Raises:
        PathError: missing or unreadable file.
        ModelCardError: no/invalid front matter, or broken conventions (all listed, one line).
    """
    p = card_path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PathError(f"{p}: cannot read: {exc}") from None
    meta, _ = split_front_matter(text, str(p))
    found = problems(meta)
    if found:
        raise ModelCardError(f"{p}: " + "; ".join(found))
    return meta


def find_cards(path: str | os.PathLike[str]) -> list[Path]:
    """Model cards under ``path``: the folder's own README.md, else ``*/README.md``.

    Raises:
        PathError: nothing found.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if (p / "README.md").is_file():
        return [p / "README.md"]
    cards = sorted(p.glob("*/README.md"))
    if not cards:
        raise PathError(f"{p}: no model card (README.md) found")
    return cards
