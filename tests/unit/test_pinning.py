"""Pinning Service API client against npm mock-ipfs-pinning-service on 127.0.0.1 (started and
stopped by PID through modelgov.devnet.services), plus block sampling from the js-ipfs node."""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import IPFSNode, free_port, scoped_env
from conftest import cli_run as run
from conftest import error_line as one_line_error
from modelgov.devnet import services
from modelgov.errors import (
    IntegrityError,
    PinningAuthError,
    PinningConfigError,
    PinningRateLimitError,
    PinningUnreachableError,
)
from modelgov.paths import node_modules
from modelgov.storage import pinning
from modelgov.storage.untrusted import clean

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "t0ken-" + "x" * 20
CID = "bafkreiansre5zktkr3fdetmiqfvk3gxtvn4vekkrwycrf7uhvbtlbvfsqu"


@pytest.fixture()
def home(tmp_path: Path) -> Iterator[Path]:
    """A fresh MODELGOV_HOME with fast retries; PSA_TOKEN holds the token."""
    with scoped_env(MODELGOV_HOME=str(tmp_path), PSA_TOKEN=TOKEN, MODELGOV_PINNING_RETRIES="3",
                    MODELGOV_PINNING_BACKOFF="0.01"):
        yield tmp_path


Start = Callable[..., str]


@pytest.fixture()
def psa(home: Path) -> Iterator[Start]:
    """Start mock pinning services on free loopback ports; returns their URLs; stops them by PID."""
    started: list[services.ServiceSpec] = []

    def start(*, token: str = TOKEN, settle_ms: int = 300, rate_limit: int = 0,
              delegates: str | None = None) -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        argv = ["node", str(ROOT / "tests" / "reference" / "pinning_service.cjs"),
                "--node-modules", str(node_modules()), "--port", str(port), "--token", token,
                "--settle-ms", str(settle_ms), "--rate-limit", str(rate_limit)]
        if delegates:
            argv += ["--delegates", delegates]
        spec = services.ServiceSpec(name=f"psa-{port}", url=url, command=lambda folder: argv,
                                    probe=services.http_probe(f"{url}/health"), timeout=30)
        services.start(spec)
        started.append(spec)
        return url

    try:
        yield start
    finally:
        for spec in started:
            services.stop(spec)


def add(name: str, url: str) -> None:
    pinning.save_service(name, url, token_env="PSA_TOKEN")


# --- configuration ----------------------------------------------------------------------------
def test_token_file_must_be_owner_only(home: Path) -> None:
    token_file = home / "psa.token"
    token_file.write_text(TOKEN + "\n")
    os.chmod(token_file, 0o644)
    with pytest.raises(PinningConfigError, match="readable by others") as err:
        pinning.save_service("a", "https://psa.example", token_file=str(token_file))
    assert err.value.path == str(token_file)
    code, _, stderr = run("pin", "service", "add", "a", "--endpoint", "https://psa.example",
                          "--token-file", str(token_file))
    assert code == 2 and "chmod 600" in one_line_error(stderr)

    os.chmod(token_file, 0o600)
    cfg = pinning.save_service("a", "https://psa.example/pins/", token_file=str(token_file))
    assert cfg.endpoint == "https://psa.example" and cfg.read_token() == TOKEN
    text = pinning.config_path().read_text()
    assert TOKEN not in text and stat.S_IMODE(pinning.config_path().stat().st_mode) == 0o600
    code, out, _ = run("pin", "service", "ls")
    assert code == 0 and "a " in out and TOKEN not in out
    # made group-readable later: refused when used
    os.chmod(token_file, 0o640)
    with pytest.raises(PinningConfigError):
        pinning.PinningClient(pinning.get_service("a"))


