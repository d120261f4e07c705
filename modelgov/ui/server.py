"""``modelgov ui``: the dashboard and ``/api/`` over HTTP, on 127.0.0.1 only, read-only.

Standard library server (``ThreadingHTTPServer``): a dashboard for a handful of members needs no
framework; each request opens its own read connection to the index. Every page is sent with a
Content-Security-Policy that allows no script at all, so even a value that escaped escaping
could not run.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from modelgov.errors import ModelGovError, NotFoundError
from modelgov.index.queries import IndexReader
from modelgov.ui.pages import Pages
from modelgov.ui.render import CSS, Links, page, text

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")

API_DOC = {
    "/api/": "this list",
    "/api/overview": "counts, head block, models, recent proposals and grants",
    "/api/models": "every model with its active version and version count",
    "/api/models/{id}": "a model, its versions (audit status, suspended, active), lineage",
    "/api/versions/{id}": "a version: CIDs, Arweave tx, manifest digest, attestations, milestones",
    "/api/proposals?state=Active": "proposals (optionally of one state), newest first",
    "/api/proposals/{id}": "a proposal: actions, description, votes, state, quorum, eta",
    "/api/grants": "every grant with its milestones",
    "/api/grants/{id}": "a grant, each milestone with its delivered version's audit status",
    "/api/treasury": "balances, commitments, allowances, roles, voting power",
}


class Dashboard:
    """Routes a path to a page or an API document."""

    def __init__(self, reader: IndexReader, links: Links) -> None:
        self.reader = reader
        self.pages = Pages(reader, links)
        r, p = reader, self.pages
        # path (after "/" for a page, after "/api/" for its JSON) → (page, JSON document)
        routes: list[tuple[str, Callable[..., str], Callable[..., Any]]] = [
            (r"", lambda q: p.overview(), lambda q: r.overview()),
            (r"overview", lambda q: p.overview(), lambda q: r.overview()),
            (r"models", lambda q: p.models(), lambda q: r.models()),
            (r"models/(\d+)", lambda q, i: p.model(int(i)), lambda q, i: r.model(int(i))),
            (r"versions/(\d+)", lambda q, i: p.version(int(i)), lambda q, i: r.version(int(i))),
            (r"proposals", lambda q: p.proposals(q.get("state")), lambda q: r.proposals(q.get("state"))),
            (r"proposals/(\d+)", lambda q, i: p.proposal(i), lambda q, i: r.proposal(i)),
            (r"grants", lambda q: p.grants(), lambda q: r.grants()),
            (r"grants/(\d+)", lambda q, i: p.grant(int(i)), lambda q, i: r.grant(int(i))),
            (r"treasury", lambda q: p.treasury(), lambda q: r.treasury()),
        ]
        self.html_routes: list[tuple[re.Pattern[str], Callable[..., str]]] = [
            (re.compile(f"^/{path}$"), page) for path, page, _ in routes]
        self.api_routes: list[tuple[re.Pattern[str], Callable[..., Any]]] = [
            (re.compile(r"^/api/?$"), lambda q: API_DOC),
            *[(re.compile(f"^/api/{path}$"), doc) for path, _, doc in routes if path]]

    def handle(self, raw_path: str) -> tuple[int, str, bytes]:
        """``(status, content type, body)`` for a GET of ``raw_path``."""
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path == "/style.css":
            return 200, "text/css; charset=utf-8", CSS.encode()
        api = path.startswith("/api")
        for pattern, view in self.api_routes if api else self.html_routes:
            match = pattern.match(path)
            if match is None:
                continue
            try:
                result = view(query, *match.groups())
            except NotFoundError as exc:
                return self._error(api, HTTPStatus.NOT_FOUND, str(exc))
            except ModelGovError as exc:
                return self._error(api, HTTPStatus.BAD_REQUEST, str(exc))
            if api:
                return 200, "application/json", json.dumps(result, indent=1, default=str).encode()
            return 200, "text/html; charset=utf-8", str(result).encode()
        return self._error(api, HTTPStatus.NOT_FOUND, f"no page at {path}")

    def _error(self, api: bool, status: HTTPStatus, message: str) -> tuple[int, str, bytes]:
        if api:
            return status.value, "application/json", json.dumps({"error": message}).encode()
        body = page(status.phrase, f"<p>{text(message)}</p>", self.reader.head())
        return status.value, "text/html; charset=utf-8", body.encode()


HOST = "127.0.0.1"  # the dashboard never listens beyond this machine


def make_server(dashboard: Dashboard, port: int = 8700) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1:``port`` (0: any free port).

    Raises:
        ServiceError: the port is taken.
    """
    from modelgov.errors import ServiceError

    host = HOST

    class Handler(BaseHTTPRequestHandler):
        server_version = "modelgov-ui"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            status, ctype, body = dashboard.handle(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def log_message(self, format: str, *args: Any) -> None:  # quiet: one line per error only
            return

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as exc:
        raise ServiceError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve on a daemon thread (tests, the bench); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
