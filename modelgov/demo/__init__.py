"""``modelgov demo``: the whole lifecycle on local defaults (anvil, js-ipfs, arlocal)."""
