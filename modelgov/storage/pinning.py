"""IPFS Pinning Service API client (the API Kubo's ``ipfs pin remote`` speaks): Pinata,
Filebase, web3.storage-compatible services, or any other that implements the spec
(https://ipfs.github.io/pinning-services-api-spec/).

Services are configured once, by name:

- in ``$MODELGOV_HOME/pinning.toml`` (or ``$MODELGOV_PINNING_CONFIG``), written by
  ``modelgov pin service add``::

      [services.pinata]
      endpoint = "https://api.pinata.cloud/psa"
      token_env = "PINATA_JWT"              # the token is in this environment variable, or
      token_file = "/home/me/.pinata.token" # in this file, which must be mode 0600 (owner only)
      gateway = "https://gateway.pinata.cloud"  # optional: where `pin verify --service` fetches blocks

- or by environment alone: ``MODELGOV_PINNING_<NAME>_ENDPOINT`` plus
  ``MODELGOV_PINNING_<NAME>_TOKEN`` (or ``…_TOKEN_FILE``) and optionally ``…_GATEWAY``;
  ``<NAME>`` upper-cased, ``-`` → ``_``.

The config file never holds a token; tokens are read when a request is made and never printed
(not in messages, not in ``repr``). Plain HTTP is refused outside loopback (the bearer token
would travel in clear) unless explicitly allowed.

What each call looks like (``Authorization: Bearer <token>`` on every one):

- ``POST /pins`` ``{"cid", "name", "origins", "meta"}`` → 202 ``PinStatus``
  (``requestid``, ``status`` ∈ queued|pinning|pinned|failed, ``created``, ``pin``, ``delegates``)
- ``GET /pins/{requestid}`` → ``PinStatus``; ``GET /pins?cid=…&status=…&limit=…`` →
  ``{"count", "results": [PinStatus…]}``; ``DELETE /pins/{requestid}`` → 202.

``delegates`` (the service's own peers, meant for a node to connect to) are reported and never
dialled: modelgov talks HTTP to the configured endpoint only.

Retries: 429 (honouring ``Retry-After``), 502/503/504 and connection failures are retried with
exponential backoff; a ``POST /pins`` whose answer was lost is not repeated blindly (the service
is asked for the CID first), so a re-run never duplicates or loses a pin. Every request id is
recorded in ``$MODELGOV_HOME/pins/<cid>.json`` as soon as a service returns it.
"""

from __future__ import annotations

import json
import os
import random
import re
import stat
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from modelgov.cid.text import normalize
from modelgov.endpoints import INSECURE_ENV, check_transport, insecure_allowed
from modelgov.errors import (
    InsecureEndpointError,
    InvalidCIDError,
    PinningAuthError,
    PinningConfigError,
    PinningNotFoundError,
    PinningRateLimitError,
    PinningServiceError,
    PinningTimeoutError,
    PinningUnreachableError,
)
from modelgov.paths import state_dir
from modelgov.storage.untrusted import clean

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.storage.ipfs import SampleReport

_Number = TypeVar("_Number", int, float)
STATUSES = ("queued", "pinning", "pinned", "failed")
ENV_CONFIG = "MODELGOV_PINNING_CONFIG"
ENV_PREFIX = "MODELGOV_PINNING_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_RETRY_STATUS = (429, 502, 503, 504)


# --- configuration ----------------------------------------------------------------------------
def config_path() -> Path:
    """The services file: ``$MODELGOV_PINNING_CONFIG``, else ``$MODELGOV_HOME/pinning.toml``."""
    raw = os.environ.get(ENV_CONFIG, "").strip()
    return Path(raw).expanduser() if raw else state_dir() / "pinning.toml"


def _env_key(name: str) -> str:
    return ENV_PREFIX + name.upper().replace("-", "_")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise PinningConfigError(
            f"service name {name!r} must be 1-32 of a-z, 0-9, '-', '_' (starting with a letter or digit)",
            service=name,
        )
    return name


