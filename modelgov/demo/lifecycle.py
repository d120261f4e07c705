"""The whole modelgov lifecycle on local defaults, as library calls: what ``make demo`` runs.

1. start what is not running (anvil, the js-ipfs node, arlocal); deploy the suite; hand out votes;
   the DAO onboards the model, its auditors, a guardian and a steward through a proposal;
2. write demo-mlp v1, build its manifest, pin it to IPFS (CAR import) and Arweave, submit it;
   two auditors approve it (one by an offline EIP-712 signature that someone else relays);
   a member builds, simulates and submits the upgrade proposal; votes; queue; execute;
3. fetch the active version back by its CID and verify it against the manifest;
4. a steward funds a grant whose milestone asks for version 2; the grantee trains, pins and
   submits v2; auditors approve; the grantee claims the milestone; the steward approves and the
   treasury pays;
5. stop only the services this run started.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelgov.chain.client import ModelGov
from modelgov.demo.steps import Step, StepLog
from modelgov.errors import ModelGovError
from modelgov.paths import CHECKOUT_ROOT, state_dir

MODEL = "demo-mlp"
PROPOSALS = CHECKOUT_ROOT / "governance" / "proposals"
ONBOARD = PROPOSALS / "0001-onboard-demo-mlp.yaml"
UPGRADE = PROPOSALS / "0002-activate-demo-mlp-v1.yaml"
GRANT_AMOUNT = 1_000 * 10**18
TREASURY_DEPOSIT = 100_000 * 10**18

#: who is who (Ape test accounts on the local chain)
CAST = {
    "deployer": 0,
    "alice": 1,  # member, proposer (30 % of votes)
    "bob": 2,  # member (20 %), relays Eve's signed attestation
    "carol": 3,  # member (10 %)
    "dana": 4,  # auditor, attests on chain
    "eve": 5,  # auditor, signs offline
    "sam": 6,  # grants steward
    "gus": 7,  # grantee who trains v2
    "gil": 8,  # guardian
    "nina": 9,  # runs an inference-oracle node
}


@dataclass
class DemoResult:
    """What ``modelgov demo --json`` prints."""

    model_cid: str = ""
    arweave_tx: str = ""
    manifest_digest: str = ""
    proposal_id: str = ""
    proposal_state: str = ""
    active_cid: str = ""
    fetched_ok: bool = False
    grant_id: int = 0
    grant_released: str = "0"
    v2_cid: str = ""
    zk_verifier: str = ""
    zk_output: list[float] = field(default_factory=list)
    zk_verify_gas: int = 0
    oracle: dict[str, Any] = field(default_factory=dict)
    active_version_id: int = 0
    contracts: dict[str, str] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    total_gas: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextlib.contextmanager
def local_services(log: StepLog) -> Iterator[None]:
    """Start anvil, the IPFS node and arlocal unless running; stop those started here."""
    from modelgov.devnet import anvil, arlocal, ipfs_node

    started: list[Callable[[], bool]] = []
    try:
        for name, status, start, stop in (
            ("anvil", anvil.chain_status, anvil.start_chain, anvil.stop_chain),
            ("IPFS node", ipfs_node.status, ipfs_node.start, ipfs_node.stop),
            ("arlocal", arlocal.status, arlocal.start, arlocal.stop),
        ):
            if status().ready:
                log.add("modelgov", f"use running {name}", detail=status().url)
                continue
            st = start()
            started.append(stop)
            log.add("modelgov", f"start {name}", detail=f"{st.url} pid {st.pid}")
        yield
    finally:
        for stop in reversed(started):
            stop()


def run(work: Path | None = None, on_step: Callable[[Step], None] | None = None) -> DemoResult:
    """Run the whole lifecycle; returns the facts a script would check.

    Raises:
        ModelGovError: any step failed (the message says which).
    """
    import time

    began = time.monotonic()
    log = StepLog(on_step)
    work = work or state_dir() / "demo"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result = DemoResult()
    with local_services(log):
        from modelgov.chain.ape_env import connect

        with connect("local"):
            _Lifecycle(work, log, result).run()
    result.steps = log.as_list()
    result.total_gas = log.total_gas
    result.seconds = round(time.monotonic() - began, 1)
    return result


class _Lifecycle:
    def __init__(self, work: Path, log: StepLog, result: DemoResult) -> None:
        from ape import accounts, chain

        self.work, self.log, self.result = work, log, result
        self.chain = chain
        self.who = {name: accounts.test_accounts[i] for name, i in CAST.items()}
        self.suite: Any = None

    # ------------------------------------------------------------------ the story
    def run(self) -> None:
        self.deploy()
        self.onboard()
        v1 = self.release_version(1, parent=0)
        self.audit(v1["version_id"], relay_second=True)
        self.upgrade(v1)
        self.prove_inference(v1)
        self.oracle_answers(v1)
        self.fetch_and_verify(v1)
        self.grant_for_v2(v1)

    # ------------------------------------------------------------------ steps
    def deploy(self) -> None:
        from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite
        from modelgov.chain.deployments import write_deployment

        d = self.who["deployer"]
        self.suite = s = deploy_suite(d, LOCAL_PARAMS)
        self.gov = ModelGov.from_suite(s)
        path = write_deployment("ethereum:local:foundry", s.to_record(self.chain.chain_id))
        self.result.contracts = s.addresses()
        self.log.add("deployer", "deploy suite (token, timelock, governor, registry, treasury)",
                     detail=f"{path}")
        supply = s.params.initial_supply
        for name, share in (("alice", 30), ("bob", 20), ("carol", 10)):
            r = s.token.transfer(self.who[name], supply * share // 100, sender=d)
            self.log.add("deployer", f"transfer {share}% of MGOV to {name}", r)
            r = s.token.invoke_transaction("delegate", self.who[name], sender=self.who[name])
            self.log.add(name, "delegate votes to self", r)
        self.chain.mine(deltatime=1)

    def govern(self, path: Path, proposer: str = "alice") -> tuple[int, str]:
        """Build, simulate, then run a proposal file to execution (Governor.run: propose, vote,
        queue, execute, moving the local chain's clock between the steps)."""
        governor = self.gov.governor
        author = self.who[proposer]
        built = governor.build(path, proposer=str(author.address), manifest_roots=[self.work])
        report = governor.simulate(built)
        self.log.add(proposer, f"simulate {path.name}",
                     detail=f"{report.final_state}; " + "; ".join(report.changes or ["ok"]))
        votes = [(self.who[name], support) for name, support in
                 (("alice", "for"), ("bob", "for"), ("carol", "abstain"))]
        run = governor.run(built, proposer=author, votes=votes, executor=self.who["carol"],
                           reason="demo")
        for step, result in run.steps.items():
            if step == "propose":
                self.log.add(proposer, f"propose {path.name}", result.receipt, detail=f"id {run.proposal_id}")
            elif step.startswith("vote["):
                name, support = votes[int(step[5:-1])]
                voter = next(k for k, v in self.who.items() if v == name)
                self.log.add(voter, f"vote {support}", result.receipt)
            elif step == "queue":
                self.log.add(proposer, "queue in timelock", result.receipt)
            else:
                self.log.add("carol", "execute", result.receipt, detail=run.state)
        return run.proposal_id, run.state

    def onboard(self) -> None:
        """The onboarding proposal (which also allows MGOV in the treasury), then the deposit."""
        self.govern(ONBOARD)
        s, d = self.suite, self.who["deployer"]
        s.token.approve(s.treasury, TREASURY_DEPOSIT, sender=d)
        r = s.treasury.deposit(s.token, TREASURY_DEPOSIT, sender=d)
        self.log.add("deployer", "deposit 100,000 MGOV into the grant treasury", r)

    def release_version(self, number: int, parent: int, actor: str = "alice",
                        weights: Any = None) -> dict[str, Any]:
        """Write, manifest, pin (IPFS + Arweave) and submit one version of the model."""
        from modelgov import manifest as mf
        from modelgov.chain.registry import VersionInput
        from modelgov.cid.text import Cid
        from modelgov.demo import mlp
        from modelgov.storage import arweave as ar
        from modelgov.storage import ipfs
        from modelgov.storage.arweave_id import ArweaveId

        folder = self.work / f"{MODEL}-v{number}"
        weights = weights if weights is not None else mlp.initial_weights()
        mlp.write_model(folder, weights, number)
        if number == 1:  # the circuit lives in the version folder: its CID covers it
            self.build_circuit(folder, actor)
        manifest = mf.build(folder)
        digest = mf.write(manifest, self.work / f"{MODEL}-v{number}.manifest.json")
        self.log.add(actor, f"build manifest of v{number}",
                     detail=f"{manifest['root']['cid']} digest {digest[:18]}…")
        pinned = ipfs.pin_path(folder)
        if pinned.cid != manifest["root"]["cid"]:
            raise ModelGovError(f"IPFS root {pinned.cid} differs from manifest root")
        self.log.add(actor, f"pin v{number} to IPFS (CAR → dag/import)",
                     detail=f"{pinned.cid} ({pinned.size:,} bytes, {pinned.blocks} blocks)")
        changelog = self.work / f"CHANGELOG-v{number}.md"
        changelog.write_text(f"# {MODEL} v{number}\n\n"
                             + ("Initial release.\n" if number == 1 else
                                "Trained for 20 SGD steps on the synthetic batch (grant #1).\n"))
        changelog_cid = ipfs.pin_path(changelog).cid
        upload = ar.upload_file(
            folder / "model.safetensors",
            self._arweave_wallet(),
            ar.resolve_gateway(None),
            ar.model_tags(model=MODEL, version=str(number), ipfs_cid=pinned.cid,
                          manifest_digest=digest),
        )
        self.log.add(actor, f"upload v{number} weights to Arweave (chunks + proofs)",
                     detail=f"tx {upload.txid} ({upload.chunks} chunks, confirmed={upload.confirmed})")
        submitted = self.gov.registry.submit_version(
            MODEL,
            VersionInput(
                cid=Cid.parse(pinned.cid),
                arweave_tx=ArweaveId.parse(upload.txid),
                manifest_digest=digest,
                changelog_cid=Cid.parse(changelog_cid),
                import_profile=manifest["root"]["profile"],
                parent_version_id=parent or None,
            ),
            sender=self.who[actor],
        )
        version_id = submitted.value.version_id
        self.log.add(actor, f"submit version {version_id} to the registry", submitted.receipt)
        if number == 1:
            self.bind_verifier(folder, version_id, actor)
        if number == 1:
            self.result.model_cid = pinned.cid
            self.result.arweave_tx = upload.txid
            self.result.manifest_digest = digest
        return {"version_id": version_id, "cid": pinned.cid, "folder": folder,
                "manifest": manifest, "weights": weights}

    def _arweave_wallet(self) -> Any:
        from modelgov.storage.arweave_wallet import load_wallet, new_wallet

        path = state_dir() / "demo-arweave-wallet.json"  # kept across runs: RSA-4096 takes ~9 s
        if path.exists():
            return load_wallet(path)
        return new_wallet(path)

    def _report(self, text: str) -> str:
        from modelgov.storage import ipfs

        path = self.work / f"audit-{len(list(self.work.glob('audit-*')))}.md"
        path.write_text(text)
        return ipfs.pin_path(path).cid

    def audit(self, version_id: int, relay_second: bool) -> None:
        """Dana attests on chain; Eve signs offline and Bob relays (or Eve attests herself)."""
        from modelgov.chain import signing

        s, registry = self.suite, self.gov.registry
        cid = self._report(f"# Audit of version {version_id} by Dana\n\nWeights load; card valid.\n")
        done = registry.attest(version_id, "approve", cid, sender=self.who["dana"])
        self.log.add("dana", f"attest version {version_id}: approve", done.receipt, detail=f"report {cid}")
        cid = self._report(f"# Audit of version {version_id} by Eve\n\nManifest verified.\n")
        if not relay_second:
            done = registry.attest(version_id, "approve", cid, sender=self.who["eve"])
            self.log.add("eve", f"attest version {version_id}: approve", done.receipt, detail=f"report {cid}")
            return
        request = signing.AttestationRequest(
            chain_id=self.chain.chain_id,
            registry=str(s.registry.address),
            auditor=str(self.who["eve"].address),
            version_id=version_id,
            verdict=signing.verdict_code("approve"),
            report_cid=cid,
            nonce=registry.nonce_of(str(self.who["eve"].address), version_id),
            deadline=int(self.chain.pending_timestamp) + 3600,
        )
        signed = signing.sign_attestation(self.who["eve"], request)
        self.log.add("eve", f"sign attestation of version {version_id} offline (EIP-712)",
                     detail=f"digest 0x{request.digest().hex()[:16]}…")
        relayed = registry.relay(signed, sender=self.who["bob"])
        self.log.add("bob", "relay Eve's signed attestation (attestBySig)", relayed.receipt)

    def upgrade(self, v1: dict[str, Any]) -> None:
        pid, state = self.govern(UPGRADE)
        active = self.gov.registry.active_version(self.gov.registry.model_id(MODEL))
        self.result.proposal_id = str(pid)
        self.result.proposal_state = state
        self.result.active_cid = active.cid if active else ""
        if self.result.active_cid != v1["cid"]:
            raise ModelGovError(f"active CID {self.result.active_cid} is not the pinned {v1['cid']}")

    # ------------------------------------------------------------------ verifiable inference
    def build_circuit(self, folder: Path, actor: str) -> None:
        """EZKL circuit of the version (zk/: ONNX, settings, vk, Verifier.sol), calibrated on
        the model's own data; a development SRS (local chain only).

        EZKL's circuits are not byte-reproducible (its settings and compiled circuit follow Rust
        hash-map order, and the verifying key with them), so the demo keeps the circuit it built
        for these exact weights in ``$MODELGOV_HOME/zk/demo-circuits/`` and reuses it: a second
        run pins the same bytes (same CID). The pinned artifacts are the reference; ``zk check``
        regenerates the verifier from them. The key covers the pipeline's defaults (weights
        committed, scale, columns), so a circuit built with other defaults is not reused.
        """
        import hashlib
        import json

        from modelgov.demo import mlp
        from modelgov.zk import pipeline

        x, _ = mlp._data()
        samples = json.dumps(x[:16].tolist())
        defaults = json.dumps([pipeline.DEFAULT_PARAMS, pipeline.DEFAULT_SCALE, pipeline.DEFAULT_INNER_COLS])
        key = hashlib.sha256((folder / "model.safetensors").read_bytes() + samples.encode()
                             + defaults.encode()).hexdigest()
        cached = state_dir() / "zk" / "demo-circuits" / key[:32]
        if (cached / "meta.json").is_file():
            shutil.copytree(cached, folder / "zk", dirs_exist_ok=True)
            self.log.add(actor, "zk circuit of v1 (EZKL): reuse the one built for these weights",
                         detail=str(cached))
            return
        calibration = self.work / "zk-calibration.json"
        calibration.write_text(samples)
        report = pipeline.build(folder, calibration=calibration)
        wall = sum(step["wall_s"] for step in report.timings.steps.values())
        self.log.add(actor, "build the zk circuit of v1 (EZKL: ONNX, settings, keys, verifier)",
                     detail=f"logrows {report.meta.get('logrows')}, "
                     f"{report.meta.get('srs', {}).get('kind')} SRS, {wall:.1f} s")
        shutil.copytree(folder / "zk", cached.with_suffix(".partial"), dirs_exist_ok=True)
        cached.with_suffix(".partial").rename(cached)

    def bind_verifier(self, folder: Path, version_id: int, actor: str) -> None:
        """Deploy the version's verifier and bind it in the registry, before any audit: the
        circuit architecture's shared EZKL verifier (once) and the version's weights-bound clone."""
        from modelgov.chain.client import ModelGov
        from modelgov.chain.zk_verifier import deploy_for_version

        deployed = deploy_for_version(ModelGov.from_suite(self.suite, self.who[actor]), folder, record=False)
        parts = ", ".join(f"{name} {step['address']} "
                          + ("reused" if step["reused"] else f"{step['gas_used']:,} gas")
                          for name, step in deployed.steps.items())
        self.log.add(actor, "deploy v1's zk verifier (shared EZKL verifier + weights-bound clone)",
                     detail=parts)
        bound = self.gov.registry.bind_verifier(version_id, deployed.address, sender=self.who[actor])
        self.log.add(actor, f"bind the verifier to version {version_id}", bound.receipt)
        self.result.zk_verifier = deployed.address

    def prove_inference(self, v1: dict[str, Any]) -> None:
        """Prove one inference of the ACTIVE version and verify it through the registry's
        binding (off chain, by eth_call, and as a transaction for its gas)."""
        import json

        from modelgov.chain.zk_verifier import verify_on_chain, verify_transaction
        from modelgov.demo import mlp
        from modelgov.zk import pipeline

        x, _ = mlp._data()
        sample = self.work / "zk-input.json"
        sample.write_text(json.dumps({"input": x[100].tolist()}))
        from modelgov.zk.artifacts import load_circuit, pk_path

        if not pk_path(load_circuit(v1["folder"]).vk_sha256).is_file():
            pipeline.setup(v1["folder"])  # the proving key is not pinned: regenerated, checked vs vk
        proof = pipeline.prove(v1["folder"], sample, self.work / "zk-proof.json")
        self.log.add("node", "prove one inference of the active version (EZKL)",
                     detail=f"output {[round(v, 3) for v in proof.output]}")
        record, verifier = self.gov.registry.active_verifier(MODEL)
        if verifier is None or record.version_id != v1["version_id"]:
            raise ModelGovError("the active version has no bound verifier")
        verify_on_chain(verifier, proof)
        gas = verify_transaction(verifier, proof, sender=self.who["bob"]).value
        self.log.add("anyone", "verify the proof through the registry's binding (activeVerifier)",
                     detail=f"{verifier} accepts it; verifyProof gas {gas:,}")
        self.result.zk_output = [float(v) for v in proof.output]
        self.result.zk_verify_gas = gas

    def oracle_answers(self, v1: dict[str, Any]) -> None:
        """A contract asks the active version through the InferenceOracle: Nina's node answers
        optimistically and it is final after the window; a wrong answer posted by Gus (acting as
        a dishonest node) is challenged by Carol's watchtower and settled by a proof."""
        from modelgov.chain import oracle as orc
        from modelgov.chain.ape_env import project
        from modelgov.chain.client import ModelGov
        from modelgov.chain.deployments import write_deployment
        from modelgov.chain.oracle_node import (
            NodeState,
            registry_folders,
            serve_once,
            watch_once,
        )
        from modelgov.demo import mlp
        from modelgov.zk import answer
        from modelgov.zk.proof import FIELD_MODULUS

        s, d = self.suite, self.who["deployer"]
        config = orc.local_config(str(s.timelock.address))
        s.oracle = orc.deploy_oracle(d, str(s.timelock.address), str(s.registry.address), config)
        write_deployment("ethereum:local:foundry", s.to_record(self.chain.chain_id))
        self.gov = gov = ModelGov.from_suite(s, d)  # now with the oracle
        consumer = d.deploy(project().ModelConsumer, s.oracle.address, gov.registry.resolve_model(MODEL))
        self.log.add("deployer", "deploy the InferenceOracle and an example consumer",
                     detail=f"oracle {s.oracle.address}, consumer {consumer.address}")
        x, _ = mlp._data()
        words = answer.quantize(v1["folder"], x[101].tolist())
        folders = registry_folders(gov.registry)
        home = self.work / "oracle"
        start = self.chain.blocks.head.number + 1
        node = NodeState.load(home / f"node-{s.oracle.address}.json", str(s.oracle.address), "serve", start)
        tower = NodeState.load(home / f"tower-{s.oracle.address}.json", str(s.oracle.address), "watch", start)

        r = consumer.ask(answer.pack(words, "input"), sender=self.who["alice"])
        first = s.oracle.requestCount()
        self.log.add("alice", f"the consumer asks the oracle to classify a sample (request {first})", r)
        done = serve_once(gov.oracle, node, folders, sender=self.who["nina"])
        proposed = next(a for a in done if a["request_id"] == first)
        self.log.add("nina", f"the node answers request {first} with a bond "
                     "(EZKL witness of the pinned version)", node.sent[-1][1])
        self.chain.mine(deltatime=config.challenge_window)
        serve_once(gov.oracle, node, folders, sender=self.who["nina"])
        self.log.add("nina", f"finalize request {first} after the challenge window", node.sent[-1][1],
                     detail=f"consumer decided class {consumer.classOf(first)}")

        r = consumer.ask(answer.pack(words, "input"), sender=self.who["alice"])
        second = s.oracle.requestCount()
        self.log.add("alice", f"the consumer asks again (request {second})", r)
        wrong = list(proposed["output"])
        wrong[0] = (wrong[0] + 2**16) % FIELD_MODULUS
        top = max(range(len(wrong)), key=lambda i: answer.signed(wrong[i]))
        lie = gov.oracle.propose(second, wrong, sender=self.who["gus"])
        self.log.add("gus", f"a dishonest node proposes a wrong answer to request {second} (class {top})",
                     lie)
        seen = watch_once(gov.oracle, tower, folders, sender=self.who["carol"])
        if not any(a.get("action") == "proven" and a["request_id"] == second for a in seen):
            raise ModelGovError(f"the watchtower did not settle request {second}: {seen}")
        record = gov.oracle.record(second)
        won = gov.oracle.credit_of(str(self.who["carol"].address))
        self.log.add("carol", f"the watchtower challenges request {second} and settles it by proof",
                     tower.sent[-1][1],
                     detail=f"{record.status}, proven {record.proven}; carol is owed {won / 10**18:g} ETH; "
                     f"consumer decided class {consumer.classOf(second)}")
        if not (record.status == "final" and record.proven and s.oracle.isAnswer(second, proposed["output"])):
            raise ModelGovError(f"request {second} was not settled with the proven answer")
        self.result.oracle = {"address": str(s.oracle.address), "optimistic_request": first,
                              "disputed_request": second, "class": int(consumer.classOf(second)),
                              "watchtower_award_wei": won}

    def fetch_and_verify(self, v1: dict[str, Any]) -> None:
        from modelgov import manifest as mf
        from modelgov.storage import ipfs

        out = self.work / "fetched"
        fetched = ipfs.fetch(self.result.active_cid, out)
        report = mf.verify(out, v1["manifest"])
        self.result.fetched_ok = report.ok
        if not report.ok:
            raise ModelGovError(f"fetched model does not match its manifest: {report}")
        self.log.add("anyone", "fetch the active model by CID; verify blocks and manifest",
                     detail=f"{fetched.files} files, {fetched.bytes:,} bytes, {fetched.blocks} blocks: ok")

    def grant_for_v2(self, v1: dict[str, Any]) -> None:
        from modelgov.chain.treasury import MilestoneSpec
        from modelgov.demo import mlp
        from modelgov.storage import ipfs

        s = self.suite
        desc = self.work / "milestone-1.md"
        desc.write_text("# Milestone 1\n\nDeliver demo-mlp v2: train v1 on the synthetic batch.\n")
        desc_cid = ipfs.pin_path(desc).cid
        model_id = self.gov.registry.model_id(MODEL)
        client = self.gov
        created = client.treasury.create_grant(
            str(self.who["gus"].address), str(s.token.address),
            [MilestoneSpec(amount=GRANT_AMOUNT, description_cid=desc_cid,
                           deadline=int(self.chain.pending_timestamp) + 30 * 86400,
                           model=MODEL, model_id=model_id)],
            sender=self.who["sam"],
        )
        self.result.grant_id = grant_id = created.value
        self.log.add("sam", f"create grant {grant_id}: 1,000 MGOV for demo-mlp v2 (steward allowance)",
                     created.receipt)
        trained, report = mlp.train(v1["weights"])
        self.log.add("gus", "train v1 → v2 (20 SGD steps, deterministic)",
                     detail=f"loss {report.loss_before:.3f} → {report.loss_after:.3f}, "
                            f"accuracy {report.accuracy:.2f}")
        v2 = self.release_version(2, parent=v1["version_id"], actor="gus", weights=trained)
        self.result.v2_cid = v2["cid"]
        self.audit(v2["version_id"], relay_second=False)
        r = client.treasury.submit_milestone(grant_id, 0, v2["version_id"], sender=self.who["gus"]).receipt
        self.log.add("gus", f"submit milestone 0 of grant {grant_id} with version {v2['version_id']}", r)
        before = int(s.token.balanceOf(self.who["gus"]))
        r = client.treasury.approve_milestone(grant_id, 0, sender=self.who["sam"]).receipt
        client.close()
        paid = int(s.token.balanceOf(self.who["gus"])) - before
        self.result.grant_released = str(paid)
        self.log.add("sam", "approve milestone 0 → treasury pays the grantee", r,
                     detail=f"{paid / 10**18:,.0f} MGOV")
        if paid != GRANT_AMOUNT:
            raise ModelGovError(f"grantee received {paid}, expected {GRANT_AMOUNT}")
        active = self.gov.registry.active_version(model_id)
        self.result.active_version_id = active.version_id if active else 0
