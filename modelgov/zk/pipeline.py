"""Build, set up, prove and verify a version's circuit (every EZKL call in a subprocess).

Chosen settings (measured in ``bench/bench_zk.py``, frontier in bench/results.md; README
"Verifiable inference"):

- inputs and outputs ``public``: the proof states "this input gave this output", and a contract
  (the inference oracle) reads both from the instances (inputs then outputs, fixed point; a
  negative value v is p − |v|). Hashing them would add Poseidon rows and put Poseidon on chain.
- params ``polycommit``: the verifying key does not depend on the weights, so one EZKL verifier
  serves every version of an architecture (``build(..., like=previous)`` reuses its settings) and a
  new version costs a ~100k-gas ``WeightsBoundVerifier`` clone instead of a ~2.3–3.1M-gas
  verifier. The weights (and biases) are in unblinded advice columns whose KZG commitments open
  the proof (one G1 point per column); the clone compares them (SECURITY.md). ``fixed`` (weights
  in the verifying key) stays available: ~15% less prover CPU and ~3% less verify gas, but a new
  verifier per version. ``hashed`` multiplies rows ×17 (logrows 22 for this MLP): out of reach.
- scale 13 (inputs and params): the same rows, prover time and gas as scale 7 or 10 for the demo
  MLP, and the most accurate (held-out max |logit error| 0.006 vs 0.054 at 10 and 0.40 at 7;
  argmax agreement 100% for all); inputs twice the largest sample still prove.
- ``num_inner_cols`` 1 (logrows 17): fewest columns, so the fewest commitments and openings for
  the verifier: ~565k gas per verification against ~722k with 2 columns (logrows 16) and ~975k
  with 4, at ~22 prover CPU-s against ~18 (2 columns) and ~21 (4), peak RSS ~0.9 GiB (2 columns:
  ~0.7 GiB). Neither the 4 s (2 cores) nor the 500k gas goal is reachable by any setting measured;
  the verifier's gas is paid on chain at every verification and no hardware lowers it, while the
  prover's time falls with cores (rayon uses all of them), so the gas end of the frontier is chosen.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from modelgov.errors import PathError, ProofRejectedError, ValidationError, ZkArtifactsError
from modelgov.zk.artifacts import FILES, META_SCHEMA, ZK_DIR, Circuit, ZkPaths, load_circuit, pk_path
from modelgov.zk.commitment import POLYCOMMIT, compute_commitment
from modelgov.zk.inputs import ezkl_input, read_samples
from modelgov.zk.onnx_model import check_onnx, load_mlp, mlp_onnx_bytes, run_onnx
from modelgov.zk.proof import ProofFile, check_against, felt_to_int, make_proof_file
from modelgov.zk.runner import StepResult, run_step
from modelgov.zk.solc import COMPILER_SETTINGS, ezkl_home
from modelgov.zk.srs import Srs, file_sha256, srs_for_artifacts, srs_for_build

DEFAULT_SCALE = 13
DEFAULT_INNER_COLS = 1
DEFAULT_PARAMS = "polycommit"
PARAM_VISIBILITIES = ("polycommit", "fixed")
VISIBILITY = {"input_visibility": "public", "output_visibility": "public", "param_visibility": DEFAULT_PARAMS}
#: Calibration samples used to measure the circuit's accuracy against the float model.
ACCURACY_SAMPLES = 16

Progress = Callable[[str], None]


@dataclass
class Timings:
    """Wall time, CPU time (user + system) and peak RSS of each EZKL step's subprocess."""

    steps: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, name: str, result: StepResult) -> StepResult:
        self.steps[name] = {"wall_s": round(result.wall_s, 3), "cpu_s": round(result.cpu_s, 3),
                            "peak_rss_mib": round(result.peak_rss_bytes / 2**20, 1)}
        return result


@dataclass(frozen=True)
class BuildReport:
    """What ``zk build`` produced."""

    folder: Path
    meta: dict[str, Any]
    timings: Timings

    def as_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "meta": self.meta, "steps": self.timings.steps}


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _onnx_for(model_dir: Path, out_dir: Path) -> tuple[Path, str]:
    """The ONNX to compile: shipped ``model.onnx``, else one built from the MLP's safetensors."""
    shipped = model_dir / "model.onnx"
    if shipped.is_file():
        check_onnx(shipped)
        return shipped, "model.onnx"
    path = out_dir / "model.onnx"
    path.write_bytes(mlp_onnx_bytes(load_mlp(model_dir)))
    return path, "model.safetensors"


