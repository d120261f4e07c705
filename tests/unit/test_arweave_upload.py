"""Upload / fetch against a real arlocal (started once for the module, stopped by its PID).

Faults (rejected chunk, interrupted upload, tampered download) are injected with an httpx
transport between the client and arlocal; egress is checked by refusing every socket connect
that is not the gateway's.
"""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from modelgov.devnet import arlocal as arlocal_service
from modelgov.errors import (
    ArweaveError,
    ConfigError,
    InsecureEndpointError,
    IntegrityError,
    NodeUnreachableError,
    ValidationError,
    WalletError,
)
from modelgov.storage import arweave
from modelgov.storage.arweave_merkle import MAX_CHUNK_SIZE, tree_from_bytes
from modelgov.storage.arweave_wallet import KEY_BITS, load_wallet, new_wallet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEST_WALLET = FIXTURES / "arweave-test-wallet.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def arlocal(tmp_path_factory):
    """A real arlocal on a free loopback port, in its own MODELGOV_HOME."""
    home = tmp_path_factory.mktemp("mghome")
    env = {"MODELGOV_HOME": str(home), "MODELGOV_ARLOCAL_PORT": str(_free_port())}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("MODELGOV_ARWEAVE_GATEWAY", raising=False)
        st = arlocal_service.start()
        assert st.ready and st.pid
    try:
        yield {"env": env, "url": st.url, "pid": st.pid}
    finally:
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            assert arlocal_service.stop()


@pytest.fixture
def env(arlocal, monkeypatch):
    for k, v in arlocal["env"].items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MODELGOV_ARWEAVE_GATEWAY", raising=False)
    monkeypatch.delenv("MODELGOV_ALLOW_INSECURE_HTTP", raising=False)
    return arlocal


@pytest.fixture
def gw(env):
    return arweave.resolve_gateway(None)


@pytest.fixture(scope="module")
def wallet():
    return load_wallet(TEST_WALLET)


