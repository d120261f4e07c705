"""Re-derive a version's verifier and compare it with deployed code (what an auditor runs).

Regenerate ``Verifier.sol`` from the pinned verifying key + settings (EZKL), check it is the
pinned ``Verifier.sol``, compile it (solcjs, :data:`~modelgov.zk.solc.COMPILER_SETTINGS`) and
compare the runtime bytecode with the deployed one, CBOR metadata aside. The chain side only
supplies the deployed code.

A ``polycommit`` circuit's version binds a ``WeightsBoundVerifier`` clone instead
(:func:`check_bound`): its code must be exactly the ERC-1167 clone of the project's
implementation, whose own code must be the compiled ``WeightsBoundVerifier``; the shared verifier
it calls must be the one regenerated as above; and its weights commitment must be the one EZKL
computes from the version's own weights (the ONNX rebuilt from ``model.safetensors``, compiled
again with the pinned settings).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelgov.errors import VerifierMismatchError, ZkArtifactsError
from modelgov.zk.artifacts import FILES, load_circuit
from modelgov.zk.commitment import compute_commitment, is_polycommit
from modelgov.zk.pipeline import regenerate_verifier
from modelgov.zk.runner import run_step
from modelgov.zk.solc import CompiledVerifier, compile_verifier, strip_metadata
from modelgov.zk.srs import file_sha256, srs_for_artifacts


def compile_pinned(model_dir: Path) -> CompiledVerifier:
    """Compile the version's pinned ``zk/Verifier.sol``.

    Raises:
        ZkArtifactsError: no circuit artifacts.
        ZkToolMissingError, ZkError: the compiler is missing or fails.
    """
    circuit = load_circuit(Path(model_dir))
    return compile_verifier(circuit.paths.verifier.read_text())


def check_deployed(model_dir: Path, deployed_code: bytes, *, srs_file: Path | None = None) -> dict[str, Any]:
    """Refuse deployed code that is not this version's verifier.

    Returns:
        A report (sizes, vk digest, compiler) when everything matches.

    Raises:
        VerifierMismatchError: the regenerated source differs from the pinned ``Verifier.sol``, or
            the compiled runtime differs from ``deployed_code`` (metadata aside).
        ZkArtifactsError, ZkSrsError, ZkToolMissingError, ZkToolCrashedError, ZkError: the
            artifacts, SRS or tools are missing or fail.
    """
    circuit = load_circuit(Path(model_dir))
    source = regenerate_verifier(Path(model_dir), srs_file=srs_file)
    if source != circuit.paths.verifier.read_text():
        raise VerifierMismatchError(f"{circuit.paths.verifier} is not what the pinned verifying key "
                                    "and settings generate")
    compiled = compile_verifier(source)
    expected = strip_metadata(bytes.fromhex(compiled.runtime))
    deployed = strip_metadata(bytes(deployed_code))
    if expected != deployed:
        first = next((i for i, (a, b) in enumerate(zip(expected, deployed, strict=False)) if a != b),
                     min(len(expected), len(deployed)))
        raise VerifierMismatchError(f"the deployed code is not this version's verifier (vk "
                                    f"{circuit.vk_sha256[:12]}…): {len(deployed)} vs {len(expected)} "
                                    f"bytes, first difference at byte {first}")
    return {"match": True, "vk_sha256": circuit.vk_sha256, "runtime_bytes": len(expected),
            "compiler": compiled.compiler, "srs": circuit.srs_kind}


def rederive_commitment(model_dir: Path, *, srs_file: Path | None = None) -> bytes:
    """The weights commitment computed from the version's own weights: the ONNX rebuilt from
    ``model.safetensors`` (or the shipped ``model.onnx``), checked against the pinned digest,
    compiled again with the pinned settings, then committed with the pinned verifying key.

    Raises:
        VerifierMismatchError: the rebuilt ONNX is not the one the circuit was built from.
        ZkArtifactsError, ZkSrsError, ZkToolMissingError, ZkToolCrashedError, ZkError.
    """
    from modelgov.zk.pipeline import _onnx_for

    circuit = load_circuit(Path(model_dir))
    if not is_polycommit(circuit):
        raise ZkArtifactsError(f"{model_dir}: the circuit's weights are not committed (params fixed)")
    srs = srs_for_artifacts(circuit.srs_kind, circuit.srs_sha256, circuit.logrows, srs_file)
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-check-") as tmp:
        onnx, _ = _onnx_for(Path(model_dir), Path(tmp))
        if file_sha256(onnx) != circuit.meta.get("onnx_sha256"):
            raise VerifierMismatchError(f"{model_dir}: the version's weights do not give the ONNX its "
                                        "circuit was compiled from (onnx_sha256 in zk/meta.json)")
        compiled = Path(tmp) / FILES["compiled"]
        run_step("settings", onnx=onnx, settings=Path(tmp) / FILES["settings"], compiled=compiled,
                 settings_from=circuit.paths.settings)
        return compute_commitment(compiled, circuit.paths.vk, srs.path, circuit.input_size)[0]


def check_implementation(deployed_code: bytes, address: str, compiled_runtime: bytes) -> None:
    """Refuse an implementation whose code is not the compiled ``WeightsBoundVerifier``: the two
    may differ only where the compiled code leaves its one immutable (the implementation's own
    address) as zeros.

    Raises:
        VerifierMismatchError: any other difference.
    """
    expected = strip_metadata(bytes(compiled_runtime))
    deployed = bytearray(strip_metadata(bytes(deployed_code)))
    word = bytes(12) + bytes.fromhex(address.removeprefix("0x"))
    at = deployed.find(word)
    while at >= 0:
        if expected[at:at + 32] == bytes(32):
            deployed[at:at + 32] = bytes(32)
        at = deployed.find(word, at + 1)
    if bytes(deployed) != expected:
        raise VerifierMismatchError(f"the clone's implementation {address} is not the compiled "
                                    "WeightsBoundVerifier")


def check_bound(model_dir: Path, clone_address: str, code_at: Callable[[str], bytes],
                implementation_runtime: bytes, *, srs_file: Path | None = None) -> dict[str, Any]:
    """Refuse a weights-bound verifier that is not this version's (see the module's docstring).

    ``code_at`` reads the code at an address; ``implementation_runtime`` is the compiled
    ``WeightsBoundVerifier`` runtime code.

    Raises:
        VerifierMismatchError: not a clone, another implementation, another shared verifier, or
            another weights commitment.
        ZkArtifactsError, ZkSrsError, ZkToolMissingError, ZkToolCrashedError, ZkError.
    """
    from eth_utils.crypto import keccak

    from modelgov.chain.zk_verifier import clone_args

    circuit = load_circuit(Path(model_dir))
    if not is_polycommit(circuit):
        raise VerifierMismatchError(f"{model_dir}: params are fixed, its verifier is a plain EZKL "
                                    "verifier, not a weights-bound clone")
    args = clone_args(code_at(clone_address))
    check_implementation(code_at(args.implementation), args.implementation, implementation_runtime)
    report = check_deployed(Path(model_dir), code_at(args.verifier), srs_file=srs_file)
    commitment = rederive_commitment(Path(model_dir), srs_file=srs_file)
    if len(commitment) != args.commitment_length or keccak(commitment) != args.commitment_hash:
        raise VerifierMismatchError(f"{clone_address} is bound to other weights: its commitment keccak "
                                    f"0x{args.commitment_hash.hex()[:12]}… is not this version's "
                                    f"0x{keccak(commitment).hex()[:12]}…")
    return {**report, "verifier": args.verifier, "bound_verifier": clone_address,
            "implementation": args.implementation, "weights_commitment": "0x" + commitment.hex()}
