"""The chain side of the indexer: a loaded suite as an event source and an enricher.

Kept in ``chain`` (it reads contracts through Ape); ``modelgov.index`` only sees the
:class:`~modelgov.index.projector.Enricher` protocol and :class:`~modelgov.index.indexer.ChainSource`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from modelgov.chain.events import EventDecoder, suite_contracts
from modelgov.errors import ModelGovError
from modelgov.index.indexer import ChainSource, Indexer, RunReport, open_engine
from modelgov.index import schema as s


class SuiteEnricher:
    """Reads immutable records of a deployed suite (see :class:`~modelgov.index.projector.Enricher`)."""

    def __init__(self, suite: Any) -> None:
        self.suite = suite

    def version(self, version_id: int) -> dict[str, Any] | None:
        from modelgov.chain import registry

        if self.suite.registry is None:
            return None
        try:
            rec = registry.get_version(self.suite.registry, version_id)
        except ModelGovError:  # a record whose bytes don't decode: the event still counts
            return None
        return {"arweave_tx": rec.arweave_tx, "manifest_digest": rec.manifest_digest,
                "import_profile": rec.import_profile, "changelog_cid": rec.changelog_cid,
                "dataset_cids": list(rec.dataset_cids)}

    def milestones(self, grant_id: int) -> list[dict[str, Any]]:
        from modelgov.chain import treasury

        if self.suite.treasury is None:
            return []
        try:
            grant = treasury.get_grant(self.suite, grant_id)
        except ModelGovError:
            return []
        return [{"amount": m.amount, "deadline": m.deadline, "model_id": m.model_id,
                 "description_cid": m.description_cid} for m in grant.milestones]

    def quorum(self, timepoint: int) -> int | None:
        try:
            return int(self.suite.governor.quorum(timepoint))
        except Exception:  # the timepoint is not in the past yet (ERC5805FutureLookup)
            return None


def build_indexer(suite: Any, url: str, *, confirmations: int = 0, batch_blocks: int = 2_000,
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


def snapshot_state(indexer: Indexer, suite: Any) -> None:
    """Store what events don't carry, as of the indexed head: the treasury's balances and
    stewards' allowances, the registry's required approvals."""
    from sqlalchemy import delete

    from modelgov.chain import treasury
    from modelgov.index.indexer import read_state

    found: dict[str, Any] = {}
    if suite.treasury is not None:
        found["treasury"] = treasury.status(suite).to_json()
    if suite.registry is not None:
        found["registry"] = {"required_approvals": int(suite.registry.requiredApprovals())}
    with indexer.engine.begin() as conn:
        head = int(read_state(conn).get("head_block", 0))
        for name, data in found.items():
            conn.execute(delete(s.snapshots).where(s.snapshots.c.name == name))
            conn.execute(s.snapshots.insert().values(
                name=name, block_number=head, data=json.loads(json.dumps(data, default=str))))


def index_suite(suite: Any, url: str, *, follow: bool = False, confirmations: int = 0,
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
