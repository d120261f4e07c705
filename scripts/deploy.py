"""``ape run deploy --network ...``: deploy the modelgov suite and write deployments/<network>.json.

Uses the account given by $MODELGOV_ACCOUNT (an Ape alias, or TEST::n on local chains).
For the local chain use ``modelgov deploy``: under ``ape run`` the ``local`` network is a
throwaway anvil that Ape starts for this one run (``foundry: host: auto``), so a deployment
there would be gone, and its deployments file wrong, as soon as the script ends.
"""

import os

import click
from ape.cli import ConnectedProviderCommand, network_option

from modelgov.chain.deploy import LOCAL_PARAMS, SuiteParams, deploy_suite
from modelgov.chain.deployments import write_deployment


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option("--local-periods", is_flag=True, help="Minutes instead of days (local chains).")
def cli(ecosystem, network, provider, local_periods):
    """Deploy the suite on the connected network."""
    from ape import chain

    from modelgov.chain.ape_env import load_account

    if network.name == "local":
        raise click.ClickException(
            "on the local chain use `modelgov deploy`: `ape run deploy` would deploy to a throwaway "
            "anvil that Ape starts for this run only"
        )
    deployer = load_account(os.environ.get("MODELGOV_ACCOUNT"))
    suite = deploy_suite(deployer, LOCAL_PARAMS if local_periods else SuiteParams())
    choice = f"{ecosystem.name}:{network.name}:{provider.name}"
    path = write_deployment(choice, suite.to_record(chain.chain_id))
    for name, address in suite.addresses().items():
        click.echo(f"{name:<9} {address}")
    click.echo(f"written {path}")
