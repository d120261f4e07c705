"""Issue 16: the indexer — events of the suite into SQLite: correct, idempotent, crash- and
reorg-safe (``anvil`` snapshot / revert under it), and matching a fresh index built from scratch."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from sqlalchemy import select

from governance_helpers import (
    AGAINST,
    FOR,
    advance_past_deadline,
    advance_to_voting,
    make_proposal,
    propose,
)
from modelgov.chain.index_source import build_indexer, snapshot_state
from modelgov.errors import StateError
from modelgov.index import schema as s
from modelgov.index.projector import Projector
from modelgov.index.queries import IndexReader
from registry_helpers import APPROVED, REJECTED, R, cid, version_input

AUDITOR_ROLE = keccak(text="AUDITOR_ROLE")
HOSTILE_NAME = "<script>alert(1)</script>\x1b[31m"


def dump(engine: Any) -> dict[str, list[Any]]:
    """Every derived table, as sorted JSON rows: two indexes of one chain must be equal."""
    found = {}
    with engine.connect() as conn:
        for table in (*s.DERIVED, s.events):
            rows = [json.dumps(dict(r), sort_keys=True, default=str)
                    for r in conn.execute(select(table)).mappings()]
            found[table.name] = sorted(rows)
    return found


WORLDS = itertools.count(1)


@pytest.fixture
def world(chain, suite, registry, governance, governor, voters, accounts, deployer):
    """A model with two versions, audits (one rejection), and a proposal voted on. Names are
    unique per use, so the fixture holds whether or not Ape reverted the previous test's chain."""
    n = next(WORLDS)
    a1, a2 = accounts[4], accounts[5]
    for a in (a1, a2):
        registry.grantRole(AUDITOR_ROLE, a, sender=governance)
    registry.createModel(f"indexed-model-{n}", cid("card"), sender=governance)
    mid = registry.modelIdOf(f"indexed-model-{n}")
    registry.createModel(f"{HOSTILE_NAME}{n}", b"", sender=governance)
    registry.submitVersion(mid, version_input(f"w1-{n}"), sender=voters[0])
    v1 = registry.versionCount()
    registry.submitVersion(mid, version_input(f"w2-{n}", parent=v1), sender=voters[1])
    v2 = registry.versionCount()
    registry.attest(v1, APPROVED, cid("r1"), sender=a1)
    registry.attest(v1, APPROVED, cid("r2"), sender=a2)
    registry.attest(v2, REJECTED, cid("r3"), sender=a1)
    proposal = make_proposal([(registry, "setRequiredApprovals", (2,))], f"# Keep two approvals ({n})\n<b>bold?</b>")
    pid = propose(governor, proposal, voters[0])
    advance_to_voting(chain, governor, pid)
    governor.castVote(pid, FOR, sender=voters[0])
    governor.castVote(pid, AGAINST, sender=voters[2])
    advance_past_deadline(chain, governor, pid)
    return {"model": mid, "v1": v1, "v2": v2, "proposal": pid, "auditors": (a1, a2), "n": n}


def _indexer(suite, tmp_path: Path, name: str = "index", **kw: Any):
    return build_indexer(suite, f"sqlite:///{tmp_path / (name + '.sqlite')}", **kw)


def test_index_holds_what_the_chain_holds(suite, registry, governor, world, tmp_path):
    ix = _indexer(suite, tmp_path)
    report = ix.run()
    snapshot_state(ix, suite)
    assert report.events > 0 and report.reorgs == 0
    reader = IndexReader(ix.engine)
    model = reader.model(world["model"])
    assert model["name"] == f"indexed-model-{world['n']}"
    assert [v["version_id"] for v in model["versions"]] == [world["v1"], world["v2"]]
    assert model["lineage"] == [(world["v1"], world["v2"])]
    v1, v2 = reader.version(world["v1"]), reader.version(world["v2"])
    assert v1["audit"] == {"approvals": 2, "rejections": 0, "required": 2, "audited": True}
    assert v1["audit"]["audited"] == registry.isAudited(world["v1"])
    assert v2["audit"]["audited"] is False and v2["audit"]["rejections"] == 1
    rec = R(registry).version(world["v1"])
    assert (v1["manifest_digest"], v1["import_profile"], v1["cid"]) == (
        rec.manifest_digest, rec.import_profile, rec.cid)
    p = reader.proposal(str(world["proposal"]))
    assert p["state"] == "Defeated" or p["state"] == "Succeeded"
    assert p["state"] == ("Succeeded" if governor.state(world["proposal"]) == 4 else "Defeated")
    assert int(p["for_votes"]) == governor.proposalVotes(world["proposal"])[1]
    assert int(p["quorum"]) == governor.quorum(governor.proposalSnapshot(world["proposal"]))
    assert {v["support_name"] for v in p["votes"]} == {"for", "against"}
    hostile = [m for m in reader.models() if m["name"] == f"{HOSTILE_NAME}{world['n']}"]
    assert len(hostile) == 1  # stored as data, byte for byte


def test_running_twice_duplicates_nothing(suite, world, tmp_path):
    ix = _indexer(suite, tmp_path)
    ix.run()
    first = dump(ix.engine)
    again = ix.run()
    assert again.events == 0
    assert dump(ix.engine) == first


def test_crash_mid_batch_loses_and_duplicates_nothing(suite, world, tmp_path, monkeypatch):
    fresh = _indexer(suite, tmp_path, "fresh")
    fresh.run()
    ix = _indexer(suite, tmp_path, "crashy", batch_blocks=3)
    real_apply = Projector.apply
    seen = {"n": 0}

    def dying_apply(self, event):
        seen["n"] += 1
        if seen["n"] == 7:
            raise RuntimeError("killed mid-batch")
        return real_apply(self, event)

    monkeypatch.setattr(Projector, "apply", dying_apply)
    with pytest.raises(RuntimeError):
        ix.run()
    with ix.engine.connect() as conn:
        stored = conn.execute(select(s.events)).all()
    assert 0 < len(stored) < 7  # earlier batches committed, the dying one rolled back whole
    monkeypatch.setattr(Projector, "apply", real_apply)
    ix.run()
    assert dump(ix.engine) == dump(fresh.engine)