def build(model_dir: Path, *, calibration: Path | None = None, srs_file: Path | None = None,
          scale: int = DEFAULT_SCALE, num_inner_cols: int = DEFAULT_INNER_COLS,
          params: str = DEFAULT_PARAMS, like: Path | None = None,
          run_args: dict[str, Any] | None = None, progress: Progress | None = None) -> BuildReport:
    """Turn a version folder into its circuit under ``<model_dir>/zk/`` (replacing an old one).

    Calibration data: ``calibration`` (a JSON of samples), else the folder's
    ``zk/calibration.json``. The proving key goes to the cache (:func:`pk_path`).

    ``like``: another version folder whose circuit settings are reused as they are (no
    calibration): with ``polycommit`` params and the same ONNX graph, both versions get the same
    verifying key, so they share one on-chain verifier and differ only by their weights
    commitment. ``run_args``: further EZKL run arguments (tuning, ``bench/bench_zk.py``).

    Raises:
        PathError: ``model_dir`` is not a folder.
        ValidationError: no or malformed calibration data; scale out of range; ``like`` has no
            circuit or another parameter visibility.
        ZkModelError: the model cannot become a circuit.
        ZkSrsError: ``srs_file`` missing.
        ZkToolMissingError, ZkToolCrashedError, ZkError: an EZKL step failed.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise PathError(f"{model_dir} is not a folder")
    if not 1 <= scale <= 16:
        raise ValidationError(f"scale must be 1..16, got {scale}")
    if num_inner_cols not in (1, 2, 4, 8):
        raise ValidationError(f"num_inner_cols must be 1, 2, 4 or 8, got {num_inner_cols}")
    if params not in PARAM_VISIBILITIES:
        raise ValidationError(f"params must be one of {', '.join(PARAM_VISIBILITIES)}, got {params!r}")
    visibility = {**VISIBILITY, "param_visibility": params}
    settings_from: Path | None = None
    like_vk = ""
    if like is not None:
        other = load_circuit(Path(like))
        like_vk = other.vk_sha256
        if other.meta.get("visibility", {}).get("param_visibility") != params:
            raise ValidationError(f"{like}: its circuit's params are not {params!r}: settings not shared")
        settings_from = other.paths.settings
        scale, num_inner_cols = int(other.meta["scale"]), int(other.meta["num_inner_cols"])
    paths = ZkPaths(model_dir)
    timings = Timings()
    tmp = Path(tempfile.mkdtemp(prefix=".zk-build-", dir=model_dir))
    try:
        onnx_path, source = _onnx_for(model_dir, tmp)
        in_size, out_size = check_onnx(onnx_path)
        cal_source = calibration or paths.calibration
        if not Path(cal_source).is_file():
            raise ValidationError(f"no calibration data: pass --calibration FILE (JSON samples of "
                                  f"{in_size} numbers) or ship {ZK_DIR}/{FILES['calibration']}")
        samples = read_samples(Path(cal_source), in_size)
        (tmp / FILES["calibration"]).write_text(json.dumps(ezkl_input(samples)))

        _say(progress, f"settings from {like}" if like else
             f"settings + calibration ({len(samples)} samples, scale {scale}) + compile")
        req: dict[str, Any] = {
            **visibility, "scale": scale, "num_inner_cols": num_inner_cols, "target": "resources",
            "onnx": onnx_path, "calibration": tmp / FILES["calibration"], "run_args": run_args or {},
            "settings": tmp / FILES["settings"], "compiled": tmp / FILES["compiled"],
            "settings_from": settings_from,
        }
        logrows = int(timings.add("compile", run_step("settings", **req)).data["logrows"])

        _say(progress, f"SRS (logrows {logrows}, {'file' if srs_file else 'development'})")
        srs = srs_for_build(logrows, srs_file)
        _say(progress, "setup (verifying and proving keys)")
        pk_tmp = tmp / "pk.tmp"
        timings.add("setup", run_step("setup", compiled=tmp / FILES["compiled"], vk=tmp / FILES["vk"],
                                      pk=pk_tmp, srs=srs.path))
        _say(progress, "Solidity verifier")
        timings.add("verifier", _render_verifier(tmp / FILES["vk"], tmp / FILES["settings"], srs,
                                                 tmp / FILES["verifier"]))
        _say(progress, "accuracy of the quantized circuit")
        settings = json.loads((tmp / FILES["settings"]).read_text())
        accuracy = _accuracy(onnx_path, tmp / FILES["compiled"], int(settings["model_output_scales"][0]),
                             samples[:ACCURACY_SAMPLES], timings)
        vk_sha = file_sha256(tmp / FILES["vk"])
        commitment = ""
        if params == POLYCOMMIT:
            _say(progress, "weights commitment")
            value, step = compute_commitment(tmp / FILES["compiled"], tmp / FILES["vk"], srs.path, in_size)
            timings.add("commitment", step)
            commitment = "0x" + value.hex()
        meta = {
            "schema": META_SCHEMA,
            "source": source,
            "onnx_sha256": file_sha256(onnx_path),
            "input_size": in_size,
            "output_size": out_size,
            "public_instances": in_size + out_size,
            "logrows": logrows,
            "num_rows": settings.get("num_rows"),
            "scale": scale,
            "num_inner_cols": num_inner_cols,
            "visibility": visibility,
            "weights_commitment": commitment,
            # the circuit whose settings were reused (by its vk digest), and whether the verifying
            # key came out the same (then both share one verifier; see ``like``)
            "settings_of_vk": like_vk,
            "same_vk_as_settings_source": bool(like_vk) and like_vk == vk_sha,
            "srs": {"kind": srs.kind, "sha256": srs.sha256, "logrows": logrows},
            "vk_sha256": vk_sha,
            "ezkl": settings.get("version", ""),
            "verifier": {"contract": "Halo2Verifier", "settings": COMPILER_SETTINGS},
            "accuracy": accuracy,
        }
        (tmp / FILES["meta"]).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        cache = pk_path(vk_sha)
        cache.parent.mkdir(parents=True, exist_ok=True)
        pk_tmp.replace(cache)
        if paths.folder.exists():
            shutil.rmtree(paths.folder)
        tmp.chmod(0o755)
        tmp.rename(paths.folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildReport(paths.folder, meta, timings)


def _render_verifier(vk: Path, settings: Path, srs: Srs, sol: Path) -> StepResult:
    """``create_evm_verifier``, with the svm solc look-alike in the subprocess's ``HOME``."""
    abi = sol.with_name(sol.name + ".abi.json")
    try:
        return run_step("evm_verifier", env={"HOME": str(ezkl_home())}, vk=vk, settings=settings,
                        srs=srs.path, sol=sol, abi=abi)
    finally:
        abi.unlink(missing_ok=True)