def test_config_refuses_plain_http_and_tokens_in_file(home: Path) -> None:
    from modelgov.errors import InsecureEndpointError

    with pytest.raises(InsecureEndpointError):
        pinning.save_service("b", "http://psa.example", token_env="PSA_TOKEN")
    pinning.config_path().write_text('[services.c]\nendpoint = "https://x"\ntoken = "secret"\n')
    with pytest.raises(PinningConfigError, match="holds a token"):
        pinning.load_config()
    pinning.config_path().unlink()
    with scoped_env(MODELGOV_PINNING_ENVONLY_ENDPOINT="https://env.example",
                    MODELGOV_PINNING_ENVONLY_TOKEN="abc"):
        cfg = pinning.get_service("envonly")
        assert cfg.source == "env" and cfg.read_token() == "abc"
    with pytest.raises(PinningConfigError, match="no pinning service named"):
        pinning.get_service("nope")


# --- pinning ----------------------------------------------------------------------------------
def test_two_services_replicas_status_ls(psa: Start, home: Path) -> None:
    add("a", psa(settle_ms=400))
    add("b", psa(settle_ms=800))
    code, out, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "a",
                         "--service", "b", "--replicas", "2", "--poll", "0.1", "--timeout", "30", "--json")
    assert code == 0, err
    doc = json.loads(out)
    cid = doc["cid"]
    assert doc["services"]["ok"] and sorted(doc["services"]["pinned"]) == ["a", "b"]
    record = pinning.load_record(cid)
    assert set(record["services"]) == {"a", "b"} and record["services"]["a"]["status"] == "pinned"

    code, out, _ = run("pin", "status", cid)
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()] == [["a", "pinned"], ["b", "pinned"]]

    # a failed and a queued pin on service a: ls shows every status
    with pinning.PinningClient(pinning.get_service("a")) as client:
        client.add(CID, name="failed-on-purpose")
        client.add("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", name="queued-later")
    code, out, _ = run("pin", "ls", "--service", "a")
    statuses = {line.split()[2]: line.split()[1] for line in out.splitlines()}
    assert statuses[cid] == "pinned" and statuses[CID] == "failed"
    assert statuses["bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"] in ("queued", "pinning", "pinned")
    code, out, _ = run("pin", "ls", "--service", "a", "--status", "failed", "--json")
    assert [p["cid"] for p in json.loads(out)["a"]] == [CID]

    # re-running does not duplicate anything
    code, _, _ = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "a", "--poll", "0.1")
    assert code == 0
    with pinning.PinningClient(pinning.get_service("a")) as client:
        assert len(client.list(cids=[cid])) == 1


def test_replica_target_and_timeout_keep_requests(psa: Start, home: Path) -> None:
    add("fast", psa(settle_ms=200))
    add("slow", psa(settle_ms=600_000))
    code, out, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "fast",
                         "--service", "slow", "--replicas", "1", "--poll", "0.1", "--json")
    assert code == 0, err
    assert json.loads(out)["services"]["pinned"] == ["fast"]
    code, _, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "fast",
                       "--service", "slow", "--poll", "0.1", "--timeout", "0.5")
    line = one_line_error(err)
    assert code == 1 and "1 of 2 replicas pinned" in line and "slow: queued" in line
    cid = json.loads(out)["cid"]
    assert pinning.load_record(cid)["services"]["slow"]["status"] == "queued"  # nothing lost


def test_bad_token_unknown_cid_and_service_down(psa: Start, home: Path) -> None:
    add("a", psa(token="the-right-one"))
    code, out, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "a")
    line = one_line_error(err)
    assert code == 1 and "rejected the access token (401)" in line and TOKEN not in err + out
    with pytest.raises(PinningAuthError) as exc:
        pinning.PinningClient(pinning.get_service("a")).find(CID)
    assert exc.value.status == 401 and exc.value.service == "a"

    add("b", psa())
    code, _, err = run("pin", "status", CID, "--service", "b")
    assert code == 1 and f"knows {CID}" in one_line_error(err)

    down = f"http://127.0.0.1:{free_port()}"
    add("down", down)
    code, _, err = run("pin", "ls", "--service", "down")
    assert code == 1 and "is not reachable" in one_line_error(err)
    code, _, err = run("pin", "status", CID, "--service", "down")
    assert code == 1 and "is not reachable" in one_line_error(err)
    code, out, _ = run("pin", "status", CID, "--service", "down", "--service", "b")
    assert code == 1  # b does not know it, down does not answer: not found
    code, _, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node")
    assert code == 2 and "--service" in one_line_error(err)
    with pytest.raises(PinningUnreachableError):
        pinning.pin_to_services(CID, ["down"])
    # one service down, the other reaches the target: the pin goes through, the error is reported
    result = pinning.pin_to_services(CID, ["down", "b"], replicas=1, poll=0.05, timeout=30)
    assert result.pinned == ["b"] and "not reachable" in result.errors["down"]


