"""Gas benchmark: modelgov's contracts beside references, all deployed in one run on a fresh anvil.

Every figure is ``gas_used`` from a mined transaction receipt (no estimates):

1. governance: propose, each castVote, queue, execute through ``ModelGovernor`` vs an OZ governor
   with the same modules (OZ-Wizard style, ``bench/contracts/RefGovernorLateQuorum.sol``: PreventLateQuorum,
   ProposalGuardian, SequentialProposalId, NoncesKeyed) and vs a
   plain one without those four (``bench/contracts/RefGovernorPlain.sol``); each governor has
   its own token and timelock, the same parameters, voters and proposal (a timelock-held token
   transfer);
2. attestations: ``ModelRegistry.attest`` / ``attestBySig`` vs EAS 1.9.0 ``attest`` /
   ``attestByDelegation`` (npm ``@ethereum-attestation-service/eas-contracts``, compiled here with
   solc 0.8.29 as upstream pins it, optimizer runs 1,000,000);
3. registry ``submitVersion``, ``activateVersion`` (inner call and full governance ``execute``),
   treasury ``createGrant`` / ``submitMilestone`` / ``approveMilestone``;
4. deployed bytecode sizes vs the EIP-170 limit.

``run()`` returns a markdown section; ``python bench/bench_gas.py`` prints it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".toolchain" / "solcx"))
os.environ.setdefault("APE_DISABLE_PLUGIN_UPDATE_CHECK", "1")
_VENV_BIN = ROOT / ".venv" / "bin"
if _VENV_BIN.is_dir() and str(_VENV_BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{_VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
for _p in (str(ROOT), str(ROOT / "bench")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import solc_build as sb  # noqa: E402  (bench/solc_build.py)

EIP170 = 24_576
ZERO = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\x00" * 32
EAS_PKG = "@ethereum-attestation-service/eas-contracts"
EAS_DIR = ROOT / "node_modules" / EAS_PKG / "contracts"
EAS_ARTIFACTS = ROOT / "node_modules" / EAS_PKG / "artifacts" / "contracts"
ATTEST_SCHEMA = "uint256 versionId, uint8 verdict, bytes reportCid"
VERSION_SCHEMA = (
    "bytes cid, bytes32 arweaveTx, bytes32 manifestDigest, bytes changelogCid, string importProfile,"
    " uint256 parentVersionId, bytes[] datasetCids"
)
SUPPLY = 1_000_000 * 10**18
# Voting power: 1 % (below the 4 % quorum), 5 % (reaches it), 2 % (after it).
VOTES = ((10_000 * 10**18, 1, "For, quorum not yet reached"),
         (50_000 * 10**18, 1, "For, reaches quorum"),
         (20_000 * 10**18, 0, "Against, after quorum"))
PROPOSAL_AMOUNT = 1_000 * 10**18
APPROVED = 1


# ---------------------------------------------------------------------------------------- helpers
@dataclass
class Row:
    op: str
    ours: int | None
    ref: int | None = None
    goal: float | None = None  # max ours/ref; None = informational
    note: str = ""
    goal_text: str | None = None  # a goal that is not a ratio (e.g. a size limit) ...
    met: bool | None = None  # ... and whether it is met

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.ref:
            return None
        return self.ours / self.ref


@dataclass
class Table:
    title: str
    ours_label: str
    ref_label: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    goal_kind: str = "×"  # how the goal is shown

    def add(self, *args: Any, **kw: Any) -> Row:
        row = Row(*args, **kw)
        self.rows.append(row)
        return row

    def markdown(self) -> str:
        out = [f"### {self.title}", "",
               f"| operation | ours ({self.ours_label}) | reference ({self.ref_label}) | ratio | goal | met? |",
               "|---|---:|---:|---:|---:|:---:|"]
        for r in self.rows:
            ratio = f"{r.ratio:.3f}" if r.ratio is not None else "—"
            if r.goal_text is not None:
                goal, met = r.goal_text, "—" if r.met is None else ("yes" if r.met else "**no**")
            elif r.goal is None:
                goal, met = "—", "—"
            else:
                goal = f"≤ {r.goal:g}{self.goal_kind}"
                met = "—" if r.ratio is None else ("yes" if r.ratio <= r.goal else "**no**")
            op = r.op + (f" ({r.note})" if r.note else "")
            out.append(f"| {op} | {_n(r.ours)} | {_n(r.ref)} | {ratio} | {goal} | {met} |")
        if self.notes:
            out.append("")
            out.extend(f"- {n}" for n in self.notes)
        return "\n".join(out)


def _n(v: int | None) -> str:
    return "—" if v is None else f"{v:,}"


def _gas(receipt: Any) -> int:
    if getattr(receipt, "failed", False):
        raise RuntimeError(f"transaction {receipt.txn_hash} failed")
    return int(receipt.gas_used)


def _calldata_gas(receipt: Any) -> int:
    """Intrinsic cost of a call (cancun): 21,000 + 4 per zero and 16 per non-zero calldata byte."""
    data = bytes(receipt.transaction.data)
    return 21_000 + sum(16 if b else 4 for b in data)


def _container(art: sb.Artifact | dict[str, Any], name: str | None = None) -> Any:
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    if isinstance(art, sb.Artifact):
        name, abi, code, runtime = art.name, art.abi, art.bytecode, art.runtime
    else:  # a hardhat artifact from npm
        name, abi, code, runtime = name or art["contractName"], art["abi"], art["bytecode"], art["deployedBytecode"]
    return ContractContainer(ContractType.model_validate({
        "contractName": name, "abi": abi,
        "deploymentBytecode": {"bytecode": code}, "runtimeBytecode": {"bytecode": runtime},
    }))


def _deploy(sender: Any, container: Any, *args: Any) -> tuple[Any, int]:
    """Deploy and return (instance, deployment gas from the receipt)."""
    from ape import chain

    inst = sender.deploy(container, *args)
    receipt = chain.provider.get_receipt(inst.txn_hash) if getattr(inst, "txn_hash", None) else None
    return inst, (_gas(receipt) if receipt is not None else None)


def _deploy_gas(instance: Any) -> int | None:
    from ape import chain

    txn = getattr(instance, "txn_hash", None)
    return _gas(chain.provider.get_receipt(txn)) if txn else None


def _code_size(address: Any) -> int:
    from ape import chain

    return len(bytes(chain.provider.get_code(address)))


def _cid(seed: str, codec: int = 0x55) -> bytes:
    """A binary CIDv1 sha2-256 (36 bytes)."""
    return bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(seed.encode()).digest()


def _version_input(seed: str, parent: int = 0, arweave: bool = True) -> tuple:
    """A realistic VersionInput: CIDv1 dag-pb weights (36 B), Arweave tx (zero when `arweave` is
    false), manifest digest, changelog CIDv1 (36 B), profile name, parent, one dataset CIDv1 (36 B)."""
    h = lambda s: hashlib.sha256(f"{seed}-{s}".encode()).digest()  # noqa: E731
    return (_cid(f"{seed}-weights", 0x70), h("arweave") if arweave else bytes(32), h("manifest"),
            _cid(f"{seed}-changelog"), "unixfs-v1-2025", parent, [_cid(f"{seed}-dataset", 0x70)])


def _tool_version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except Exception as exc:  # noqa: BLE001
        return f"? ({exc})"


# ---------------------------------------------------------------------------------------- compile
@dataclass
class Builds:
    refs: sb.BuildResult
    eas: sb.BuildResult
    project: Any


def compile_all() -> Builds:
    from governor_variants import single_module_governors

    refs = sb.compile_sources(sorted((ROOT / "bench" / "contracts").glob("*.sol")), sb.settings(), sb.SOLC_0_8_28,
                              generated=single_module_governors())
    # EAS 1.9.0: solc 0.8.29 exactly, optimizer runs 1,000,000 as upstream; legacy codegen (the
    # npm artifact's size matches legacy, not via-IR); evmVersion cancun because OZ 5.7 (mcopy)
    # needs it; no metadata hash (as upstream).
    eas = sb.compile_sources([EAS_DIR / "SchemaRegistry.sol", EAS_DIR / "EAS.sol"],
                             sb.settings(runs=1_000_000, bytecode_hash="none"), sb.SOLC_0_8_29)
    from modelgov.chain.ape_env import project

    p = project()
    for name in ("ModelGovernor", "ModelRegistry", "GrantTreasury"):
        getattr(p, name)  # compile now (fails loudly if a contract does not build)
    return Builds(refs, eas, p)


# ---------------------------------------------------------------------------------------- governance
@dataclass
class GovSystem:
    name: str
    token: Any
    timelock: Any
    governor: Any
    deploy_gas: dict[str, int] = field(default_factory=dict)
    calldata_gas: dict[str, int] = field(default_factory=dict)


def _deploy_ref_system(deployer: Any, builds: Builds, gov_name: str, params: Any, late_quorum: bool,
                       governor_container: Any = None) -> GovSystem:
    a = builds.refs.artifacts
    token, g_tok = _deploy(deployer, _container(a["RefVotesToken"]), deployer.address, SUPPLY)
    timelock, g_tl = _deploy(deployer, _container(a["RefTimelock"]), params.timelock_delay, [], [ZERO], deployer.address)
    args = [token.address, timelock.address, params.voting_delay, params.voting_period,
            params.proposal_threshold, params.quorum_percent]
    if late_quorum:
        args.append(params.late_quorum_extension)
    governor, g_gov = _deploy(deployer, governor_container or _container(a[gov_name]), *args)
    timelock.grantRole(timelock.PROPOSER_ROLE(), governor.address, sender=deployer)
    timelock.grantRole(timelock.CANCELLER_ROLE(), governor.address, sender=deployer)
    timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer.address, sender=deployer)
    return GovSystem(gov_name, token, timelock, governor, {"token": g_tok, "timelock": g_tl, "governor": g_gov})


def _distribute(system: GovSystem, deployer: Any, voters: list[Any]) -> None:
    from ape import chain

    for voter, (amount, _, _) in zip(voters, VOTES, strict=False):
        system.token.transfer(voter, amount, sender=deployer)
        system.token.invoke_transaction("delegate", voter, sender=voter)
    system.token.transfer(system.timelock.address, 10 * PROPOSAL_AMOUNT, sender=deployer)
    chain.mine(deltatime=1)


def govern(system: GovSystem, targets: list[str], calldatas: list[bytes], description: str,
           proposer: Any, voters: list[Any], votes: tuple = VOTES) -> dict[str, int]:
    """propose → vote (each voter) → queue → execute; returns the gas of each step."""
    from ape import chain
    from eth_utils import keccak

    gov = system.governor
    values = [0] * len(targets)
    gas: dict[str, int] = {}
    receipts: dict[str, Any] = {}

    def rec(op: str, receipt: Any) -> None:
        gas[op] = _gas(receipt)
        receipts[op] = receipt

    rec("propose", gov.propose(targets, values, calldatas, description, sender=proposer))
    desc_hash = keccak(text=description)
    pid = gov.getProposalId(targets, values, calldatas, desc_hash)  # sequential ids on 3 of 4
    chain.mine(timestamp=gov.proposalSnapshot(pid) + 1)
    for i, (voter, (_, support, label)) in enumerate(zip(voters, votes, strict=False), start=1):
        rec(f"castVote #{i} ({label})", gov.castVote(pid, support, sender=voter))
    chain.mine(timestamp=gov.proposalDeadline(pid) + 1)
    rec("queue", gov.queue(targets, values, calldatas, desc_hash, sender=proposer))
    chain.mine(timestamp=gov.proposalEta(pid) + 1)
    rec("execute", gov.execute(targets, values, calldatas, desc_hash, sender=proposer))
    if int(gov.state(pid)) != 7:  # Executed
        raise RuntimeError(f"{system.name}: proposal not executed (state {gov.state(pid)})")
    system.calldata_gas = {op: _calldata_gas(r) for op, r in receipts.items()}
    return gas


def _transfer_proposal(system: GovSystem, recipient: Any, proposer: Any, voters: list[Any]) -> dict[str, int]:
    data = system.token.transfer.encode_input(recipient.address, PROPOSAL_AMOUNT)
    before = system.token.balanceOf(recipient)
    gas = govern(system, [system.token.address], [bytes(data)],
                 "Grant 1,000 tokens from the treasury to the benchmark recipient", proposer, voters)
    if system.token.balanceOf(recipient) - before != PROPOSAL_AMOUNT:
        raise RuntimeError(f"{system.name}: the proposal's transfer did not happen")
    return gas


# ---------------------------------------------------------------------------------------- EAS
def _eas_typed_data(eas: Any, chain_id: int, attester: str, schema: bytes, data: bytes, nonce: int,
                    deadline: int) -> dict[str, Any]:
    return {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"},
                             {"name": "verifyingContract", "type": "address"}],
            "Attest": [{"name": "attester", "type": "address"}, {"name": "schema", "type": "bytes32"},
                       {"name": "recipient", "type": "address"}, {"name": "expirationTime", "type": "uint64"},
                       {"name": "revocable", "type": "bool"}, {"name": "refUID", "type": "bytes32"},
                       {"name": "data", "type": "bytes"}, {"name": "value", "type": "uint256"},
                       {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint64"}],
        },
        "primaryType": "Attest",
        "domain": {"name": "EAS", "version": eas.version(), "chainId": chain_id,
                   "verifyingContract": str(eas.address)},
        "message": {"attester": attester, "schema": schema, "recipient": ZERO, "expirationTime": 0,
                    "revocable": True, "refUID": ZERO32, "data": data, "value": 0, "nonce": nonce,
                    "deadline": deadline},
    }


class EasHarness:
    def __init__(self, registry: Any, eas: Any):
        from eth_abi.packed import encode_packed
        from eth_utils import keccak

        self.registry, self.eas = registry, eas
        self.uids: dict[str, bytes] = {}
        for schema in (ATTEST_SCHEMA, VERSION_SCHEMA):
            self.uids[schema] = keccak(encode_packed(["string", "address", "bool"], [schema, ZERO, True]))

    def register(self, sender: Any) -> None:
        for schema in self.uids:
            self.registry.register(schema, ZERO, True, sender=sender)
        for schema, uid in self.uids.items():
            if bytes(self.registry.getSchema(uid)[0]) != uid:
                raise RuntimeError(f"EAS schema {schema!r} not registered under the expected uid")

    @staticmethod
    def verdict_data(version_id: int, verdict: int, report: bytes) -> bytes:
        from eth_abi import encode

        return encode(["uint256", "uint8", "bytes"], [version_id, verdict, report])

    @staticmethod
    def version_data(vi: tuple) -> bytes:
        from eth_abi import encode

        return encode(["bytes", "bytes32", "bytes32", "bytes", "string", "uint256", "bytes[]"], list(vi))

    def attest(self, sender: Any, schema: str, data: bytes) -> int:
        request = (self.uids[schema], (ZERO, 0, True, ZERO32, data, 0))
        return _gas(self.eas.attest(request, sender=sender))

    def attest_by_delegation(self, signer: Any, relayer: Any, schema: str, data: bytes) -> int:
        from ape import chain
        from eth_account.messages import encode_typed_data

        uid = self.uids[schema]
        nonce = self.eas.getNonce(signer.address)
        deadline = chain.pending_timestamp + 3600
        msg = encode_typed_data(full_message=_eas_typed_data(self.eas, chain.chain_id, signer.address, uid,
                                                             data, nonce, deadline))
        rsv = bytes(signer.sign_message(msg).encode_rsv())  # r and s left-padded to 32 bytes
        request = (uid, (ZERO, 0, True, ZERO32, data, 0), (rsv[64], rsv[:32], rsv[32:64]), signer.address, deadline)
        return _gas(self.eas.attestByDelegation(request, sender=relayer))


# ---------------------------------------------------------------------------------------- the run
def measure() -> tuple[list[Table], list[str]]:
    from ape import accounts, chain, networks

    from modelgov.chain.deploy import LOCAL_PARAMS, deploy_suite
    from modelgov.chain.signing import AttestationRequest, sign_attestation
    from modelgov.cid.text import cid_from_bytes

    t0 = time.perf_counter()
    builds = compile_all()
    t_compile = time.perf_counter() - t0
    params = LOCAL_PARAMS
    info: list[str] = [
        f"compile: reference governors {builds.refs.seconds:.1f} s{' (cached)' if builds.refs.cached else ''},"
        f" EAS {builds.eas.seconds:.1f} s{' (cached)' if builds.eas.cached else ''};"
        f" total compile + project load {t_compile:.1f} s",
    ]
    tables: list[Table] = []

    with networks.ethereum.local.use_provider("foundry"):
        t1 = time.perf_counter()
        acct = accounts.test_accounts
        deployer, v1, v2, v3 = acct[0], acct[1], acct[2], acct[3]
        auditor_a, auditor_b, grantee, relayer, steward = acct[4], acct[5], acct[6], acct[7], acct[8]
        recipient = acct[9]
        voters = [v1, v2, v3]

        # --- deploy everything in this run -------------------------------------------------
        p = builds.project
        suite = deploy_suite(deployer, params)
        if suite.registry is None or suite.treasury is None:
            raise RuntimeError("deploy_suite did not deploy the registry and the treasury")
        ours = GovSystem("ModelGovernor", suite.token, suite.timelock, suite.governor)
        same = _deploy_ref_system(deployer, builds, "RefGovernorLateQuorum", params, late_quorum=True)
        plain = _deploy_ref_system(deployer, builds, "RefGovernorPlain", params, late_quorum=False)
        # ModelGovernor wired to the Wizard token: isolates the governor from the token.
        ours_w = _deploy_ref_system(deployer, builds, "ModelGovernor+WizardToken", params, late_quorum=True,
                                    governor_container=p.ModelGovernor)
        ea = builds.eas.artifacts
        schema_reg, g_sr = _deploy(deployer, _container(ea["SchemaRegistry"]))
        eas, g_eas = _deploy(deployer, _container(ea["EAS"]), schema_reg.address)
        # Cross-check: upstream's own prebuilt bytecode shipped in the npm package.
        up = {n: json.loads((EAS_ARTIFACTS / f"{n}.sol" / f"{n}.json").read_text()) for n in ("SchemaRegistry", "EAS")}
        up_sr, _ = _deploy(deployer, _container(up["SchemaRegistry"]))
        up_eas, _ = _deploy(deployer, _container(up["EAS"]), up_sr.address)

        # --- 1. governance --------------------------------------------------------------------
        for s in (ours, same, plain, ours_w):
            _distribute(s, deployer, voters)
        gas = {s.name: _transfer_proposal(s, recipient, v1, voters) for s in (ours, same, plain, ours_w)}
        t_gov = Table("Governance (one proposal: a timelock-held token transfer; 3 voters)",
                      "ModelGovernor", "OZ governor, same modules")
        for op in gas[ours.name]:
            t_gov.add(op, gas[ours.name][op], gas[same.name][op], 1.01)
        ours_deploy = _deploy_gas(suite.governor)
        t_gov.add("deploy governor", ours_deploy, same.deploy_gas["governor"], 1.01)
        t_gov.add("whole proposal (propose + 3 votes + queue + execute)", sum(gas[ours.name].values()),
                  sum(gas[same.name].values()), 1.01)
        def diff(a: GovSystem, b: GovSystem) -> str:
            out = []
            for op in gas[a.name]:
                d = (gas[a.name][op] - a.calldata_gas[op]) - (gas[b.name][op] - b.calldata_gas[op])
                out.append(f"{op.split(' (')[0]} {d:+,}")
            return ", ".join(out)

        ours_diff, wizard_diff = diff(ours, same), diff(ours_w, same)
        if all(part.endswith(" +0") for part in ours_diff.split(", ")):
            why = (" — identical: ModelGovernor adds no code of its own on these paths beyond the"
                   " override resolution, and GovernanceToken's `clock()` casts `block.timestamp` like the"
                   " Wizard token's.")
        else:
            why = (" — so any difference left is in the token (GovernanceToken vs the Wizard token),"
                   " whose `clock()` the governor calls one to four times per operation.")
        t_gov.notes.append(
            "Execution gas (receipt minus the intrinsic 21,000 + calldata), ours − reference: "
            + ours_diff + ". The same ModelGovernor bytecode wired to the Wizard token instead of"
            " GovernanceToken, same run: " + wizard_diff + why)
        t_gov.notes.append(
            f"Deployment: ModelGovernor's bytecode is {_code_size(suite.governor.address) - _code_size(same.governor.address):+,} B"
            " against the same-module OZ governor: only its `_validateCancel` restriction (the DAO's"
            " ERC-4824 `daoURI` lives in DaoRegistration, a separate contract owned by the timelock,"
            f" deployed once for {_n(_deploy_gas(suite.dao) if suite.dao is not None else None)} gas)."
            " Every operation of a proposal's life stays within the goal.")
        tables.append(t_gov)

        t_mod = Table("What PreventLateQuorum + ProposalGuardian + SequentialProposalId + NoncesKeyed cost"
                      " (same-module OZ governor vs the plain one)",
                      "OZ + LateQuorum, Guardian, SequentialId, NoncesKeyed", "OZ plain")
        for op in gas[same.name]:
            t_mod.add(op, gas[same.name][op], gas[plain.name][op])
        t_mod.add("deploy governor", same.deploy_gas["governor"], plain.deploy_gas["governor"])
        t_mod.notes.append("The four modules cost (same-module − plain): " + ", ".join(
            f"{r.op.split(' (')[0]} {r.ours - r.ref:+,}" for r in t_mod.rows) + " gas; bytecode "
            f"{_code_size(same.governor.address) - _code_size(plain.governor.address):+,} B.")
        t_mod.notes.append(
            "The same-module governor adds PreventLateQuorum, ProposalGuardian, SequentialProposalId and"
            " NoncesKeyed to the plain one; ProposalGuardian only acts in `cancel` (one more storage read)"
            " and NoncesKeyed only in `castVoteBySig`; SequentialProposalId stores the hash → number"
            " mapping and the counter in `propose` (two fresh slots) and looks the number up in `queue` /"
            " `execute` / `cancel`. PreventLateQuorum: "
            "every vote until quorum re-reads the quorum (total-supply checkpoint lookup) and the vote "
            "that reaches it stores the extended deadline (one fresh slot); after that a vote, and queue / "
            "execute (through `state()` → `proposalDeadline()`), pay one extra storage read of it. "
            "`propose` differs by ~100 gas from function dispatch only. ModelGovernor adds no code of its "
            "own beyond the override resolution.")
        t_mod.notes.append(
            f"Parameters (all three governors): voting delay {params.voting_delay} s, period "
            f"{params.voting_period} s, quorum {params.quorum_percent} %, threshold "
            f"{params.proposal_threshold}, late-quorum extension {params.late_quorum_extension} s, "
            f"timelock {params.timelock_delay} s; supply 1,000,000; voters hold 1 %, 5 %, 2 %.")
        tables.append(t_mod)

        # --- 2. attestations and registry --------------------------------------------------------
        registry, treasury, timelock = suite.registry, suite.treasury, suite.timelock
        governance = accounts[timelock.address]
        governance.balance += 10**20
        auditor_role = registry.AUDITOR_ROLE()
        for a in (auditor_a, auditor_b):
            registry.grantRole(auditor_role, a.address, sender=governance)
        registry.createModel("bench-model", _cid("card-a"), sender=governance)
        registry.createModel("bench-model-b", _cid("card-b"), sender=governance)
        model_a, model_b = 1, 2
        harness = EasHarness(schema_reg, eas)
        harness.register(deployer)
        up_h = EasHarness(up_sr, up_eas)
        up_h.register(deployer)

        t_reg = Table("Registry and treasury", "modelgov", "EAS 1.9.0, where comparable")
        vin1 = _version_input("v1")
        vin2 = _version_input("v2", parent=1)
        g_sub1 = _gas(registry.submitVersion(model_a, vin1, sender=grantee))
        g_sub2 = _gas(registry.submitVersion(model_a, vin2, sender=grantee))
        registry.submitVersion(model_a, _version_input("v3", parent=2), sender=grantee)  # v3
        g_sub_b = _gas(registry.submitVersion(model_b, _version_input("v4", arweave=False), sender=grantee))  # v4
        g_sub_b2 = _gas(registry.submitVersion(model_b, _version_input("v5", parent=4, arweave=False), sender=grantee))
        e_sub1 = harness.attest(grantee, VERSION_SCHEMA, harness.version_data(vin1))
        e_sub2 = harness.attest(grantee, VERSION_SCHEMA, harness.version_data(vin2))
        t_reg.add("submitVersion", g_sub1, e_sub1, note="first version of a model; ref: EAS attest of the same record")
        t_reg.add("submitVersion", g_sub2, e_sub2, note="later version, with parent")
        t_reg.add("submitVersion", g_sub_b, note="issue 15's goal record: 36-byte CID, changelog, one dataset CID,"
                  " no Arweave tx; first version of a model", goal_text="≤ 200,000 gas", met=g_sub_b <= 200_000)
        t_reg.add("submitVersion", g_sub_b2, note="the goal record, later version with parent",
                  goal_text="≤ 200,000 gas", met=g_sub_b2 <= 200_000)
        t_reg.add("submitVersion", g_sub1, note="the goal record plus an Arweave tx id (one more slot), first version")

        report = lambda v, who: _cid(f"report-{v}-{who}")  # noqa: E731  36-byte CIDv1
        t_att = Table("Attestations (verdict + 36-byte report CIDv1)", "ModelRegistry", "EAS 1.9.0")
        t_att.goal_kind = "× EAS"
        a = _gas(registry.attest(1, APPROVED, report(1, "a"), sender=auditor_a))
        e = harness.attest(auditor_a, ATTEST_SCHEMA, harness.verdict_data(1, APPROVED, report(1, "a")))
        t_att.add("attest", a, e, 0.5, note="auditor's first")
        a = _gas(registry.attest(2, APPROVED, report(2, "a"), sender=auditor_a))
        e = harness.attest(auditor_a, ATTEST_SCHEMA, harness.verdict_data(2, APPROVED, report(2, "a")))
        t_att.add("attest", a, e, 0.5, note="same auditor, second version")
        a = _gas(registry.attest(1, APPROVED, report(1, "b"), sender=auditor_b))
        e = harness.attest(auditor_b, ATTEST_SCHEMA, harness.verdict_data(1, APPROVED, report(1, "b")))
        t_att.add("attest", a, e, 0.5, note="second auditor on a version")
        a = _gas(registry.attest(1, APPROVED, report(1, "a-update"), sender=auditor_a))
        e = harness.attest(auditor_a, ATTEST_SCHEMA, harness.verdict_data(1, APPROVED, report(1, "a-update")))
        t_att.add("attest", a, e, 0.5, note="auditor replaces its attestation: warm slots; EAS: a new record")

        def by_sig(version_id: int) -> int:
            req = AttestationRequest(chain_id=chain.chain_id, registry=str(registry.address),
                                     auditor=auditor_b.address, version_id=version_id, verdict=APPROVED,
                                     report_cid=cid_from_bytes(report(version_id, "b")),
                                     # per-version nonces (issue 15): the sequence number on this version
                                     nonce=int(registry.nonces(auditor_b.address, version_id)) & (2**64 - 1),
                                     deadline=chain.pending_timestamp + 3600)
            s = sign_attestation(auditor_b, req)
            return _gas(registry.attestBySig(req.auditor, version_id, APPROVED, req.report_cid_bytes(),
                                             req.keyed_nonce(), req.deadline, s.signature_bytes(), sender=relayer))

        for version_id, label in ((2, "auditor's first signature, relayed"),
                                  (3, "auditor's signature on another version (its own nonce)")):
            a = by_sig(version_id)
            e = harness.attest_by_delegation(auditor_b, relayer, ATTEST_SCHEMA,
                                             harness.verdict_data(version_id, APPROVED, report(version_id, "b")))
            t_att.add("attestBySig / attestByDelegation", a, e, 0.5, note=label)
        a = _gas(registry.attestWithExpiry(3, APPROVED, report(3, "a"), chain.pending_timestamp + 90 * 86_400,
                                           sender=auditor_a))
        t_att.add("attestWithExpiry", a, note="approval expiring in 90 days (issue 15): one more slot")
        # Upstream's prebuilt EAS bytecode as a cross-check of our EAS build.
        up1 = up_h.attest(auditor_a, ATTEST_SCHEMA, harness.verdict_data(1, APPROVED, report(1, "a")))
        up2 = up_h.attest_by_delegation(auditor_b, relayer, ATTEST_SCHEMA,
                                        harness.verdict_data(2, APPROVED, report(2, "b")))
        t_att.notes.append(
            f"EAS compiled here: solc {sb.package_version('solc-0.8.29')} (npm alias `solc-0.8.29`), optimizer"
            " runs 1,000,000 (upstream's setting), legacy codegen, evmVersion cancun (OpenZeppelin 5.7 in"
            " node_modules uses `mcopy`), no metadata hash; SchemaRegistry + EAS deployed in this run; schema"
            f" `{ATTEST_SCHEMA}`, no resolver, revocable; recipient zero, no expiry, no refUID.")
        t_att.notes.append(
            f"Cross-check with upstream's prebuilt npm bytecode (OZ 5.3, paris): attest {up1:,}, "
            f"attestByDelegation {up2:,} gas (auditor's first of each). Signed calls vary by ±30 gas run to"
            " run (zero bytes in signatures and deadlines).")
        tables.append(t_att)

        # --- 3. activation ----------------------------------------------------------------
        registry.attest(2, APPROVED, report(2, "a2"), sender=auditor_a)  # already approved: idempotent update
        for who in (auditor_a, auditor_b):
            registry.attest(4, APPROVED, report(4, who.address), sender=who)
        g_act1 = _gas(registry.activateVersion(model_a, 1, 0, sender=governance))
        g_act2 = _gas(registry.activateVersion(model_a, 2, 1, sender=governance))
        t_reg.add("activateVersion", g_act1, note="inner call from the timelock; first activation of a model")
        t_reg.add("activateVersion", g_act2, note="inner call; a later version replaces the active one")
        calldata = bytes(registry.activateVersion.encode_input(model_b, 4, 0))
        gov_gas = govern(ours, [registry.address], [calldata], "Activate bench-model-b version 4", v1, voters)
        if registry.activeVersionId(model_b) != 4:
            raise RuntimeError("the activation proposal did not activate version 4")
        t_reg.add("governor.execute(activateVersion)", gov_gas["execute"], g_act1,
                  note="full execute of a proposal through ModelGovernor + timelock; ref: the inner call")
        t_reg.add("whole proposal: propose + 3 votes + queue + execute", sum(gov_gas.values()))
        g_alias = _gas(registry.setAlias(model_a, "champion", 1, sender=governance))
        g_move = _gas(registry.setAlias(model_a, "champion", 2, sender=governance))
        t_reg.add("setAlias", g_alias, note="new alias (issue 15; inner call, governance or ALIAS_MANAGER_ROLE)")
        t_reg.add("setAlias", g_move, note="alias moved to another version")

        # --- treasury ---------------------------------------------------------------------
        coin, _ = _deploy(deployer, p.MockStablecoin)
        usd = 10**6
        coin.mint(deployer.address, 1_000_000 * usd, sender=deployer)
        coin.approve(treasury.address, 1_000_000 * usd, sender=deployer)
        treasury.setTokenAllowed(coin.address, True, sender=governance)
        treasury.deposit(coin.address, 1_000_000 * usd, sender=deployer)
        treasury.grantRole(treasury.STEWARD_ROLE(), steward.address, sender=governance)
        treasury.setStewardAllowance(steward.address, coin.address, 100_000 * usd, 30 * 86_400, 0, sender=governance)
        deadline = chain.pending_timestamp + 30 * 86_400
        ms = lambda i: (1_000 * usd, _cid(f"milestone-{i}"), deadline, model_a)  # noqa: E731
        g_c1 = _gas(treasury.createGrant(grantee.address, coin.address, [ms(0)], sender=steward))
        g_c1b = _gas(treasury.createGrant(grantee.address, coin.address, [ms(1)], sender=steward))
        g_c3 = _gas(treasury.createGrant(grantee.address, coin.address, [ms(2), ms(3), ms(4)], sender=steward))
        g_sm = _gas(treasury.submitMilestone(1, 0, 1, sender=grantee))
        g_am = _gas(treasury.approveMilestone(1, 0, sender=steward))
        if coin.balanceOf(grantee.address) != 1_000 * usd:
            raise RuntimeError("approveMilestone did not pay the grantee")
        t_reg.add("createGrant, 1 milestone", g_c1, note="steward, first grant of the treasury")
        t_reg.add("createGrant, 1 milestone", g_c1b, note="steward, later grant")
        t_reg.add("createGrant, 3 milestones", g_c3, note="steward, later grant")
        t_reg.add("submitMilestone", g_sm, note="grantee, audited registry version")
        fresh = "0x000000000000000000000000000000000000bEEF"
        coin.mint(deployer.address, 1_000 * usd, sender=deployer)
        g_tr = _gas(coin.transfer(fresh, 1_000 * usd, sender=deployer))
        t_reg.add("approveMilestone", g_am, g_tr,
                  note="steward; checks the audit, pays 1,000 mUSD; ref: a bare transfer of 1,000 mUSD to a new holder")
        t_reg.notes.append(
            "Version record: weights CIDv1 dag-pb (36 B), Arweave tx id, manifest sha256, changelog CIDv1"
            " (36 B), profile `unixfs-v1-2025`, one dataset CIDv1 (36 B). The EAS reference stores the same"
            f" fields as an attestation of schema `{VERSION_SCHEMA}`. The registry stores what contracts read"
            " (CID in 1 slot + 7 header bytes, manifest digest, Arweave tx when non-zero, submitter, time,"
            " parent, model, block) and `detailsHash` = keccak256 of the changelog, profile and datasets,"
            " which the `VersionSubmitted` event carries.")
        t_reg.notes.append(
            "activateVersion needs 2 approvals (LOCAL_PARAMS.required_approvals); governance = the timelock,"
            " impersonated on anvil for the inner calls.")
        tables.append(t_reg)

        # --- 4. sizes --------------------------------------------------------------------
        t_size = Table("Deployed bytecode (bytes, read back from the chain) vs EIP-170", "modelgov", "OZ / EAS")
        t_size.goal_kind = ""
        pairs = [
            ("ModelGovernor / OZ same-module governor", suite.governor, same.governor),
            ("GovernanceToken / OZ-Wizard ERC20Votes token", suite.token, same.token),
            ("ModelTimelock / OZ TimelockController", suite.timelock, same.timelock),
            ("ModelRegistry / EAS", registry, eas),
            ("GrantTreasury", treasury, None),
            ("OZ plain governor (reference only)", None, plain.governor),
            ("EAS SchemaRegistry (reference only)", None, schema_reg),
        ]
        for label, o, r in pairs:
            so = _code_size(o.address) if o is not None else None
            sr = _code_size(r.address) if r is not None else None
            t_size.add(label, so, sr, goal_text=f"≤ {EIP170:,} B",
                       met=max(x for x in (so, sr) if x is not None) <= EIP170)
        for row in t_size.rows:
            if row.ours is not None:
                row.note = f"{100 * row.ours / EIP170:.0f} % of the limit"
        over = [r.op for r in t_size.rows if r.met is False]
        t_size.notes.append("Every contract is within the 24,576-byte EIP-170 limit." if not over
                            else f"Over the EIP-170 limit: {', '.join(over)}.")
        # what each governor module adds in bytecode: the plain governor plus that module alone
        # (bench/governor_variants.py, compiled with the same settings; runtime bytes)
        from governor_variants import MODULES

        arts = builds.refs.artifacts
        base = arts["RefGovernorPlain"].runtime_size
        each = {mod: arts[f"RefGovernorPlus{mod}"].runtime_size - base for mod in MODULES}
        together = arts["RefGovernorLateQuorum"].runtime_size - base
        t_size.notes.append(
            "Bytes each governor module adds on its own (the plain OZ governor, "
            f"{base:,} B compiled, plus that module alone): "
            + ", ".join(f"{mod} {n:+,} B" for mod, n in each.items())
            + f"; all four together {together:+,} B (the four alone add up to {sum(each.values()):+,} B)."
            f" ModelGovernor, with the four, is"
            f" {_code_size(suite.governor.address):,} B of the {EIP170:,} B limit.")
        dg = {n: _deploy_gas(getattr(suite, n)) for n in ("token", "timelock", "governor", "registry", "treasury")}
        t_size.notes.append(
            "Deployment gas: ours " + ", ".join(f"{n} {_n(g)}" for n, g in dg.items())
            + f"; EAS {g_eas:,}, SchemaRegistry {g_sr:,}; OZ same-module governor"
            f" {same.deploy_gas['governor']:,}, plain {plain.deploy_gas['governor']:,}, Wizard token"
            f" {same.deploy_gas['token']:,}, TimelockController {same.deploy_gas['timelock']:,}.")
        tables.append(t_size)
        info.append(f"chain work (deploy + all transactions on anvil): {time.perf_counter() - t1:.1f} s")
    return tables, info


def run() -> str:
    t0 = time.perf_counter()
    tables, info = measure()
    versions = (
        f"eth-ape {md.version('eth-ape')}, ape-foundry {md.version('ape-foundry')}, "
        f"ape-solidity {md.version('ape-solidity')}, {_tool_version(['anvil', '--version'])}, "
        f"solc 0.8.28 (npm solc {sb.package_version('solc')}, ours and OZ references: optimizer runs 200,"
        f" cancun), solc {sb.package_version('solc-0.8.29')} (EAS), OpenZeppelin"
        f" {sb.package_version('@openzeppelin/contracts')}, EAS {sb.package_version(EAS_PKG)}"
    )
    head = [
        "## Gas (receipts, one fresh anvil, everything deployed in the same run)", "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}. Versions: {versions}.", "",
        "Ratio = ours / reference; goals: governance ≤ 1.01× the same-module OZ governor, attestations"
        " ≤ 0.5× EAS.", "", "",
    ]
    body = "\n\n".join(t.markdown() for t in tables)
    tail = ["", "", "Timings: " + "; ".join(info) + f"; whole gas section {time.perf_counter() - t0:.1f} s."]
    return "\n".join(head) + body + "\n".join(tail) + "\n"


if __name__ == "__main__":
    print(run())
