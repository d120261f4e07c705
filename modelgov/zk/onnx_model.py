"""A version folder's model as ONNX: ``model.onnx`` when the folder ships one, else the demo MLP
(``config.json`` ``architecture: mlp`` + ``model.safetensors``) rebuilt as Gemm → Relu → Gemm.

Also runs the float model on numpy (the reference the quantized circuit is compared with).
Pure Python: onnx + numpy + safetensors; no EZKL here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from modelgov.errors import ZkModelError

#: a float array (float32 weights, float64 evaluation)
Floats = npt.NDArray[np.floating[Any]]

#: opset EZKL reads well for Gemm/Relu (TOOLCHAIN.md: opset 13).
OPSET = 13
#: ONNX ops a model may use to be provable here (EZKL supports more; these are the ones tested).
SUPPORTED_OPS = frozenset({"Gemm", "MatMul", "Add", "Relu"})
#: Upper bound on parameters we accept for a circuit (logrows 16 with fixed params fits ~70k MACs;
#: larger models need a bigger SRS and minutes of proving on 2 cores).
MAX_PARAMETERS = 250_000


@dataclass(frozen=True)
class MlpWeights:
    """The demo MLP's tensors in PyTorch layout: ``weight`` is (out, in)."""

    fc1_weight: Floats
    fc1_bias: Floats
    fc2_weight: Floats
    fc2_bias: Floats

    @property
    def input_size(self) -> int:
        return int(self.fc1_weight.shape[1])

    @property
    def output_size(self) -> int:
        return int(self.fc2_weight.shape[0])

    @property
    def parameters(self) -> int:
        return sum(int(a.size) for a in (self.fc1_weight, self.fc1_bias, self.fc2_weight, self.fc2_bias))

    def forward(self, x: Floats) -> Floats:
        """Float logits of a batch ``x`` of shape (n, input_size)."""
        h = np.maximum(x @ self.fc1_weight.T + self.fc1_bias, 0)
        out: Floats = h @ self.fc2_weight.T + self.fc2_bias
        return out


def load_mlp(model_dir: Path) -> MlpWeights:
    """Read the MLP of a version folder (``config.json`` + ``model.safetensors``).

    Raises:
        ZkModelError: not an MLP folder, missing tensors, wrong shapes or dtype, too large.
    """
    config_path = model_dir / "config.json"
    weights_path = model_dir / "model.safetensors"
    if not config_path.is_file() or not weights_path.is_file():
        raise ZkModelError(f"{model_dir}: needs model.onnx, or config.json + model.safetensors")
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise ZkModelError(f"{config_path}: unreadable JSON ({exc})") from None
    if config.get("architecture") != "mlp" or config.get("activation", "relu") != "relu":
        raise ZkModelError(f"{config_path}: only architecture 'mlp' with relu can be built "
                           "into a circuit without model.onnx")
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(weights_path))
    except Exception as exc:  # safetensors raises its own error types and OSError
        raise ZkModelError(f"{weights_path}: not a readable safetensors file ({exc})") from None
    names = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")
    missing = [n for n in names if n not in tensors]
    if missing:
        raise ZkModelError(f"{weights_path}: missing tensor(s) {', '.join(missing)}")
    arrays = [np.asarray(tensors[n], dtype=np.float32) for n in names]
    w1, b1, w2, b2 = arrays
    if not (w1.ndim == 2 and w2.ndim == 2 and b1.shape == (w1.shape[0],)
            and w2.shape[1] == w1.shape[0] and b2.shape == (w2.shape[0],)):
        shapes = ", ".join(f"{n}{list(a.shape)}" for n, a in zip(names, arrays, strict=True))
        raise ZkModelError(f"{weights_path}: shapes do not form an MLP ({shapes})")
    if not all(np.isfinite(a).all() for a in arrays):
        raise ZkModelError(f"{weights_path}: weights contain NaN or infinity")
    mlp = MlpWeights(w1, b1, w2, b2)
    if mlp.parameters > MAX_PARAMETERS:
        raise ZkModelError(f"{weights_path}: {mlp.parameters} parameters; circuits are built for "
                           f"at most {MAX_PARAMETERS} here")
    return mlp


