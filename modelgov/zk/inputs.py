"""Model inputs as JSON: what ``--input`` and ``--calibration`` files may hold, and EZKL's format.

Accepted: a flat list of numbers (one sample), a list of samples, ``{"input": ...}`` with either,
or EZKL's ``{"input_data": [[...]]}`` whose flat list may hold several samples back to back.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from modelgov.errors import ValidationError


def parse_samples(data: object, size: int, where: str) -> list[list[float]]:
    """The samples in ``data``, each of ``size`` finite numbers.

    Raises:
        ValidationError: another shape, a length that is not a multiple of ``size``, NaN/inf.
    """
    if isinstance(data, dict):
        if "input_data" in data and isinstance(data["input_data"], list) and len(data["input_data"]) == 1:
            data = data["input_data"][0]
        elif "input" in data:
            data = data["input"]
        else:
            raise ValidationError(
                f"{where}: expected a list, {{\"input\": ...}} or {{\"input_data\": [[...]]}}"
            )
    if not isinstance(data, list) or not data:
        raise ValidationError(f"{where}: no samples")
    rows = data if isinstance(data[0], list) else [data]
    flat: list[float] = []
    for row in rows:
        numbers = isinstance(row, list) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in row
        )
        if not numbers:
            raise ValidationError(f"{where}: samples must be lists of numbers")
        flat.extend(float(v) for v in row)
    if len(flat) % size:
        raise ValidationError(f"{where}: {len(flat)} numbers is not a multiple of the input size {size}")
    if not all(math.isfinite(v) for v in flat):
        raise ValidationError(f"{where}: NaN or infinity in the input")
    return [flat[i:i + size] for i in range(0, len(flat), size)]


def read_samples(path: Path, size: int) -> list[list[float]]:
    """Samples from a JSON file (see :func:`parse_samples`).

    Raises:
        ValidationError: unreadable file or malformed content.
    """
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path}: unreadable JSON ({exc})") from None
    return parse_samples(data, size, str(path))


def ezkl_input(samples: list[list[float]]) -> dict[str, Any]:
    """EZKL's data format: one input tensor, samples back to back."""
    return {"input_data": [[v for s in samples for v in s]]}
