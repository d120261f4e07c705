"""The EZKL subprocess: ``python -m modelgov.zk._worker REQUEST.json RESULT.json``.

One request = one EZKL step. The worker imports ``ezkl`` (only here), runs the step, writes a
JSON result and ends with ``os._exit`` (the extension sometimes crashes at interpreter exit; the
parent never imports it). Exit codes: 0 ok, 3 the step failed (message in the result), 4 ezkl or
onnx missing, 2 a malformed request. Anything else (a signal) is a crash, see
:mod:`modelgov.zk.runner`.

Only what the parent asks is done here; policies (which SRS, where artifacts live) are decided
by the parent.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

EXIT_OK = 0
EXIT_BAD_REQUEST = 2
EXIT_FAILED = 3
EXIT_MISSING = 4


def _run_args(req: dict[str, Any], ezkl: ModuleType) -> Any:
    ra = ezkl.PyRunArgs()
    ra.input_visibility = req["input_visibility"]
    ra.output_visibility = req["output_visibility"]
    ra.param_visibility = req["param_visibility"]
    ra.input_scale = int(req["scale"])
    ra.param_scale = int(req["scale"])
    ra.num_inner_cols = int(req["num_inner_cols"])
    for key, value in (req.get("run_args") or {}).items():  # tuning knobs (bench/bench_zk.py)
        setattr(ra, key, value)
    return ra


def op_settings(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """gen_settings → calibrate_settings (on the given data, at the given scale) → compile; with
    ``settings_from``, that circuit's settings are used as they are (same architecture)."""
    if req.get("settings_from"):
        with open(req["settings_from"]) as f, open(req["settings"], "w") as out:
            out.write(f.read())
    else:
        ezkl.gen_settings(req["onnx"], req["settings"], py_run_args=_run_args(req, ezkl))
        ezkl.calibrate_settings(req["calibration"], req["onnx"], req["settings"], req["target"], 1.0,
                                [int(req["scale"])], [1], req.get("max_logrows"))
    if not ezkl.compile_circuit(req["onnx"], req["compiled"], req["settings"]):
        raise RuntimeError("compile_circuit returned false")
    with open(req["settings"]) as f:
        settings = json.load(f)
    return {"logrows": settings["run_args"]["logrows"], "num_rows": settings.get("num_rows")}


