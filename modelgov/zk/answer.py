"""A version's answer exactly as its circuit computes it, in the oracle's encoding.

The InferenceOracle's verifier speaks EZKL public instances: lists of BN254 field elements ("words":
fixed point at the circuit's scales; a negative value ``v`` is ``FIELD_MODULUS + v``). On chain an
input or output travels as **packed words** (:func:`pack`): one width byte ``w`` (1..16), then each
value as a ``w``-byte big-endian two's-complement signed integer; the contract expands them back
into exactly these words (:func:`unpack` is the same expansion). Nothing here compares floats: the
output words come from EZKL's own witness of the compiled circuit (a subprocess), so they are
exactly the values a proof of that input would carry.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from modelgov.errors import ValidationError
from modelgov.zk.artifacts import Circuit, load_circuit
from modelgov.zk.proof import FIELD_MODULUS, ProofFile, felt_to_int
from modelgov.zk.runner import run_step


def signed(word: int) -> int:
    """A field element read as a signed integer."""
    return word - FIELD_MODULUS if word > FIELD_MODULUS // 2 else word


def check_words(words: list[int], where: str) -> list[int]:
    """``words`` as ints, each a field element.

    Raises:
        ValidationError: empty, or a word that is not below the field modulus.
    """
    if not words:
        raise ValidationError(f"{where}: no words")
    out = []
    for i, w in enumerate(words):
        if isinstance(w, bool) or not isinstance(w, int) or not 0 <= w < FIELD_MODULUS:
            raise ValidationError(f"{where}: word {i} is not a field element")
        out.append(int(w))
    return out


MAX_WIDTH = 16  # bytes: int128, the contract's InferenceOracle.MAX_WIDTH
MAX_WORDS = 4096  # InferenceOracle.MAX_WORDS


def _width_of(value: int) -> int:
    """The fewest bytes holding ``value`` as a two's-complement signed integer."""
    return ((value if value >= 0 else ~value).bit_length() + 8) // 8


def pack(words: list[int], where: str = "words", width: int | None = None) -> bytes:
    """``words`` (field elements) as the oracle's packed words, in the smallest width that holds
    every value (or ``width``).

    Raises:
        ValidationError: malformed words, more than 4096, or a word whose signed value does not
            fit 16 bytes (int128: the encoding cannot carry it), or not ``width``.
    """
    values = [signed(w) for w in check_words(list(words), where)]
    if len(values) > MAX_WORDS:
        raise ValidationError(f"{where}: {len(values)} words; the oracle takes at most {MAX_WORDS}")
    need = 1
    for i, v in enumerate(values):
        w = _width_of(v)
        if w > MAX_WIDTH:
            raise ValidationError(f"{where}: word {i} ({v}) does not fit the oracle's packed encoding "
                                  f"(signed integers of at most {MAX_WIDTH} bytes)")
        need = max(need, w)
    if width is not None:
        if not need <= width <= MAX_WIDTH:
            raise ValidationError(f"{where}: width {width} cannot hold these values "
                                  f"(needs {need}..{MAX_WIDTH})")
        need = width
    return bytes([need]) + b"".join(v.to_bytes(need, "big", signed=True) for v in values)


def unpack(packed: bytes, where: str = "packed words") -> list[int]:
    """The field elements of packed words (the contract's ``unpack``).

    Raises:
        ValidationError: not a width byte 1..16 followed by 1..4096 values of that width.
    """
    data = bytes(packed)
    width = data[0] if data else 0
    body = len(data) - 1
    if not 1 <= width <= MAX_WIDTH or body <= 0 or body % width or body // width > MAX_WORDS:
        raise ValidationError(f"{where}: not packed words (width byte {width}, {len(data)} bytes)")
    values = (int.from_bytes(data[i:i + width], "big", signed=True) for i in range(1, len(data), width))
    return [v % FIELD_MODULUS for v in values]


def to_floats(words: list[int], scale: int) -> list[float]:
    """Field elements at ``scale`` as numbers (exact: dyadic rationals)."""
    return [signed(w) / 2**scale for w in words]


def _witness(circuit: Circuit, values: list[float]) -> tuple[list[int], list[int]]:
    if len(values) != circuit.input_size:
        raise ValidationError(f"the input has {len(values)} values; this circuit takes {circuit.input_size}")
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-answer-") as tmp:
        result = run_step("witness_io", compiled=circuit.paths.compiled, input=values,
                          data=Path(tmp) / "input.json", witness=Path(tmp) / "witness.json")
    inputs = [felt_to_int(f) % FIELD_MODULUS for f in result.data["inputs"]]
    outputs = [felt_to_int(f) % FIELD_MODULUS for f in result.data["outputs"]]
    return inputs, outputs


def quantize(model_dir: Path, values: list[float]) -> list[int]:
    """The input words the circuit makes of ``values`` (what a request should carry).

    Raises:
        ValidationError: not the circuit's input size.
        ZkArtifactsError: no circuit in the folder.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    return _witness(load_circuit(Path(model_dir)), [float(v) for v in values])[0]


def compute(model_dir: Path, input_words: list[int]) -> list[int]:
    """The output words the version's circuit gives for ``input_words``.

    Raises:
        ValidationError: malformed words, wrong size, or words the circuit does not take as they
            are (a value not representable at the circuit's input scale): no proof could match.
        ZkArtifactsError: no circuit in the folder.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    circuit = load_circuit(Path(model_dir))
    words = check_words(list(input_words), "input")
    inputs, outputs = _witness(circuit, to_floats(words, circuit.input_scale))
    if inputs != words:
        raise ValidationError("the input words are not what this circuit makes of them (scale "
                              f"{circuit.input_scale}): no proof can carry them")
    return outputs


def prove_words(model_dir: Path, input_words: list[int], out: Path) -> ProofFile:
    """Prove the version's answer to ``input_words``; the proof's instances are checked to start
    with exactly those words.

    Raises:
        ValidationError: malformed words, or the proof's input instances differ from them.
        ZkArtifactsError: no circuit or no proving key.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    from modelgov.zk.pipeline import prove

    circuit = load_circuit(Path(model_dir))
    words = check_words(list(input_words), "input")
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-answer-") as tmp:
        data = Path(tmp) / "input.json"
        data.write_text(json.dumps({"input": to_floats(words, circuit.input_scale)}))
        proof = prove(Path(model_dir), data, Path(out))
    if proof.instances[: len(words)] != words:
        raise ValidationError("the proof's input instances are not the requested input words")
    return proof


def output_words(proof: ProofFile, n_inputs: int) -> list[int]:
    """The output words a proof carries (its instances after the ``n_inputs`` input words)."""
    return proof.instances[n_inputs:]
