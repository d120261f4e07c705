"""A version's answer exactly as its circuit computes it, in the oracle's encoding.

The InferenceOracle speaks EZKL public instances: an input and an output are lists of BN254 field
elements (fixed point at the circuit's scales; a negative value ``v`` is ``FIELD_MODULUS + v``).
Nothing here compares floats: the output words come from EZKL's own witness of the compiled
circuit (a subprocess), so they are exactly the values a proof of that input would carry.
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
