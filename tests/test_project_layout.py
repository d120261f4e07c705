"""Issue 13: a build by the CLI / demo must leave the project that ``ape test`` sees intact.

A checkout under the system temporary folder (a clone in ``/tmp``) made Ape compile in place and
unpack ~500 OpenZeppelin files into ``contracts/.cache``; Ape's source discovery stops at 500
files, so the next process lost ``contracts/test/`` (``'LocalProject' object has no attribute
'MockModelRegistry'``). These tests build a copy of the project under the system temporary
folder exactly as the CLI does, then list the sources as a fresh test run would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The machine's temporary folder (this process may have moved its own, see ape_env).
SYSTEM_TMP = Path(os.environ.get("TMPDIR") or "/tmp")

BUILD_LIKE_THE_CLI = """
from modelgov.chain.ape_env import project
project().GovernanceToken  # what deploy_suite does first: compiles every source on demand
"""

LIST_LIKE_A_TEST_RUN = """
import json
from modelgov.chain.ape_env import prepare_environment
prepare_environment()  # what tests/conftest.py does before any test
import ape
root = ape.project.path
print(json.dumps(sorted(str(p.relative_to(root)) for p in ape.project.sources.paths)))
"""


def _own_sources(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in (root / "contracts").rglob("*.sol")
        if ".cache" not in p.relative_to(root).parts
    )


@pytest.fixture(scope="module")
def clone_in_system_tmp() -> Iterator[Path]:
    """The project's sources, config and package in a fresh folder under the system tmp."""
    path = Path(tempfile.mkdtemp(prefix="modelgov-clone-", dir=SYSTEM_TMP))
    try:
        shutil.copytree(ROOT / "contracts", path / "contracts",
                        ignore=shutil.ignore_patterns(".cache"))
        shutil.copytree(ROOT / "modelgov", path / "modelgov",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "ape-config.yaml", path / "ape-config.yaml")
        for shared in ("node_modules", ".toolchain"):
            (path / shared).symlink_to(ROOT / shared)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _run(code: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(cwd), "APE_DISABLE_PLUGIN_UPDATE_CHECK": "1",
           "SOLCX_BINARY_PATH": str(ROOT / ".toolchain" / "solcx")}
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_cli_build_in_a_tmp_clone_writes_no_dependency_cache(clone_in_system_tmp: Path) -> None:
    _run(BUILD_LIKE_THE_CLI, clone_in_system_tmp)
    assert (clone_in_system_tmp / ".build" / "__local__.json").is_file()
    assert not (clone_in_system_tmp / "contracts" / ".cache").exists()
    listed = json.loads(_run(LIST_LIKE_A_TEST_RUN, clone_in_system_tmp).splitlines()[-1])
    assert listed == _own_sources(clone_in_system_tmp)
    assert "contracts/test/MockModelRegistry.sol" in listed


def test_stale_dependency_cache_from_an_older_checkout_hides_nothing(
    clone_in_system_tmp: Path,
) -> None:
    stale = clone_in_system_tmp / "contracts" / ".cache" / "openzeppelin" / "5.7.0"
    stale.mkdir(parents=True)
    for i in range(600):  # more than Ape's 500-file discovery limit
        (stale / f"Stale{i}.sol").write_text("// SPDX-License-Identifier: MIT\n")
    listed = json.loads(_run(LIST_LIKE_A_TEST_RUN, clone_in_system_tmp).splitlines()[-1])
    assert listed == _own_sources(clone_in_system_tmp)
    assert len(listed) == len(_own_sources(ROOT))


PROBE = """
from modelgov.chain.ape_env import project
abi = project().MockStablecoin.contract_type.abi
print(sorted(getattr(a, "name", "") for a in abi if getattr(a, "type", "") == "function"))
"""


def test_a_changed_contract_is_rebuilt_by_the_next_process(clone_in_system_tmp: Path) -> None:
    """A contract edited (or changed by a git pull/merge) after a build: the next CLI process
    must see the new ABI, not the build's old one."""
    before = _run(PROBE, clone_in_system_tmp)
    assert "probeAfterEdit" not in before
    source = clone_in_system_tmp / "contracts" / "test" / "MockStablecoin.sol"
    text = source.read_text()
    cut = text.rstrip().rfind("}")
    source.write_text(text[:cut] + (
        "    /// @notice Added after the first build.\n"
        "    function probeAfterEdit() external pure returns (uint256) {\n        return 7;\n    }\n}\n"))
    # what Ape 0.8.51 may leave behind: the new source text recorded beside the old types
    manifest_path = clone_in_system_tmp / ".build" / "__local__.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sources"]["contracts/test/MockStablecoin.sol"]["content"] = source.read_text()
    manifest_path.write_text(json.dumps(manifest))
    after = _run(PROBE, clone_in_system_tmp)
    assert "probeAfterEdit" in after


def test_shipped_abis_match_the_compiled_contracts() -> None:
    """The ABIs inside the package (modelgov/chain/abi) are the compiled ones: a user with
    `pip install modelgov` reads a deployed suite with them. Refresh: python tools/export_abis.py"""
    import json

    import ape

    from modelgov.chain.abi import SHIPPED, load_abi

    project = ape.project
    for name in SHIPPED:
        compiled = [json.loads(a.model_dump_json(by_alias=True, exclude_none=True))
                    for a in getattr(project, name).contract_type.abi]
        key = lambda item: json.dumps(item, sort_keys=True)  # noqa: E731
        assert sorted(map(key, load_abi(name))) == sorted(map(key, compiled)), (
            f"modelgov/chain/abi/{name}.json is stale: run python tools/export_abis.py")
