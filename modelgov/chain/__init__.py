"""Everything that needs Ape: deployment, registry, governance, treasury.

Importing this package does not import Ape; each module imports it when first used. The one
place that prepares Ape's environment (compiler shim, project, network, account) is
:mod:`modelgov.chain.ape_env`.
"""
