"""``ModelGov``: the one typed client of a deployed suite.

>>> from modelgov import ModelGov
>>> with ModelGov(network="local", account="TEST::0") as gov:
...     info = gov.registry.model("demo-mlp")
...     result = gov.registry.attest(3, "approve", report_cid)   # TxResult[Attestation]

Reads go straight to the node over JSON-RPC with the ABIs shipped in the package (no Ape load,
no compiler); the first write connects Ape, whose accounts sign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from modelgov.chain.connection import Connection
from modelgov.chain.tx import JsonRecord
from modelgov.errors import DeploymentNotFoundError

if TYPE_CHECKING:
    from ape.api import AccountAPI

    from modelgov.chain.contract import ContractHandle
    from modelgov.chain.deploy import Suite
    from modelgov.chain.governor import Governor
    from modelgov.chain.lineage import LineageEntry
    from modelgov.chain.oracle import Oracle
    from modelgov.chain.registry import Registry
    from modelgov.chain.token import Token
    from modelgov.chain.treasury import Treasury
    from modelgov.storage.arweave import ArweaveClient
    from modelgov.storage.ipfs import IPFSClient

#: suite name → contract kind (the shipped ABI's name)
CONTRACT_KINDS = {
    "token": "GovernanceToken",
    "timelock": "ModelTimelock",
    "governor": "ModelGovernor",
    "dao": "DaoRegistration",
    "registry": "ModelRegistry",
    "treasury": "GrantTreasury",
    "oracle": "InferenceOracle",
}


@dataclass(frozen=True)
class Deployment(JsonRecord):
    """A deployed suite: addresses by suite name, block, chain id and parameters
    (``deployments/<network>.json``)."""

    contracts: dict[str, str]
    chain_id: int | None = None
    block: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Deployment:
        return cls(contracts={str(k): str(v) for k, v in dict(record.get("contracts", {})).items()},
                   chain_id=int(record["chain_id"]) if record.get("chain_id") is not None else None,
                   block=int(record.get("block", 0) or 0), params=dict(record.get("params", {})))

    @classmethod
    def read(cls, network: str) -> Deployment:
        """Raises: DeploymentNotFoundError: no deployment file for ``network``."""
        from modelgov.chain.deployments import read_deployment

        return cls.from_record(read_deployment(network))

    def address(self, name: str) -> str:
        """Raises: DeploymentNotFoundError: the deployment has no ``name`` contract."""
        try:
            return self.contracts[name]
        except KeyError:
            raise DeploymentNotFoundError(f"the deployment has no {name} contract") from None


class ModelGov:
    """One client for the whole suite: ``registry``, ``governor``, ``treasury``, ``token``,
    ``oracle``, ``ipfs``, ``arweave``.

    Args:
        network: an Ape network choice; ``local`` is the anvil of ``modelgov chain start``.
        account: who signs writes: an Ape account alias, ``TEST::<n>``, or an Ape account object.
            Loaded on the first write (None: ``TEST::0``, only meaningful on a local chain).
        deployment: the suite's addresses (default: ``deployments/<network>.json``).

    Raises (lazily, when first needed):
        DeploymentNotFoundError: no deployment for the network, or its code is gone.
        ChainError, NodeUnreachableError: the network does not answer.
        ConfigError: unknown account alias.
    """

    def __init__(self, network: str | None = "local", account: str | AccountAPI | None = None, *,
                 deployment: Deployment | None = None) -> None:
        self.connection = Connection(network)
        self.network = self.connection.network
        self._account = account
        self._deployment = deployment
        self._checked = False

    @classmethod
    def from_suite(cls, suite: Suite, account: str | AccountAPI | None = None) -> ModelGov:
        """A client of a suite deployed in this process's Ape connection (tests, the demo)."""
        client = cls(None, account, deployment=Deployment(
            contracts=suite.addresses(), block=suite.block, params=suite.params.__dict__.copy()))
        client.__dict__["suite"] = suite  # the cached_property: the caller's instances
        return client

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> ModelGov:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the node connections this client opened."""
        self.connection.close()

    # --- what the client works with ---------------------------------------------------------
    @property
    def deployment(self) -> Deployment:
        """Raises: DeploymentNotFoundError: no deployment file, or no code at its addresses."""
        if self._deployment is None:
            self._deployment = Deployment.read(self.network)
        if not self._checked:
            self._check_code(self._deployment)
            self._checked = True
        return self._deployment

    def deployment_record(self) -> Deployment:
        """The deployment file's record, without contacting the node (offline signing).

        Raises:
            DeploymentNotFoundError: no deployment file.
        """
        return self._deployment if self._deployment is not None else Deployment.read(self.network)

    def record_contract(self, name: str, address: str) -> Path:
        """Add contract ``name`` (e.g. ``oracle``) at ``address`` to this network's deployment
        file, and to this client; returns the file. Raises: DeploymentNotFoundError."""
        from dataclasses import replace

        from modelgov.chain.deployments import write_deployment

        d = self.deployment
        updated = replace(d, contracts={**d.contracts, name: address},
                          chain_id=d.chain_id if d.chain_id is not None else self.connection.chain_id)
        path = write_deployment(self.network, {"chain_id": updated.chain_id, "block": updated.block,
                                               "contracts": updated.contracts, "params": updated.params})
        self._deployment = updated
        return path

    def registry_at(self, address: str) -> Registry:
        """A ModelRegistry at ``address`` (not necessarily the deployment's)."""
        from modelgov.chain.contract import ContractHandle
        from modelgov.chain.registry import Registry, messages

        return Registry(ContractHandle("ModelRegistry", address, self.connection, messages), self)

    def _check_code(self, deployment: Deployment) -> None:
        names = [n for n in CONTRACT_KINDS if n in deployment.contracts]
        codes = self.connection.rpc.batch([("eth_getCode", [deployment.contracts[n], "latest"])
                                           for n in names])
        for name, code in zip(names, codes, strict=True):
            if not isinstance(code, str) or code in ("0x", ""):
                raise DeploymentNotFoundError(
                    f"no {CONTRACT_KINDS[name]} code at {deployment.contracts[name]}: the deployment "
                    f"is stale; run `modelgov deploy`")

    @property
    def account(self) -> AccountAPI:
        """The signing account (loads Ape and connects on first use).

        Raises:
            ConfigError: unknown alias. ChainError: the network does not answer.
        """
        if self._account is None or isinstance(self._account, str):
            from modelgov.chain.ape_env import load_account

            self.connection.ape_provider()
            self._account = load_account(self._account)
        return self._account

    def load_account(self, alias: str) -> AccountAPI:
        """Another signer for ``sender=``: an Ape account alias or ``TEST::<n>``.

        Raises:
            ConfigError: unknown alias.
        """
        from modelgov.chain.ape_env import load_account

        self.connection.ape_provider()
        return load_account(alias)

    def handle(self, name: str) -> ContractHandle:
        """The suite's ``name`` contract (``registry``, ``treasury``...)."""
        from modelgov.chain.contract import ContractHandle

        messages = None
        abi = None
        callee_errors: tuple[str, ...] = ()
        if name == "registry":
            from modelgov.chain.registry import messages as registry_messages

            messages = registry_messages
        elif name == "treasury":
            from modelgov.chain.treasury import handle_abi
            from modelgov.chain.treasury import messages as treasury_messages

            messages, abi = treasury_messages, handle_abi()
        elif name == "token":
            from modelgov.chain.token import messages as token_messages

            messages = token_messages
        elif name == "oracle":
            from modelgov.chain.oracle import messages as oracle_messages

            messages = oracle_messages
            callee_errors = ("ModelRegistry",)  # the oracle calls the registry; its errors bubble up
        return ContractHandle(CONTRACT_KINDS[name], self.deployment.address(name), self.connection,
                              messages, abi=abi, callee_errors=callee_errors)

    @cached_property
    def registry(self) -> Registry:
        from modelgov.chain.registry import Registry

        return Registry(self.handle("registry"), self)

    @cached_property
    def treasury(self) -> Treasury:
        """The GrantTreasury: grants, milestones, deposits, stewards' allowances."""
        from modelgov.chain.treasury import Treasury

        return Treasury(self.handle("treasury"), self)

    @cached_property
    def token(self) -> Token:
        """The suite's GovernanceToken: balances, votes, delegation."""
        from modelgov.chain.token import Token

        return Token(self.handle("token"), self)

    @cached_property
    def suite(self) -> Suite:
        """The deployment as Ape contract instances (connects Ape): what building and simulating
        a proposal work with."""
        from modelgov.chain.deploy import load_suite

        self.connection.ape_provider()
        d = self.deployment
        return load_suite({"contracts": d.contracts, "block": d.block, "params": d.params,
                           "chain_id": d.chain_id})

    @cached_property
    def governor(self) -> Governor:
        """The governor: proposals, votes, and the lifecycle writes."""
        from modelgov.chain.governor import Governor

        return Governor(self)

    @cached_property
    def oracle(self) -> Oracle:
        """The deployment's InferenceOracle (another one: ``Oracle.at(gov, address)``).

        Raises:
            DeploymentNotFoundError: the deployment has no oracle (``modelgov oracle deploy``).
        """
        from modelgov.chain.oracle import Oracle

        if "oracle" not in self.deployment.contracts:
            raise DeploymentNotFoundError(f"the {self.network} deployment has no InferenceOracle: run "
                                          "`modelgov oracle deploy`, or give the oracle's address")
        return Oracle(self.handle("oracle"), self)

    @cached_property
    def ipfs(self) -> IPFSClient:
        """The IPFS node (``$MODELGOV_IPFS_API`` or the local node)."""
        from modelgov.storage.ipfs import IPFSClient

        return IPFSClient()

    @cached_property
    def arweave(self) -> ArweaveClient:
        """The Arweave gateway (``$MODELGOV_ARWEAVE_GATEWAY`` or arlocal)."""
        from modelgov.storage.arweave import ArweaveClient, resolve_gateway

        return ArweaveClient(resolve_gateway())

    def lineage(self, model: str | int, *, cards: bool = True, timeout: float = 5.0) -> list[LineageEntry]:
        """``model``'s versions in tree order, each with the base model its card names (read
        from IPFS when ``cards``; see :func:`modelgov.chain.lineage.lineage`).

        Raises:
            NotFoundError: no such model.
        """
        from modelgov.chain.lineage import lineage

        return lineage(self, model, cards=cards, timeout=timeout)

    def chain_time(self) -> int:
        """The latest block's timestamp."""
        return self.connection.rpc.timestamp("latest")
