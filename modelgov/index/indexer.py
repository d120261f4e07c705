"""Follow the suite's events into the index: resumable, idempotent, reorg-safe.

Each batch of blocks is ONE database transaction: its events, the rows derived from them and
the cursor (next block to read) commit together, so a crash mid-batch loses nothing and a rerun
duplicates nothing. Only blocks with ``confirmations`` blocks on top are read. Before each run
(and each batch in ``follow`` mode) the hash of the last indexed block is compared with the
node's; on a mismatch the index walks back to the newest block whose hash still matches, drops
the events above it, and replays the derived tables from the events it keeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select, update
from sqlalchemy.engine import Connection

from modelgov.chain.events import ChainEvent, EventDecoder, fetch_logs
from modelgov.errors import ConfigError, StateError
from modelgov.index import schema as s
from modelgov.index.projector import Enricher, Projector

DEFAULT_BATCH_BLOCKS = 2_000


def default_url(home: Path) -> str:
    """``sqlite:///<MODELGOV_HOME>/index.sqlite``."""
    return f"sqlite:///{home / 'index.sqlite'}"


def open_engine(url: str) -> Engine:
    """An engine for ``url`` (any SQLAlchemy URL), tables created if missing.

    Raises:
        ConfigError: the URL is malformed or its driver is missing.
    """
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:
        raise ConfigError(f"index database {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:  # durable and concurrent readers
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    s.metadata.create_all(engine)
    return engine


def read_state(conn: Connection) -> dict[str, str]:
    return {r.key: r.value for r in conn.execute(select(s.state))}


def _set_state(conn: Connection, **values: Any) -> None:
    for key, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value)
        if conn.execute(select(s.state.c.key).where(s.state.c.key == key)).first() is None:
            conn.execute(s.state.insert().values(key=key, value=text))
        else:
            conn.execute(update(s.state).where(s.state.c.key == key).values(value=text))


@dataclass
class RunReport:
    """What one catch-up did."""

    from_block: int
    to_block: int
    events: int
    batches: int
    reorgs: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class ChainSource:
    """What the indexer needs from a node: head, block hashes, logs (web3)."""

    def __init__(self, web3: Any, decoder: EventDecoder) -> None:
        self.web3 = web3
        self.decoder = decoder

    def head(self) -> int:
        return int(self.web3.eth.block_number)

    def block(self, number: int) -> tuple[str, int]:
        """``(hash, timestamp)`` of block ``number``; ``("", 0)`` if the node has no such block
        (a reorg or a revert shortened the chain)."""
        try:
            blk = self.web3.eth.get_block(number)
        except Exception:  # web3's BlockNotFound, or a node that answers null
            return "", 0
        return "0x" + bytes(blk["hash"]).hex(), int(blk["timestamp"])

    def events(self, start: int, end: int) -> list[ChainEvent]:
        logs = fetch_logs(self.web3, self.decoder.addresses, start, end)
        decoded = (self.decoder.decode(lg) for lg in logs)
        return [e for e in decoded if e is not None]


