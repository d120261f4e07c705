"""The local services modelgov starts for development and demos: anvil (the local chain), the
embedded IPFS node (js-ipfs) and arlocal (a local Arweave gateway).

One mechanism starts, probes and stops them all (:mod:`modelgov.devnet.services`: PID files under
``<state>/<name>/``, never a process found by name); :mod:`~modelgov.devnet.anvil`,
:mod:`~modelgov.devnet.ipfs_node` and :mod:`~modelgov.devnet.arlocal` describe each service.
The clients that talk to these services (and to remote ones) live in :mod:`modelgov.storage`.

Nothing in this package imports Ape or web3.
"""
