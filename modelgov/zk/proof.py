"""The proof file ``modelgov zk prove`` writes, and the public values it carries.

``proof.json`` = ``{"schema", "vk_sha256", "input", "output", "ezkl": <EZKL's proof JSON>}``.
``input``/``output`` are for people; what is proven are the EZKL public instances (inputs then
outputs, fixed-point field elements at the circuit's scales). :func:`load_proof` checks that the
readable values are exactly the instances decoded, so neither can be changed alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelgov.errors import ProofRejectedError, ValidationError
from modelgov.zk.artifacts import PROOF_SCHEMA, Circuit

#: The BN254 scalar field modulus (EZKL's field): values above half are negative.
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


def felt_to_int(felt: str) -> int:
    """EZKL's felt (64 hex digits, little-endian) as a signed integer.

    Raises:
        ValidationError: not 32 bytes of hex, or not below the field modulus.
    """
    try:
        raw = bytes.fromhex(felt.removeprefix("0x"))
    except ValueError:
        raise ValidationError(f"instance {felt[:20]!r} is not hex") from None
    if len(raw) != 32:
        raise ValidationError(f"instance {felt[:20]!r} is not 32 bytes")
    value = int.from_bytes(raw, "little")
    if value >= FIELD_MODULUS:
        raise ValidationError("instance is not a field element")
    return value - FIELD_MODULUS if value > FIELD_MODULUS // 2 else value


def instances_as_uint(proof: dict[str, Any]) -> list[int]:
    """The flat public instances as EVM ``uint256`` words (field elements, not signed).

    Raises:
        ValidationError: malformed instances.
    """
    try:
        return [felt_to_int(f) % FIELD_MODULUS for group in proof["instances"] for f in group]
    except (KeyError, TypeError) as exc:
        raise ValidationError(f"proof has no instances ({exc})") from None


@dataclass(frozen=True)
class ProofFile:
    """A loaded proof: the circuit it claims, readable input/output, and EZKL's proof."""

    vk_sha256: str
    input: list[float]
    output: list[float]
    ezkl: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"schema": PROOF_SCHEMA, "vk_sha256": self.vk_sha256, "input": self.input,
                "output": self.output, "ezkl": self.ezkl}

    @property
    def proof_bytes(self) -> bytes:
        """The proof as the EVM verifier takes it (``verifyProof(bytes, uint256[])``)."""
        return bytes.fromhex(str(self.ezkl["hex_proof"]).removeprefix("0x"))

    @property
    def instances(self) -> list[int]:
        return instances_as_uint(self.ezkl)


def decode_public(ezkl_proof: dict[str, Any], circuit: Circuit) -> tuple[list[float], list[float]]:
    """(input, output) floats of a proof's instances at the circuit's scales.

    Raises:
        ProofRejectedError: the number of instances is not input + output size.
    """
    try:
        flat = [felt_to_int(f) for group in ezkl_proof["instances"] for f in group]
    except (KeyError, TypeError, ValidationError) as exc:
        raise ProofRejectedError(f"proof instances are malformed ({exc})") from None
    n_in, n_out = circuit.input_size, circuit.output_size
    if len(flat) != n_in + n_out:
        raise ProofRejectedError(f"proof has {len(flat)} public instances; this circuit has "
                                 f"{n_in + n_out} (input {n_in} + output {n_out})")
    return ([v / 2**circuit.input_scale for v in flat[:n_in]],
            [v / 2**circuit.output_scale for v in flat[n_in:]])


def make_proof_file(ezkl_proof: dict[str, Any], circuit: Circuit) -> ProofFile:
    """Wrap EZKL's proof for ``circuit`` (readable values decoded from its instances)."""
    inputs, outputs = decode_public(ezkl_proof, circuit)
    return ProofFile(circuit.vk_sha256, inputs, outputs, ezkl_proof)


def load_proof(path: Path) -> ProofFile:
    """Read a proof file.

    Raises:
        ValidationError: unreadable or not a modelgov proof file.
    """
    try:
        data = json.loads(Path(path).read_text())
        if data.get("schema") != PROOF_SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r}, expected {PROOF_SCHEMA!r}")
        proof = ProofFile(str(data["vk_sha256"]), [float(v) for v in data["input"]],
                          [float(v) for v in data["output"]], dict(data["ezkl"]))
        _ = proof.proof_bytes
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationError(f"{path}: not a modelgov proof file ({exc})") from None
    return proof


def check_against(proof: ProofFile, circuit: Circuit) -> None:
    """Refuse a proof made for another circuit, or whose readable values are not its instances.

    Raises:
        ProofRejectedError: other verifying key; input/output differ from the instances.
    """
    if proof.vk_sha256 != circuit.vk_sha256:
        raise ProofRejectedError(f"proof is for circuit {proof.vk_sha256[:12]}…, not this version's "
                                 f"{circuit.vk_sha256[:12]}…")
    inputs, outputs = decode_public(proof.ezkl, circuit)
    if inputs != proof.input or outputs != proof.output:
        raise ProofRejectedError("the proof's input/output fields are not its public instances")
