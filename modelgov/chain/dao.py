"""ERC-4824 ("Common Interfaces for DAOs"): the DAO's registration document.

``ModelGovernor.daoURI()`` points at a JSON document (set by governance with ``setDaoURI``);
:func:`dao_document` builds it from a deployment. Serve it by pinning the file
(``ipfs://<CID>``) or from any HTTPS host, then pass a proposal calling
``governor.setDaoURI("<uri>")``. The URIs inside point at the read-only dashboard's JSON API
(``modelgov ui``) when ``base_url`` is given.
"""

from __future__ import annotations

from typing import Any

CONTEXT = "http://www.daostar.org/schemas"


def dao_document(suite: Any, chain_id: int, *, name: str | None = None,
                 description: str | None = None, base_url: str | None = None,
                 governance_uri: str | None = None) -> dict[str, Any]:
    """The ERC-4824 DAO JSON of ``suite`` on ``chain_id``.

    ``membersURI`` → ``/api/treasury`` (holders' voting power), ``proposalsURI`` →
    ``/api/proposals``, ``activityLogURI`` → ``/api/overview``, all under ``base_url``;
    ``contracts`` lists the deployment's addresses as CAIP-10 ids.
    """
    token_name = str(suite.token.name()) if suite.token is not None else "modelgov"
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "DAO",
        "name": name or f"{token_name} DAO",
        "description": description or (
            "A modelgov DAO: token holders govern which model versions are active "
            "(proposals → vote → timelock) and fund their training."),
    }
    if base_url:
        base = base_url.rstrip("/")
        doc["membersURI"] = f"{base}/api/treasury"
        doc["proposalsURI"] = f"{base}/api/proposals"
        doc["activityLogURI"] = f"{base}/api/overview"
    if governance_uri:
        doc["governanceURI"] = governance_uri
    doc["contracts"] = {
        n: f"eip155:{chain_id}:{getattr(suite, n).address}"
        for n in suite.CONTRACTS if getattr(suite, n, None) is not None
    }
    return doc
