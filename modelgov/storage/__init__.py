"""Storage back-ends: IPFS (Kubo RPC), IPFS pinning services (``pinning``), Arweave (single
transactions in ``arweave``, ANS-104 bundles in ``bundles``), Filecoin piece CIDs
(``filecoin``), and the local services behind them.

Nothing in this package imports Ape or web3.
"""
