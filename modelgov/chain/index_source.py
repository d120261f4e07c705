"""The chain side of the indexer: a loaded suite as an event source and an enricher.

Kept in ``chain`` (it reads contracts through Ape); ``modelgov.index`` only sees the
:class:`~modelgov.index.projector.Enricher` protocol and :class:`~modelgov.index.indexer.ChainSource`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from modelgov.chain.events import ChainEvent, EventDecoder, canonical_type, suite_contracts
from modelgov.errors import ModelGovError
from modelgov.index import schema as s
from modelgov.index.indexer import ChainSource, Indexer, RunReport, open_engine

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.deploy import Suite


class SuiteEnricher:
    """Reads immutable records of a deployed suite (see :class:`~modelgov.index.projector.Enricher`)."""

    def __init__(self, suite: Suite) -> None:
        from ape import chain

        # plain web3 contracts: ~5x faster than Ape's calls for bulk reads
        contracts = {name: chain.provider.web3.eth.contract(address=address, abi=abi)
                     for name, (address, abi) in suite_contracts(suite).items()}
        self.suite = suite
        self._registry: Any = contracts.get("registry")
        self._governor: Any = contracts["governor"]
        self._versions: dict[int, Any] = {}
        self._gov: ModelGov | None = None  # the typed client, for the treasury's reads

    def prefetch(self, events: list[ChainEvent]) -> None:
        """Read the records of a batch's new versions in ONE JSON-RPC batch of ``eth_call``s."""
        ids = [int(e.args["versionId"]) for e in events
               if e.contract == "registry" and e.name == "VersionSubmitted"]
        if self._registry is None or not ids:
            return
        import httpx
        from ape import chain

        calls = [{"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [
            {"to": self._registry.address,
             "data": self._registry.functions.version(vid)._encode_transaction_data()}, "latest"]}
            for i, vid in enumerate(ids)]
        try:
            replies = httpx.post(chain.provider.uri, json=calls, timeout=60).json()
        except Exception:  # the node refuses batches: fall back to one call per version
            return
        fn = self._registry.get_function_by_name("version")
        for reply in replies if isinstance(replies, list) else []:
            if "result" not in reply:
                continue
            try:
                raw = fn(0).w3.codec.decode([canonical_type(o) for o in fn.abi["outputs"]],
                                             bytes.fromhex(reply["result"][2:]))
                self._versions[ids[int(reply["id"])]] = raw[0]
            except Exception:  # noqa: S112 - undecodable reply: version() reads that one on demand
                continue

    def version(self, version_id: int) -> dict[str, Any] | None:
        from modelgov.chain.registry import _record

        if self._registry is None:
            return None
        try:
            raw = self._versions.pop(int(version_id), None)
            if raw is None:
                raw = self._registry.functions.version(int(version_id)).call()
            rec = _record(raw, None)
        except Exception:  # unknown id, or a record whose bytes don't decode: the event still counts
            return None
        # the stored header only: the changelog, profile and datasets live in the event
        return {"arweave_tx": rec.arweave_tx, "manifest_digest": rec.manifest_digest}

    def milestones(self, grant_id: int) -> list[dict[str, Any]]:
        from modelgov.chain.client import ModelGov

        if self.suite.treasury is None:
            return []
        if self._gov is None:
            self._gov = ModelGov.from_suite(self.suite)
        try:
            milestones = self._gov.treasury.milestones(grant_id)
        except ModelGovError:
            return []
        return [{"amount": m.amount, "deadline": m.deadline, "model_id": m.model_id,
                 "description_cid": m.description_cid} for m in milestones]

    def quorum(self, timepoint: int) -> int | None:
        try:
            return int(self._governor.functions.quorum(int(timepoint)).call())
        except Exception:  # the timepoint is not in the past yet (ERC5805FutureLookup)
            return None


def build_indexer(suite: Suite, url: str, *, confirmations: int = 0, batch_blocks: int = 2_000,
                  throttle: float = 0.0) -> Indexer:
    """An :class:`Indexer` of ``suite`` into the database at ``url``.

    Raises:
        ConfigError: bad database URL or settings.
    """
    from ape import chain

    contracts = suite_contracts(suite)
    source = ChainSource(chain.provider.web3, EventDecoder(contracts))
    identity = {"chain_id": int(chain.chain_id),
                "contracts": {name: addr for name, (addr, _) in contracts.items()}}
    return Indexer(open_engine(url), source, SuiteEnricher(suite), identity=identity,
                   start_block=int(suite.block), confirmations=confirmations,
                   batch_blocks=batch_blocks, throttle=throttle)


def snapshot_state(indexer: Indexer, suite: Suite) -> None:
    """Store what events don't carry, as of the indexed head: the treasury's balances and
    stewards' allowances, the registry's required approvals."""
    from sqlalchemy import delete

    from modelgov.chain.client import ModelGov
    from modelgov.index.indexer import read_state

    found: dict[str, Any] = {}
    if suite.treasury is not None:
        with ModelGov.from_suite(suite) as gov:
            found["treasury"] = gov.treasury.status().to_json()
    if suite.registry is not None:
        found["registry"] = {"required_approvals": int(suite.registry.requiredApprovals())}
    with indexer.engine.begin() as conn:
        head = int(read_state(conn).get("head_block", 0))
        for name, data in found.items():
            conn.execute(delete(s.snapshots).where(s.snapshots.c.name == name))
            conn.execute(s.snapshots.insert().values(
                name=name, block_number=head, data=json.loads(json.dumps(data, default=str))))


def index_suite(suite: Suite, url: str, *, follow: bool = False, confirmations: int = 0,
                batch_blocks: int = 2_000, throttle: float = 0.0,
                on_progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Catch the index at ``url`` up with ``suite`` (and follow it if asked), then snapshot the
    treasury and the registry's settings.

    Raises:
        StateError: the database indexes another deployment.
        ChainError: the node failed a query.
    """
    indexer = build_indexer(suite, url, confirmations=confirmations, batch_blocks=batch_blocks,
                            throttle=throttle)
    report = indexer.run(follow=follow, on_progress=on_progress)
    snapshot_state(indexer, suite)
    return report