def _accuracy(onnx_path: Path, compiled: Path, output_scale: int, samples: list[list[float]],
              timings: Timings) -> dict[str, Any]:
    """The quantized circuit's outputs (EZKL witness) against the float model's."""
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-acc-") as tmp:
        result = timings.add("accuracy", run_step("quantized_outputs", compiled=compiled,
                                                  witness=Path(tmp) / "witness.json", inputs=samples))
    outputs = result.data["outputs"]
    quantized = np.asarray([[felt_to_int(f) / 2**output_scale for f in row] for row in outputs])
    reference = run_onnx(onnx_path, np.asarray(samples))
    err = np.abs(quantized - reference)
    return {
        "samples": len(samples),
        "max_abs_error": round(float(err.max()), 6),
        "mean_abs_error": round(float(err.mean()), 6),
        "max_abs_output": round(float(np.abs(reference).max()), 6),
        "argmax_agreement": round(float((quantized.argmax(axis=1) == reference.argmax(axis=1)).mean()), 4),
    }


def setup(
    model_dir: Path, *, srs_file: Path | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Regenerate the proving key from the pinned artifacts and the SRS into the cache, checking
    that the verifying key it yields is the pinned one.

    Raises:
        ZkArtifactsError: missing artifacts; the regenerated verifying key differs from the pinned.
        ZkSrsError: the SRS is not the recorded one.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    circuit = load_circuit(Path(model_dir))
    srs = srs_for_artifacts(circuit.srs_kind, circuit.srs_sha256, circuit.logrows, srs_file)
    timings = Timings()
    cache = pk_path(circuit.vk_sha256)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pk-", dir=cache.parent) as tmp:
        _say(progress, f"setup (logrows {circuit.logrows}, {srs.kind} SRS)")
        vk, pk = Path(tmp) / "vk.key", Path(tmp) / "pk.key"
        timings.add("setup", run_step("setup", compiled=circuit.paths.compiled, vk=vk, pk=pk, srs=srs.path))
        if vk.read_bytes() != circuit.paths.vk.read_bytes():
            raise ZkArtifactsError("the regenerated verifying key differs from the pinned vk.key: "
                                   "the artifacts or the SRS are not the ones it was built with")
        pk.replace(cache)
    return {"pk": str(cache), "vk_sha256": circuit.vk_sha256, "srs": srs.kind, "steps": timings.steps}


def prove(model_dir: Path, input_file: Path, out: Path, *, srs_file: Path | None = None,
          timings: Timings | None = None) -> ProofFile:
    """Prove one inference of a version and write ``out`` (see :mod:`modelgov.zk.proof`).

    Raises:
        ZkArtifactsError: no circuit, or no proving key (run ``modelgov zk setup``).
        ValidationError: the input is not one sample of the model's input size.
        ZkSrsError: the SRS is not the recorded one.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    circuit = load_circuit(Path(model_dir))
    samples = read_samples(Path(input_file), circuit.input_size)
    if len(samples) != 1:
        raise ValidationError(f"{input_file}: one sample per proof ({len(samples)} given)")
    pk = pk_path(circuit.vk_sha256)
    if not pk.is_file():
        raise ZkArtifactsError(f"no proving key for this circuit on this machine; run "
                               f"`modelgov zk setup {model_dir}`")
    srs = srs_for_artifacts(circuit.srs_kind, circuit.srs_sha256, circuit.logrows, srs_file)
    timings = timings if timings is not None else Timings()
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-prove-") as tmp:
        data = Path(tmp) / "input.json"
        data.write_text(json.dumps(ezkl_input(samples)))
        raw = Path(tmp) / "proof.json"
        timings.add("prove", run_step("prove", input=data, compiled=circuit.paths.compiled,
                                      witness=Path(tmp) / "witness.json", vk=circuit.paths.vk,
                                      pk=pk, srs=srs.path, proof=raw))
        proof = make_proof_file(json.loads(raw.read_text()), circuit)
    Path(out).write_text(json.dumps(proof.as_dict(), indent=1) + "\n")
    return proof


def verify(proof: ProofFile, model_dir: Path, *, srs_file: Path | None = None) -> dict[str, Any]:
    """Verify a proof off chain against a version's circuit.

    Raises:
        ProofRejectedError: another circuit, readable values not the instances, or EZKL rejects it.
        ZkArtifactsError, ZkSrsError: the circuit or its SRS cannot be found.
        ZkToolMissingError, ZkToolCrashedError: EZKL missing or crashed.
    """
    circuit = load_circuit(Path(model_dir))
    check_against(proof, circuit)
    srs = srs_for_artifacts(circuit.srs_kind, circuit.srs_sha256, circuit.logrows, srs_file)
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-verify-") as tmp:
        raw = Path(tmp) / "proof.json"
        raw.write_text(json.dumps(proof.ezkl))
        result = run_step("verify", proof=raw, settings=circuit.paths.settings, vk=circuit.paths.vk,
                          srs=srs.path)
    if not result.data.get("valid"):
        raise ProofRejectedError(f"proof rejected off chain: {result.data.get('reason') or 'invalid proof'}")
    return {"valid": True, "vk_sha256": circuit.vk_sha256, "output": proof.output,
            "srs": srs.kind, "wall_s": round(result.wall_s, 3)}


def regenerate_verifier(model_dir: Path, *, srs_file: Path | None = None) -> str:
    """The Solidity verifier rendered again from the pinned verifying key and settings.

    Raises:
        ZkArtifactsError, ZkSrsError: artifacts or SRS missing.
        ZkToolMissingError, ZkToolCrashedError, ZkError: the EZKL step failed.
    """
    circuit = load_circuit(Path(model_dir))
    srs = srs_for_artifacts(circuit.srs_kind, circuit.srs_sha256, circuit.logrows, srs_file)
    with tempfile.TemporaryDirectory(prefix="modelgov-zk-sol-") as tmp:
        sol = Path(tmp) / "Verifier.sol"
        _render_verifier(circuit.paths.vk, circuit.paths.settings, srs, sol)
        return sol.read_text()


def load(model_dir: Path) -> Circuit:
    """The circuit of a version folder (see :func:`modelgov.zk.artifacts.load_circuit`)."""
    return load_circuit(Path(model_dir))
