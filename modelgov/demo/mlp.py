"""The demo's model: a tiny MLP written as safetensors, and a deterministic "training" step.

Everything is derived from fixed seeds, so the same version always has the same bytes (and the
same CID) on every machine.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

LAYERS = (128, 512, 10)
_CARD = Path(__file__).resolve().parents[2] / "models" / "demo-mlp" / "README.md"

Array = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]
Weights = dict[str, Array]
"""Layer name (``fc1.weight``, ``fc1.bias``, ``fc2.weight``, ``fc2.bias``) → float32 tensor."""


@dataclass(frozen=True)
class TrainingReport:
    """What a training run changed."""

    steps: int
    loss_before: float
    loss_after: float
    accuracy: float


def _data(seed: int = 11, n: int = 512) -> tuple[Array, Labels]:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((LAYERS[2], LAYERS[0])).astype(np.float32) * 2.0
    labels = rng.integers(0, LAYERS[2], size=n)
    x = centers[labels] + rng.standard_normal((n, LAYERS[0])).astype(np.float32)
    return x.astype(np.float32), labels


def initial_weights(seed: int = 7) -> Weights:
    """Version 1: He-initialised weights from a fixed seed."""
    rng = np.random.default_rng(seed)
    d_in, d_hidden, d_out = LAYERS
    return {
        "fc1.weight": (rng.standard_normal((d_hidden, d_in)) * np.sqrt(2 / d_in)).astype(np.float32),
        "fc1.bias": np.zeros(d_hidden, dtype=np.float32),
        "fc2.weight": (rng.standard_normal((d_out, d_hidden)) * np.sqrt(2 / d_hidden)).astype(np.float32),
        "fc2.bias": np.zeros(d_out, dtype=np.float32),
    }


def _forward(w: Weights, x: Array) -> tuple[Array, Array]:
    h = np.maximum(x @ w["fc1.weight"].T + w["fc1.bias"], 0)
    logits = h @ w["fc2.weight"].T + w["fc2.bias"]
    return h, logits


def _loss_grad(w: Weights, x: Array, y: Labels) -> tuple[float, Weights]:
    h, logits = _forward(w, x)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = float(-np.log(p[np.arange(n), y] + 1e-12).mean())
    d = p.copy()
    d[np.arange(n), y] -= 1
    d /= n
    grads = {
        "fc2.weight": d.T @ h,
        "fc2.bias": d.sum(axis=0),
    }
    dh = (d @ w["fc2.weight"]) * (h > 0)
    grads["fc1.weight"] = dh.T @ x
    grads["fc1.bias"] = dh.sum(axis=0)
    return loss, grads


def accuracy(w: Weights) -> float:
    """Accuracy on the fixed synthetic batch."""
    x, y = _data()
    return float((_forward(w, x)[1].argmax(axis=1) == y).mean())


def train(w: Weights, steps: int = 20, lr: float = 0.05) -> tuple[Weights, TrainingReport]:
    """Plain full-batch SGD on the fixed synthetic batch (deterministic)."""
    x, y = _data()
    w = {k: v.copy() for k, v in w.items()}
    before, _ = _loss_grad(w, x, y)
    loss = before
    for _ in range(steps):
        loss, grads = _loss_grad(w, x, y)
        for k in w:
            w[k] = (w[k] - lr * grads[k]).astype(np.float32)
    loss, _ = _loss_grad(w, x, y)
    return w, TrainingReport(steps, before, loss, accuracy(w))


def write_model(folder: Path, weights: Weights, version: int) -> Path:
    """Write ``model.safetensors``, ``config.json`` and the model card into ``folder``."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(folder / "model.safetensors"), metadata={"version": str(version)})
    (folder / "config.json").write_text(
        json.dumps({"architecture": "mlp", "layers": list(LAYERS), "activation": "relu",
                    "dtype": "float32", "version": version}, indent=2) + "\n"
    )
    card = _CARD.read_text()
    card = re.sub(r"value: [0-9.]+", f"value: {accuracy(weights):.4f}", card, count=1)
    (folder / "README.md").write_text(card)
    return folder


def reset(folder: Path) -> None:
    """Remove a previous run's model folder."""
    shutil.rmtree(folder, ignore_errors=True)