class StoredEnricher:
    """An :class:`Enricher` that asks the node once per record and keeps the answer in the
    ``enrichments`` table (in the caller's transaction), so replays read the database."""

    def __init__(self, conn: Connection, node: Enricher, block_number: int) -> None:
        self.conn, self.node, self.block_number = conn, node, block_number

    def _get(self, kind: str, key: Any, read: Callable[[], Any]) -> Any:
        row = self.conn.execute(select(s.enrichments.c.data).where(
            s.enrichments.c.kind == kind, s.enrichments.c.key == str(key))).first()
        if row is not None:
            return row[0]
        value = read()
        if value is not None:
            self.conn.execute(s.enrichments.insert().values(kind=kind, key=str(key), data=value,
                                                            block_number=self.block_number))
        return value

    def version(self, version_id: int) -> dict[str, Any] | None:
        return self._get("version", version_id, lambda: self.node.version(version_id))  # type: ignore[no-any-return]

    def milestones(self, grant_id: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._get("milestones", grant_id,
                                                lambda: self.node.milestones(grant_id) or None) or []
        return found

    def quorum(self, timepoint: int) -> int | None:
        found = self._get("quorum", timepoint, lambda: self.node.quorum(timepoint))
        return None if found is None else int(found)


class Indexer:
    """Indexes one deployment into one database."""

    def __init__(self, engine: Engine, source: ChainSource, enricher: Enricher, *,
                 identity: Mapping[str, Any], start_block: int,
                 confirmations: int = 0, batch_blocks: int = DEFAULT_BATCH_BLOCKS,
                 throttle: float = 0.0) -> None:
        """``identity``: chain id and contract addresses; an index built for another deployment
        is refused rather than mixed."""
        if confirmations < 0 or batch_blocks < 1:
            raise ConfigError("confirmations must be ≥ 0 and the batch ≥ 1 block")
        self.engine = engine
        self.source = source
        self.enricher = enricher
        self.identity = json.dumps(dict(identity), sort_keys=True)
        self.start_block = start_block
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.throttle = throttle

    # ----------------------------------------------------------------- cursor
    def _cursor(self, conn: Connection) -> int:
        st = read_state(conn)
        if "identity" in st and st["identity"] != self.identity:
            raise StateError("this index was built for another deployment (chain id or addresses "
                             "differ): use another --db, or delete it to rebuild")
        return int(st.get("next_block", self.start_block))

    def _check_reorg(self) -> bool:
        """Drop what a reorg replaced; True if it did."""
        with self.engine.begin() as conn:
            nxt = self._cursor(conn)
            rows = conn.execute(select(s.blocks).where(s.blocks.c.number < nxt)
                                .order_by(s.blocks.c.number.desc())).all()
            if not rows or self.source.block(rows[0].number)[0] == rows[0].hash:
                return False
            keep = self.start_block - 1
            for row in rows[1:]:
                if self.source.block(row.number)[0] == row.hash:
                    keep = row.number
                    break
            conn.execute(delete(s.events).where(s.events.c.block_number > keep))
            conn.execute(delete(s.blocks).where(s.blocks.c.number > keep))
            conn.execute(delete(s.enrichments).where(s.enrichments.c.block_number > keep))
            _set_state(conn, next_block=str(keep + 1))
            self._replay(conn)
        return True

    def _replay(self, conn: Connection) -> None:
        """Rebuild every derived table from the stored events."""
        for table in reversed(s.DERIVED):
            conn.execute(delete(table))
        enricher = StoredEnricher(conn, self.enricher, 0)
        projector = Projector(conn, enricher)
        for row in conn.execute(select(s.events).order_by(s.events.c.block_number,
                                                          s.events.c.log_index)).all():
            enricher.block_number = row.block_number
            projector.apply(ChainEvent(row.block_number, row.block_hash, row.tx_hash,
                                       row.log_index, row.contract, "", row.name, dict(row.args)))

    # ----------------------------------------------------------------- batches
    def _batch(self, start: int, end: int) -> int:
        events = self.source.events(start, end)
        prefetch = getattr(self.enricher, "prefetch", None)
        if prefetch is not None:  # an enricher may read a batch's records in one round trip
            prefetch(events)
        end_hash, end_time = self.source.block(end)
        with self.engine.begin() as conn:
            if self._cursor(conn) != start:  # another indexer moved on: let it
                return 0
            seen_blocks: dict[int, str] = {}
            enricher = StoredEnricher(conn, self.enricher, start)
            projector = Projector(conn, enricher)
            if events:
                conn.execute(s.events.insert(), [
                    {"block_number": ev.block_number, "log_index": ev.log_index,
                     "block_hash": ev.block_hash, "tx_hash": ev.tx_hash, "contract": ev.contract,
                     "name": ev.name, "args": ev.args} for ev in events])
            for ev in events:
                enricher.block_number = ev.block_number
                projector.apply(ev)
                seen_blocks[ev.block_number] = ev.block_hash
            seen_blocks[end] = end_hash
            for number, block_hash in seen_blocks.items():
                conn.execute(delete(s.blocks).where(s.blocks.c.number == number))
                stamp = end_time if number == end else 0
                conn.execute(s.blocks.insert().values(number=number, hash=block_hash, timestamp=stamp))
            # only the event blocks and the newest block matter for reorg checks
            conn.execute(delete(s.blocks).where(s.blocks.c.number < end,
                                                s.blocks.c.number.not_in(list(seen_blocks)),
                                                s.blocks.c.number >= start))
            self._fill_quorums(conn, end_time, end)
            _set_state(conn, next_block=str(end + 1), head_block=str(end),
                       head_timestamp=str(end_time), identity=self.identity)
        return len(events)

    def _fill_quorums(self, conn: Connection, now: int, block: int) -> None:
        """Proposals whose vote started before ``now`` get their quorum (same in any replay)."""
        rows = conn.execute(select(s.proposals.c.proposal_id, s.proposals.c.vote_start).where(
            s.proposals.c.quorum.is_(None), s.proposals.c.vote_start < now)).all()
        enricher = StoredEnricher(conn, self.enricher, block)
        for pid, start in rows:
            quorum = enricher.quorum(int(start))
            if quorum is not None:
                conn.execute(update(s.proposals).where(s.proposals.c.proposal_id == pid)
                             .values(quorum=str(quorum)))

    def run(self, *, follow: bool = False, poll: float = 1.0,
            on_progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> RunReport:
        """Catch up to the confirmed head (and keep up with new blocks if ``follow``).

        ``on_progress(done_block, target_block)`` after each batch.

        Raises:
            StateError: the database holds the index of another deployment.
            ChainError: the node failed a query.
        """
        began = time.monotonic()
        with self.engine.begin() as conn:
            first = self._cursor(conn)
        report = RunReport(first, first - 1, 0, 0, 0, 0.0)
        while True:
            if self._check_reorg():
                report.reorgs += 1
            with self.engine.begin() as conn:
                start = self._cursor(conn)
            target = self.source.head() - self.confirmations
            while start <= target:
                end = min(target, start + self.batch_blocks - 1)
                report.events += self._batch(start, end)
                report.batches += 1
                report.to_block = end
                if on_progress is not None:
                    on_progress(end, target)
                start = end + 1
                if self.throttle:
                    time.sleep(self.throttle)
                if should_stop is not None and should_stop():
                    break
            if not follow or (should_stop is not None and should_stop()):
                break
            time.sleep(poll)
        report.seconds = time.monotonic() - began
        return report

    def rebuild(self) -> None:
        """Replay the derived tables from the stored events (what a reorg does)."""
        with self.engine.begin() as conn:
            self._replay(conn)
            st = read_state(conn)
            self._fill_quorums(conn, int(st.get("head_timestamp", 0)), int(st.get("head_block", 0)))
