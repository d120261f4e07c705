"""zkML benchmark: the demo MLP's circuit with EZKL (every step in a subprocess, as modelgov runs it).

Measured in one run, with the pipeline's defaults (:mod:`modelgov.zk.pipeline`): development SRS
generation, ``zk build`` (settings + calibration + compile, setup, Solidity verifier, weights
commitment, accuracy witnesses), ``zk setup`` (proving key regenerated from the pinned artifacts),
``zk prove`` (wall time, CPU time and the prover subprocess's peak RSS, best and median of 3),
off-chain verify; a second version built ``--like`` the first (shares its verifier). On a fresh
anvil with the suite deployed: the shared EZKL verifier's deployment (= what a new verifier per
version costs), the factory (once per chain), each version's clone + ``bindVerifier`` (= the
per-version set-up), and ``verifyProof`` transactions straight to the shared verifier and through
the version's clone. Accuracy: the quantized circuit's outputs (EZKL witness) against the float
model on held-out samples of the demo's synthetic batch. Then a frontier of other settings (one
prove each, verify gas, accuracy): set ``MODELGOV_BENCH_ZK_FRONTIER=0`` to skip it.

``run()`` returns a markdown section; ``python bench/bench_zk.py`` prints it. Set
``MODELGOV_BENCH_RPC`` (e.g. http://127.0.0.1:28545) to run anvil on another port than 8545.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".toolchain" / "solcx"))
os.environ.setdefault("APE_DISABLE_PLUGIN_UPDATE_CHECK", "1")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

PROVES = 3
ACCURACY_SAMPLES = 64
#: The figure commonly quoted for EZKL on a modern CPU (a ~1M-parameter model).
QUOTED_PARAMS = 1_000_000
QUOTED_PROVE_S = (30.0, 120.0)
GOALS = {"prove_s": 4.0, "rss_mib": 1024.0, "verify_gas": 500_000, "setup_gas": 250_000}
#: Other settings measured beside the chosen ones (name, build keyword arguments).
FRONTIER: list[tuple[str, dict[str, Any]]] = [
    ("polycommit, 1 col, scale 13", {"num_inner_cols": 1, "scale": 13}),
    ("polycommit, 2 cols, scale 13", {"num_inner_cols": 2, "scale": 13}),
    ("polycommit, 4 cols, scale 13", {"num_inner_cols": 4, "scale": 13}),
    ("polycommit, 1 col, scale 10", {"num_inner_cols": 1, "scale": 10}),
    ("fixed, 1 col, scale 13", {"num_inner_cols": 1, "scale": 13, "params": "fixed"}),
    ("fixed, 2 cols, scale 13", {"num_inner_cols": 2, "scale": 13, "params": "fixed"}),
]


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def _accuracy(folder: Path, n: int) -> dict[str, float]:
    from modelgov.demo import mlp
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.onnx_model import run_onnx
    from modelgov.zk.proof import felt_to_int
    from modelgov.zk.runner import run_step

    circuit = load_circuit(folder)
    x, y = mlp._data()
    x, y = x[-n:], y[-n:]  # samples not used for calibration (the first 16)
    with tempfile.TemporaryDirectory() as tmp:
        out = run_step("quantized_outputs", compiled=circuit.paths.compiled,
                       witness=Path(tmp) / "w.json", inputs=x.tolist()).data["outputs"]
    q = np.asarray([[felt_to_int(f) / 2**circuit.output_scale for f in row] for row in out])
    ref = run_onnx(circuit.paths.onnx, x)
    err = np.abs(q - ref)
    return {"samples": n, "max_abs": float(err.max()), "mean_abs": float(err.mean()),
            "max_out": float(np.abs(ref).max()),
            "argmax_agree": float((q.argmax(1) == ref.argmax(1)).mean()),
            "acc_float": float((ref.argmax(1) == y).mean()), "acc_circuit": float((q.argmax(1) == y).mean())}


def _prove(folder: Path, inp: Path, out: Path, n: int) -> dict[str, list[float]]:
    from modelgov.zk import pipeline

    walls, cpus, rss = [], [], []
    for _ in range(n):
        timings = pipeline.Timings()
        pipeline.prove(folder, inp, out, timings=timings)
        step = timings.steps["prove"]
        walls.append(step["wall_s"])
        cpus.append(step["cpu_s"])
        rss.append(step["peak_rss_mib"])
    return {"walls": walls, "cpus": cpus, "rss": rss}


def _versions(root: Path, calibration: Path, inp: Path) -> dict[str, Any]:
    """Two versions of one architecture with the pipeline's defaults: built, set up, proven."""
    from modelgov.demo import mlp
    from modelgov.zk import pipeline
    from modelgov.zk.proof import load_proof

    w1, _ = mlp.train(mlp.initial_weights())
    w2, _ = mlp.train(w1)
    a = mlp.write_model(root / "va", w1, 1)
    b = mlp.write_model(root / "vb", w2, 2)
    t0 = time.perf_counter()
    report = pipeline.build(a, calibration=calibration)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report_b = pipeline.build(b, calibration=calibration, like=a)
    build_b_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    setup = pipeline.setup(a)
    setup_s = time.perf_counter() - t0
    load = _load()
    proves = _prove(a, inp, root / "va-proof.json", PROVES)
    _prove(b, inp, root / "vb-proof.json", 1)
    t0 = time.perf_counter()
    pipeline.verify(load_proof(root / "va-proof.json"), a)
    verify_s = time.perf_counter() - t0
    return {"a": a, "b": b, "meta": report.meta, "steps": report.timings.steps, "build_s": build_s,
            "build_b_s": build_b_s, "same_vk": report.meta["vk_sha256"] == report_b.meta["vk_sha256"],
            "setup_s": setup_s, "setup_rss": setup["steps"]["setup"]["peak_rss_mib"], "load": load,
            **proves, "verify_s": verify_s, "pk_mib": Path(setup["pk"]).stat().st_size / 2**20,
            "zk_bytes": sum(p.stat().st_size for p in (a / "zk").iterdir() if p.is_file())}


