"""modelgov: DAO model governance.

Bytes → manifest + CIDs → pinned (IPFS, Arweave) → version record on chain → auditors'
attestations → upgrade proposal → vote → timelock → active version → grants.

Importing this package is cheap: nothing here imports Ape or web3. Chain features live in
:mod:`modelgov.chain` and are imported lazily by the commands that need them.
"""

from modelgov.errors import ModelGovError

__all__ = ["ModelGovError", "__version__"]
__version__ = "0.1.0"
