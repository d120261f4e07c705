"""Deploy the modelgov suite and load it back from ``deployments/<network>.json``.

Order: token → timelock (deployer as temporary admin) → governor → DaoRegistration (ERC-4824
``daoURI``; owner = timelock) → registry / treasury (admin = timelock) → wire the timelock
(governor is the only proposer and canceller, anyone executes) → the deployer renounces the
timelock admin role. After :func:`deploy_suite` the deployer holds no
role anywhere; only the timelock does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from modelgov.chain.ape_env import project
from modelgov.errors import DeploymentNotFoundError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ape.api import AccountAPI

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DAY = 86_400


@dataclass(frozen=True)
class SuiteParams:
    """Deployment parameters. Times are seconds (the token's clock is a timestamp clock).

    Defaults are for a real network: 1 day voting delay, 1 week of voting, 4 % quorum, a 1 day
    late-quorum extension, a 2 day timelock, 1,000,000 tokens (18 decimals) to the deployer.
    """

    token_name: str = "ModelGov"  # noqa: S105 - the ERC-20 token's name, not a password
    token_symbol: str = "MGOV"  # noqa: S105 - the ERC-20 token's symbol, not a password
    initial_supply: int = 1_000_000 * 10**18
    initial_holder: str | None = None  # None: the deployer
    voting_delay: int = 1 * DAY
    voting_period: int = 7 * DAY
    proposal_threshold: int = 0
    quorum_percent: int = 4
    late_quorum_extension: int = 1 * DAY
    timelock_delay: int = 2 * DAY
    required_approvals: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.quorum_percent <= 100:
            raise ValidationError(f"quorum_percent must be 1..100, got {self.quorum_percent}")
        if self.voting_period <= 0 or self.voting_period >= 2**32:
            raise ValidationError(f"voting_period must be 1..2^32-1 s, got {self.voting_period}")
        for name in ("voting_delay", "late_quorum_extension", "timelock_delay"):
            if not 0 <= getattr(self, name) < 2**48:
                raise ValidationError(f"{name} out of range: {getattr(self, name)}")
        if self.initial_supply <= 0:
            raise ValidationError("initial_supply must be positive")
        if self.required_approvals < 1:
            raise ValidationError("required_approvals must be at least 1")

    def with_overrides(self, **overrides: Any) -> SuiteParams:
        """A copy with ``overrides`` applied.

        Raises:
            ValidationError: an unknown name or an out-of-range value.
        """
        unknown = sorted(set(overrides) - {f.name for f in fields(self)})
        if unknown:
            raise ValidationError(f"unknown deployment parameter(s): {', '.join(unknown)}")
        return replace(self, **overrides)


#: Short periods for a local chain (demo, tests): minutes instead of days.
LOCAL_PARAMS = SuiteParams(
    voting_delay=60,
    voting_period=600,
    late_quorum_extension=120,
    timelock_delay=300,
)


@dataclass
class Suite:
    """The deployed contracts (Ape contract instances) and the parameters they were built with."""

    token: Any
    timelock: Any
    governor: Any
    dao: Any = None  # DaoRegistration (ERC-4824 daoURI), owned by the timelock
    registry: Any = None
    treasury: Any = None
    oracle: Any = None  # deployed on its own (`modelgov oracle deploy`), not by deploy_suite
    params: SuiteParams = field(default_factory=SuiteParams)
    block: int = 0

    CONTRACTS = ("token", "timelock", "governor", "dao", "registry", "treasury", "oracle")

    def addresses(self) -> dict[str, str]:
        """Name → address of every deployed contract."""
        return {
            name: str(getattr(self, name).address)
            for name in self.CONTRACTS
            if getattr(self, name) is not None
        }

    def to_record(self, chain_id: int) -> dict[str, Any]:
        """The ``deployments/<network>.json`` record (no keys, no secrets)."""
        return {
            "chain_id": chain_id,
            "block": self.block,
            "contracts": self.addresses(),
            "params": asdict(self.params),
        }


CONTRACT_TYPES = {
    "token": "GovernanceToken",
    "timelock": "ModelTimelock",
    "governor": "ModelGovernor",
    "dao": "DaoRegistration",
    "registry": "ModelRegistry",
    "treasury": "GrantTreasury",
    "oracle": "InferenceOracle",
}


def deploy_suite(deployer: AccountAPI, params: SuiteParams | None = None, **overrides: Any) -> Suite:
    """Deploy token, timelock, governor, DaoRegistration (and registry/treasury) and hand every
    role to the timelock.

    Args:
        deployer: the Ape account paying for the deployment; it keeps no role afterwards.
        params: full parameter set (default :class:`SuiteParams`), further changed by ``overrides``.

    Raises:
        ValidationError: a parameter is out of range or unknown.
    """
    params = (params or SuiteParams()).with_overrides(**overrides)
    p = project()
    holder = params.initial_holder or deployer.address
    token = deployer.deploy(
        p.GovernanceToken, params.token_name, params.token_symbol, holder, params.initial_supply
    )
    timelock = deployer.deploy(
        p.ModelTimelock, params.timelock_delay, [], [ZERO_ADDRESS], deployer.address
    )
    governor = deployer.deploy(
        p.ModelGovernor,
        token.address,
        timelock.address,
        params.voting_delay,
        params.voting_period,
        params.proposal_threshold,
        params.quorum_percent,
        params.late_quorum_extension,
    )
    suite = Suite(token=token, timelock=timelock, governor=governor, params=params)
    _deploy_extensions(deployer, suite)

    proposer = timelock.PROPOSER_ROLE()
    canceller = timelock.CANCELLER_ROLE()
    timelock.grantRole(proposer, governor.address, sender=deployer)
    timelock.grantRole(canceller, governor.address, sender=deployer)
    receipt = timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer.address, sender=deployer)
    suite.block = receipt.block_number
    return suite


def _deploy_extensions(deployer: Any, suite: Suite) -> None:
    """Deploy the DaoRegistration, registry and treasury when their contracts are part of the
    project (all owned / administered by the timelock)."""
    p = project()
    contract_names = set(p.contracts.keys()) if hasattr(p, "contracts") else set()
    if "DaoRegistration" in contract_names:
        suite.dao = deployer.deploy(p.DaoRegistration, suite.timelock.address)
    if "ModelRegistry" in contract_names:
        suite.registry = deployer.deploy(
            p.ModelRegistry, suite.timelock.address, suite.params.required_approvals
        )
    if "GrantTreasury" in contract_names and suite.registry is not None:
        suite.treasury = deployer.deploy(
            p.GrantTreasury, suite.timelock.address, suite.registry.address
        )


def load_suite(record: dict[str, Any]) -> Suite:
    """Rebuild a :class:`Suite` from a deployment record, checking code exists at each address.
    The contracts are typed by the ABIs shipped in the package: nothing is compiled.

    Raises:
        DeploymentNotFoundError: an address has no code (e.g. the local chain was reset).
    """
    from ape import chain

    from modelgov.chain.contract import ape_instance

    contracts = record["contracts"]
    loaded: dict[str, Any] = {}
    for name, type_name in CONTRACT_TYPES.items():
        address = contracts.get(name)
        if address is None:
            continue
        if not chain.provider.get_code(address):
            raise DeploymentNotFoundError(
                f"no {type_name} code at {address}: the deployment is stale; run `modelgov deploy`"
            )
        loaded[name] = ape_instance(type_name, address)
    missing = [n for n in ("token", "timelock", "governor") if n not in loaded]
    if missing:
        raise DeploymentNotFoundError(f"deployment lacks {', '.join(missing)}")
    known = {f.name for f in fields(SuiteParams)}
    params = SuiteParams(**{k: v for k, v in record.get("params", {}).items() if k in known})
    return Suite(params=params, block=int(record.get("block", 0)), **loaded)