def _data_file(folder: Path, size: int, seed: int) -> Path:
    path = folder / f"model-{seed}.bin"
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run ``modelgov ARGS`` in-process: (exit code, stdout, stderr)."""
    from modelgov.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


class Injector(httpx.BaseTransport):
    """Forwards to the real gateway; can fail chunk posts or tamper with downloads."""

    def __init__(
        self,
        fail_after: int | None = None,
        fail_status: int | None = None,
        tamper: bool = False,
        forge_tx: bool = False,
    ):
        self.inner = httpx.HTTPTransport()
        self.forge_tx = forge_tx
        self.fail_after = fail_after
        self.fail_status = fail_status
        self.tamper = tamper
        self.calls: list[tuple[str, str]] = []
        self.chunks_ok = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.calls.append((request.method, path))
        if (request.method == "POST" and path == "/chunk" and self.fail_after is not None
                and self.chunks_ok >= self.fail_after):
            if self.fail_status is None:
                raise httpx.ConnectError("injected: connection dropped", request=request)
            return httpx.Response(self.fail_status, text="injected: chunk rejected")
        if self.forge_tx and request.method == "POST" and path == "/tx":
            tx = json.loads(request.read())
            tx["reward"] = str(int(tx["reward"]) + 1)  # breaks the signature
            request = httpx.Request("POST", request.url, json=tx)
        response = self.inner.handle_request(request)
        if request.method == "POST" and path == "/chunk" and response.status_code == 200:
            self.chunks_ok += 1
        if self.tamper and request.method == "GET" and len(path) == 44:
            body = bytearray(response.read())
            body[len(body) // 2] ^= 0x01
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"]
            return httpx.Response(response.status_code, headers=headers, content=bytes(body))
        return response

    def count(self, method: str, path: str) -> int:
        return sum(1 for c in self.calls if c == (method, path))

    def close(self) -> None:
        self.inner.close()


# --- round trip --------------------------------------------------------------------------------
def test_pin_fetch_round_trip_and_rerun_is_noop(env, tmp_path, capsys):
    src = _data_file(tmp_path, 5 * MAX_CHUNK_SIZE + 40_000, seed=1)
    code, out, err = run_cli(
        capsys, "pin", "arweave", str(src), "--wallet", str(TEST_WALLET), "--model", "llama-mini",
        "--version", "1.2.0", "--ipfs-cid", "bafkqaaa", "--manifest-digest", "ab" * 32,
        "--tag", "License=MIT", "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["confirmed"] and not result["already_done"]
    assert result["chunks"] == result["chunks_sent"] == 6
    assert result["data_root"] == tree_from_bytes(src.read_bytes()).data_root_b64
    assert result["tags"] == {
        "Content-Type": "application/octet-stream", "App-Name": "modelgov",
        "Model": "llama-mini", "Version": "1.2.0", "IPFS-CID": "bafkqaaa",
        "Manifest-Digest": "ab" * 32, "License": "MIT",
    }
    txid = result["txid"]

    # the gateway has the signed header, with our data_root and tags
    with arweave.ArweaveClient(arweave.resolve_gateway(None)) as client:
        header = client.tx_header(txid)
    arweave.verify_header(txid, header)
    assert header["data_root"] == result["data_root"]
    assert arweave.decode_tags(header)["Model"] == "llama-mini"

    # re-running a finished upload does nothing
    code, out, err = run_cli(capsys, "pin", "arweave", str(src), "--wallet", str(TEST_WALLET), "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["already_done"] and again["chunks_sent"] == 0 and again["txid"] == txid

    # fetch verifies data_root and sha256
    import hashlib

    dest = tmp_path / "back.bin"
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    code, out, err = run_cli(capsys, "arweave", "fetch", txid, "-o", str(dest), "--sha256", digest)
    assert code == 0, err
    assert dest.read_bytes() == src.read_bytes()
    # an existing output is not overwritten
    code, out, err = run_cli(capsys, "arweave", "fetch", txid, "-o", str(dest))
    assert code != 0 and err.startswith("Error: ") and "exists" in err and err.count("\n") == 1
    # wrong sha256: nothing written
    code, out, err = run_cli(capsys, "arweave", "fetch", txid, "-o", str(tmp_path / "x"), "--sha256", "0" * 64)
    assert code != 0 and "sha256" in err and not (tmp_path / "x").exists()
    assert not list(tmp_path.glob("*.part"))


def test_pinning_weights_leaves_the_folder_cid_and_manifest_unchanged(env, tmp_path, capsys):
    from modelgov import manifest as mf
    from modelgov.cid.dag import cid_of_path

    folder = tmp_path / "model"
    folder.mkdir()
    weights = _data_file(folder, MAX_CHUNK_SIZE + 1234, seed=9)
    before_cid = cid_of_path(folder)
    manifest = mf.build(folder)
    code, _out, err = run_cli(capsys, "pin", "arweave", str(weights), "--wallet", str(TEST_WALLET), "--json")
    assert code == 0, err
    record = arweave.state_path(weights)
    assert record.parent == folder and record.name.startswith(".") and record.exists()
    assert cid_of_path(folder) == before_cid
    assert mf.verify(folder, manifest).ok


def test_data_root_cli_prints_root_alone(tmp_path, capsys):
    src = _data_file(tmp_path, 2 * MAX_CHUNK_SIZE, seed=2)
    code, out, err = run_cli(capsys, "arweave", "data-root", str(src))
    assert code == 0 and out == tree_from_bytes(src.read_bytes()).data_root_b64 + "\n"
    code, out, err = run_cli(capsys, "arweave", "data-root", str(tmp_path / "missing"))
    assert code != 0 and err.startswith("Error:") and out == ""


def test_node_status_and_start_are_idempotent(env, capsys):
    code, out, _ = run_cli(capsys, "arweave", "node", "status", "--json")
    st = json.loads(out)
    assert code == 0 and st["ready"] and st["pid"] == env["pid"]
    assert st["url"].startswith("http://127.0.0.1:")
    code, out, _ = run_cli(capsys, "arweave", "node", "start", "--json")
    assert code == 0 and json.loads(out)["pid"] == env["pid"]


def test_node_status_and_stop_when_nothing_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MODELGOV_HOME", str(tmp_path))
    monkeypatch.setenv("MODELGOV_ARLOCAL_PORT", str(_free_port()))
    code, out, _ = run_cli(capsys, "arweave", "node", "status")
    assert code == 0 and out.startswith("arlocal stopped at http://127.0.0.1:")
    code, out, _ = run_cli(capsys, "arweave", "node", "stop", "--json")
    assert code == 0 and json.loads(out) == {"name": "arlocal", "stopped": False}


def test_arlocal_listens_on_loopback_only(env):
    port = int(env["env"]["MODELGOV_ARLOCAL_PORT"])
    # the listening socket of the PID we started is bound to 127.0.0.1
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout if _has("ss") else ""
    if out:
        lines = [line for line in out.splitlines() if f":{port} " in line]
        assert lines and all("127.0.0.1:" in line for line in lines), lines
    # and is not reachable through another local address
    other = _non_loopback_ip()
    if other:
        with pytest.raises(OSError):
            socket.create_connection((other, port), timeout=1).close()


def _has(cmd: str) -> bool:
    import shutil

    return shutil.which(cmd) is not None


def _non_loopback_ip() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # UDP: sends nothing
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


# --- egress --------------------------------------------------------------------------------
def test_no_request_leaves_for_anything_but_the_gateway(env, tmp_path, capsys, monkeypatch):
    port = int(env["env"]["MODELGOV_ARLOCAL_PORT"])
    seen: list[object] = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        seen.append(address)
        if not (isinstance(address, tuple) and address[0] in ("127.0.0.1", "localhost") and address[1] == port):
            raise OSError(f"egress blocked by test: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("HTTPS_PROXY", "http://10.9.9.9:3128")  # must be ignored
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    src = _data_file(tmp_path, MAX_CHUNK_SIZE + 1000, seed=3)
    code, out, err = run_cli(capsys, "pin", "arweave", str(src), "--wallet", str(TEST_WALLET), "--json")
    assert code == 0, err
    txid = json.loads(out)["txid"]
    code, out, err = run_cli(capsys, "arweave", "fetch", txid, "-o", str(tmp_path / "o.bin"))
    assert code == 0, err
    assert seen and all(a == ("127.0.0.1", port) for a in seen), seen


def test_cli_modules_do_not_import_the_python_client_or_ape():
    code = (
        "import sys, modelgov.cli.arweave_cmd, modelgov.storage.arweave, modelgov.devnet.arlocal;"
        "bad = [m for m in ('arweave', 'requests', 'ape') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- resume --------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["dropped", "rejected"])
def test_interrupted_upload_resumes_with_missing_chunks_only(env, gw, wallet, tmp_path, fault):
    src = _data_file(tmp_path, 6 * MAX_CHUNK_SIZE + 5000, seed=4 if fault == "dropped" else 5)
    n = 7
    broken = Injector(fail_after=3, fail_status=None if fault == "dropped" else 400)
    tags = arweave.model_tags(model="m", version="1")
    expected = (NodeUnreachableError, "3/7 chunks accepted") if fault == "dropped" else (ArweaveError, "rejected chunk 4/7")
    with pytest.raises(expected[0], match=expected[1]) as exc:
        arweave.upload_file(src, wallet, gw, tags, transport=broken, retry_delays=())
    assert "\n" not in str(exc.value) and "re-run to resume" in str(exc.value)
    state = json.loads(arweave.state_path(src).read_text())["uploads"][gw.url]
    assert state["tx_posted"] and state["chunks_done"] == [[0, 2]] and not state["confirmed"]
    assert broken.count("POST", "/tx") == 1

    counting = Injector()
    result = arweave.upload_file(src, wallet, gw, tags, transport=counting)
    assert result.confirmed and result.txid == state["tx"]["id"]
    assert result.chunks == n and result.chunks_sent == n - 3
    assert counting.count("POST", "/chunk") == n - 3 and counting.count("POST", "/tx") == 0

    # finished: a re-run sends nothing at all
    idle = Injector()
    again = arweave.upload_file(src, wallet, gw, tags, transport=idle)
    assert again.already_done and idle.calls == []

    out = tmp_path / "back.bin"
    arweave.fetch(result.txid, out, gw)
    assert out.read_bytes() == src.read_bytes()


def test_resume_refuses_other_tags_while_in_progress(env, gw, wallet, tmp_path):
    src = _data_file(tmp_path, 3 * MAX_CHUNK_SIZE, seed=6)
    with pytest.raises(NodeUnreachableError):
        arweave.upload_file(src, wallet, gw, arweave.model_tags(model="a"),
                            transport=Injector(fail_after=1), retry_delays=())
    with pytest.raises(ValidationError, match="other tags"):
        arweave.upload_file(src, wallet, gw, arweave.model_tags(model="b"))
    assert arweave.upload_file(src, wallet, gw, arweave.model_tags(model="a")).confirmed


def test_changed_file_starts_a_fresh_upload(env, gw, wallet, tmp_path):
    src = _data_file(tmp_path, MAX_CHUNK_SIZE + 10, seed=7)
    first = arweave.upload_file(src, wallet, gw, arweave.model_tags())
    src.write_bytes(random.Random(8).randbytes(MAX_CHUNK_SIZE + 10))
    second = arweave.upload_file(src, wallet, gw, arweave.model_tags())
    assert second.txid != first.txid and not second.already_done and second.confirmed


# --- faults ----------------------------------------------------------------------------------
def test_tampered_download_is_refused_and_nothing_written(env, gw, wallet, tmp_path):
    src = _data_file(tmp_path, 2 * MAX_CHUNK_SIZE + 33_000, seed=9)
    txid = arweave.upload_file(src, wallet, gw, arweave.model_tags()).txid
    out = tmp_path / "out.bin"
    with pytest.raises(IntegrityError, match="does not match its data_root"):
        arweave.fetch(txid, out, gw, transport=Injector(tamper=True))
    assert not out.exists() and not list(tmp_path.glob(".out.bin*"))


def test_forged_header_is_refused(env, gw, wallet, tmp_path):
    src = _data_file(tmp_path, 1000, seed=10)
    txid = arweave.upload_file(src, wallet, gw, arweave.model_tags()).txid
    with arweave.ArweaveClient(gw) as client:
        header = client.tx_header(txid)
    arweave.verify_header(txid, header)
    forged = dict(header, data_root=tree_from_bytes(b"other bytes").data_root_b64)
    with pytest.raises(IntegrityError, match="signature"):
        arweave.verify_header(txid, forged)
    with pytest.raises(IntegrityError, match="id mismatch"):
        arweave.verify_header("A" * 43, header)


def test_rejected_transaction_is_reported_and_a_rerun_starts_cleanly(env, gw, wallet, tmp_path):
    src = _data_file(tmp_path, MAX_CHUNK_SIZE + 99, seed=14)
    forging = Injector(forge_tx=True)
    with pytest.raises(ArweaveError, match=r"rejected transaction .* HTTP 400") as exc:
        arweave.upload_file(src, wallet, gw, arweave.model_tags(), transport=forging)
    assert "\n" not in str(exc.value) and forging.count("POST", "/chunk") == 0
    state = json.loads(arweave.state_path(src).read_text())["uploads"][gw.url]
    assert not state["tx_posted"]
    # the saved, never-accepted transaction is checked, dropped, and a new one is built
    result = arweave.upload_file(src, wallet, gw, arweave.model_tags())
    assert result.confirmed and result.txid != state["tx"]["id"] and result.chunks_sent == 2


def test_unfunded_wallet_is_refused_before_anything_is_posted(env, tmp_path, capsys):
    # a fresh (small, fast) key with no balance; --no-mint keeps local mode from funding it
    poor = tmp_path / "poor.json"
    new_wallet(poor, bits=1024)
    src = _data_file(tmp_path, 5000, seed=11)
    code, out, err = run_cli(capsys, "pin", "arweave", str(src), "--wallet", str(poor), "--no-mint")
    assert code != 0 and out == ""
    assert err.startswith("Error: wallet ") and "winston" in err and err.count("\n") == 1
    assert src.read_bytes() == random.Random(11).randbytes(5000)


def test_missing_or_bad_wallet(env, tmp_path, capsys):
    src = _data_file(tmp_path, 100, seed=12)
    code, _out, err = run_cli(capsys, "pin", "arweave", str(src), "--wallet", str(tmp_path / "none.json"))
    assert code != 0 and err == f"Error: wallet file {tmp_path / 'none.json'} does not exist\n"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kty": "RSA", "n": "abc", "d": "SECRETSECRET"}))
    with pytest.raises(WalletError, match="lacks private key fields") as exc:
        load_wallet(bad)
    assert "SECRET" not in str(exc.value)
    assert not arweave.state_path(src).exists()


def test_gateway_down(env, tmp_path, capsys, monkeypatch):
    src = _data_file(tmp_path, 100, seed=13)
    monkeypatch.setenv("MODELGOV_ARLOCAL_PORT", str(_free_port()))
    gw = arweave.resolve_gateway(None)
    with pytest.raises(NodeUnreachableError, match="modelgov arweave node start"):
        arweave.upload_file(src, load_wallet(TEST_WALLET), gw, arweave.model_tags(), retry_delays=())
    code, _out, err = run_cli(
        capsys, "arweave", "fetch", "A" * 43, "-o", str(tmp_path / "o"),
        "--gateway", f"http://127.0.0.1:{_free_port()}",
    )
    assert code != 0 and "does not answer" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_bad_inputs(env, tmp_path, capsys):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    code, _, err = run_cli(capsys, "pin", "arweave", str(empty), "--wallet", str(TEST_WALLET))
    assert code != 0 and "empty" in err
    code, _, err = run_cli(capsys, "pin", "arweave", str(tmp_path / "nope"), "--wallet", str(TEST_WALLET))
    assert code != 0 and "does not exist" in err
    code, _, err = run_cli(capsys, "pin", "arweave", str(empty), "--wallet", str(TEST_WALLET), "--tag", "novalue")
    assert code != 0 and "NAME=VALUE" in err
    code, _, err = run_cli(capsys, "arweave", "fetch", "short", "-o", str(tmp_path / "o"))
    assert code != 0 and "transaction id" in err


def test_gateway_resolution(monkeypatch):
    monkeypatch.delenv("MODELGOV_ARWEAVE_GATEWAY", raising=False)
    monkeypatch.delenv("MODELGOV_ALLOW_INSECURE_HTTP", raising=False)
    monkeypatch.setenv("MODELGOV_ARLOCAL_PORT", "1999")
    assert arweave.resolve_gateway(None) == arweave.Gateway("http://127.0.0.1:1999", embedded=True)
    assert arweave.resolve_gateway("https://gw.example/").url == "https://gw.example"
    assert not arweave.resolve_gateway("http://localhost:1984").embedded
    with pytest.raises(InsecureEndpointError):
        arweave.resolve_gateway("http://gw.example")
    assert arweave.resolve_gateway("http://gw.example", allow_insecure_http=True).url == "http://gw.example"
    monkeypatch.setenv("MODELGOV_ARWEAVE_GATEWAY", "https://named.example")
    assert arweave.resolve_gateway(None).url == "https://named.example"
    for bad in ("ftp://x", "gw.example", "https://u:p@gw.example"):
        with pytest.raises(ConfigError):
            arweave.resolve_gateway(bad)


def test_redirects_are_followed_only_within_the_gateway():
    gw = arweave.Gateway("https://gw.example", embedded=False)
    assert arweave._same_site(gw, "https://sandbox.gw.example/x")
    assert not arweave._same_site(gw, "https://arweave.net/x")
    assert not arweave._same_site(gw, "http://gw.example/x")
    assert not arweave._same_site(gw, "https://evilgw.example/x")


def test_wallet_new_cli_writes_0600_and_prints_no_key(tmp_path, capsys, monkeypatch):
    assert KEY_BITS == 4096
    from modelgov.storage import arweave_wallet

    monkeypatch.setattr(arweave_wallet.new_wallet, "__defaults__", (1024,))  # speed only
    target = tmp_path / "w.json"
    code, out, err = run_cli(capsys, "arweave", "wallet", "new", "-o", str(target), "--json")
    assert code == 0, err
    jwk = json.loads(target.read_text())
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert json.loads(out) == {"address": load_wallet(target).address, "path": str(target)}
    for secret in ("d", "p", "q", "dp", "dq", "qi"):
        assert jwk[secret] not in out + err
    code, out, err = run_cli(capsys, "arweave", "wallet", "new", "-o", str(target))
    assert code != 0 and "exists" in err
    assert json.loads(target.read_text()) == jwk


def test_a_txid_beginning_with_a_dash_is_an_id_not_an_option(tmp_path, capsys):
    """Base64url ids may start with "-" (1 in 64): `arweave fetch -Q…` must read it as the id."""
    txid = "-Q" + "A" * 41
    for command in ("fetch", "fetch-bundle"):
        code, _, err = run_cli(capsys, "arweave", command, txid, "-o", str(tmp_path / command),
                               "--gateway", "http://127.0.0.1:9")
        assert code != 0 and "No such option" not in err, err

