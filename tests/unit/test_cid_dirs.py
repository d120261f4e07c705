"""Directory CIDs (``ipfs add -r``) against ipfs-unixfs-importer, plus the builder's refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _pattern import write_pattern
from conftest import job_for
from modelgov.cid import PROFILES, build_path, cid_of_path, get_profile
from modelgov.errors import PathError, UnknownProfileError


def make_tree(root: Path) -> Path:
    """A small model folder: nested, empty dir, empty file, unicode, hidden, >1 chunk."""
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "empty-dir").mkdir()
    (root / "a.txt").write_bytes(b"hi")
    (root / "B").write_bytes(b"upper case sorts first")
    (root / "Ünïcode name.txt").write_bytes("é".encode())
    (root / "empty").write_bytes(b"")
    (root / ".hidden").write_bytes(b"skipped like ipfs add -r")
    (root / ".git").mkdir()
    (root / ".git" / "x").write_bytes(b"skipped")
    write_pattern(root / "sub" / "weights.bin", 1024 * 1024 * 3 + 17, seed=2)
    write_pattern(root / "sub" / "deeper" / "small.bin", 300_000, seed=4)
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("tree") / "model")


def test_directory_cids_match_importer(tree: Path, js_reference) -> None:  # type: ignore[no-untyped-def]
    paths = [tree, tree / "sub", tree / "empty-dir", tree / "sub" / "weights.bin"]
    cases = [(get_profile(n), p) for n in PROFILES for p in paths]
    ours = [cid_of_path(p, prof) for prof, p in cases]
    assert ours == js_reference([job_for(prof, path=str(p)) for prof, p in cases])


@st.composite
def small_tree(draw: st.DrawFn) -> dict[str, int]:
    names = st.text(st.characters(codec="utf-8", exclude_characters="/\\\x00.", exclude_categories=("Cs", "Cc")),
                     min_size=1, max_size=8)
    paths = draw(st.lists(st.lists(names, min_size=1, max_size=3).map("/".join), min_size=1, max_size=6,
                          unique_by=str.casefold))
    return {p: draw(st.integers(0, 5000)) for p in paths}


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=small_tree())
def test_random_trees_match_importer(tmp_path: Path, js_reference, spec: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / f"t{abs(hash(tuple(spec.items())))}"
    made = []
    for rel, size in spec.items():
        target = root / rel
        if any(parent in made for parent in [target, *target.parents]):
            continue  # a file already sits where a folder would go
        if any(Path(m).is_relative_to(target) for m in made):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_pattern(target, size, seed=size % 5)
        made.append(target)
    root.mkdir(exist_ok=True)
    profiles = [get_profile(n).scaled(1000, 3) for n in PROFILES]
    ours = [cid_of_path(root, p) for p in profiles]
    assert ours == js_reference([job_for(p, path=str(root)) for p in profiles])


def test_manifest_files_skip_hidden_and_list_sizes(tree: Path) -> None:
    result = build_path(tree, with_sha256=True)
    paths = [f.path for f in result.files]
    assert ".hidden" not in paths and not any(p.startswith(".git") for p in paths)
    assert "sub/deeper/small.bin" in paths
    assert all(f.sha256 and len(f.sha256) == 64 for f in result.files)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(PathError, match="no such file"):
        cid_of_path(tmp_path / "nope")


def test_unknown_profile(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(UnknownProfileError, match="unixfs-v1-2025"):
        cid_of_path(tmp_path / "f", "v2")


def test_symlink_inside_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "real").write_bytes(b"x")
    os.symlink("real", tmp_path / "d" / "link")
    with pytest.raises(PathError, match="symlink"):
        cid_of_path(tmp_path / "d")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from modelgov.cid import dag

    f = tmp_path / "secret"
    f.write_bytes(b"x")
    f.chmod(0)
    if os.geteuid() == 0:  # root reads everything: make the open fail the way it would for a user
        real_open = builtins.open

        def denying_open(path, *args, **kwargs):
            if Path(path) == f:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(dag, "open", denying_open, raising=False)
    with pytest.raises(PathError, match="permission denied"):
        cid_of_path(f)


def test_directory_kubo_would_shard_is_sharded(tmp_path: Path, js_reference) -> None:  # type: ignore[no-untyped-def]
    """Past the threshold the folder is a HAMT, as Kubo makes it (more in test_cid_hamt.py)."""
    from dataclasses import replace

    d = tmp_path / "many"
    d.mkdir()
    for i in range(40):
        (d / f"file-{i:03}").write_bytes(b"")
    tiny = replace(get_profile(), shard_threshold=1000)
    assert cid_of_path(d, tiny) != cid_of_path(d)
    job = job_for(tiny, path=str(d), shardSplitStrategy="block-bytes", shardSplitThresholdBytes=1000)
    assert cid_of_path(d, tiny) == js_reference([job])[0]