def _provider() -> Any:
    from ape import networks

    settings = {"host": os.environ["MODELGOV_BENCH_RPC"]} if os.environ.get("MODELGOV_BENCH_RPC") else None
    return networks.ethereum.local.use_provider("foundry", provider_settings=settings)


def _chain(v: dict[str, Any], root: Path) -> dict[str, Any]:
    """Shared verifier, factory, clones + bindVerifier, and verifyProof gas (direct / clone)."""
    from ape import accounts
    from ape.logging import logger

    from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite
    from modelgov.chain.zk_verifier import (
        create_bound_verifier,
        deploy_factory,
        deploy_verifier,
        verify_on_chain,
        verify_transaction,
    )
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.check import compile_pinned
    from modelgov.zk.proof import load_proof

    logger.set_level("WARNING")
    with _provider():
        acct = accounts.test_accounts[0]
        submitter = accounts.test_accounts[1]
        suite = deploy_suite(acct, LOCAL_PARAMS)
        governance = accounts.test_accounts[suite.timelock.address]
        governance.balance += 10**20
        registry = suite.registry
        shared = deploy_verifier(acct, compile_pinned(v["a"]))
        factory = deploy_factory(acct)
        out: dict[str, Any] = {"shared_deploy": shared.gas_used, "runtime": shared.runtime_bytes, "factory_deploy": factory.gas_used}
        registry.createModel("bench-zk", b"", sender=governance)
        mid = registry.modelIdOf("bench-zk")
        for name, folder in (("a", v["a"]), ("b", v["b"])):
            commitment = bytes.fromhex(load_circuit(folder).meta["weights_commitment"][2:])
            registry.submitVersion(mid, (bytes.fromhex("01551220") + bytes([ord(name)]) * 32, b"\x00" * 32,
                                         bytes([ord(name)]) * 32, b"", "unixfs-v1-2025", 0, []), sender=submitter)
            vid = registry.versionCount()
            clone = create_bound_verifier(factory.address, shared.address, commitment, sender=submitter)
            bind = registry.bindVerifier(vid, clone.value.address, sender=submitter)
            out[f"clone_{name}"] = clone.gas_used
            out[f"bind_{name}"] = int(bind.gas_used)
            out[f"address_{name}"] = clone.value.address
        proof = load_proof(root / "va-proof.json")
        verify_on_chain(out["address_a"], proof)
        out["verify_direct"] = verify_transaction(shared.address, proof, sender=acct).value
        out["verify_clone"] = verify_transaction(out["address_a"], proof, sender=acct).value
        out["proof_bytes"] = len(proof.proof_bytes)
        out["calldata_bytes"] = 4 + 32 * 4 + len(proof.proof_bytes) + 32 * len(proof.instances)
    return out