@dataclass(frozen=True)
class ServiceConfig:
    """One configured service (no token: only where to read it).

    Attributes:
        name: the name used with ``--service``.
        endpoint: base URL of the API (``…/pins`` is appended).
        token_env: environment variable holding the token, or None.
        token_file: file holding the token (mode 0600), or None.
        source: where this entry came from (``config`` or ``env``).
        gateway: the service's HTTP gateway (trustless gateway protocol), or None; ``pin verify
            --service`` fetches blocks from it.
    """

    name: str
    endpoint: str
    token_env: str | None = None
    token_file: str | None = None
    source: str = "config"
    gateway: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "endpoint": self.endpoint, "token_env": self.token_env,
                "token_file": self.token_file, "gateway": self.gateway, "source": self.source}

    def read_token(self) -> str:
        """The access token.

        Raises:
            PinningConfigError: variable unset, file missing, readable by group/others, not owned
                by this user, or the token holds whitespace.
        """
        if self.token_env:
            token = os.environ.get(self.token_env, "").strip()
            if not token:
                raise PinningConfigError(
                    f"pinning service {self.name}: environment variable {self.token_env} "
                    "(its token) is not set",
                    service=self.name,
                )
        elif self.token_file:
            token = read_token_file(self.token_file, self.name)
        else:
            raise PinningConfigError(
                f"pinning service {self.name} has no token source (token_env or token_file)",
                service=self.name,
            )
        if any(ch.isspace() for ch in token) or not token.isprintable():
            raise PinningConfigError(
                f"pinning service {self.name}: its token contains whitespace or control characters",
                service=self.name,
            )
        return token


