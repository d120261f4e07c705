"""Every exception modelgov raises: one base, :class:`ModelGovError`, and clear subclasses.

This is the only module that defines exceptions. Library code raises these; the CLI turns any
:class:`ModelGovError` into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CustomError:
    """A contract's custom error, decoded: ``name`` (e.g. ``ModelRegistryUnknownVersion``), its
    ``args`` by parameter name, and the ``contract`` whose ABI decoded it."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    contract: str = ""

    def __str__(self) -> str:
        def fmt(value: object) -> str:
            return "0x" + bytes(value).hex() if isinstance(value, (bytes, bytearray)) else str(value)

        return f"{self.name}({', '.join(f'{k}={fmt(v)}' for k, v in self.args.items())})"


class ModelGovError(Exception):
    """Base class of every error modelgov raises on purpose.

    ``exit_code`` is what the CLI exits with when this error reaches it. ``revert`` is the
    decoded custom error when the error comes from a contract's revert (else None): its name and
    arguments stay fields, e.g. ``err.revert.name == "ModelRegistryNotAudited"`` and
    ``err.revert.args["approvals"]``.
    """

    exit_code: int = 1
    revert: CustomError | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # one line, always
        return " ".join(self.message.split())


# --- input validation -------------------------------------------------------------------------
class ValidationError(ModelGovError, ValueError):
    """Input given by a user (argument, file, option) is malformed or out of range."""

    exit_code = 2


class ConfigError(ValidationError):
    """A configuration value (environment variable, config file, option) is invalid."""


class InvalidCIDError(ValidationError):
    """A string or byte sequence is not a valid CID (or not one of a supported kind)."""


class UnknownProfileError(ValidationError):
    """A CID import profile name is not one modelgov knows."""


class ManifestError(ValidationError):
    """A manifest file is malformed or does not describe the model it is checked against."""


class ModelCardError(ValidationError):
    """A model card (README.md with YAML front matter) is malformed."""


class ProposalFileError(ValidationError):
    """A governance proposal YAML file is malformed; the message names file and field."""


class GrantFileError(ValidationError):
    """A grant milestones YAML file is malformed; the message names file and field."""


class WalletError(ValidationError):
    """A wallet / key file is missing, unreadable or malformed."""


# --- local files ------------------------------------------------------------------------------
class PathError(ModelGovError):
    """A path does not exist, is unreadable, or is of the wrong kind."""


class IntegrityError(ModelGovError):
    """Content does not match its expected hash, CID, data_root or manifest entry."""


# --- services (IPFS node, arlocal, anvil) -------------------------------------------------------
class ServiceError(ModelGovError):
    """A local service could not be started, probed or stopped."""


class NodeUnreachableError(ModelGovError):
    """A remote endpoint (Kubo RPC, Arweave gateway, RPC node) does not answer."""


class StorageError(ModelGovError):
    """An IPFS or Arweave operation was refused or failed."""


class IPFSError(StorageError):
    """The IPFS node answered with an error."""


class GatewayError(IPFSError):
    """An IPFS gateway refused a block or did not answer with its raw bytes; ``gateway``, ``cid``
    and ``status`` (the HTTP status, None when the answer was not a raw block) say which."""

    def __init__(self, message: str, *, gateway: str, cid: str, status: int | None) -> None:
        super().__init__(message)
        self.gateway = gateway
        self.cid = cid
        self.status = status


class ArweaveError(StorageError):
    """The Arweave gateway answered with an error (rejected tx or chunk, unfunded wallet...)."""


class InsecureEndpointError(ValidationError):
    """A plain-HTTP endpoint outside loopback was named without explicit permission."""


# --- chain ------------------------------------------------------------------------------------
class ChainError(ModelGovError):
    """A chain operation failed: no deployment, wrong network, transaction reverted."""


class DeploymentNotFoundError(ChainError):
    """No ``deployments/<network>.json`` (or it lacks a needed contract)."""


class TransactionRevertedError(ChainError):
    """A transaction (or a simulated one) reverted; the message carries the decoded reason."""


class NotFoundError(ChainError):
    """A model, version, proposal or grant does not exist on chain."""


class StateError(ChainError):
    """The on-chain state does not allow the operation now (e.g. voting not open)."""


class SignatureError(ChainError):
    """An EIP-712 signature is malformed, expired, or not the signer's."""


class SimulationError(ChainError):
    """A proposal simulation failed (the message says which step and why)."""


