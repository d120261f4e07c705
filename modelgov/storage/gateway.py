"""Blocks from an HTTP gateway, by the trustless gateway protocol (IPIP-328 / the "Trustless
Gateway" spec): nothing the gateway says is believed, every block is hashed against its CID.

One call per block::

    GET {gateway}/ipfs/{block-cid}?format=raw
    Accept: application/vnd.ipld.raw
    → 200, Content-Type: application/vnd.ipld.raw, body = the block's bytes

No token is sent (a pinning service's public or dedicated gateway serves pinned content to
anyone). :class:`TrustlessGateway` has the same ``url`` + ``block_get`` shape as the node's
:class:`modelgov.storage.ipfs.IPFSClient`, so :func:`modelgov.storage.ipfs.verify_sample`
walks a DAG through either.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlsplit

import httpx

from modelgov.endpoints import INSECURE_ENV, check_transport, insecure_allowed
from modelgov.errors import GatewayError, IntegrityError, NodeUnreachableError, ValidationError
from modelgov.storage.untrusted import clean

RAW_BLOCK = "application/vnd.ipld.raw"
#: larger answers are cut off and refused (bitswap's limit is 2 MiB; modelgov's leaves are 1 MiB)
MAX_BLOCK = 4 << 20
_RETRY_STATUS = (429, 502, 503, 504)


def gateway_url(url: str, *, allow_insecure: bool | None = None) -> str:
    """``url`` as a gateway base (``scheme://host[:port][/prefix]``, no trailing ``/ipfs``).

    Raises:
        ValidationError: not an http(s) URL, or it holds credentials, a query or a fragment.
        InsecureEndpointError: plain HTTP outside loopback without permission.
    """
    raw = url.strip().rstrip("/")
    raw = raw[: -len("/ipfs")] if raw.endswith("/ipfs") else raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"gateway {clean(url, 200)!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(f"gateway {clean(url, 200)!r}: give a plain base URL (no credentials, query "
                              "or fragment)")
    check_transport(parts.scheme, parts.hostname, f"gateway {raw}", allowed=insecure_allowed(allow_insecure),
                    how=f"--allow-insecure or {INSECURE_ENV}=1")
    return raw


class TrustlessGateway:
    """Raw blocks from one gateway. :meth:`block_get` raises:

    Raises:
        NodeUnreachableError: the gateway does not answer (refused, timed out, cut off).
        GatewayError: it has no such block (404/410), or answered with an error or not with a raw
            block (``Content-Type`` other than ``application/vnd.ipld.raw``).
        IntegrityError: the answer is larger than :data:`MAX_BLOCK`.

    The bytes are not checked here: :func:`modelgov.cid.car.verify_block` does that.
    """

    def __init__(
        self, url: str, *, allow_insecure: bool | None = None, timeout: float = 60.0, retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        self.url = gateway_url(url, allow_insecure=allow_insecure)
        self.retries = retries
        self.backoff = backoff
        self._timeout = timeout
        self._client = httpx.Client(
            base_url=self.url, timeout=httpx.Timeout(timeout, connect=5.0), follow_redirects=True,
            headers={"Accept": RAW_BLOCK},
        )

    def __repr__(self) -> str:
        return f"TrustlessGateway({self.url!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TrustlessGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def block_get(self, cid: str, timeout: float = 60.0) -> bytes:
        """``GET /ipfs/{cid}?format=raw``: one block's bytes (retried on 429/502/503/504)."""
        for attempt in range(self.retries + 1):
            try:
                with self._client.stream(
                    "GET", f"/ipfs/{cid}", params={"format": "raw"},
                    timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
                ) as response:
                    if response.status_code in _RETRY_STATUS and attempt < self.retries:
                        jitter = 1 + random.random() / 10  # noqa: S311 (not a secret)
                        hint = _retry_after(response.headers.get("retry-after"))
                        time.sleep(min(10.0, max(hint, self.backoff * 2**attempt * jitter)))
                        continue
                    if response.status_code >= 400:
                        raise self._error(cid, response)
                    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if kind and kind != RAW_BLOCK:
                        raise GatewayError(
                            f"gateway {self.url} answered {clean(kind, 60)} for block {cid}, not "
                            f"{RAW_BLOCK}: it does not speak the trustless gateway protocol",
                            gateway=self.url, cid=cid, status=None,
                        )
                    body = bytearray()
                    for piece in response.iter_bytes():
                        body += piece
                        if len(body) > MAX_BLOCK:
                            raise IntegrityError(
                                f"gateway {self.url} sent more than {MAX_BLOCK >> 20} MiB for block {cid}"
                            )
                    return bytes(body)
            except httpx.ConnectError:
                raise NodeUnreachableError(f"gateway {self.url} is not reachable (connection refused or "
                                           "no route); check the URL or try later") from None
            except httpx.TimeoutException:
                raise NodeUnreachableError(f"gateway {self.url} timed out on block {cid} "
                                           f"(after {timeout:g} s)") from None
            except httpx.TransportError as exc:
                raise NodeUnreachableError(f"gateway {self.url} stopped answering on block {cid} "
                                           f"({type(exc).__name__})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, cid: str, response: httpx.Response) -> GatewayError:
        code = response.status_code
        try:
            said = clean(response.read()[:300].decode("utf-8", "replace").strip().split("\n")[0], 120)
        except httpx.HTTPError:
            said = ""
        said = f": {said}" if said else ""
        if code in (404, 410):
            return GatewayError(f"gateway {self.url} has no block {cid} ({code}){said}",
                                gateway=self.url, cid=cid, status=code)
        return GatewayError(f"gateway {self.url} failed on block {cid} ({code}){said}",
                            gateway=self.url, cid=cid, status=code)


def _retry_after(raw: str | None) -> float:
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError:
        return 0.0


__all__ = ["MAX_BLOCK", "RAW_BLOCK", "TrustlessGateway", "gateway_url"]