def _frontier(root: Path, calibration: Path, inp: Path, chosen: dict[str, Any]) -> list[dict[str, Any]]:
    """Other settings: build, one prove, accuracy, verifier deployment + verify gas (direct)."""
    from ape import accounts

    from modelgov.chain.zk_verifier import deploy_verifier, verify_transaction
    from modelgov.demo import mlp
    from modelgov.zk import pipeline
    from modelgov.zk.check import compile_pinned
    from modelgov.zk.proof import load_proof

    rows = []
    w1, _ = mlp.train(mlp.initial_weights())
    for i, (name, kwargs) in enumerate(FRONTIER):
        if all(chosen.get(k) == val for k, val in {"params": "polycommit", **kwargs}.items()):
            continue
        row: dict[str, Any] = {"name": name, "load": _load()}
        try:
            folder = mlp.write_model(root / f"frontier-{i}", w1, 1)
            meta = pipeline.build(folder, calibration=calibration, **kwargs).meta
            pipeline.setup(folder)
            row.update(logrows=meta["logrows"], **_prove(folder, inp, root / f"frontier-{i}.json", 1),
                       acc=_accuracy(folder, ACCURACY_SAMPLES))
            with _provider():
                acct = accounts.test_accounts[0]
                deployed = deploy_verifier(acct, compile_pinned(folder))
                proof = load_proof(root / f"frontier-{i}.json")
                row.update(deploy=deployed.gas_used, proof_bytes=len(proof.proof_bytes),
                           verify=verify_transaction(deployed.address, proof, sender=acct).value)
        except Exception as exc:  # noqa: BLE001 - one setting failing (e.g. EIP-170) is a result
            row["error"] = " ".join(str(exc).split())[:160]
        rows.append(row)
    return rows


def measure() -> dict[str, Any]:
    from modelgov.demo import mlp
    from modelgov.zk import pipeline
    from modelgov.zk.runner import run_step

    with tempfile.TemporaryDirectory(prefix="bench-zk-") as tmp:
        root = Path(tmp)
        os.environ["MODELGOV_HOME"] = str(root / "home")
        os.environ["MODELGOV_ZK_SRS_DIR"] = str(root / "srs")
        (root / "srs").mkdir()
        x, _ = mlp._data()
        calibration = root / "calibration.json"
        calibration.write_text(json.dumps(x[:16].tolist()))
        inp = root / "input.json"
        inp.write_text(json.dumps(x[-1].tolist()))
        t0 = time.perf_counter()
        srs = run_step("gen_srs", srs=root / "srs" / f"dev-k{CHOSEN_LOGROWS}.srs", logrows=CHOSEN_LOGROWS)
        srs_s = time.perf_counter() - t0
        v = _versions(root, calibration, inp)
        acc = _accuracy(v["a"], ACCURACY_SAMPLES)
        chain = _chain(v, root)
        chosen = {"params": pipeline.DEFAULT_PARAMS, "num_inner_cols": pipeline.DEFAULT_INNER_COLS,
                  "scale": pipeline.DEFAULT_SCALE}
        frontier = (_frontier(root, calibration, inp, chosen)
                    if os.environ.get("MODELGOV_BENCH_ZK_FRONTIER", "1") != "0" else [])
    return {"srs_s": srs_s, "srs_rss": srs.peak_rss_bytes / 2**20, "v": v, "acc": acc, "chain": chain,
            "frontier": frontier, "params": 128 * 512 + 512 + 512 * 10 + 10}


