"""Re-derive a version's verifier and compare it with deployed code (what an auditor runs).

Regenerate ``Verifier.sol`` from the pinned verifying key + settings (EZKL), check it is the
pinned ``Verifier.sol``, compile it (solcjs, :data:`~modelgov.zk.solc.COMPILER_SETTINGS`) and
compare the runtime bytecode with the deployed one, CBOR metadata aside. The chain side only
supplies the deployed code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelgov.errors import VerifierMismatchError
from modelgov.zk.artifacts import load_circuit
from modelgov.zk.pipeline import regenerate_verifier
from modelgov.zk.solc import CompiledVerifier, compile_verifier, strip_metadata


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
