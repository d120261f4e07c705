"""The index: the suite's events in a database (SQLite by default, any SQLAlchemy URL).

- :mod:`modelgov.index.schema`: the tables;
- :mod:`modelgov.index.projector`: events → rows of models, versions, audits, proposals, grants;
- :mod:`modelgov.index.indexer`: follows the chain (resumable, idempotent, reorg-safe);
- :mod:`modelgov.index.queries`: what the dashboard and the JSON API read.
"""
