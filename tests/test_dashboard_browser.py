"""Issue 16, end to end as a member would: the demo's lifecycle on a chain of its own, then
``modelgov index`` (killed with SIGKILL mid-run and resumed) and ``modelgov ui``, walked in a real
headless Chromium (Debian's, driven by Playwright): model → version → proposal → grant, plus
hostile chain strings (HTML/JS, control characters, 10 KB) shown as text."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / ".modelgov" / "screenshots"
HOSTILE_MODEL = "<script>alert('m')</script>\x1b[2J\u202e"
HOSTILE_DESCRIPTION = (
    "# <img src=x onerror=alert('d')> title\n\n<script>alert('d')</script>\n\n<!-- hidden\n\n"
    "[click](javascript:alert('l')) \x07\x1b[31m " + "W" * 10_000
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class World:
    """A private chain (own ports, own MODELGOV_HOME) after `modelgov demo`."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.rpc = f"http://127.0.0.1:{_free_port()}"
        self.env = {
            **os.environ, "MODELGOV_HOME": str(home), "MODELGOV_RPC": self.rpc,
            "MODELGOV_IPFS_PORT": str(_free_port()), "MODELGOV_ARLOCAL_PORT": str(_free_port()),
            "MODELGOV_DEPLOYMENTS": str(home / "deployments"),
            # the demo builds a zk circuit: reuse the suite's development SRS (slow to make)
            "MODELGOV_ZK_SRS_DIR": str(ROOT / ".modelgov" / "zk" / "srs"),
            "APE_DISABLE_PLUGIN_UPDATE_CHECK": "1",
            "SOLCX_BINARY_PATH": str(ROOT / ".toolchain" / "solcx"),
        }

    def modelgov(self, *args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "modelgov.cli", *args], env=self.env, cwd=self.home,
                              capture_output=True, text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, f"modelgov {' '.join(args)}: {done.stderr[-2000:]}"
        return done

    def rpc_call(self, method: str, *params: Any) -> Any:
        import httpx

        reply = httpx.post(self.rpc, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                           "params": list(params)}, timeout=30).json()
        assert "error" not in reply, reply
        return reply["result"]

    def send(self, sender: str, to: str, data: bytes) -> None:
        tx = self.rpc_call("eth_sendTransaction", {"from": sender, "to": to, "data": "0x" + data.hex(),
                                                    "gas": hex(3_000_000)})
        receipt = self.rpc_call("eth_getTransactionReceipt", tx)
        assert receipt and int(receipt["status"], 16) == 1, receipt


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("dashboard"))
    w.modelgov("chain", "start")
    try:
        w.modelgov("demo", "--json")
        _hostile_data(w)
        yield w
    finally:
        w.modelgov("chain", "stop", check=False)


def _hostile_data(w: World) -> None:
    """A model named with HTML/JS and control characters (created as governance, impersonated)
    and a proposal whose description is hostile markdown of 10 KB."""
    from eth_abi import encode
    from eth_utils import keccak

    contracts = json.loads((w.home / "deployments" / "local.json").read_text())["contracts"]
    timelock, registry, governor = contracts["timelock"], contracts["registry"], contracts["governor"]
    w.rpc_call("anvil_impersonateAccount", timelock)
    w.rpc_call("anvil_setBalance", timelock, hex(10**20))
    create = keccak(text="createModel(string,bytes)")[:4] + encode(["string", "bytes"], [HOSTILE_MODEL, b""])
    w.send(timelock, registry, create)
    alice = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # TEST::1 holds 30 % of the votes
    propose = keccak(text="propose(address[],uint256[],bytes[],string)")[:4] + encode(
        ["address[]", "uint256[]", "bytes[]", "string"],
        [[registry], [0], [keccak(text="requiredApprovals()")[:4]], HOSTILE_DESCRIPTION])
    w.send(alice, governor, propose)


def _db_rows(db: Path) -> dict[str, list[Any]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        return {t: sorted(map(repr, conn.execute(f"select * from {t}")))  # noqa: S608
                for t in tables if t not in ("index_state", "blocks", "snapshots", "enrichments")}
    finally:
        conn.close()


def _next_block(db: Path) -> int:
    try:
        conn = sqlite3.connect(db)
        row = conn.execute("select value from index_state where key='next_block'").fetchone()
        conn.close()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0


def test_index_killed_mid_run_resumes_to_the_same_rows(world: World) -> None:
    fresh = world.home / "fresh.sqlite"
    world.modelgov("index", "--db", f"sqlite:///{fresh}")
    killed = world.home / "killed.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "modelgov.cli", "index", "--db", f"sqlite:///{killed}",
                             "--batch-blocks", "1", "--throttle", "0.05"], env=world.env, cwd=world.home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    first = None
    while time.monotonic() < deadline:
        block = _next_block(killed)
        first = first or (block or None)
        if first and block >= first + 10:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-run, no clean-up
    proc.wait()
    assert 0 < _next_block(killed) < _next_block(fresh), "the kill must land mid-run"
    world.modelgov("index", "--db", f"sqlite:///{killed}")
    world.modelgov("index", "--db", f"sqlite:///{killed}")  # and once more: nothing changes
    assert _db_rows(killed) == _db_rows(fresh)
    assert _db_rows(fresh)["versions"] and _db_rows(fresh)["grants"]


