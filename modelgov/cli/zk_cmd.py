"""``modelgov zk build|setup|prove|verify|deploy|check``: verifiable inference for a version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from modelgov.cli._chain import account_option, client, network_option
from modelgov.cli._common import echo_json, json_option

_dir = click.Path(exists=True, file_okay=False, path_type=Path)
_file = click.Path(exists=True, dir_okay=False, path_type=Path)
srs_option = click.option("--srs", "srs_file", type=_file, default=None,
                          help="KZG ceremony SRS file; default: a development SRS made on this "
                               "machine (local chain only).")


def _progress(as_json: bool) -> Callable[[str], None] | None:
    """Progress lines on stderr (none with --json)."""
    return None if as_json else (lambda text: click.echo(f"… {text}", err=True))


@click.group()
def zk() -> None:
    """Circuits, proofs and verifiers of model versions (EZKL)."""


@zk.command("build")
@click.argument("model_dir", type=_dir)
@click.option("--calibration", type=_file, default=None,
              help="JSON samples to calibrate on (default: MODEL_DIR/zk/calibration.json).")
@srs_option
@click.option("--scale", type=click.IntRange(1, 16), default=13, show_default=True,
              help="Fixed-point scale (bits) of inputs and weights.")
@click.option("--inner-cols", type=click.Choice(["1", "2", "4", "8"]), default="1", show_default=True,
              help="EZKL num_inner_cols (more columns: fewer rows, more memory).")
@click.option("--params", type=click.Choice(["polycommit", "fixed"]), default="polycommit", show_default=True,
              help="polycommit: weights committed in the proof (one verifier per architecture, a "
                   "cheap clone per version); fixed: weights in the verifying key (a verifier per version).")
@click.option("--like", type=_dir, default=None,
              help="Another version folder: reuse its circuit settings (no calibration) so both share "
                   "one verifier when the ONNX graphs match.")
@json_option
def zk_build(model_dir: Path, calibration: Path | None, srs_file: Path | None, scale: int,
             inner_cols: str, params: str, like: Path | None, as_json: bool) -> None:
    """Turn a version folder into its circuit (MODEL_DIR/zk/); the proving key goes to the cache."""
    from modelgov.zk.pipeline import build

    report = build(model_dir, calibration=calibration, srs_file=srs_file, scale=scale,
                   num_inner_cols=int(inner_cols), params=params, like=like, progress=_progress(as_json))
    if as_json:
        echo_json(report.as_dict())
        return
    meta, acc = report.meta, report.meta["accuracy"]
    click.echo(f"circuit in {report.folder}: logrows {meta['logrows']}, {meta['public_instances']} public "
               f"instances, {meta['srs']['kind']} SRS, vk {meta['vk_sha256'][:12]}…")
    click.echo(f"accuracy vs float on {acc['samples']} samples: max |error| {acc['max_abs_error']:.4f}, "
               f"argmax agreement {acc['argmax_agreement']:.0%}")
    if like is not None:
        click.echo(f"shares the verifier of {like}" if meta["same_vk_as_settings_source"] else
                   f"does NOT share the verifier of {like}: the graphs differ (e.g. all-zero biases are "
                   "simplified away), its verifying key is another one")


@zk.command("setup")
@click.argument("model_dir", type=_dir)
@srs_option
@json_option
def zk_setup(model_dir: Path, srs_file: Path | None, as_json: bool) -> None:
    """Regenerate the proving key from the pinned artifacts and the SRS (checked against vk.key)."""
    from modelgov.zk.pipeline import setup

    result = setup(model_dir, srs_file=srs_file, progress=_progress(as_json))
    echo_json(result) if as_json else click.echo(f"proving key ready: {result['pk']}")


@zk.command("prove")
@click.option("--model-dir", type=_dir, default=None, help="A version folder (with zk/).")
@click.option("--version", "version_id", type=click.IntRange(min=1), default=None,
              help="A registered version: fetched by its CID (IPFS) and checked, then proven.")
@click.option("--model", "model_name", default=None, help="A registered model: its active version.")
@click.option("--input", "input_file", type=_file, required=True, help="JSON: one input sample.")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write the proof file.")
@srs_option
@network_option
@json_option
def zk_prove(model_dir: Path | None, version_id: int | None, model_name: str | None, input_file: Path,
             out: Path, srs_file: Path | None, network: str, as_json: bool) -> None:
    """Prove one inference of a version: writes the answer and its proof."""
    from modelgov.errors import ValidationError
    from modelgov.zk.pipeline import Timings, prove

    if sum(x is not None for x in (model_dir, version_id, model_name)) != 1:
        raise ValidationError("give exactly one of --model-dir, --version, --model")
    version: dict[str, object] = {}
    if model_dir is None:
        model_dir, version = _registered_folder(network, version_id, model_name)
    timings = Timings()
    proof = prove(model_dir, input_file, out, srs_file=srs_file, timings=timings)
    if as_json:
        echo_json({"proof": str(out), "output": proof.output, "vk_sha256": proof.vk_sha256,
                   "model_dir": str(model_dir), **version, "steps": timings.steps})
        return
    step = timings.steps["prove"]
    click.echo(f"output {[round(v, 4) for v in proof.output]}")
    click.echo(f"proof written to {out} ({step['wall_s']:.1f} s, peak RSS {step['peak_rss_mib']:.0f} MiB)")


def _registered_folder(network: str, version_id: int | None,
                       model_name: str | None) -> tuple[Path, dict[str, object]]:
    """The folder of a registered version (fetched and checked by CID) and what identifies it."""
    from modelgov.chain.zk_versions import version_folder, version_record

    with client(network) as gov:
        record = version_record(gov.registry, version_id=version_id, model=model_name)
    return version_folder(record), {"version_id": record.version_id, "cid": record.cid}


@zk.command("verify")
@click.argument("proof_file", type=_file)
@click.option("--model-dir", type=_dir, default=None, help="Verify off chain against this version.")
@click.option("--verifier", default=None, help="Verify through the verifier contract at ADDRESS.")
@click.option("--version", "version_id", type=int, default=None,
              help="Verify through the verifier the registry binds to this version.")
@click.option("--model", "model_name", default=None,
              help="Verify through the verifier of this model's ACTIVE version (registry).")
@srs_option
@network_option
@json_option
def zk_verify(proof_file: Path, model_dir: Path | None, verifier: str | None,
              version_id: int | None, model_name: str | None, srs_file: Path | None,
              network: str, as_json: bool) -> None:
    """Check a proof off chain (--model-dir) and/or on chain (--verifier ADDRESS, or the verifier
    the registry binds to --version / to --model's active version); exit 1 if rejected."""
    from modelgov.errors import ValidationError
    from modelgov.zk.proof import load_proof

    if sum(x is not None for x in (verifier, version_id, model_name)) > 1:
        raise ValidationError("give one of --verifier, --version, --model")
    if model_dir is None and verifier is None and version_id is None and model_name is None:
        raise ValidationError("give --model-dir (off chain) and/or --verifier/--version/--model (on chain)")
    proof = load_proof(proof_file)
    result: dict[str, object] = {"output": proof.output, "vk_sha256": proof.vk_sha256}
    if version_id is not None or model_name is not None:
        verifier, result["version_id"] = _bound_verifier(network, version_id, model_name)
    if model_dir is not None:
        from modelgov.zk.pipeline import verify

        result["off_chain"] = verify(proof, model_dir, srs_file=srs_file)["valid"]
    if verifier is not None:
        from modelgov.chain.zk_verifier import verify_on_chain

        with client(network) as gov:
            result["on_chain"] = verify_on_chain(verifier, proof, gov)
        result["verifier"] = verifier
    if as_json:
        echo_json(result)
        return
    where = " and ".join(w for w, k in (("off chain", "off_chain"), (f"on chain ({verifier})", "on_chain"))
                         if k in result)
    click.echo(f"proof valid {where}: output {[round(v, 4) for v in proof.output]}")


def _bound_verifier(network: str, version_id: int | None, model_name: str | None) -> tuple[str, int]:
    """The verifier the registry binds to a version (or to a model's active version).

    Raises:
        NotFoundError: unknown version or model, no active version, or no verifier bound.
    """
    from modelgov.errors import NotFoundError

    with client(network) as gov:
        if version_id is not None:
            vid, address = version_id, gov.registry.verifier_of(version_id)
        else:
            record, address = gov.registry.active_verifier(model_name or "")
            vid = record.version_id
    if address is None:
        raise NotFoundError(f"version {vid} has no zk verifier bound (`modelgov version bind-verifier`)")
    return address, vid


@zk.command("deploy")
@click.argument("model_dir", type=_dir)
@click.option("--allow-dev-srs", is_flag=True,
              help="Allow a development SRS on a non-local network (proofs are forgeable).")
@network_option
@account_option
@json_option
def zk_deploy(model_dir: Path, allow_dev_srs: bool, network: str, account: str | None, as_json: bool) -> None:
    """Deploy the version's verifier: ADDRESS to bind with `modelgov version bind-verifier`.

    Weights committed (polycommit, the default): the EZKL verifier of the circuit architecture
    (deployed once, reused when recorded in the deployment file and its code matches) and the
    version's WeightsBoundVerifier clone (about 100k gas). Weights fixed: a new EZKL verifier."""
    from modelgov.chain.connection import network_name
    from modelgov.chain.zk_verifier import deploy_for_version
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.srs import check_network

    circuit = load_circuit(model_dir)
    check_network(circuit.srs_kind, network_name(network), allow_dev_srs)
    with client(network, account) as gov:
        result = deploy_for_version(gov, model_dir).to_json()
    result.update({"vk_sha256": circuit.vk_sha256, "srs": circuit.srs_kind})
    if as_json:
        echo_json(result)
        return
    if result["mode"] == "plain":
        click.echo(f"verifier {result['address']} ({result['gas_used']} gas, {circuit.srs_kind} SRS)")
        return
    steps = result["steps"]
    for name in ("factory", "verifier", "clone"):
        step = steps[name]
        how = "reused" if step["reused"] else f"deployed, {step['gas_used']:,} gas"
        click.echo(f"{name:8} {step['address']} ({how})")
    click.echo(f"bind {result['address']} to the version (set-up gas this run: {result['gas_used']:,})")


@zk.command("check")
@click.argument("model_dir", type=_dir)
@click.option("--verifier", default=None,
              help="Address of the deployed verifier to check (a version's weights-bound clone, or "
                   "a plain EZKL verifier for a circuit with fixed weights).")
@click.option("--version", "version_id", type=click.IntRange(min=1), default=None,
              help="Check the verifier the registry binds to this version.")
@srs_option
@network_option
@json_option
def zk_check(model_dir: Path, verifier: str | None, version_id: int | None, srs_file: Path | None,
             network: str, as_json: bool) -> None:
    """Re-derive the version's verifier and compare it with the deployed one: the EZKL verifier
    from the pinned vk + settings (compiled, runtime code compared) and, for committed weights,
    the clone's code, its implementation and its weights commitment (from the version's own
    weights)."""
    from modelgov.chain.zk_verifier import runtime_code
    from modelgov.errors import ValidationError
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.check import check_bound, check_deployed
    from modelgov.zk.commitment import is_polycommit

    if (verifier is None) == (version_id is None):
        raise ValidationError("give one of --verifier ADDRESS, --version ID")
    circuit = load_circuit(model_dir)
    if verifier is None:
        verifier, _ = _bound_verifier(network, version_id, None)
    with client(network) as gov:
        if is_polycommit(circuit):
            from modelgov.chain.zk_verifier import implementation_runtime

            codes: dict[str, bytes] = {}

            def code_at(address: str) -> bytes:
                if address not in codes:
                    codes[address] = runtime_code(address, gov)
                return codes[address]

            code_at(verifier)
            report = check_bound(model_dir, verifier, code_at, implementation_runtime(), srs_file=srs_file)
        else:
            report = check_deployed(model_dir, runtime_code(verifier, gov), srs_file=srs_file)
    report["verifier" if not is_polycommit(circuit) else "bound_verifier"] = verifier
    if as_json:
        echo_json(report)
        return
    if is_polycommit(circuit):
        click.echo(f"{verifier} is this version's verifier: clone of {report['implementation']} calling "
                   f"{report['verifier']} (vk {report['vk_sha256'][:12]}…, {report['runtime_bytes']} B, "
                   f"{report['compiler']}), weights commitment {report['weights_commitment'][:14]}…")
        return
    click.echo(f"{verifier} is this version's verifier (vk {report['vk_sha256'][:12]}…, "
               f"{report['runtime_bytes']} B, {report['compiler']})")
