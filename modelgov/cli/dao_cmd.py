"""``modelgov dao uri``: the DAO's ERC-4824 document (what ``DaoRegistration.daoURI()`` points at)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelgov.cli._chain import client, network_option
from modelgov.cli._common import echo_json
from modelgov.textsafe import term


@click.group()
def dao() -> None:
    """The DAO as other tools see it (ERC-4824 daoURI)."""


@dao.command("uri")
@click.option("--name", default=None, help="DAO name (default: '<token name> DAO').")
@click.option("--description", default=None, help="One-paragraph description.")
@click.option("--base-url", default=None,
              help="Public URL of the dashboard (`modelgov ui`): membersURI, proposalsURI and "
              "activityLogURI point at its JSON API.")
@click.option("--governance-uri", default=None,
              help="URI of the governance document (charter, process).")
@click.option("--current", is_flag=True, help="Print the DaoRegistration's daoURI() now instead.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the JSON here (default: stdout).")
@network_option
def dao_uri(name: str | None, description: str | None, base_url: str | None,
            governance_uri: str | None, current: bool, output: str | None, network: str) -> None:
    """Build the ERC-4824 DAO JSON of the deployment.

    Serve it: pin the file (`ipfs://<CID>`) or host it over HTTPS, then propose
    `dao.setDaoURI("<uri>")` (a `call` action on contract `dao`, the DaoRegistration owned by
    the timelock); its daoURI() returns it once the proposal executes.
    """
    from modelgov.chain.dao import dao_document

    with client(network) as gov:
        if current:
            click.echo(term(str(gov.handle("dao").call("daoURI"))) or "(not set)")
            return
        doc = dao_document(gov, name=name, description=description, base_url=base_url,
                           governance_uri=governance_uri)
    if output:
        Path(output).write_text(json.dumps(doc, indent=2) + "\n")
        click.echo(f"ERC-4824 DAO document → {output}")
    else:
        echo_json(doc)
