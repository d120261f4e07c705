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