def read_token_file(path: str | os.PathLike[str], service: str | None = None) -> str:
    """Read a token file, refusing one that others could read.

    Raises:
        PinningConfigError: missing, unreadable, not a regular file, not owned by this user, or
            any group/other permission bit set (``chmod 600`` fixes it).
    """
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise PinningConfigError(f"token file {p} does not exist", service=service, path=str(p)) from None
    except OSError as exc:
        raise PinningConfigError(
            f"token file {p}: {exc.strerror or exc}", service=service, path=str(p)
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise PinningConfigError(f"token file {p} is not a regular file", service=service, path=str(p))
    if st.st_mode & 0o077:
        raise PinningConfigError(
            f"token file {p} is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"run `chmod 600 {p}`",
            service=service, path=str(p),
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise PinningConfigError(f"token file {p} is not owned by you", service=service, path=str(p))
    try:
        return p.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PinningConfigError(
            f"token file {p}: cannot read ({exc})", service=service, path=str(p)
        ) from None


def load_config() -> dict[str, ServiceConfig]:
    """Every configured service: the config file's, then environment-only ones.

    Raises:
        PinningConfigError: the file is not valid TOML or an entry is malformed.
    """
    services: dict[str, ServiceConfig] = {}
    path = config_path()
    if path.is_file():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            raise PinningConfigError(f"{path}: not valid TOML ({exc})", path=str(path)) from None
        table = doc.get("services", {})
        if not isinstance(table, dict):
            raise PinningConfigError(f"{path}: [services] must be a table", path=str(path))
        for name, entry in table.items():
            _check_name(name)
            if not isinstance(entry, dict) or not isinstance(entry.get("endpoint"), str):
                raise PinningConfigError(
                    f"{path}: services.{name}.endpoint is missing", service=name, path=str(path)
                )
            token_env, token_file = entry.get("token_env"), entry.get("token_file")
            gateway = entry.get("gateway")
            if not all(isinstance(v, (str, type(None))) for v in (token_env, token_file, gateway)):
                raise PinningConfigError(
                    f"{path}: services.{name}: token_env/token_file/gateway must be strings",
                    service=name, path=str(path),
                )
            if "token" in entry:
                raise PinningConfigError(
                    f"{path}: services.{name} holds a token; keep it in a 0600 file (token_file) or an "
                    "environment variable (token_env)", service=name, path=str(path),
                )
            services[name] = ServiceConfig(name, entry["endpoint"], token_env, token_file, "config", gateway)
    for key, value in os.environ.items():
        if key.startswith(ENV_PREFIX) and key.endswith("_ENDPOINT") and value.strip():
            stem = key[len(ENV_PREFIX):-len("_ENDPOINT")]
            name = stem.lower().replace("_", "-")
            if name in services or not _NAME.match(name):
                continue
            token_file = os.environ.get(f"{ENV_PREFIX}{stem}_TOKEN_FILE") or None
            gateway = os.environ.get(f"{ENV_PREFIX}{stem}_GATEWAY", "").strip() or None
            services[name] = ServiceConfig(
                name, value.strip(), None if token_file else f"{ENV_PREFIX}{stem}_TOKEN", token_file, "env",
                gateway,
            )
    return services


def get_service(name: str) -> ServiceConfig:
    """The configuration of service ``name``.

    Raises:
        PinningConfigError: no such service (the message lists the configured ones).
    """
    services = load_config()
    if name not in services:
        known = ", ".join(sorted(services)) or "none"
        raise PinningConfigError(
            f"no pinning service named {name!r} (configured: {known}); add one with "
            f"`modelgov pin service add {name} --endpoint URL --token-env VAR|--token-file PATH`",
            service=name,
        )
    return services[name]


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def save_service(
    name: str, endpoint: str, *, token_env: str | None = None, token_file: str | None = None,
    gateway: str | None = None, allow_insecure: bool | None = None,
) -> ServiceConfig:
    """Add or replace a service in the config file (written atomically, mode 0600).

    The token itself is never written: only the variable or file it is read from, which is
    checked now (a token file readable by others is refused). ``gateway`` is the service's
    HTTP gateway base URL (``https://gateway.example``; a trailing ``/ipfs`` is dropped).

    Raises:
        PinningConfigError: bad name, endpoint, gateway, or token source.
        InsecureEndpointError: plain HTTP (endpoint or gateway) outside loopback without permission.
    """
    _check_name(name)
    if (token_env is None) == (token_file is None):
        raise PinningConfigError(
            "give exactly one of a token environment variable or a token file", service=name
        )
    if token_env is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", token_env):
        raise PinningConfigError(f"{token_env!r} is not an environment variable name", service=name)
    if token_file is not None:
        token_file = str(Path(token_file).expanduser().resolve())
        read_token_file(token_file, name)
    if gateway is not None:
        from modelgov.errors import ValidationError
        from modelgov.storage.gateway import gateway_url

        try:
            gateway = gateway_url(gateway, allow_insecure=allow_insecure)
        except ValidationError as exc:
            if isinstance(exc, InsecureEndpointError):
                raise
            raise PinningConfigError(f"pinning service {name}: {exc}", service=name) from None
    cfg = ServiceConfig(name, _check_endpoint(endpoint, name, allow_insecure), token_env, token_file,
                        gateway=gateway)
    services = {k: v for k, v in load_config().items() if v.source == "config"}
    services[name] = cfg
    _write_config(services)
    return cfg


def remove_service(name: str) -> bool:
    """Remove ``name`` from the config file; True if it was there.

    Raises:
        PinningConfigError: the file is malformed.
    """
    services = {k: v for k, v in load_config().items() if v.source == "config"}
    if name not in services:
        return False
    del services[name]
    _write_config(services)
    return True


def _write_config(services: dict[str, ServiceConfig]) -> None:
    lines = [
        "# modelgov pinning services (no tokens here: token_env names a variable, token_file a 0600 file)\n"
    ]
    for cfg in services.values():
        lines.append(f"\n[services.{cfg.name}]\nendpoint = {_toml_str(cfg.endpoint)}\n")
        if cfg.token_env:
            lines.append(f"token_env = {_toml_str(cfg.token_env)}\n")
        if cfg.token_file:
            lines.append(f"token_file = {_toml_str(cfg.token_file)}\n")
        if cfg.gateway:
            lines.append(f"gateway = {_toml_str(cfg.gateway)}\n")
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(lines))
    os.replace(tmp, path)


def _check_endpoint(endpoint: str, name: str, allow_insecure: bool | None) -> str:
    url = endpoint.strip().rstrip("/")
    if url.endswith("/pins"):
        url = url[: -len("/pins")]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PinningConfigError(
            f"pinning service {name}: endpoint {endpoint!r} is not an http(s) URL", service=name
        )
    if parts.username or parts.password:
        raise PinningConfigError(
            f"pinning service {name}: put no credentials in the endpoint URL", service=name
        )
    check_transport(parts.scheme, parts.hostname, f"pinning service {name} ({url})",
                    allowed=insecure_allowed(allow_insecure), how=f"--allow-insecure or {INSECURE_ENV}=1")
    return url


# --- the client -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PinStatus:
    """A service's answer about one pin request (strings already made terminal-safe).

    ``delegates`` are the service's peers as it reported them: informational, never dialled.
    """

    service: str
    requestid: str
    status: str
    cid: str
    name: str | None = None
    created: str | None = None
    delegates: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.status in ("pinned", "failed")

    def as_dict(self) -> dict[str, object]:
        return {"service": self.service, "requestid": self.requestid, "status": self.status,
                "cid": self.cid, "name": self.name, "created": self.created,
                "delegates": list(self.delegates)}


def _parse_status(service: str, doc: Any) -> PinStatus:
    if (not isinstance(doc, dict) or not isinstance(doc.get("requestid"), str)
            or not isinstance(doc.get("pin"), dict)):
        raise PinningServiceError(
            f"pinning service {service} answered with a malformed PinStatus", service=service
        )
    status = doc.get("status")
    status = status if status in STATUSES else f"unknown({clean(status, 20)})"
    raw_cid = doc["pin"].get("cid")
    try:
        cid = normalize(str(raw_cid))
    except InvalidCIDError:
        cid = clean(raw_cid, 100)
    raw_delegates = doc.get("delegates")
    delegates: list[Any] = raw_delegates if isinstance(raw_delegates, list) else []
    name = doc["pin"].get("name")
    return PinStatus(
        service=service,
        requestid=clean(doc["requestid"], 200),
        status=status,
        cid=cid,
        name=clean(name, 255) if isinstance(name, str) else None,
        created=clean(doc.get("created"), 64) if doc.get("created") is not None else None,
        delegates=tuple(clean(d, 200) for d in delegates[:20]),
    )


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _env_number(var: str, default: _Number, kind: Callable[[str], _Number]) -> _Number:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise PinningConfigError(f"{var} must be a number, not {raw!r}") from None
    if value < 0:
        raise PinningConfigError(f"{var} must not be negative")
    return value


class PinningClient:
    """One pinning service. Every call may raise:

    Raises:
        PinningConfigError: the token cannot be read (see :meth:`ServiceConfig.read_token`).
        PinningAuthError: 401/403 (bad or expired token).
        PinningNotFoundError: 404 (unknown request id).
        PinningRateLimitError: still 429 after every retry.
        PinningUnreachableError: no answer after every retry (down, refused, timed out).
        PinningServiceError: any other error answer (its reason, made terminal-safe).
    """

    def __init__(
        self,
        config: ServiceConfig,
        *,
        timeout: float = 30.0,
        retries: int | None = None,
        backoff: float | None = None,
        max_delay: float = 30.0,
        allow_insecure: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.name = config.name
        self.url = _check_endpoint(config.endpoint, config.name, allow_insecure)
        self.retries = _env_number("MODELGOV_PINNING_RETRIES", 4, int) if retries is None else retries
        self.backoff = _env_number("MODELGOV_PINNING_BACKOFF", 0.25, float) if backoff is None else backoff
        self.max_delay = max_delay
        self._sleep = sleep
        self._token = config.read_token()
        self._client = httpx.Client(
            base_url=self.url, timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=False,
            headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
        )

    def __repr__(self) -> str:  # never the token
        return f"PinningClient({self.name!r}, {self.url!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PinningClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------
    def _delay(self, attempt: int, hint: float | None) -> float:
        base = self.backoff * (2.0 ** attempt) * (1 + random.random() * 0.1)  # noqa: S311 (jitter)
        return min(self.max_delay, max(base, hint or 0.0))

    def _request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None, on_lost_answer: Callable[[], httpx.Response | None] | None = None,
    ) -> httpx.Response:
        last_hint: float | None = None
        for attempt in range(self.retries + 1):
            final = attempt == self.retries
            try:
                response = self._client.request(method, path, params=params, json=body)
            except httpx.ConnectError as exc:
                if final:
                    raise PinningUnreachableError(
                        f"pinning service {self.name} at {self.url} is not reachable "
                        f"({type(exc).__name__}, {self.retries + 1} tries); nothing was changed there",
                        service=self.name,
                    ) from None
            except httpx.TransportError as exc:  # sent, but the answer was lost
                if on_lost_answer is not None:
                    found = on_lost_answer()
                    if found is not None:
                        return found
                if final:
                    raise PinningUnreachableError(
                        f"pinning service {self.name} at {self.url} stopped answering "
                        f"({type(exc).__name__}, {self.retries + 1} tries); re-run to resume",
                        service=self.name,
                    ) from None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in _RETRY_STATUS or final:
                    raise self._error(response, path)
                last_hint = _retry_after(response)
            self._sleep(self._delay(attempt, last_hint))
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, response: httpx.Response, path: str) -> PinningServiceError:
        code = response.status_code
        reason, details = None, ""
        try:
            err = response.json().get("error") or {}
            reason = clean(err.get("reason"), 80) if err.get("reason") else None
            details = clean(str(err.get("details") or "").split("\n")[0], 160)
        except (ValueError, AttributeError):
            details = clean(response.text.split("\n")[0], 160)
        said = f": {reason}" + (f" ({details})" if details and details != reason else "") if reason else (
            f": {details}" if details else "")
        if code in (401, 403):
            return PinningAuthError(
                f"pinning service {self.name} rejected the access token ({code}); check "
                f"{self.config.token_env or self.config.token_file}",
                service=self.name, status=code, reason=reason,
            )
        if code == 404:
            return PinningNotFoundError(f"pinning service {self.name}: not found ({path}){said}",
                                        service=self.name, status=code, reason=reason)
        if code == 429:
            return PinningRateLimitError(
                f"pinning service {self.name} is rate limiting (429 after {self.retries + 1} tries); "
                "nothing was lost, re-run later", service=self.name, retry_after=_retry_after(response),
            )
        return PinningServiceError(f"pinning service {self.name}: {path} failed ({code}){said}",
                                   service=self.name, status=code, reason=reason)

    # -- calls ----------------------------------------------------------------------------------
    def add(
        self, cid: str, *, name: str | None = None, origins: Sequence[str] = (),
        meta: dict[str, str] | None = None,
    ) -> PinStatus:
        """``POST /pins``: ask the service to pin ``cid`` (fetched from ``origins`` if given).

        If the answer is lost after sending, the service is asked for the CID before any retry.
        """
        cid = normalize(cid)
        body: dict[str, Any] = {"cid": cid}
        if name:
            body["name"] = name[:255]
        if origins:
            body["origins"] = list(origins)[:20]
        if meta:
            body["meta"] = meta

        def recover() -> httpx.Response | None:
            found = self._find_raw(cid)
            return found

        response = self._request("POST", "/pins", body=body, on_lost_answer=recover)
        return self._status_from(response)

    def _find_raw(self, cid: str) -> httpx.Response | None:
        try:
            params: dict[str, str | int] = {"cid": cid, "status": ",".join(STATUSES), "limit": 1}
            response = self._client.get("/pins", params=params)
            results = response.json().get("results") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        if results:
            return httpx.Response(200, json=results[0])
        return None

    def _status_from(self, response: httpx.Response) -> PinStatus:
        try:
            doc = response.json()
        except ValueError:
            raise PinningServiceError(f"pinning service {self.name} answered with non-JSON",
                                      service=self.name) from None
        return _parse_status(self.name, doc)

    def get(self, requestid: str) -> PinStatus:
        """``GET /pins/{requestid}``."""
        return self._status_from(self._request("GET", f"/pins/{quote(requestid, safe='')}"))

    def list(
        self, *, cids: Iterable[str] | None = None, statuses: Sequence[str] = STATUSES,
        name: str | None = None, limit: int = 1000,
    ) -> list[PinStatus]:
        """``GET /pins``: pins with these statuses (all four by default; the spec's default is
        ``pinned`` only), optionally only these CIDs or this name."""
        params: dict[str, Any] = {"status": ",".join(statuses), "limit": max(1, min(limit, 1000))}
        if cids is not None:
            params["cid"] = ",".join(normalize(c) for c in cids)
        if name:
            params["name"] = name
        response = self._request("GET", "/pins", params=params)
        try:
            results = response.json().get("results")
        except (ValueError, AttributeError):
            results = None
        if not isinstance(results, list):
            raise PinningServiceError(f"pinning service {self.name} answered GET /pins without results",
                                      service=self.name)
        return [_parse_status(self.name, r) for r in results]

    def find(self, cid: str) -> PinStatus | None:
        """The service's newest pin request for ``cid`` (any status), or None."""
        found = self.list(cids=[cid], limit=10)
        return found[-1] if found else None

    def remove(self, requestid: str) -> None:
        """``DELETE /pins/{requestid}``."""
        self._request("DELETE", f"/pins/{quote(requestid, safe='')}")


