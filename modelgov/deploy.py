"""Public entry point for deployment: ``from modelgov.deploy import deploy_suite``.

The implementation lives in :mod:`modelgov.chain.deploy`; this module only re-exports it.
"""

from modelgov.chain.deploy import LOCAL_PARAMS, Suite, SuiteParams, deploy_suite, load_suite

__all__ = ["LOCAL_PARAMS", "Suite", "SuiteParams", "deploy_suite", "load_suite"]
