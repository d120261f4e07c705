"""Storage back-ends: IPFS (Kubo RPC) and Arweave, and the local services behind them.

Nothing in this package imports Ape or web3.
"""