def op_gen_srs(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """A development SRS for ``logrows`` (its secret is known to this machine)."""
    ezkl.gen_srs(req["srs"], int(req["logrows"]))
    return {}


def op_setup(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """Verifying and proving keys of a compiled circuit."""
    if not ezkl.setup(req["compiled"], req["vk"], req["pk"], req["srs"], None, False):
        raise RuntimeError("setup returned false")
    return {}


def op_prove(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """Witness of one input, then a proof; the proof JSON is written to ``proof``."""
    t0 = time.perf_counter()
    ezkl.gen_witness(req["input"], req["compiled"], req["witness"], req["vk"], req["srs"])
    t1 = time.perf_counter()
    ezkl.prove(req["witness"], req["compiled"], req["pk"], req["proof"], req["srs"])
    return {"witness_s": t1 - t0, "prove_s": time.perf_counter() - t1}


def op_verify(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """Off-chain verification; ``valid`` false when EZKL rejects the proof."""
    try:
        valid = bool(ezkl.verify(req["proof"], req["settings"], req["vk"], req["srs"], False))
        reason = ""
    except Exception as exc:  # EZKL raises on a malformed or rejected proof
        valid, reason = False, " ".join(str(exc).split())[:300]
    return {"valid": valid, "reason": reason}


def op_commitment(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """The KZG commitments of the circuit's parameter columns (``polycommit``), as EZKL computes
    them for a witness (any input gives the same points: the columns are unblinded)."""
    with open(req["data"], "w") as f:
        json.dump({"input_data": [req["input"]]}, f)
    ezkl.gen_witness(req["data"], req["compiled"], req["witness"], req["vk"], req["srs"])
    with open(req["witness"]) as f:
        params = json.load(f).get("processed_params") or {}
    return {"points": [str(p) for group in (params.get("polycommit") or []) for p in group]}


def op_quantized_outputs(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """The circuit's output field elements for each input in ``inputs`` (witness only)."""
    outputs: list[list[str]] = []
    data_path = req["witness"] + ".input.json"
    for sample in req["inputs"]:
        with open(data_path, "w") as f:
            json.dump({"input_data": [sample]}, f)
        ezkl.gen_witness(data_path, req["compiled"], req["witness"], None, None)
        with open(req["witness"]) as f:
            outputs.append([str(v) for v in json.load(f)["outputs"][0]])
    return {"outputs": outputs}


def op_witness_io(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """The circuit's input and output field elements for one input (witness only)."""
    with open(req["data"], "w") as f:
        json.dump({"input_data": [req["input"]]}, f)
    ezkl.gen_witness(req["data"], req["compiled"], req["witness"], None, None)
    with open(req["witness"]) as f:
        witness = json.load(f)
    return {"inputs": [str(v) for v in witness["inputs"][0]],
            "outputs": [str(v) for v in witness["outputs"][0]]}


def op_evm_verifier(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """Render the Solidity verifier of a verifying key (EZKL needs a running asyncio loop)."""

    async def render() -> None:
        out = ezkl.create_evm_verifier(req["vk"], req["settings"], req["sol"], req["abi"],
                                       req["srs"], False)
        if inspect.isawaitable(out):
            await out

    asyncio.run(render())
    if not os.path.isfile(req["sol"]):
        raise RuntimeError("create_evm_verifier wrote no Solidity file")
    return {}


def op_calldata(req: dict[str, Any], ezkl: ModuleType) -> dict[str, Any]:
    """EVM calldata (``verifyProof(bytes,uint256[])``) of a proof file, as hex."""
    data = ezkl.encode_evm_calldata(req["proof"], req["calldata"], None)
    return {"calldata": "0x" + bytes(data).hex()}


OPS: dict[str, Callable[[dict[str, Any], ModuleType], dict[str, Any]]] = {
    "settings": op_settings,
    "gen_srs": op_gen_srs,
    "setup": op_setup,
    "prove": op_prove,
    "verify": op_verify,
    "commitment": op_commitment,
    "quantized_outputs": op_quantized_outputs,
    "witness_io": op_witness_io,
    "evm_verifier": op_evm_verifier,
    "calldata": op_calldata,
}


def _write(path: str, obj: dict[str, Any]) -> None:
    with open(path, "w") as f:
        json.dump(obj, f)
        f.flush()
        os.fsync(f.fileno())


def main(argv: list[str]) -> int:
    """Run one request; returns the exit code (the caller passes it to ``os._exit``)."""
    if len(argv) != 2:
        return EXIT_BAD_REQUEST
    request_path, result_path = argv
    try:
        with open(request_path) as f:
            req = json.load(f)
        op = OPS[req["op"]]
    except (OSError, ValueError, KeyError) as exc:
        _write(result_path, {"ok": False, "error": f"bad request: {exc}"})
        return EXIT_BAD_REQUEST
    try:
        import ezkl
    except ImportError as exc:
        _write(result_path, {"ok": False, "error": f"ezkl is not installed ({exc})"})
        return EXIT_MISSING
    t0 = time.perf_counter()
    try:
        out = op(req, ezkl)
    except Exception as exc:  # EZKL raises RuntimeError/ValueError/its own types
        _write(result_path, {"ok": False, "error": " ".join(f"{type(exc).__name__}: {exc}".split())[:800]})
        return EXIT_FAILED
    out.update({"ok": True, "seconds": time.perf_counter() - t0})
    _write(result_path, out)
    return EXIT_OK


if __name__ == "__main__":
    sys.stdout.flush()
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