def mlp_onnx_bytes(mlp: MlpWeights) -> bytes:
    """The MLP as a serialized ONNX model: ``input`` (1, in) → Gemm → Relu → Gemm → ``output``.

    Deterministic: the same weights give the same bytes (no producer version, no timestamps).
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [
        numpy_helper.from_array(mlp.fc1_weight, "fc1.weight"),
        numpy_helper.from_array(mlp.fc1_bias, "fc1.bias"),
        numpy_helper.from_array(mlp.fc2_weight, "fc2.weight"),
        numpy_helper.from_array(mlp.fc2_bias, "fc2.bias"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["hidden"], name="fc1", transB=1),
        helper.make_node("Relu", ["hidden"], ["hidden_relu"], name="relu"),
        helper.make_node("Gemm", ["hidden_relu", "fc2.weight", "fc2.bias"], ["output"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "modelgov-mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, mlp.input_size])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, mlp.output_size])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="modelgov")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def check_onnx(path: Path) -> tuple[int, int]:
    """Check that an ONNX file uses only :data:`SUPPORTED_OPS` and has one flat input and output.

    Returns:
        (input size, output size) in elements.

    Raises:
        ZkModelError: unreadable ONNX, an unsupported op, or not one input / one output.
    """
    import onnx

    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises several types (DecodeError, ValidationError, OSError)
        raise ZkModelError(f"{path}: not a valid ONNX model ({' '.join(str(exc).split())[:200]})") from None
    ops = sorted({n.op_type for n in model.graph.node} - SUPPORTED_OPS)
    if ops:
        raise ZkModelError(f"{path}: op(s) {', '.join(ops)} not supported for circuits "
                           f"(supported: {', '.join(sorted(SUPPORTED_OPS))})")
    init_names = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in init_names]
    if len(inputs) != 1 or len(model.graph.output) != 1:
        raise ZkModelError(f"{path}: needs exactly one input and one output tensor")

    def size(value: object) -> int:
        dims = value.type.tensor_type.shape.dim  # type: ignore[attr-defined]
        n = 1
        for d in dims:
            if d.dim_value <= 0:
                raise ZkModelError(f"{path}: tensor shapes must be static")
            n *= d.dim_value
        return n

    return size(inputs[0]), size(model.graph.output[0])


def run_onnx(path: Path, x: Floats) -> Floats:
    """The float model on a batch ``x`` (n, input size): a numpy evaluator of
    :data:`SUPPORTED_OPS`, the reference the quantized circuit is compared with.

    Raises:
        ZkModelError: the model uses another op (see :func:`check_onnx`).
    """
    import onnx
    from onnx import numpy_helper

    check_onnx(path)
    model = onnx.load(str(path))
    values: dict[str, Floats] = {i.name: numpy_helper.to_array(i).astype(np.float64)
                                     for i in model.graph.initializer}
    init_names = set(values)
    (inp,) = [i for i in model.graph.input if i.name not in init_names]
    outputs = []
    for row in np.asarray(x, dtype=np.float64):
        dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        env = dict(values)
        env[inp.name] = row.reshape(dims)
        for node in model.graph.node:
            a = [env[n] for n in node.input if n]
            attrs = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
            if node.op_type == "Gemm":
                left = a[0].T if attrs.get("transA", 0) else a[0]
                right = a[1].T if attrs.get("transB", 0) else a[1]
                y = attrs.get("alpha", 1.0) * (left @ right)
                if len(a) > 2:
                    y = y + attrs.get("beta", 1.0) * a[2]
            elif node.op_type == "MatMul":
                y = a[0] @ a[1]
            elif node.op_type == "Add":
                y = a[0] + a[1]
            else:  # Relu
                y = np.maximum(a[0], 0)
            env[node.output[0]] = y
        outputs.append(np.asarray(env[model.graph.output[0].name]).reshape(-1))
    return np.stack(outputs)
