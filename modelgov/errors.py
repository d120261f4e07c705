"""Every exception modelgov raises: one base, :class:`ModelGovError`, and clear subclasses.

This is the only module that defines exceptions. Library code raises these; the CLI turns any
:class:`ModelGovError` into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations


class ModelGovError(Exception):
    """Base class of every error modelgov raises on purpose.

    ``exit_code`` is what the CLI exits with when this error reaches it.
    """

    exit_code: int = 1

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