class ProposalMismatchError(ChainError):
    """A proposal on chain is not what a proposal file builds (``modelgov proposal verify``).

    ``proposal_id`` is the on-chain proposal; ``differences`` lists each difference found, one
    line each (action count, an action's target/value/calldata, the description).
    """

    def __init__(self, proposal_id: int, differences: list[str], file: str = "") -> None:
        self.proposal_id = proposal_id
        self.differences = list(differences)
        self.file = file
        first = self.differences[0] if self.differences else "differs"
        more = f" (+{len(self.differences) - 1} more)" if len(self.differences) > 1 else ""
        super().__init__(f"proposal {proposal_id} does NOT match {file or 'the file'}: {first}{more}")


class AmbiguousTokenError(ValidationError):
    """A token symbol names several tokens; ``symbol`` and their ``addresses`` are given."""

    def __init__(self, symbol: str, addresses: list[str]) -> None:
        from modelgov.textsafe import term

        self.symbol = symbol
        self.addresses = list(addresses)
        super().__init__(
            f"token symbol {term(symbol)!r} is ambiguous: {len(self.addresses)} tokens known to "
            f"the treasury have it ({', '.join(self.addresses)}); give the token's address"
        )


# --- storage where users already are: Filecoin pieces, pinning services, Arweave bundles -------
class PieceError(ValidationError):
    """A payload has no Filecoin piece CID (empty, too large) or fr32 input is misaligned.

    ``size`` is the payload size in bytes.
    """

    def __init__(self, message: str, *, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


class PinningConfigError(ConfigError):
    """A pinning service is not configured, or its token file is missing or readable by others.

    ``service`` names the service; ``path`` is the config or token file concerned (if any).
    """

    def __init__(self, message: str, *, service: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.service = service
        self.path = path


class PinningServiceError(StorageError):
    """A pinning service (IPFS Pinning Service API) refused a request or could not be reached.

    ``service`` names it, ``status`` is the HTTP status (None when unreachable), ``reason`` the
    service's error reason (``UNAUTHORIZED``, ``NOT_FOUND``...) when it gave one.
    """

    def __init__(
        self, message: str, *, service: str, status: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.service = service
        self.status = status
        self.reason = reason


class PinningAuthError(PinningServiceError):
    """The service rejected the access token (HTTP 401/403)."""


class PinningNotFoundError(PinningServiceError):
    """The service knows no pin for that CID or request id."""


class PinningRateLimitError(PinningServiceError):
    """The service kept answering 429 after every retry; ``retry_after`` is its last hint (s)."""

    def __init__(self, message: str, *, service: str, retry_after: float | None = None) -> None:
        super().__init__(message, service=service, status=429, reason="RATE_LIMITED")
        self.retry_after = retry_after


class PinningUnreachableError(PinningServiceError, NodeUnreachableError):
    """The service's endpoint did not answer (connection refused, timeout)."""


class PinningTimeoutError(PinningServiceError):
    """Pins did not reach ``pinned`` on enough services before the timeout.

    ``statuses`` maps each service to its last status; ``replicas`` is the target.
    """

    def __init__(
        self, message: str, *, service: str, statuses: dict[str, str], replicas: int
    ) -> None:
        super().__init__(message, service=service)
        self.statuses = statuses
        self.replicas = replicas


class BundleError(ArweaveError):
    """An ANS-104 bundle or data item is malformed, or its signature or id does not verify.

    ``item_id`` names the data item concerned (base64url), when known.
    """

    def __init__(self, message: str, *, item_id: str | None = None) -> None:
        super().__init__(message)
        self.item_id = item_id

# --- verifiable inference (zk) -------------------------------------------------------------------
class ZkError(ModelGovError):
    """A zk step (build, setup, prove, verify, verifier generation) failed."""


class ZkToolMissingError(ZkError):
    """EZKL (or onnx, or the solc needed to render a verifier) is not installed."""


class ZkToolCrashedError(ZkError):
    """The EZKL subprocess died (signal, non-zero exit) before reporting a result."""


class ZkModelError(ZkError):
    """A model cannot be turned into a circuit (unsupported ops, shapes, size)."""


class ZkArtifactsError(ZkError):
    """A version folder's ``zk/`` artifacts are missing, malformed or inconsistent."""


class ZkSrsError(ZkError):
    """The SRS is missing, too small, or a development SRS where one is not allowed."""


class ProofRejectedError(ZkError):
    """A proof does not verify (off chain or by the on-chain verifier)."""


class VerifierMismatchError(ZkError):
    """A deployed verifier's runtime bytecode differs from the one regenerated from the artifacts."""


# --- inference oracle -----------------------------------------------------------------------------
class OracleError(ChainError):
    """The inference oracle refused an action (wrong status, window, value or proof)."""


class OracleNodeStateError(ModelGovError):
    """An oracle node's or watchtower's state file is unreadable or belongs to another oracle."""