#: logrows of the default circuit (the development SRS generated once per logrows is timed).
CHOSEN_LOGROWS = 17


def _fmt(s: float) -> str:
    return f"{s:.1f} s"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(m: dict[str, Any]) -> str:
    v, a, ch = m["v"], m["acc"], m["chain"]
    meta, steps = v["meta"], v["steps"]
    best, med = min(v["walls"]), statistics.median(v["walls"])
    cpu = statistics.median(v["cpus"])
    scale_1m = QUOTED_PARAMS / m["params"]
    setup_clone = ch["clone_b"] + ch["bind_b"]
    setup_new = ch["shared_deploy"] + ch["bind_b"]
    rows = [
        (f"dev SRS generation (logrows {CHOSEN_LOGROWS})", _fmt(m["srs_s"]), f"{m['srs_rss']:.0f} MiB",
         "once per logrows per machine"),
        ("`zk build`: settings + calibration + compile", _fmt(steps["compile"]["wall_s"]),
         f"{steps['compile']['peak_rss_mib']:.0f} MiB", ""),
        ("`zk build`: setup (vk + pk)", _fmt(steps["setup"]["wall_s"]), f"{steps['setup']['peak_rss_mib']:.0f} MiB",
         f"pk {v['pk_mib']:.0f} MiB (cached, not pinned; one per architecture)"),
        ("`zk build`: Solidity verifier", _fmt(steps["verifier"]["wall_s"]),
         f"{steps['verifier']['peak_rss_mib']:.0f} MiB", ""),
        ("`zk build`: weights commitment", _fmt(steps["commitment"]["wall_s"]), "", "EZKL witness, no proof"),
        ("`zk build`: accuracy witnesses (16)", _fmt(steps["accuracy"]["wall_s"]), "", ""),
        ("`zk build` total (first version)", _fmt(v["build_s"]), "",
         f"zk/ artifacts {v['zk_bytes'] / 2**20:.1f} MiB pinned"),
        ("`zk build --like` (next version, same settings)", _fmt(v["build_b_s"]), "",
         f"same verifying key: {'yes' if v['same_vk'] else '**no**'}"),
        ("`zk setup` (pk regenerated, vk checked)", _fmt(v["setup_s"]), f"{v['setup_rss']:.0f} MiB", ""),
        (f"`zk prove` wall (best / median of {len(v['walls'])})", f"{best:.1f} / {med:.1f} s",
         f"{max(v['rss']):.0f} MiB", f"goal ≤ {GOALS['prove_s']:.0f} s: {_met(med <= GOALS['prove_s'])}; "
         f"≤ 1 GiB: {_met(max(v['rss']) <= GOALS['rss_mib'])}"),
        ("`zk prove` CPU time (user + system, best / median)", f"{min(v['cpus']):.1f} / {cpu:.1f} s", "",
         f"≈ {min(v['cpus']) / 2:.1f} s wall on 2 idle cores if both stay busy: "
         f"{_met(min(v['cpus']) / 2 <= GOALS['prove_s'])}"),
        ("`zk verify` off chain", _fmt(v["verify_s"]), "", ""),
    ]
    lines = [
        "## zk: verifiable inference of the demo MLP (EZKL 23.0.5)",
        "",
        f"Demo MLP 128→512→10 ({m['params']:,} parameters), params `{meta['visibility']['param_visibility']}`, "
        f"input and output public ({meta['public_instances']} instances), scale {meta['scale']}, num_inner_cols "
        f"{meta['num_inner_cols']}, logrows {meta['logrows']} ({meta['num_rows']:,} rows), development SRS. "
        f"{os.cpu_count()} cores, shared with other jobs while measured (wall times vary ×1.5–2 with load; "
        "CPU time is the steadier figure).",
        "",
        f"Load average (1 / 5 / 15 min) when the prover started: {v['load']}.",
        "",
        "| step | wall | peak RSS (subprocess) | note |",
        "|---|---:|---:|---|",
        *[f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in rows],
        "",
        "| on chain (anvil; verifier: solcjs 0.8.28, optimizer runs 1) | gas | goal |",
        "|---|---:|---|",
        f"| shared EZKL verifier deployment ({ch['runtime']:,} B runtime; once per architecture) | "
        f"{ch['shared_deploy']:,} | |",
        f"| WeightsBoundVerifierFactory deployment (once per chain) | {ch['factory_deploy']:,} | |",
        f"| **per-version set-up, new verifier**: verifier deployment + `bindVerifier` | {setup_new:,} | "
        f"≤ {GOALS['setup_gas']:,}: {_met(setup_new <= GOALS['setup_gas'])} |",
        f"| **per-version set-up, clone**: `factory.create` ({ch['clone_b']:,}) + `bindVerifier` ({ch['bind_b']:,}) | "
        f"{setup_clone:,} | ≤ {GOALS['setup_gas']:,}: {_met(setup_clone <= GOALS['setup_gas'])} |",
        f"| `verifyProof` transaction, shared verifier directly (never bound alone: binds no weights) | "
        f"{ch['verify_direct']:,} | |",
        f"| `verifyProof` transaction through the version's clone (what a version binds) | {ch['verify_clone']:,} | "
        f"≤ {GOALS['verify_gas']:,}: {_met(ch['verify_clone'] <= GOALS['verify_gas'])} |",
        f"| proof / calldata | {ch['proof_bytes']:,} B / {ch['calldata_bytes']:,} B | |",
        "",
        f"Accuracy of the quantized circuit vs the float model on {a['samples']} held-out samples of the demo "
        f"batch: max |logit error| {a['max_abs']:.4f} (logits up to {a['max_out']:.1f}), mean {a['mean_abs']:.4f}, "
        f"argmax agreement {a['argmax_agree']:.1%}; label accuracy float {a['acc_float']:.1%} vs circuit "
        f"{a['acc_circuit']:.1%}.",
        "",
    ]
    if m["frontier"]:
        lines += [
            "Other settings, measured in the same run (one prove each; verify gas straight to the verifier, "
            "a clone adds its overhead above):",
            "",
            "| setting | logrows | prove wall / CPU | peak RSS | proof | verifier deploy | verify gas | max \\|err\\| | "
            "argmax | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
            f"| **chosen**: {meta['visibility']['param_visibility']}, {meta['num_inner_cols']} cols, scale "
            f"{meta['scale']} | {meta['logrows']} | {med:.1f} / {cpu:.1f} s | {max(v['rss']):.0f} MiB | "
            f"{ch['proof_bytes']:,} B | {ch['shared_deploy']:,} | {ch['verify_direct']:,} | {a['max_abs']:.4f} | "
            f"{a['argmax_agree']:.0%} | {v['load']} |",
        ]
        for r in m["frontier"]:
            if "error" in r:
                lines.append(f"| {r['name']} | {r.get('logrows', '')} | failed: {r['error']} | | | | | | | {r['load']} |")
                continue
            lines.append(f"| {r['name']} | {r['logrows']} | {r['walls'][0]:.1f} / {r['cpus'][0]:.1f} s | "
                         f"{r['rss'][0]:.0f} MiB | {r['proof_bytes']:,} B | {r['deploy']:,} | {r['verify']:,} | "
                         f"{r['acc']['max_abs']:.4f} | {r['acc']['argmax_agree']:.0%} | {r['load']} |")
        lines.append("")
    lines += [
        f"Against the commonly quoted figure (~1M parameters prove in {QUOTED_PROVE_S[0]:.0f}–"
        f"{QUOTED_PROVE_S[1]:.0f} s on a modern CPU): {med:.1f} s wall / {cpu:.1f} CPU-s for {m['params']:,} "
        f"parameters here; scaled linearly (rows grow with the parameters, proving is ~linear in rows × "
        f"columns) 1M parameters would take ~{cpu * scale_1m:.0f} CPU-s, i.e. ~{cpu * scale_1m / 2:.0f} s on 2 idle "
        f"cores and ~{cpu * scale_1m / 16:.0f} s on 16 if it scaled perfectly.",
        "",
    ]
    return "\n".join(lines)


def run() -> str:
    return render(measure())


if __name__ == "__main__":
    print(run())
