"""The index's tables (SQLAlchemy Core). uint256 values (ids of proposals, amounts) are stored as
decimal text: SQLite integers stop at 2^63. Blocks and times are 64-bit (PostgreSQL ``integer`` stops
at 2^31)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

#: key → value: network, chain_id, contracts (JSON), next_block, head_timestamp, ...
state = Table(
    "index_state", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: hashes of the indexed blocks that held events, and of the last indexed block (reorg checks)
blocks = Table(
    "blocks", metadata,
    Column("number", BigInteger, primary_key=True),
    Column("hash", String(66), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
)

#: every decoded log of the suite: the source of truth; every other table is derived from it
events = Table(
    "events", metadata,
    Column("block_number", BigInteger, primary_key=True),
    Column("log_index", Integer, primary_key=True),
    Column("block_hash", String(66), nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("contract", String(32), nullable=False, index=True),
    Column("name", String(64), nullable=False, index=True),
    Column("args", JSON, nullable=False),
)

models = Table(
    "models", metadata,
    Column("model_id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("card_cid", Text),
    Column("active_version_id", Integer),
    Column("created_block", BigInteger, nullable=False),
    Column("created_tx", String(66), nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("version_id", Integer, primary_key=True),
    Column("model_id", Integer, nullable=False, index=True),
    Column("submitter", String(42), nullable=False),
    Column("cid", Text, nullable=False),
    Column("parent_version_id", Integer),
    Column("arweave_tx", Text),
    Column("manifest_digest", Text),
    Column("import_profile", Text),
    Column("changelog_cid", Text),
    Column("dataset_cids", JSON),
    Column("submitted_block", BigInteger, nullable=False),
    Column("submitted_tx", String(66), nullable=False),
    Column("suspended", Boolean, nullable=False, default=False),
)

attestations = Table(
    "attestations", metadata,
    Column("version_id", Integer, primary_key=True),
    Column("auditor", String(42), primary_key=True),
    Column("verdict", String(16), nullable=False),  # approved | rejected | revoked
    Column("report_cid", Text),
    Column("block_number", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=False),
)

proposals = Table(
    "proposals", metadata,
    Column("proposal_id", String(80), primary_key=True),
    Column("proposer", String(42), nullable=False),
    Column("targets", JSON, nullable=False),
    Column("values", JSON, nullable=False),
    Column("calldatas", JSON, nullable=False),
    Column("signatures", JSON, nullable=False),
    Column("description", Text, nullable=False),
    Column("vote_start", BigInteger, nullable=False),
    Column("vote_end", BigInteger, nullable=False),
    Column("eta", BigInteger),
    Column("queued", Boolean, nullable=False, default=False),
    Column("executed", Boolean, nullable=False, default=False),
    Column("canceled", Boolean, nullable=False, default=False),
    Column("for_votes", String(80), nullable=False, default="0"),
    Column("against_votes", String(80), nullable=False, default="0"),
    Column("abstain_votes", String(80), nullable=False, default="0"),
    Column("quorum", String(80)),
    Column("created_block", BigInteger, nullable=False),
    Column("created_tx", String(66), nullable=False),
)

votes = Table(
    "votes", metadata,
    Column("proposal_id", String(80), primary_key=True),
    Column("voter", String(42), primary_key=True),
    Column("support", Integer, nullable=False),
    Column("weight", String(80), nullable=False),
    Column("reason", Text, nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

grants = Table(
    "grants", metadata,
    Column("grant_id", Integer, primary_key=True),
    Column("grantee", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("creator", String(42), nullable=False),
    Column("total", String(80), nullable=False),
    Column("released", String(80), nullable=False, default="0"),
    Column("returned", String(80), nullable=False, default="0"),
    Column("cancelled", Boolean, nullable=False, default=False),
    Column("created_block", BigInteger, nullable=False),
    Column("created_tx", String(66), nullable=False),
)

milestones = Table(
    "milestones", metadata,
    Column("grant_id", Integer, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("amount", String(80), nullable=False),
    Column("deadline", BigInteger, nullable=False),
    Column("model_id", Integer),
    Column("description_cid", Text),
    Column("status", String(16), nullable=False),
    Column("version_id", Integer),
    Column("reason_cid", Text),
)

voting_power = Table(
    "voting_power", metadata,
    Column("account", String(42), primary_key=True),
    Column("delegate", String(42)),
    Column("votes", String(80), nullable=False, default="0"),
)

#: who holds which role of which contract (AccessControl RoleGranted / RoleRevoked)
roles = Table(
    "roles", metadata,
    Column("contract", String(32), primary_key=True),
    Column("role", String(66), primary_key=True),
    Column("account", String(42), primary_key=True),
)

#: what the chain held beyond an event (a version record, a grant's milestones, a quorum), read
#: once when the event was indexed, so a replay (reorg, rebuild) needs no node
enrichments = Table(
    "enrichments", metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("data", JSON),
)

#: chain reads taken at the end of a run (treasury balances and allowances, governor settings)
snapshots = Table(
    "snapshots", metadata,
    Column("name", String(32), primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("data", JSON, nullable=False),
)

#: the tables derived from ``events`` (emptied and replayed after a reorg)
DERIVED = (models, versions, attestations, proposals, votes, grants, milestones, voting_power, roles)
