"""IPFS: endpoint rules, CLI errors, and pin/fetch against a real js-ipfs node.

The session's node (``ipfs_node`` fixture) also serves as the second CID reference: its own
``add --only-hash`` (flags it supports: cid-version, raw-leaves, chunker; its fan-out is 174).
A tiny fake Kubo endpoint serves tampered or incomplete DAGs and dies mid-upload.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from _pattern import write_pattern
from conftest import IPFSNode, free_port
from modelgov.cid import PROFILES, cid_of_path, get_profile
from modelgov.cid.car import write_car
from modelgov.cid.profiles import KIB
from modelgov.cli import cli
from modelgov.errors import InsecureEndpointError, IntegrityError, NodeUnreachableError, ValidationError
from modelgov.storage.ipfs import IPFSClient, fetch, pin_path, resolve_endpoint


# --- endpoint rules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("localhost:5001", "http://localhost:5001"),
        ("/ip4/127.0.0.1/tcp/5001", "http://127.0.0.1:5001"),
        ("/ip6/::1/tcp/5001", "http://[::1]:5001"),
        ("https://ipfs.example.org", "https://ipfs.example.org"),
        ("/dns4/ipfs.example.org/tcp/443/https", "https://ipfs.example.org:443"),
    ],
)
def test_endpoint_forms(given: str, url: str) -> None:
    assert resolve_endpoint(given) == url


def test_plain_http_outside_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELGOV_IPFS_ALLOW_INSECURE", raising=False)
    with pytest.raises(InsecureEndpointError):
        resolve_endpoint("http://10.1.2.3:5001")
    assert resolve_endpoint("http://10.1.2.3:5001", allow_insecure=True) == "http://10.1.2.3:5001"
    monkeypatch.setenv("MODELGOV_IPFS_ALLOW_INSECURE", "1")
    assert resolve_endpoint("http://10.1.2.3:5001") == "http://10.1.2.3:5001"


def test_env_endpoint_and_bad_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELGOV_IPFS_API", "/ip4/127.0.0.1/tcp/7777")
    assert resolve_endpoint() == "http://127.0.0.1:7777"
    for bad in ("/ip4/127.0.0.1/udp/1", "ftp://x"):
        with pytest.raises(ValidationError):
            resolve_endpoint(bad)


# --- CLI errors (no node needed) --------------------------------------------------------------------
def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0, result.stdout
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(mix_stderr=False)


def test_cli_errors_without_node(runner: CliRunner, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "f").write_bytes(b"x")
    err = one_line_error(runner.invoke(cli, ["fetch", "QmNotACid", "-o", str(tmp_path / "o")]))
    assert "malformed CID" in err
    err = one_line_error(runner.invoke(cli, ["fetch", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
                                             "-o", str(tmp_path / "o"), "--api", dead]))
    assert f"IPFS node at {dead} is not reachable; start it with `modelgov node start`" in err
    err = one_line_error(runner.invoke(cli, ["pin", "ipfs", str(tmp_path / "f"), "--api", dead]))
    assert "not reachable" in err
    assert "unknown profile" in one_line_error(runner.invoke(cli, ["cid", str(tmp_path / "f"), "--profile", "x"]))
    assert "no such file" in one_line_error(runner.invoke(cli, ["cid", str(tmp_path / "nope")]))
    assert "no such file" in one_line_error(runner.invoke(cli, ["pin", "ipfs", str(tmp_path / "nope"), "--api", dead]))
    assert "outside loopback" in one_line_error(
        runner.invoke(cli, ["pin", "ipfs", str(tmp_path / "f"), "--api", "http://192.0.2.1:5001"]))
    assert not (tmp_path / "o").exists()


def test_cli_cid_and_car(runner: CliRunner, tmp_path: Path) -> None:
    write_pattern(tmp_path / "w", 300_000, seed=1)
    r = runner.invoke(cli, ["cid", str(tmp_path / "w")])
    assert r.exit_code == 0 and r.stdout == cid_of_path(tmp_path / "w") + "\n"
    r = runner.invoke(cli, ["cid", str(tmp_path / "w"), "-p", "unixfs-v0-2015"])
    assert r.stdout.startswith("Qm")
    r = runner.invoke(cli, ["car", str(tmp_path / "w"), "-o", str(tmp_path / "w.car"), "--profile", "kubo-cidv1"])
    assert r.exit_code == 0 and r.stdout.strip() == cid_of_path(tmp_path / "w", "kubo-cidv1")


# --- the node's own add --only-hash ---------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ipfs") / "model"
    (root / "sub" / "empty").mkdir(parents=True)
    write_pattern(root / "weights.bin", 3 * 1024 * 1024 + 11, seed=2)
    write_pattern(root / "sub" / "small.bin", 1000, seed=3)
    (root / "config.json").write_text("{}")
    (root / "Ünï.txt").write_text("ü")
    (root / ".hidden").write_text("no")
    return root


def _node_add(client: IPFSClient, path: Path, profile: str) -> str:
    p = get_profile(profile)
    return client.add_only_hash(path, cid_version=p.cid_version, raw_leaves=p.raw_leaves, chunk_size=p.chunk_size)


def test_node_add_only_hash_agrees(ipfs_node: IPFSNode, sample_dir: Path, tmp_path: Path) -> None:
    sizes = [0, 1, 256 * KIB - 1, 256 * KIB + 1, 1024 * KIB + 1, 174 * 256 * KIB + 1]
    with ipfs_node.client() as client:
        for profile in PROFILES:
            assert _node_add(client, sample_dir, profile) == cid_of_path(sample_dir, profile)
            for size in sizes:
                if size == sizes[-1] and profile == "unixfs-v1-2025":
                    continue  # the node cannot be told 1024 links; 174 x 1 MiB is beyond test sizes
                f = tmp_path / f"f{size}"
                if not f.exists():
                    write_pattern(f, size, seed=size % 7)
                assert _node_add(client, f, profile) == cid_of_path(f, profile), (profile, size)


# --- pin and fetch round trip -------------------------------------------------------------------------
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_pin_fetch_round_trip(ipfs_node: IPFSNode, runner: CliRunner, sample_dir: Path, tmp_path: Path,
                              profile: str) -> None:
    env = ipfs_node.env()
    r = runner.invoke(cli, ["pin", "ipfs", str(sample_dir), "--profile", profile, "--json"], env=env)
    assert r.exit_code == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["cid"] == cid_of_path(sample_dir, profile) and first["api"] == ipfs_node.api
    with ipfs_node.client() as client:
        assert client.pinned(first["cid"])
    again = json.loads(runner.invoke(cli, ["pin", "ipfs", str(sample_dir), "--profile", profile, "--json"],
                                     env=env).stdout)
    assert again["cid"] == first["cid"] and again["already_pinned"] is True
    out = tmp_path / "fetched"
    r = runner.invoke(cli, ["fetch", first["cid"], "-o", str(out), "--api", ipfs_node.api])
    assert r.exit_code == 0, r.stderr
    for f in ["weights.bin", "sub/small.bin", "config.json", "Ünï.txt"]:
        assert (out / f).read_bytes() == (sample_dir / f).read_bytes()
    assert (out / "sub" / "empty").is_dir() and not (out / ".hidden").exists()
    assert cid_of_path(out, profile) == first["cid"]
    assert "already exists" in one_line_error(runner.invoke(cli, ["fetch", first["cid"], "-o", str(out),
                                                                   "--api", ipfs_node.api]))


def test_interrupted_import_then_rerun(ipfs_node: IPFSNode, tmp_path: Path) -> None:
    """Half a CAR reaches the node (no pin); re-running pins the whole DAG once."""
    write_pattern(tmp_path / "w", 2 * 1024 * 1024 + 3, seed=6)
    car = tmp_path / "w.car"
    result = write_car(tmp_path / "w", car, "kubo-cidv1")
    data = car.read_bytes()
    with ipfs_node.client() as client:
        with pytest.raises(Exception):  # noqa: B017 - the node rejects the truncated CAR
            client.dag_import(iter([data[: len(data) // 2]]))
        assert not client.pinned(result.cid)
        pinned = pin_path(tmp_path / "w", "kubo-cidv1", client=client)
        assert pinned.cid == result.cid and not pinned.already_pinned and client.pinned(result.cid)


def test_pin_the_car_pin_prepare_wrote_without_hashing_again(ipfs_node: IPFSNode, runner: CliRunner,
                                                              tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: `pin prepare --car` reads the folder once; `pin ipfs --from-car` sends that CAR
    as it is (no DAG is built again: build_path and iter_car are not called) and the node pins
    the root the manifest names; the fetched copy gives the same CID."""
    import modelgov.storage.ipfs as ipfs_mod

    folder = tmp_path / "model"
    folder.mkdir()
    write_pattern(folder / "weights.bin", 3 * 1024 * 1024 + 5, seed=11)
    (folder / "config.json").write_text('{"n": 1}')
    car = tmp_path / "model.car"
    env = {**ipfs_node.env(), "MODELGOV_HOME": str(tmp_path / "home")}
    r = runner.invoke(cli, ["pin", "prepare", str(folder), "--car", str(car), "--json"], env=env)
    assert r.exit_code == 0, r.stderr
    root, profile = json.loads(r.stdout)["root"]["cid"], json.loads(r.stdout)["root"]["profile"]

    def no_rehash(*_a: object, **_k: object) -> None:
        raise AssertionError("the folder was hashed again")

    monkeypatch.setattr(ipfs_mod, "build_path", no_rehash)
    monkeypatch.setattr(ipfs_mod, "iter_car", no_rehash)
    r = runner.invoke(cli, ["pin", "ipfs", str(car), "--from-car", "--json"], env=env)
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["cid"] == root and got["size"] == car.stat().st_size and got["already_pinned"] is False
    with ipfs_node.client() as client:
        assert client.pinned(root)
    again = json.loads(runner.invoke(cli, ["pin", "ipfs", str(car), "--from-car", "--json"], env=env).stdout)
    assert again["already_pinned"] is True
    monkeypatch.undo()
    out = tmp_path / "back"
    r = runner.invoke(cli, ["fetch", root, "-o", str(out), "--api", ipfs_node.api])
    assert r.exit_code == 0, r.stderr
    assert cid_of_path(out, profile) == root
    heard: list[int] = []  # fetch's progress hears every byte of the CAR the node sends
    with ipfs_node.client() as client:
        fetch(root, tmp_path / "again", client=client, on_bytes=heard.append)
    assert sum(heard) == car.stat().st_size
    # not a CAR: one line, nothing pinned
    line = one_line_error(runner.invoke(cli, ["pin", "ipfs", str(folder / "config.json"), "--from-car"], env=env))
    assert "CAR" in line


