"""``modelgov index`` (events → database) and ``modelgov ui`` (the dashboard over it)."""

from __future__ import annotations

import click

from modelgov.cli._chain import client, network_option
from modelgov.cli._common import echo_json, json_option

db_option = click.option(
    "--db", "db_url", default=None, envvar="MODELGOV_INDEX_DB",
    help="SQLAlchemy URL of the index (default: sqlite:///$MODELGOV_HOME/index.sqlite; "
    "e.g. postgresql+psycopg://user@host/modelgov).",
)


def _db_url(db_url: str | None) -> str:
    from modelgov.index.indexer import default_url
    from modelgov.paths import state_dir

    return db_url or default_url(state_dir())


@click.command("index")
@network_option
@db_option
@click.option("--follow", is_flag=True, help="Keep up with new blocks until interrupted.")
@click.option("--confirmations", default=0, show_default=True, type=click.IntRange(0),
              help="Index only blocks with this many blocks on top (reorg safety).")
@click.option("--batch-blocks", default=2_000, show_default=True, type=click.IntRange(1),
              help="Blocks per eth_getLogs call and per database transaction.")
@click.option("--throttle", default=0.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to pause between batches (be gentle with a rate-limited RPC).")
@json_option
def index(network: str, db_url: str | None, follow: bool, confirmations: int, batch_blocks: int,
          throttle: float, as_json: bool) -> None:
    """Index the suite's events (models, versions, audits, proposals, votes, grants) into a
    database: resumable, idempotent, reorg-safe. Catches up and exits, or --follow."""
    from modelgov.chain.index_source import index_suite
    from modelgov.cli._common import progress

    url = _db_url(db_url)
    with client(network) as gov, progress("indexing blocks", None, unit="blocks") as advance:
        def on_progress(done: int, target: int) -> None:
            advance(1)  # one batch of --batch-blocks blocks

        report = index_suite(gov.suite, url, follow=follow, confirmations=confirmations,
                             batch_blocks=batch_blocks, throttle=throttle, on_progress=on_progress)
    if as_json:
        echo_json({**report.to_json(), "db": url.split("@")[-1]})
    else:
        click.echo(f"indexed blocks {report.from_block}..{report.to_block}: {report.events} events "
                   f"in {report.batches} batches, {report.reorgs} reorgs, {report.seconds:.1f} s")


@click.command("ui")
@db_option
@click.option("--port", default=8700, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--ipfs-gateway", default="https://ipfs.io", envvar="MODELGOV_IPFS_GATEWAY",
              show_default=True, help="Where CID links point (links only: the server fetches nothing).")
@click.option("--arweave-gateway", default="http://127.0.0.1:1984", envvar="MODELGOV_ARWEAVE_GATEWAY",
              show_default=True, help="Where Arweave transaction links point.")
def ui(db_url: str | None, port: int, ipfs_gateway: str, arweave_gateway: str) -> None:
    """Serve the read-only dashboard and JSON API (/api/) of the index on 127.0.0.1."""
    from modelgov.index.indexer import open_engine
    from modelgov.index.queries import IndexReader
    from modelgov.ui.render import Links
    from modelgov.ui.server import Dashboard, make_server

    reader = IndexReader(open_engine(_db_url(db_url)))
    server = make_server(Dashboard(reader, Links(ipfs_gateway, arweave_gateway)), port)
    host, bound = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    click.echo(f"dashboard at http://{host}:{bound}/ (API: /api/); Ctrl-C stops it", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