def _models(db: Path) -> set[str]:
    try:
        conn = sqlite3.connect(db)
        names = {r[0] for r in conn.execute("select name from models")}
        conn.close()
        return names
    except sqlite3.Error:
        return set()


def test_index_follow_keeps_up_with_new_blocks(world: World) -> None:
    from eth_abi import encode
    from eth_utils import keccak

    db = world.home / "follow.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "modelgov.cli", "index", "--follow", "--db",
                             f"sqlite:///{db}"], env=world.env, cwd=world.home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        head = int(world.rpc_call("eth_blockNumber"), 16)
        deadline = time.monotonic() + 120
        while _next_block(db) <= head and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _next_block(db) > head, "caught up"
        assert proc.poll() is None, "--follow keeps running after catching up"
        contracts = json.loads((world.home / "deployments" / "local.json").read_text())["contracts"]
        world.send(contracts["timelock"], contracts["registry"], keccak(text="createModel(string,bytes)")[:4]
                   + encode(["string", "bytes"], ["followed-model", b""]))
        while "followed-model" not in _models(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "followed-model" in _models(db)
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture(scope="module")
def dashboard(world: World) -> Iterator[str]:
    world.modelgov("index")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "modelgov.cli", "ui", "--port", str(port)],
                            env=world.env, cwd=world.home, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            if httpx.get(url + "/api/", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("modelgov ui did not answer")
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make setup`"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


DIALOGS: list[str] = []  # any alert() a page managed to run


def _page(browser: Any) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda d: (DIALOGS.append(d.message), d.dismiss()))
    return page


def test_member_walks_model_version_proposal_grant(browser: Any, dashboard: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _page(browser)
    page.goto(dashboard + "/")
    assert "Overview" in page.inner_text("h1")
    page.click("text=demo-mlp")
    assert page.inner_text("h1") == "Model demo-mlp"
    body = page.inner_text("main")
    assert "audited · 2/2 approvals, 0 rejections" in body and "v1 → v2" in body
    page.screenshot(path=str(SHOTS / "model.png"), full_page=True)
    page.click('main table >> text="v2"')  # exact: a random Arweave id may contain "v2"
    assert page.inner_text("h1") == "Version 2"
    body = page.inner_text("main")
    for fact in ("manifest digest", "Arweave tx", "approved", "grant #1 milestone 0", "modelgov fetch bafy"):
        assert fact in body, fact
    cid_link = page.get_attribute("main table a.mono", "href")
    assert cid_link and cid_link.startswith("https://ipfs.io/ipfs/bafy")
    page.screenshot(path=str(SHOTS / "version.png"), full_page=True)
    page.click("text=Proposals")
    page.click("text=Activate demo-mlp version 1")
    assert "Executed" in page.inner_text("main p")
    assert "quorum 40,000" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "proposal.png"), full_page=True)
    page.click("text=Grants")
    page.click('main table >> text="#1"')
    body = page.inner_text("main")
    assert "released" in body and "1,000" in body and "audited" in body
    page.screenshot(path=str(SHOTS / "grant.png"), full_page=True)
    assert DIALOGS == []


def test_hostile_chain_strings_are_shown_as_text(browser: Any, dashboard: str) -> None:
    page = _page(browser)
    page.goto(dashboard + "/models")
    assert "<script>alert('m')</script>" in page.inner_text("main")
    assert "\\x1b[2J" in page.inner_text("main")  # control characters shown, not obeyed
    assert page.locator("script").count() == 0
    page.goto(dashboard + "/proposals")
    page.click("main table a >> nth=0")  # newest: the hostile proposal
    text = page.inner_text("main")
    assert "<img src=x onerror=alert('d')>" in text and "<script>alert('d')</script>" in text
    assert page.locator("main img").count() == 0 and page.locator("script").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "W" * 200 in text.replace("\n", "")  # the 10 KB word is there and the page rendered
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1300  # wrapped, not a 10 KB-wide page
    page.screenshot(path=str(SHOTS / "hostile.png"), full_page=False)
    assert DIALOGS == []