def test_node_status_cli(ipfs_node: IPFSNode, runner: CliRunner) -> None:
    r = runner.invoke(cli, ["node", "status", "--json"], env=ipfs_node.env())
    assert r.exit_code == 0
    state = json.loads(r.stdout)
    assert state["ready"] and state["running"] and state["url"] == ipfs_node.api


# --- a fake endpoint: tampered / incomplete exports, a node dying mid-upload -----------------------
class FakeKubo(http.server.BaseHTTPRequestHandler):
    export: bytes = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        if self.path.startswith("/api/v0/dag/export"):
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.ipld.car")
            self.end_headers()
            self.wfile.write(self.export)
        elif self.path.startswith("/api/v0/pin/ls"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b'{"Message":"not pinned","Type":"error"}')
        elif self.path.startswith("/api/v0/dag/import"):
            self.rfile.read(4096)  # take a little, then die
            self.connection.shutdown(2)
            self.connection.close()
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def fake_kubo() -> Iterator[tuple[str, type[FakeKubo]]]:
    handler = type("Handler", (FakeKubo,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def _car_bytes(tmp_path: Path) -> tuple[bytes, str]:
    write_pattern(tmp_path / "w", 700_000, seed=4)
    result = write_car(tmp_path / "w", tmp_path / "w.car", "kubo-cidv1")
    return (tmp_path / "w.car").read_bytes(), result.cid


def test_fetch_refuses_tampered_dag(fake_kubo, runner: CliRunner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, handler = fake_kubo
    data, cid = _car_bytes(tmp_path)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0xFF
    handler.export = bytes(tampered)
    err = one_line_error(runner.invoke(cli, ["fetch", cid, "-o", str(tmp_path / "out"), "--api", url]))
    assert "does not match its hash" in err
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


def test_fetch_refuses_incomplete_dag(fake_kubo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, handler = fake_kubo
    data, cid = _car_bytes(tmp_path)
    handler.export = data[: len(data) - 300_000]  # cut inside the blocks
    with pytest.raises(IntegrityError, match=r"truncated|incomplete"):
        fetch(cid, tmp_path / "out", client=IPFSClient(url))
    assert not (tmp_path / "out").exists()


def test_node_dying_mid_upload(fake_kubo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _ = fake_kubo
    write_pattern(tmp_path / "w", 3 * 1024 * 1024, seed=1)
    with pytest.raises(NodeUnreachableError, match="re-run"):
        pin_path(tmp_path / "w", client=IPFSClient(url))
    assert (tmp_path / "w").stat().st_size == 3 * 1024 * 1024  # nothing lost