def test_rate_limit_is_retried_and_nothing_is_lost(psa: Start, home: Path) -> None:
    add("busy", psa(rate_limit=2))  # two 429s before each served request
    with scoped_env(MODELGOV_PINNING_RETRIES="4"):
        code, out, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "busy",
                             "--poll", "0.05", "--json")
        assert code == 0, err
        cid = json.loads(out)["cid"]
        with pinning.PinningClient(pinning.get_service("busy")) as client:
            assert [p.status for p in client.list(cids=[cid])] == ["pinned"]
    add("flooded", psa(rate_limit=1000))
    code, _, err = run("pin", "ipfs", str(ROOT / "README.md"), "--skip-node", "--service", "flooded")
    assert code == 1 and "rate limiting (429" in one_line_error(err)
    with pytest.raises(PinningRateLimitError) as exc:
        pinning.PinningClient(pinning.get_service("flooded")).find(CID)
    assert exc.value.status == 429 and exc.value.retry_after == 0


def test_delegates_are_never_dialled(psa: Start, home: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    dialled: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                dialled.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        delegate = f"/ip4/127.0.0.1/tcp/{port}/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ"
        add("d", psa(delegates=delegate))
        result = pinning.pin_to_services(CID, ["d"], poll=0.05, timeout=30)
        assert result.statuses["d"].delegates == (delegate,)
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert dialled == []


def test_service_strings_are_escaped() -> None:
    st = pinning._parse_status("a", {"requestid": "r\x1b[2J", "status": "pinned\x1b[31m",
                                     "pin": {"cid": "not-a-cid\x07", "name": "n\u202ex"}, "delegates": ["\x1b]0;x"]})
    assert "\x1b" not in st.requestid + st.status + st.cid + (st.name or "") + st.delegates[0]
    assert st.status.startswith("unknown(") and "\\u202e" in (st.name or "")
    assert clean("a\nb\x9bc") == "a\\nb\\x9bc"


# --- block sampling from the node -------------------------------------------------------------
def test_pin_with_node_then_verify_samples(ipfs_node: IPFSNode, psa: Start, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(random.Random(9).randbytes(3 * 1024 * 1024 + 5))
    (folder / "config.json").write_text('{"layers": 2}')
    add("a", psa())
    with scoped_env(MODELGOV_IPFS_API=ipfs_node.api):
        code, out, err = run("pin", "ipfs", str(folder), "--service", "a", "--poll", "0.05", "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert doc["node"]["cid"] == doc["cid"] and doc["services"]["pinned"] == ["a"]
        code, out, err = run("pin", "verify", doc["cid"], "--samples", "4", "--json")
        assert code == 0, err
        report = json.loads(out)
        # root + at least one leaf (4 random walks may all end at config.json: no 3rd block)
        assert report["ok"] and report["checked"] >= 2 and not report["complete"]
        code, out, _ = run("pin", "verify", doc["cid"], "--all", "--json")
        assert json.loads(out)["leaves"] == 5  # 4 chunks of weights.bin + config.json


def test_verify_refuses_a_tampered_block() -> None:
    from modelgov.cid.dag import cid_of_bytes
    from modelgov.storage.ipfs import verify_sample

    class Liar:
        url = "stub"

        def block_get(self, cid: str, timeout: float = 60) -> bytes:
            return b"not the bytes"

    with pytest.raises(IntegrityError, match="does not match"):
        verify_sample(cid_of_bytes(b"hello"), client=Liar())  # type: ignore[arg-type]
