"""The weights commitment of a ``polycommit`` circuit: what binds a proof to a version's weights.

With EZKL's ``polycommit`` parameter visibility the verifying key does not depend on the weights
(every version of one architecture shares it, and its Solidity verifier). The weights sit in
*unblinded* advice columns; their KZG commitments are the proof's first G1 points (64 bytes each,
``x ‖ y`` big-endian), the same for every proof of the same weights and SRS. EZKL computes them
with the witness (:func:`weights_commitment`, no proof needed); a version's
``WeightsBoundVerifier`` clone refuses any proof that does not start with them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from modelgov.errors import ValidationError, ZkArtifactsError
from modelgov.zk.artifacts import Circuit, load_circuit
from modelgov.zk.runner import StepResult, run_step

#: BN254 base field modulus (the curve of EZKL's KZG commitments: y² = x³ + 3).
BASE_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
POINT_BYTES = 64
POLYCOMMIT = "polycommit"


def decompress_g1(compressed: str) -> bytes:
    """A halo2curves compressed BN254 G1 point (32 bytes hex, x little-endian, top bit = y odd)
    as the EVM encoding ``x ‖ y`` (64 bytes, big-endian).

    Raises:
        ValidationError: not 32 bytes of hex, the identity, or not on the curve.
    """
    try:
        raw = bytearray(bytes.fromhex(compressed.removeprefix("0x")))
    except ValueError:
        raise ValidationError(f"commitment point {compressed[:20]!r} is not hex") from None
    if len(raw) != 32:
        raise ValidationError(f"commitment point {compressed[:20]!r} is not 32 bytes")
    flags = raw[31]
    raw[31] &= 0x3F
    if flags & 0x40:
        raise ValidationError("commitment point is the identity")
    x = int.from_bytes(raw, "little")
    rhs = (pow(x, 3, BASE_MODULUS) + 3) % BASE_MODULUS
    y = pow(rhs, (BASE_MODULUS + 1) // 4, BASE_MODULUS)
    if x >= BASE_MODULUS or y * y % BASE_MODULUS != rhs:
        raise ValidationError("commitment point is not on BN254")
    if (y & 1) != (flags >> 7):
        y = BASE_MODULUS - y
    return x.to_bytes(32, "big") + y.to_bytes(32, "big")


def is_polycommit(circuit: Circuit) -> bool:
    """Whether the circuit commits to its weights (shared verifier + weights-bound clone)."""
    return str(circuit.meta.get("visibility", {}).get("param_visibility")) == POLYCOMMIT


def weights_commitment(model_dir: Path, *, srs_path: Path, compiled: Path | None = None) -> bytes:
    """The commitment to the weights of a ``polycommit`` circuit, computed by EZKL from the
    compiled circuit (``compiled``, default the pinned one) with the pinned verifying key.

    Raises:
        ZkArtifactsError: not a ``polycommit`` circuit, or EZKL gave no commitment.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    circuit = load_circuit(Path(model_dir))
    if not is_polycommit(circuit):
        raise ZkArtifactsError(f"{model_dir}: the circuit's weights are not committed (params "
                               f"{circuit.meta.get('visibility', {}).get('param_visibility')!r})")
    return compute_commitment(compiled or circuit.paths.compiled, circuit.paths.vk, srs_path,
                              circuit.input_size)[0]


def compute_commitment(compiled: Path, vk: Path, srs_path: Path, input_size: int) -> tuple[bytes, StepResult]:
    """The weights commitment of a compiled ``polycommit`` circuit (EZKL witness of a zero input),
    and the step's measurements.

    Raises:
        ZkArtifactsError: EZKL computed no commitment (the circuit's params are not committed).
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-commit-") as tmp:
        result = run_step("commitment", compiled=compiled, vk=vk, srs=srs_path, input=[0.0] * input_size,
                          data=Path(tmp) / "input.json", witness=Path(tmp) / "witness.json")
    points = result.data.get("points") or []
    if not points:
        raise ZkArtifactsError(f"{compiled}: EZKL computed no weights commitment (params not committed)")
    return b"".join(decompress_g1(p) for p in points), result


def proof_commitment(proof_bytes: bytes, length: int) -> bytes:
    """The first ``length`` bytes of an EVM proof: the weights commitment it was made with."""
    return bytes(proof_bytes[:length])
