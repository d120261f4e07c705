"""Solidity for verifiers, without Ape: the svm look-alike EZKL wants, and solcjs compiles.

- EZKL's ``create_evm_verifier`` asks svm for a native solc 0.8.20 at
  ``$HOME/.svm/0.8.20/solc-0.8.20`` (to build the ABI) and would download it. We give the EZKL
  subprocess its own ``HOME`` under ``$MODELGOV_HOME/zk/home`` where that path is a link to the
  checked-in solcjs shim (``tools/solc-shim.cjs``): nothing outside modelgov's state changes.
- :func:`compile_verifier` compiles a generated ``Verifier.sol`` with the same shim (standard
  JSON, fixed settings recorded in ``zk/meta.json``) and returns creation and runtime bytecode;
  :func:`strip_metadata` drops the CBOR metadata tail so two compilations compare by code only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelgov.errors import ZkError, ZkToolMissingError
from modelgov.paths import state_dir, tools_dir

SVM_VERSION = "0.8.20"
#: Compiler settings of every verifier build (ezkl's verifier is large: optimizer runs 1).
COMPILER_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 1},
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "none"},
}
CONTRACT_NAME = "Halo2Verifier"


def shim_path() -> Path:
    """The solcjs shim (``tools/solc-shim.cjs``).

    Raises:
        ZkToolMissingError: node or the shim is missing.
    """
    shim = tools_dir() / "solc-shim.cjs"
    if not shim.is_file() or shutil.which("node") is None:
        raise ZkToolMissingError(f"node and {shim} are needed to compile verifiers (run `make setup`)")
    return shim


def ezkl_home() -> Path:
    """A ``HOME`` for the EZKL subprocess whose ``.svm/0.8.20/solc-0.8.20`` is the shim (made on
    demand, idempotent).

    Raises:
        ZkToolMissingError: node or the shim is missing.
    """
    home = state_dir() / "zk" / "home"
    target = home / ".svm" / SVM_VERSION / f"solc-{SVM_VERSION}"
    shim = shim_path()
    if not (target.is_symlink() and Path(os.readlink(target)) == shim):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(shim)
        tmp.replace(target)
    return home


@dataclass(frozen=True)
class CompiledVerifier:
    """A compiled verifier: ABI, creation code and runtime code (hex, no 0x)."""

    abi: list[dict[str, Any]]
    bytecode: str
    runtime: str
    compiler: str


def compile_verifier(source: str, timeout: float = 300.0) -> CompiledVerifier:
    """Compile a generated verifier source with solcjs and :data:`COMPILER_SETTINGS`.

    Raises:
        ZkToolMissingError: node / the shim is missing.
        ZkError: the compiler reported an error or no ``Halo2Verifier`` contract.
    """
    shim = shim_path()
    std_input = {
        "language": "Solidity",
        "sources": {"Verifier.sol": {"content": source}},
        "settings": {**COMPILER_SETTINGS, "outputSelection": {
            "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}}},
    }
    try:
        proc = subprocess.run(["node", str(shim), "--standard-json"], input=json.dumps(std_input),
                              capture_output=True, text=True, timeout=timeout, check=False)
        version = subprocess.run(["node", str(shim), "--version"], capture_output=True, text=True,
                                 timeout=60, check=False).stdout.strip().splitlines()[-1]
    except subprocess.TimeoutExpired:
        raise ZkError(f"solc ran past {timeout:.0f} s compiling the verifier") from None
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise ZkError(f"solc gave no JSON: {' '.join(proc.stderr.split())[:300]}") from None
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        message = " ".join(errors[0].get("formattedMessage", "").split())[:300]
        raise ZkError(f"verifier does not compile: {message}")
    contracts = out.get("contracts", {}).get("Verifier.sol", {})
    if CONTRACT_NAME not in contracts:
        has = ", ".join(contracts) or "none"
        raise ZkError(f"verifier source has no contract {CONTRACT_NAME} (has {has})")
    c = contracts[CONTRACT_NAME]
    return CompiledVerifier(abi=c["abi"], bytecode=c["evm"]["bytecode"]["object"],
                            runtime=c["evm"]["deployedBytecode"]["object"],
                            compiler=version.removeprefix("Version: "))


def strip_metadata(code: bytes) -> bytes:
    """Runtime code without its CBOR metadata tail (the last 2 bytes give its length).

    With ``bytecodeHash: none`` the tail only names the compiler, but code compiled elsewhere may
    carry an IPFS hash of its metadata: compare code without it.
    """
    if len(code) < 2:
        return code
    n = int.from_bytes(code[-2:], "big")
    if n + 2 > len(code) or n == 0:
        return code
    tail = code[-(n + 2):-2]
    # a CBOR map (0xa0-0xb7) naming "solc", "ipfs" or "bzzr": the metadata section
    if tail[:1] and 0xA0 <= tail[0] <= 0xB7 and any(k in tail for k in (b"solc", b"ipfs", b"bzzr")):
        return code[:-(n + 2)]
    return code
