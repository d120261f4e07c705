"""Storage back-ends: IPFS (Kubo RPC), IPFS pinning services (``pinning``), Arweave (single
transactions in ``arweave``, ANS-104 bundles in ``bundles``), Filecoin piece CIDs
(``filecoin``). The local services they talk to by default (the IPFS node, arlocal) are
started by :mod:`modelgov.devnet`.

Nothing in this package imports Ape or web3.
"""
