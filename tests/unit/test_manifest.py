"""Manifests: canonical JSON digest, safetensors facts, verify naming files, diff, CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import rfc8785
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.numpy import save_file

from modelgov import manifest as mf
from modelgov.cid import cid_of_path
from modelgov.cli import cli
from modelgov.errors import IntegrityError, ManifestError


def make_model(root: Path) -> Path:
    root.mkdir(parents=True)
    save_file(
        {"embed": np.zeros((10, 4), dtype=np.float16), "head.w": np.ones((4, 3), dtype=np.float32),
         "head.b": np.zeros(3, dtype=np.float32)},
        str(root / "model.safetensors"), metadata={"format": "pt"},
    )
    (root / "config.json").write_text('{"hidden": 4}')
    (root / "tok").mkdir()
    (root / "tok" / "vocab.txt").write_text("a\nb\n")
    return root


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return make_model(tmp_path / "m")


def test_build_records_files_cids_and_safetensors(model: Path) -> None:
    m = mf.build(model)
    assert m["root"] == {"cid": cid_of_path(model), "profile": "unixfs-v1-2025", "kind": "directory"}
    assert [f["path"] for f in m["files"]] == ["config.json", "model.safetensors", "tok/vocab.txt"]
    cfg = m["files"][0]
    assert cfg["sha256"] == hashlib.sha256(b'{"hidden": 4}').hexdigest() and cfg["size"] == 13
    assert cfg["cid"] == cid_of_path(model / "config.json")
    st_facts = m["files"][1]["safetensors"]
    assert st_facts["parameters"] == 40 + 12 + 3 == m["parameters"]
    assert st_facts["dtypes"] == {"F16": 40, "F32": 15}
    assert st_facts["tensors"]["head.w"] == {"dtype": "F32", "shape": [4, 3]}
    assert st_facts["metadata"] == {"format": "pt"}


def test_file_is_canonical_and_digest_is_its_sha256(model: Path, tmp_path: Path) -> None:
    m = mf.build(model, "unixfs-v0-2015")
    out = tmp_path / "manifest.json"
    d = mf.write(m, out)
    data = out.read_bytes()
    assert data == rfc8785.dumps(json.loads(data))
    assert d == "0x" + hashlib.sha256(data).hexdigest() == mf.digest(mf.load(out))
    assert len(bytes.fromhex(d[2:])) == 32


@settings(max_examples=20, deadline=None)
@given(extra=st.dictionaries(st.text(max_size=5), st.one_of(st.integers(-10**15, 10**15), st.text(max_size=5))))
def test_digest_ignores_key_order(extra: dict) -> None:  # type: ignore[type-arg]
    base = {"schema": mf.SCHEMA, "root": {"cid": "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
            "profile": "unixfs-v0-2015"}, "files": [], "x": extra}
    reordered = json.loads(json.dumps(base, sort_keys=True))
    reordered["x"] = dict(reversed(list(extra.items())))
    assert mf.digest(base) == mf.digest(reordered)


def test_verify_names_every_mismatching_file(model: Path) -> None:
    m = mf.build(model)
    assert mf.verify(model, m).ok
    (model / "config.json").write_text('{"hidden": 5}')  # same size, other content
    (model / "tok" / "vocab.txt").unlink()
    (model / "new.bin").write_bytes(b"123")
    report = mf.verify(model, m)
    assert not report.ok
    assert {x.path for x in report.mismatches} == {"config.json", "tok/vocab.txt", "new.bin"}
    with pytest.raises(IntegrityError) as err:
        report.raise_for_mismatch("manifest.json")
    msg = str(err.value)
    assert "3 files differ" in msg and "config.json: sha256" in msg and "tok/vocab.txt: missing" in msg
    assert "\n" not in msg


def test_diff(model: Path) -> None:
    old = mf.build(model)
    (model / "config.json").write_text('{"hidden": 40}')
    (model / "tok" / "vocab.txt").unlink()
    (model / "extra.bin").write_bytes(b"12345")
    d = mf.diff(old, mf.build(model)).as_dict()
    assert d["added"] == [{"path": "extra.bin", "size": 5}]
    assert d["removed"] == [{"path": "tok/vocab.txt", "size": 4}]
    assert d["changed"] == [{"path": "config.json", "old_size": 13, "new_size": 14}]
    assert d["size_delta"] == 5 - 4 + 1 and d["old_root"] != d["new_root"]
    assert mf.diff(old, old).empty


def test_bad_safetensors_is_named(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "broken.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(ManifestError, match=r"broken\.safetensors"):
        mf.build(tmp_path / "m")


@pytest.mark.parametrize("text", ["not json", "{}", '{"schema": "modelgov/manifest/v1", "root": {"cid": "nope"}, "files": []}'])
def test_malformed_manifest(tmp_path: Path, text: str) -> None:
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(ManifestError):
        mf.load(tmp_path / "x.json")


def test_cli_build_verify(model: Path, tmp_path: Path) -> None:
    runner = CliRunner(mix_stderr=False)
    out = tmp_path / "manifest.json"
    r = runner.invoke(cli, ["manifest", "build", str(model), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["digest"] == "0x" + hashlib.sha256(out.read_bytes()).hexdigest()
    assert runner.invoke(cli, ["manifest", "verify", str(model), str(out)]).exit_code == 0
    (model / "config.json").write_text("{}")
    r = runner.invoke(cli, ["manifest", "verify", str(model), str(out)])
    assert r.exit_code != 0
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: 1 file differs") and "config.json" in r.stderr
    r = runner.invoke(cli, ["manifest", "build", str(tmp_path / "missing"), "-o", str(out)])
    assert r.exit_code != 0 and r.stderr.startswith("Error: ") and "no such file" in r.stderr


def test_cli_diff(model: Path, tmp_path: Path) -> None:
    runner = CliRunner(mix_stderr=False)
    mf.write(mf.build(model), tmp_path / "a.json")
    (model / "n.txt").write_text("n")
    mf.write(mf.build(model), tmp_path / "b.json")
    r = runner.invoke(cli, ["manifest", "diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert r.exit_code == 0 and r.stdout.strip() == "+ n.txt (1 B)"


def test_progress_hears_both_passes_of_a_piece_build(tmp_path: Path) -> None:
    """Issue 18: `manifest build --piece` reads the folder twice (manifest, then the CAR for
    the piece CID); the progress callback hears the bytes of both passes."""
    from modelgov import manifest as mf
    from modelgov.cid.dag import tree_size

    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"a" * 300_000)
    (folder / "b.json").write_text('{"x": 1}')
    heard: list[int] = []
    mf.build(folder, on_bytes=heard.append)
    assert sum(heard) == tree_size(folder)
    heard.clear()
    mf.build(folder, on_bytes=heard.append, piece=True)
    assert sum(heard) == 2 * tree_size(folder)
