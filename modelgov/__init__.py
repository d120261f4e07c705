"""modelgov: DAO model governance.

Bytes → manifest + CIDs → pinned (IPFS, Arweave) → version record on chain → auditors'
attestations → upgrade proposal → vote → timelock → active version → grants.

Importing this package is cheap: nothing here imports Ape or web3. Chain features live in
:mod:`modelgov.chain` and are imported lazily; ``from modelgov import ModelGov`` is the typed client.
"""

from typing import TYPE_CHECKING, Any

from modelgov.errors import ModelGovError

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov

__all__ = ["ModelGov", "ModelGovError", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``ModelGov`` is imported on first use, so ``import modelgov`` stays cheap."""
    if name == "ModelGov":
        from modelgov.chain.client import ModelGov

        return ModelGov
    raise AttributeError(f"module 'modelgov' has no attribute {name!r}")