# --- records ----------------------------------------------------------------------------------
def _record_path(cid: str) -> Path:
    folder = state_dir() / "pins"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{normalize(cid)}.json"


def load_record(cid: str) -> dict[str, Any]:
    """What modelgov recorded for ``cid``: ``{"cid", "services": {name: {requestid, status, …}}}``."""
    path = _record_path(cid)
    try:
        doc = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {"cid": normalize(cid), "services": {}}
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        return {"cid": normalize(cid), "services": {}}
    return doc


def record_status(st: PinStatus, endpoint: str, **extra: Any) -> None:
    """Save one service's status for its CID (atomically; called as soon as it is known)."""
    doc = load_record(st.cid)
    doc["services"][st.service] = {"requestid": st.requestid, "status": st.status, "endpoint": endpoint,
                                   "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    doc.update(extra)
    path = _record_path(st.cid)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True))
    os.replace(tmp, path)


# --- what modelgov does with services ---------------------------------------------------------
@dataclass
class ReplicationResult:
    """Outcome of :func:`pin_to_services`."""

    cid: str
    replicas: int
    statuses: dict[str, PinStatus] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def pinned(self) -> list[str]:
        return [n for n, s in self.statuses.items() if s.status == "pinned"]

    @property
    def ok(self) -> bool:
        return len(self.pinned) >= self.replicas

    def as_dict(self) -> dict[str, object]:
        return {"cid": self.cid, "replicas": self.replicas, "pinned": self.pinned, "ok": self.ok,
                "services": {n: s.as_dict() for n, s in self.statuses.items()}, "errors": self.errors}


