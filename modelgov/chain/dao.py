"""ERC-4824 ("Common Interfaces for DAOs"): the DAO's registration document.

``DaoRegistration.daoURI()`` (suite member ``dao``, owned by the timelock) points at a JSON
document (set by governance with ``setDaoURI``); :func:`dao_document` builds it from a
deployment. Serve it by pinning the file (``ipfs://<CID>``) or from any HTTPS host, then pass a
proposal calling ``dao.setDaoURI("<uri>")`` (proposal file: ``type: call``, ``contract: dao``).
The URIs inside point at the read-only dashboard's JSON API (``modelgov ui``) when ``base_url``
is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov

CONTEXT = "http://www.daostar.org/schemas"


def dao_document(gov: ModelGov, *, name: str | None = None,
                 description: str | None = None, base_url: str | None = None,
                 governance_uri: str | None = None) -> dict[str, Any]:
    """The ERC-4824 DAO JSON of the client's deployment.

    ``membersURI`` → ``/api/treasury`` (holders' voting power), ``proposalsURI`` →
    ``/api/proposals``, ``activityLogURI`` → ``/api/overview``, all under ``base_url``;
    ``contracts`` lists the deployment's addresses as CAIP-10 ids.
    """
    chain_id = gov.connection.chain_id
    token_name = str(gov.handle("token").call("name"))
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
    doc["contracts"] = {n: f"eip155:{chain_id}:{address}"
                        for n, address in gov.deployment.contracts.items()}
    return doc
