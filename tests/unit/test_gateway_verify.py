"""`pin verify --service/--gateway`: blocks fetched by the trustless gateway protocol from a small
gateway this test serves on 127.0.0.1 (from a CAR modelgov wrote), every block hashed, the DAG
walked from the root; a gateway that is down, one that 404s a block, one that serves a corrupted
block and one that answers with a file instead of a raw block each fail in one line."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import cli_run as run
from conftest import error_line as one_line_error
from conftest import free_port, scoped_env
from modelgov.cid.car import read_car, write_car
from modelgov.cid.text import cid_from_bytes
from modelgov.errors import (
    GatewayError,
    InsecureEndpointError,
    IntegrityError,
    IPFSError,
    NodeUnreachableError,
    PinningConfigError,
)
from modelgov.storage import pinning
from modelgov.storage.gateway import RAW_BLOCK, TrustlessGateway

TOKEN = "t0ken-" + "y" * 20


@dataclass
class Gateway:
    """What the test gateway serves and what it was asked."""

    url: str
    blocks: dict[str, bytes]
    mode: str = "ok"  # ok | corrupt | missing | file
    target: str | None = None  # the block that mode applies to
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (path, query, accept)


def serve(blocks: dict[str, bytes]) -> tuple[Gateway, Callable[[], None]]:
    state = Gateway("", blocks)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path, _, query = self.path.partition("?")
            state.requests.append((path, query, self.headers.get("Accept", "")))
            cid = path.removeprefix("/ipfs/")
            data = state.blocks.get(cid)
            if not path.startswith("/ipfs/") or data is None or (state.mode == "missing" and cid == state.target):
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ipfs resolve -r /ipfs/" + cid.encode() + b": no link named\x1b[31m")
                return
            if query != "format=raw" or self.headers.get("Accept") != RAW_BLOCK:
                self.send_response(406)
                self.end_headers()
                return
            kind = RAW_BLOCK
            if state.mode == "corrupt" and cid == state.target:
                data = data[:-1] + bytes([data[-1] ^ 1])
            if state.mode == "file" and cid == state.target:
                kind = "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return state, stop


@dataclass
class Model:
    cid: str
    root: bytes
    blocks: dict[str, bytes]
    leaves: list[str]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    """A folder of two files (one of 3 MiB + 5 bytes: 4 leaves under a node) as a CAR."""
    folder = tmp_path_factory.mktemp("gw") / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(random.Random(17).randbytes(3 * 1024 * 1024 + 5))
    (folder / "config.json").write_text('{"layers": 2}')
    car = folder.parent / "model.car"
    result = write_car(folder, car, "unixfs-v1-2025", threads=1)
    roots, blocks = read_car(car)
    by_text = {cid_from_bytes(c): d for c, d in blocks}
    from modelgov.cid.unpack import decode_node

    leaves = [t for t, d in by_text.items() if not decode_node(_cid(t), d).links]
    assert roots == [result.root.cid] and len(by_text) == 7  # root dir, file node, 4 chunks, config
    return Model(cid_from_bytes(result.root.cid), result.root.cid, by_text, leaves)


def _cid(text: str) -> bytes:
    from modelgov.cid.text import parse_cid

    return bytes(parse_cid(text))


@pytest.fixture()
def gateway(model: Model) -> Iterator[Gateway]:
    state, stop = serve(model.blocks)
    try:
        yield state
    finally:
        stop()


@pytest.fixture()
def home(tmp_path: Path) -> Iterator[Path]:
    with scoped_env(MODELGOV_HOME=str(tmp_path), PSA_TOKEN=TOKEN):
        yield tmp_path


def test_verify_every_block_from_a_service_gateway(model: Model, gateway: Gateway, home: Path) -> None:
    # the service's API endpoint is never called by verify (nothing listens there)
    endpoint = f"http://127.0.0.1:{free_port()}"
    code, out, err = run("pin", "service", "add", "g", "--endpoint", endpoint, "--token-env", "PSA_TOKEN",
                         "--gateway", gateway.url + "/ipfs/", "--json")
    assert code == 0, err
    assert json.loads(out)["gateway"] == gateway.url
    assert 'gateway = "' + gateway.url + '"' in pinning.config_path().read_text()
    code, out, _ = run("pin", "service", "ls")
    assert f"gateway {gateway.url}" in out and TOKEN not in out

    code, out, err = run("pin", "verify", model.cid, "--service", "g", "--all", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] and report["complete"] and report["source"] == "gateway"
    assert report["service"] == "g" and report["url"] == gateway.url
    assert report["checked"] == 7 and report["leaves"] == 5
    assert report["bytes"] == sum(len(b) for b in model.blocks.values())
    # the trustless protocol: one GET per block, ?format=raw, Accept: application/vnd.ipld.raw, no token
    assert sorted(p for p, _, _ in gateway.requests) == sorted(f"/ipfs/{c}" for c in model.blocks)
    assert {(q, a) for _, q, a in gateway.requests} == {("format=raw", RAW_BLOCK)}

    # a sample: the root and the blocks of the walks only, reproducible with --seed
    gateway.requests.clear()
    code, out, err = run("pin", "verify", model.cid, "--gateway", gateway.url, "--samples", "1", "--seed", "3")
    assert code == 0, err
    assert out.startswith(f"ok  {model.cid}: ") and f"from the gateway at {gateway.url} match their CIDs" in out
    asked = [p.removeprefix("/ipfs/") for p, _, _ in gateway.requests]
    assert asked[0] == model.cid and 2 <= len(asked) <= 3 and asked[-1] in model.leaves
    report = pinning.verify_from_gateway(model.cid, gateway=gateway.url, samples=1, seed=3)
    assert report.checked == len(asked) and not report.complete


@pytest.mark.parametrize("target", ["leaf", "inner"])
def test_corrupted_block_is_named(model: Model, gateway: Gateway, target: str) -> None:
    from modelgov.cid.unpack import decode_node

    inner = [c for c, d in model.blocks.items() if c != model.cid and decode_node(_cid(c), d).links]
    bad = sorted(model.leaves)[0] if target == "leaf" else inner[0]
    gateway.mode, gateway.target = "corrupt", bad
    with pytest.raises(IntegrityError, match=f"block {bad} does not match its hash"):
        pinning.verify_from_gateway(model.cid, gateway=gateway.url, everything=True)
    code, _, err = run("pin", "verify", model.cid, "--gateway", gateway.url, "--all")
    line = one_line_error(err)
    assert code == 1 and bad in line and "does not match" in line and f"served by the gateway at {gateway.url}" in line


def test_missing_block_and_wrong_kind_of_answer(model: Model, gateway: Gateway) -> None:
    missing = sorted(model.leaves)[-1]
    gateway.mode, gateway.target = "missing", missing
    with pytest.raises(IPFSError, match=f"has no block {missing} \\(404\\)") as caught:
        pinning.verify_from_gateway(model.cid, gateway=gateway.url, everything=True)
    assert isinstance(caught.value, GatewayError)
    assert (caught.value.cid, caught.value.status) == (missing, 404)
    code, _, err = run("pin", "verify", model.cid, "--gateway", gateway.url, "--all")
    line = one_line_error(err)
    assert code == 1 and missing in line and "(404)" in line
    assert "\x1b" not in err and "\\x1b[31m" in line  # the gateway's text is escaped

    gateway.mode, gateway.target = "file", model.cid  # a gateway that answers with a page, not a block
    code, _, err = run("pin", "verify", model.cid, "--gateway", gateway.url)
    assert code == 1 and "does not speak the trustless gateway protocol" in one_line_error(err)


def test_gateway_down_and_usage_errors(model: Model, home: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(NodeUnreachableError, match="is not reachable"), TrustlessGateway(down) as gw:
        gw.block_get(model.cid)
    code, _, err = run("pin", "verify", model.cid, "--gateway", down)
    assert code == 1 and f"gateway {down} is not reachable" in one_line_error(err)

    pinning.save_service("nogw", f"http://127.0.0.1:{free_port()}", token_env="PSA_TOKEN")
    code, _, err = run("pin", "verify", model.cid, "--service", "nogw")
    assert code == 2 and "has no gateway" in one_line_error(err)
    with pytest.raises(PinningConfigError, match="exactly one"):
        pinning.verify_from_gateway(model.cid)
    code, _, err = run("pin", "verify", model.cid, "--service", "nogw", "--gateway", down)
    assert code == 2 and "not both" in one_line_error(err)
    code, _, err = run("pin", "verify", model.cid, "--api", down, "--gateway", down)
    assert code == 2 and len(err.strip().splitlines()) == 1
    # plain HTTP outside loopback is refused for a gateway too (unless allowed)
    with pytest.raises(InsecureEndpointError):
        pinning.save_service("far", "https://psa.example", token_env="PSA_TOKEN", gateway="http://gw.example")
    cfg = pinning.save_service("far", "https://psa.example", token_env="PSA_TOKEN",
                               gateway="https://gw.example/ipfs")
    assert cfg.gateway == "https://gw.example"
    with pytest.raises(PinningConfigError, match="not an http"):
        pinning.save_service("bad", "https://psa.example", token_env="PSA_TOKEN", gateway="ftp://gw.example")
    # environment-only services carry a gateway too
    with scoped_env(MODELGOV_PINNING_ENVGW_ENDPOINT="https://env.example", MODELGOV_PINNING_ENVGW_TOKEN="abc",
                    MODELGOV_PINNING_ENVGW_GATEWAY="https://gw.env.example"):
        assert pinning.get_service("envgw").gateway == "https://gw.env.example"