def test_reorg_under_the_index_matches_a_fresh_index(chain, suite, registry, governance, world, tmp_path, voters):
    ix = _indexer(suite, tmp_path)
    snap = chain.snapshot()
    registry.submitVersion(world["model"], version_input(f"orphan-{world['n']}"), sender=voters[0])
    orphan = registry.versionCount()
    chain.mine(3)
    ix.run()
    assert IndexReader(ix.engine).version(orphan)["cid"]
    chain.restore(snap)  # evm_revert: the orphan's blocks are gone
    registry.submitVersion(world["model"], version_input(f"canonical-{world['n']}"), sender=voters[1])
    registry.createModel(f"after-reorg-{world['n']}", b"", sender=governance)
    chain.mine(5)
    report = ix.run()
    assert report.reorgs == 1
    fresh = _indexer(suite, tmp_path, "fresh")
    fresh.run()
    assert dump(ix.engine) == dump(fresh.engine)
    versions = {v["cid"] for v in IndexReader(ix.engine).model(world["model"])["versions"]}
    assert any(f"after-reorg-{world['n']}" == m["name"] for m in IndexReader(ix.engine).models())
    assert len(versions) == 3


def test_confirmations_hold_back_the_newest_blocks(chain, suite, registry, governance, world, tmp_path):
    ix = _indexer(suite, tmp_path, confirmations=4)
    name = f"too-new-{world['n']}"
    registry.createModel(name, b"", sender=governance)
    ix.run()
    assert name not in {m["name"] for m in IndexReader(ix.engine).models()}
    chain.mine(4)
    ix.run()
    assert name in {m["name"] for m in IndexReader(ix.engine).models()}


def test_an_index_of_another_deployment_is_refused(suite, world, tmp_path, project, deployer):
    ix = _indexer(suite, tmp_path)
    ix.run()
    other = deployer.deploy(project.ModelRegistry, deployer.address, 1)
    suite_copy = type(suite)(**{**suite.__dict__, "registry": other})
    with pytest.raises(StateError, match="another deployment"):
        _indexer(suite_copy, tmp_path).run()


def test_dashboard_server_headers_api_and_errors(suite, world, tmp_path):
    import httpx

    from modelgov.ui.render import Links
    from modelgov.ui.server import CSP, Dashboard, make_server, serve_in_thread

    ix = _indexer(suite, tmp_path)
    ix.run()
    snapshot_state(ix, suite)
    server = make_server(Dashboard(IndexReader(ix.engine), Links("https://gw.example", "http://127.0.0.1:1")), 0)
    serve_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert server.server_address[0] == "127.0.0.1"
        page = httpx.get(f"{base}/models")
        assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
        assert "script-src" not in CSP and "default-src 'none'" in CSP
        assert f"&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m{world['n']}" in page.text  # escaped, control shown
        assert "<script>" not in page.text
        doc = httpx.get(f"{base}/api/").json()
        assert "/api/versions/{id}" in doc
        version = httpx.get(f"{base}/api/versions/{world['v1']}").json()
        assert version["audit"]["audited"] is True and len(version["attestations"]) == 2
        missing = httpx.get(f"{base}/api/versions/999999")
        assert missing.status_code == 404 and "no version 999999" in missing.json()["error"]
        assert httpx.get(f"{base}/nowhere").status_code == 404
        ours = httpx.get(f"{base}/api/proposals/{world['proposal']}").json()["state"]
        same = httpx.get(f"{base}/api/proposals", params={"state": ours}).json()
        assert str(world["proposal"]) in {p["proposal_id"] for p in same}
        assert all(p["state"] == ours for p in same)
        assert httpx.get(f"{base}/proposals/{world['proposal']}").status_code == 200
    finally:
        server.shutdown()
        server.server_close()


# --- PostgreSQL: the index of a DAO that runs it as a service (any SQLAlchemy URL) -----------
@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory):
    """A throwaway PostgreSQL (Debian's, installed by `make setup`) on a free 127.0.0.1 port,
    stopped by pg_ctl at the end."""
    import glob
    import os
    import shutil
    import socket
    import subprocess

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL is missing: run `make setup`"
    bindir = Path(found[-1]).parent
    import tempfile

    # under the machine's tmp, not pytest's 0700 folders: the server runs as its own user
    base = Path(tempfile.mkdtemp(prefix="modelgov-pg-", dir=os.environ.get("TMPDIR") or "/tmp"))
    data = base / "data"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as its own user
        shutil.chown(base, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "modelgov"],
                   check=True, capture_output=True)
    ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(data)]
    subprocess.run([*ctl, "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
                    "-l", str(data / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://modelgov@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_index_matches_the_sqlite_one(suite, world, tmp_path, postgres_url):
    sqlite = _indexer(suite, tmp_path)
    sqlite.run()
    pg = build_indexer(suite, postgres_url, batch_blocks=5)
    report = pg.run()
    assert report.events > 0 and pg.engine.dialect.name == "postgresql"
    assert dump(pg.engine) == dump(sqlite.engine)
    again = pg.run()  # resumable and idempotent there too
    assert again.events == 0 and dump(pg.engine) == dump(sqlite.engine)
    assert IndexReader(pg.engine).version(world["v1"])["audit"]["audited"] is True
