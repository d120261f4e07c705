"""EIP-712 attestations for ``ModelRegistry.attestBySig``: build, sign OFFLINE, save, load.

Nothing here talks to a node: the chain id and the registry address are inputs (the CLI takes
them from options or the deployments file). Signing works with an ``eth_account`` key (or an
encrypted keyfile) and with Ape accounts (test accounts and aliases alike).

The signed struct (``reportCid`` is ``bytes``, so EIP-712 hashes it with keccak256; the type
string is one line without spaces, wrapped here)::

    Attestation(address auditor,uint256 versionId,uint8 verdict,bytes reportCid,
                uint48 expiresAt,uint256 nonce,uint256 deadline)

``nonce`` is the auditor's sequence number on THIS version (0 for its first signature on it); the
signed value is the registry's keyed nonce ``versionId << 64 | nonce`` (OZ ``NoncesKeyed``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.chain.enums import Verdict
from modelgov.errors import SignatureError, ValidationError, WalletError

if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeAlias

    from ape.api import AccountAPI
    from eth_account.messages import SignableMessage
    from eth_account.signers.local import LocalAccount

    Signer: TypeAlias = LocalAccount | AccountAPI
    """Who signs offline: an ``eth_account`` key (:func:`load_key`) or an Ape account."""

DOMAIN_NAME = "ModelRegistry"
DOMAIN_VERSION = "1"


ATTESTATION_FIELDS = [
    {"name": "auditor", "type": "address"},
    {"name": "versionId", "type": "uint256"},
    {"name": "verdict", "type": "uint8"},
    {"name": "reportCid", "type": "bytes"},
    {"name": "expiresAt", "type": "uint48"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def verdict_code(verdict: str | int) -> int:
    """``approve``/``reject`` (or 1/2) → the contract's enum value.

    Raises:
        ValidationError: anything else.
    """
    from modelgov.chain.enums import Verdict

    return int(Verdict.parse(verdict))


@dataclass(frozen=True)
class AttestationRequest:
    """What an auditor signs. ``report_cid`` is the CID text; it is signed as its binary form."""

    chain_id: int
    registry: str
    auditor: str
    version_id: int
    verdict: int
    report_cid: str
    nonce: int
    deadline: int
    expires_at: int = 0  # 0: the attestation never expires

    def keyed_nonce(self) -> int:
        """The signed (and relayed) nonce: ``version_id << 64 | nonce``."""
        if not 0 <= self.nonce < 2**64:
            raise ValidationError(f"nonce {self.nonce} is not a per-version sequence number")
        return (self.version_id << 64) | self.nonce

    def report_cid_bytes(self) -> bytes:
        from modelgov.cid.text import cid_to_bytes

        return cid_to_bytes(self.report_cid)

    def typed_data(self) -> dict[str, Any]:
        """The full EIP-712 message (``eth_account`` ``full_message`` form)."""
        from eth_utils.address import to_checksum_address

        return {
            "types": {"EIP712Domain": DOMAIN_FIELDS, "Attestation": ATTESTATION_FIELDS},
            "primaryType": "Attestation",
            "domain": {
                "name": DOMAIN_NAME,
                "version": DOMAIN_VERSION,
                "chainId": self.chain_id,
                "verifyingContract": to_checksum_address(self.registry),
            },
            "message": {
                "auditor": to_checksum_address(self.auditor),
                "versionId": self.version_id,
                "verdict": self.verdict,
                "reportCid": self.report_cid_bytes(),
                "expiresAt": self.expires_at,
                "nonce": self.keyed_nonce(),
                "deadline": self.deadline,
            },
        }

    def signable(self) -> SignableMessage:
        from eth_account.messages import encode_typed_data

        return encode_typed_data(full_message=self.typed_data())

    def digest(self) -> bytes:
        """The 32-byte EIP-712 digest (what ``attestationDigest`` returns on chain)."""
        from eth_utils.crypto import keccak

        m = self.signable()
        return keccak(b"\x19" + m.version + m.header + m.body)


@dataclass(frozen=True)
class SignedAttestation:
    """A request plus the auditor's 65-byte signature (r ‖ s ‖ v), hex encoded."""

    request: AttestationRequest
    signature: str

    def signature_bytes(self) -> bytes:
        return bytes.fromhex(self.signature.removeprefix("0x"))

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self.request)
        doc["verdict"] = Verdict(self.request.verdict).verb
        doc["signature"] = self.signature
        doc["type"] = "modelgov/attestation-signature@1"
        return doc

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def from_json(cls, doc: object) -> SignedAttestation:
        """Raises: ValidationError: a field is missing or malformed."""
        if not isinstance(doc, dict):
            raise ValidationError("signature file must hold a JSON object")
        try:
            request = AttestationRequest(
                chain_id=int(doc["chain_id"]),
                registry=str(doc["registry"]),
                auditor=str(doc["auditor"]),
                version_id=int(doc["version_id"]),
                verdict=verdict_code(doc["verdict"]),
                report_cid=str(doc["report_cid"]),
                nonce=int(doc["nonce"]),
                deadline=int(doc["deadline"]),
                expires_at=int(doc.get("expires_at", 0)),
            )
            signature = str(doc["signature"])
            bytes.fromhex(signature.removeprefix("0x"))
        except KeyError as exc:
            raise ValidationError(f"signature file lacks {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"malformed signature file: {exc}") from None
        request.report_cid_bytes()  # InvalidCIDError early
        return cls(request=request, signature=signature)

    @classmethod
    def load(cls, path: str | Path) -> SignedAttestation:
        """Raises: ValidationError: unreadable or malformed file."""
        try:
            doc = json.loads(Path(path).read_text())
        except OSError as exc:
            raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{path} is not JSON: {exc.msg}") from None
        return cls.from_json(doc)

    def check_fresh(self, now: int | None = None) -> None:
        """Raises: SignatureError: the deadline has passed."""
        now = int(time.time()) if now is None else now
        if self.request.deadline < now:
            raise SignatureError(
                f"signature expired at {self.request.deadline} (now {now}); ask the auditor to re-sign"
            )

    def recover(self) -> str:
        """The EOA that produced the signature (meaningless for ERC-1271 wallets)."""
        from eth_account import Account

        return str(Account.recover_message(self.request.signable(), signature=self.signature_bytes()))


def sign_attestation(signer: Signer, request: AttestationRequest) -> SignedAttestation:
    """Sign ``request`` offline with ``signer``: an eth_account ``LocalAccount`` or an Ape account.

    For a contract (ERC-1271) auditor, ``request.auditor`` is the wallet and ``signer`` its owner.

    Raises:
        SignatureError: the signer declined or produced no signature.
    """
    return SignedAttestation(request=request, signature=sign_typed_data(signer, request.typed_data()))


def sign_typed_data(signer: Signer, full_message: dict[str, Any]) -> str:
    """Sign an EIP-712 message (``eth_account`` ``full_message`` form) offline with ``signer`` (an
    eth_account ``LocalAccount`` or an Ape account); returns the 65-byte r ‖ s ‖ v as ``0x…`` hex.

    Raises:
        SignatureError: the signer declined or produced no signature.
    """
    from eth_account.datastructures import SignedMessage
    from eth_account.messages import encode_typed_data

    result = signer.sign_message(encode_typed_data(full_message=full_message))
    if result is None:
        raise SignatureError("the account declined to sign")
    if isinstance(result, SignedMessage):  # eth_account LocalAccount
        raw = bytes(result.signature)
    elif hasattr(result, "encode_rsv"):  # Ape MessageSignature
        raw = bytes(result.encode_rsv())
    else:  # pragma: no cover - other account plugins
        raise SignatureError(f"unsupported signature object {type(result).__name__}")
    return "0x" + raw.hex()


def load_signer(key_file: str | Path | None, password_file: str | Path | None,
                account: str | None) -> Signer:
    """The signer of an offline signature: ``key_file`` (:func:`load_key`, with the password read
    from ``password_file``) if given, else the Ape account ``account`` (alias or ``TEST::n``).

    Raises:
        WalletError: unreadable key or password file, wrong password.
        ConfigError: unknown Ape account alias.
    """
    if key_file:
        from modelgov.keyfile import read_password

        return load_key(key_file, read_password(password_file) if password_file else None)
    from modelgov.chain.ape_env import load_account, prepare_environment

    prepare_environment()
    return load_account(account)


def load_key(path: str | Path, password: str | None) -> LocalAccount:
    """An ``eth_account`` account from a raw hex key file or an encrypted JSON keyfile.

    Raises:
        WalletError: unreadable, malformed, or wrong password.
    """
    from eth_account import Account

    from modelgov.keyfile import private_key

    try:
        account: LocalAccount = Account.from_key(private_key(path, password))  # from_key is untyped
    except Exception as exc:  # not a secp256k1 private key (e.g. zero): eth_keys raises its own types
        raise WalletError(f"cannot load key from {path}: {exc}") from None
    return account