def pin_to_services(
    cid: str,
    services: Sequence[str | ServiceConfig],
    *,
    replicas: int | None = None,
    name: str | None = None,
    origins: Sequence[str] = (),
    meta: dict[str, str] | None = None,
    wait: bool = True,
    timeout: float = 600.0,
    poll: float = 2.0,
    on_progress: Callable[[ReplicationResult], None] | None = None,
    client_factory: Callable[[ServiceConfig], PinningClient] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ReplicationResult:
    """Ask every service to pin ``cid``; wait until ``replicas`` of them report ``pinned``.

    Re-running is safe: a service that already has the CID is not asked again (its existing
    request is followed), a ``failed`` one is asked again. Each request id is recorded at once.

    Args:
        replicas: how many services must reach ``pinned`` (default: all of them).
        wait: False returns after the requests are accepted.
        on_progress: called after each poll round with the current result.

    Raises:
        PinningConfigError: an unknown service or unreadable token.
        PinningAuthError, PinningRateLimitError, PinningUnreachableError, PinningServiceError:
            a service failed and too few remain to reach ``replicas`` (the first such error).
        PinningTimeoutError: fewer than ``replicas`` pinned before ``timeout`` (or too many failed).
    """
    cid = normalize(cid)
    configs = [s if isinstance(s, ServiceConfig) else get_service(s) for s in services]
    if not configs:
        raise PinningConfigError("name at least one pinning service (--service NAME)")
    if len({c.name for c in configs}) != len(configs):
        raise PinningConfigError("a pinning service is named twice")
    target = len(configs) if replicas is None else replicas
    if not 1 <= target <= len(configs):
        raise PinningConfigError(f"--replicas must be between 1 and the number of services ({len(configs)})")
    factory = client_factory or (lambda cfg: PinningClient(cfg))
    result = ReplicationResult(cid, target)
    clients: dict[str, PinningClient] = {}
    first_error: PinningServiceError | None = None
    try:
        for cfg in configs:
            try:
                client = factory(cfg)
                clients[cfg.name] = client
                existing = client.find(cid)
                if existing is None or existing.status == "failed":
                    existing = client.add(cid, name=name, origins=origins, meta=meta)
                result.statuses[cfg.name] = existing
                record_status(existing, client.url)
            except PinningServiceError as exc:
                result.errors[cfg.name] = str(exc)
                first_error = first_error or exc
                clients.pop(cfg.name, None)
            if first_error is not None and len(configs) - len(result.errors) < target:
                raise first_error  # too few services left to reach the target
        if on_progress is not None:
            on_progress(result)
        if not wait:
            return result
        deadline = time.monotonic() + timeout
        while not result.ok:
            live = [n for n, s in result.statuses.items() if s.status != "failed"]
            if len(live) < target:
                raise PinningTimeoutError(
                    f"{cid}: only {len(result.pinned)} of {target} replicas can be reached "
                    f"({_summary(result)})", service=",".join(result.statuses),
                    statuses={n: s.status for n, s in result.statuses.items()}, replicas=target,
                )
            if time.monotonic() >= deadline:
                raise PinningTimeoutError(
                    f"{cid}: {len(result.pinned)} of {target} replicas pinned after {timeout:g} s "
                    f"({_summary(result)}); the requests stay queued, check with `modelgov pin status {cid}`",
                    service=",".join(result.statuses),
                    statuses={n: s.status for n, s in result.statuses.items()}, replicas=target,
                )
            sleep(poll)
            for n in live:
                if result.statuses[n].status == "pinned":
                    continue
                try:
                    st = clients[n].get(result.statuses[n].requestid)
                except PinningServiceError as exc:  # transient: keep the last status
                    result.errors[n] = str(exc)
                    continue
                result.errors.pop(n, None)
                if st.status != result.statuses[n].status:
                    record_status(st, clients[n].url)
                result.statuses[n] = st
            if on_progress is not None:
                on_progress(result)
        return result
    finally:
        for client in clients.values():
            client.close()


def _summary(result: ReplicationResult) -> str:
    parts = [f"{n}: {s.status}" for n, s in result.statuses.items()]
    parts += [f"{n}: error" for n in result.errors if n not in result.statuses]
    return ", ".join(parts)


def status_of(
    cid: str, services: Sequence[str] | None = None,
    *, client_factory: Callable[[ServiceConfig], PinningClient] | None = None,
) -> dict[str, PinStatus | str]:
    """Each service's status for ``cid``: a :class:`PinStatus`, or an error line.

    ``services`` defaults to those recorded for the CID, else every configured service.

    Raises:
        InvalidCIDError: malformed CID.
        PinningConfigError: an unknown service name.
        PinningNotFoundError: no service knows the CID.
        PinningServiceError (or a subclass): every service failed (the first error).
    """
    cid = normalize(cid)
    names = list(services) if services else list(load_record(cid)["services"]) or sorted(load_config())
    if not names:
        raise PinningConfigError("no pinning service is configured (modelgov pin service add)")
    factory = client_factory or (lambda cfg: PinningClient(cfg))
    out: dict[str, PinStatus | str] = {}
    errors: list[PinningServiceError] = []
    for n in names:
        cfg = get_service(n)
        try:
            with factory(cfg) as client:
                st = client.find(cid)
                if st is not None:
                    record_status(st, client.url)
                out[n] = st if st is not None else "not pinned there"
        except PinningServiceError as exc:
            out[n] = str(exc)
            errors.append(exc)
    if len(errors) == len(names):
        raise errors[0]
    if not any(isinstance(v, PinStatus) for v in out.values()):
        answered = [n for n, v in out.items() if v == "not pinned there"]
        failed = f"; {', '.join(e.service for e in errors)} did not answer" if errors else ""
        raise PinningNotFoundError(f"no pinning service ({', '.join(answered)}) knows {cid}{failed}",
                                   service=answered[0])
    return out


def verify_from_gateway(
    cid: str, *, service: str | None = None, gateway: str | None = None, samples: int = 16,
    everything: bool = False, timeout: float = 60.0, seed: int | None = None,
    allow_insecure: bool | None = None, on_block: Callable[[int], None] | None = None,
) -> SampleReport:
    """Check that a gateway serves ``cid``'s DAG: blocks fetched by the trustless gateway
    protocol (``GET /ipfs/{block}?format=raw``), each hashed against its CID, walked from the
    root (``samples`` random root-to-leaf walks, or ``everything``). See
    :func:`modelgov.storage.ipfs.verify_sample`.

    Args:
        service: a configured pinning service whose ``gateway`` is used; or
        gateway: a gateway base URL (exactly one of the two).

    Raises:
        PinningConfigError: neither or both given, unknown service, or the service has no gateway.
        ValidationError, InsecureEndpointError: a bad gateway URL.
        InvalidCIDError: malformed CID.
        NodeUnreachableError: the gateway does not answer.
        IPFSError: the gateway has no such block (404/410) or does not answer with raw blocks.
        IntegrityError: a block's bytes do not hash to its CID (the message names the block).
    """
    from modelgov.storage.gateway import TrustlessGateway
    from modelgov.storage.ipfs import verify_sample

    if service is not None and gateway is None:
        cfg = get_service(service)
        if not cfg.gateway:
            raise PinningConfigError(
                f"pinning service {service} has no gateway; add one with `modelgov pin service add "
                f"{service} --endpoint {cfg.endpoint} --gateway URL ...`, or give --gateway URL",
                service=service,
            )
        url = cfg.gateway
    elif gateway is not None and service is None:
        url = gateway
    else:
        raise PinningConfigError("give exactly one of a pinning service (--service) or a gateway (--gateway)")
    with TrustlessGateway(url, allow_insecure=allow_insecure, timeout=timeout) as client:
        return verify_sample(cid, samples=samples, everything=everything, client=client, seed=seed,
                             timeout=timeout, source="gateway", service=service, on_block=on_block)


__all__ = [
    "STATUSES",
    "PinStatus",
    "PinningClient",
    "ReplicationResult",
    "ServiceConfig",
    "config_path",
    "get_service",
    "load_config",
    "load_record",
    "pin_to_services",
    "read_token_file",
    "remove_service",
    "save_service",
    "status_of",
    "verify_from_gateway",
]
