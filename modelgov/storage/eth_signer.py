"""Ethereum keys as ANS-104 data item signers (signature type 3, as arbundles' ``EthereumSigner``).

A DAO member signs the data items of a bundle with the same key they sign attestations and votes
with. What arbundles does, and what this module does byte for byte:

- owner: the uncompressed secp256k1 public key, 65 bytes (``0x04 || X || Y``);
- signature: ``personal_sign`` (EIP-191) of the item's 48-byte deep hash, i.e. secp256k1 ECDSA
  over ``keccak256("\\x19Ethereum Signed Message:\\n48" || deepHash)``, 65 bytes ``r || s || v``
  with ``v`` ∈ {27, 28} (ethers ``Wallet.signMessage``); RFC 6979 nonces, low ``s``;
- verification: the address recovered from the signature equals the owner's address.

Key files: a raw hex private key (``0x…`` or bare 64 hex digits, one line) or an encrypted JSON
keystore (Web3 Secret Storage, with its password in a file): the files ``modelgov attest
--key-file`` reads, through :mod:`modelgov.keyfile`. The key is never printed; ``repr`` shows
the address.

No Ape, no web3: ``eth_keys`` (and ``eth_account`` only to decrypt a keystore), imported when used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from modelgov.errors import WalletError

SIG_TYPE_ETHEREUM = 3
ETH_SIG_LENGTH = 65
ETH_OWNER_LENGTH = 65


def _personal_hash(message: bytes) -> bytes:
    from eth_hash.auto import keccak

    return bytes(keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message))


def address_of(owner: bytes) -> str:
    """The checksummed Ethereum address of a 65-byte uncompressed public key.

    Raises:
        WalletError: not a 65-byte ``0x04``-prefixed point on secp256k1.
    """
    from eth_keys.datatypes import PublicKey
    from eth_utils.exceptions import ValidationError as KeyValidationError

    if len(owner) != ETH_OWNER_LENGTH or owner[0] != 4:
        raise WalletError(f"an Ethereum item owner is a 65-byte uncompressed key, not {len(owner)} bytes")
    try:
        return str(PublicKey(owner[1:]).to_checksum_address())
    except (KeyValidationError, ValueError) as exc:
        raise WalletError(f"not a secp256k1 public key: {exc}") from None


@dataclass(frozen=True)
class EthereumItemSigner:
    """Signs ANS-104 data items with an Ethereum key (signature type 3). ``repr``: the address."""

    address: str
    owner: bytes = field(repr=False)
    _key: bytes = field(repr=False, compare=False)
    signature_type: int = field(default=SIG_TYPE_ETHEREUM, repr=False)
    signature_length: int = field(default=ETH_SIG_LENGTH, repr=False)

    @classmethod
    def from_key(cls, key: bytes) -> EthereumItemSigner:
        """A signer for a 32-byte private key.

        Raises:
            WalletError: not a valid secp256k1 private key.
        """
        from eth_keys.datatypes import PrivateKey
        from eth_utils.exceptions import ValidationError as KeyValidationError

        try:
            private = PrivateKey(key)
        except (KeyValidationError, ValueError) as exc:
            raise WalletError(f"not a secp256k1 private key: {exc}") from None
        public = private.public_key
        return cls(str(public.to_checksum_address()), b"\x04" + public.to_bytes(), bytes(key))

    @property
    def label(self) -> str:
        """Who signs, as records name it (the address)."""
        return self.address

    def sign(self, message: bytes) -> bytes:
        """``r || s || v`` (v = 27/28) of the EIP-191 personal-message hash of ``message``."""
        from eth_keys.datatypes import PrivateKey

        signature = PrivateKey(self._key).sign_msg_hash(_personal_hash(message))
        r, s, v = int(signature.r), int(signature.s), int(signature.v)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((27 + v,))


def verify_eth(owner: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (65 bytes, v = 27/28 or 0/1) is ``owner``'s personal signature of
    ``message``: the recovered address must be the owner's (what arbundles checks)."""
    from eth_keys.datatypes import Signature
    from eth_keys.exceptions import BadSignature
    from eth_utils.exceptions import ValidationError as KeyValidationError

    if len(signature) != ETH_SIG_LENGTH:
        return False
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    try:
        expected = address_of(owner)
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
        sig = Signature(vrs=(v, r, s))
        recovered = sig.recover_public_key_from_msg_hash(_personal_hash(message))
    except (WalletError, BadSignature, KeyValidationError, ValueError):
        return False
    return bool(recovered.to_checksum_address() == expected)


def load_eth_signer(key_file: str | Path, password_file: str | Path | None = None) -> EthereumItemSigner:
    """An :class:`EthereumItemSigner` from a raw hex key file or an encrypted JSON keystore
    (:func:`modelgov.keyfile.private_key_from_files`).

    Raises:
        WalletError: unreadable file, not a key, a keystore without ``password_file``, or a
            wrong password. The key's bytes are never part of a message.
    """
    from modelgov.keyfile import private_key_from_files

    return EthereumItemSigner.from_key(private_key_from_files(key_file, password_file))


__all__ = [
    "ETH_OWNER_LENGTH",
    "ETH_SIG_LENGTH",
    "SIG_TYPE_ETHEREUM",
    "EthereumItemSigner",
    "address_of",
    "load_eth_signer",
    "verify_eth",
]
