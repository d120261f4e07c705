"""Arweave wallets (RSA JWK files): create, load, sign. Key material is never printed.

Signing is RSA-PSS over SHA-256 (salt length 32) with pycryptodome, the scheme arweave-js and
arweave-python-client use; the message of a format-2 transaction is its deep hash
(:func:`deep_hash`, SHA-384, as in arweave-js ``deepHash``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from modelgov.errors import PathError, WalletError
from modelgov.storage.arweave_merkle import b64url_decode, b64url_encode

KEY_BITS = 4096
PUBLIC_EXPONENT = 65537
_JWK_PRIVATE = ("n", "e", "d", "p", "q")

DeepHashItem: TypeAlias = bytes | Sequence["DeepHashItem"]


def deep_hash(item: DeepHashItem) -> bytes:
    """arweave-js ``deepHash``: SHA-384 over tagged blobs and lists."""
    if isinstance(item, (bytes, bytearray, memoryview)):
        data = bytes(item)
        tag = hashlib.sha384(b"blob" + str(len(data)).encode()).digest()
        return hashlib.sha384(tag + hashlib.sha384(data).digest()).digest()
    items = list(item)
    acc = hashlib.sha384(b"list" + str(len(items)).encode()).digest()
    for sub in items:
        acc = hashlib.sha384(acc + deep_hash(sub)).digest()
    return acc


def _int_to_b64(value: int) -> str:
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _b64_to_int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


@dataclass(frozen=True)
class Wallet:
    """A loaded wallet. ``repr`` shows the address only."""

    address: str
    owner: str  # base64url modulus, the transaction ``owner`` field
    _key: Any = field(repr=False, compare=False)

    def sign(self, message: bytes) -> bytes:
        from Crypto.Hash import SHA256
        from Crypto.Signature import pss

        return pss.new(self._key, salt_bytes=32).sign(SHA256.new(message))


def address_of_owner(owner: str) -> str:
    """An Arweave address: base64url(sha256(modulus))."""
    return b64url_encode(hashlib.sha256(b64url_decode(owner)).digest())


def verify(owner: str, message: bytes, signature: bytes) -> bool:
    """Check an RSA-PSS/SHA-256 signature by the key whose modulus is ``owner`` (any salt)."""
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA
    from Crypto.Signature import pss

    key = RSA.construct((_b64_to_int(owner), PUBLIC_EXPONENT))
    digest = SHA256.new(message)
    for salt in (32, 0, key.size_in_bytes() - 32 - 2):
        try:
            pss.new(key, salt_bytes=salt).verify(digest, signature)
            return True
        except (ValueError, TypeError):
            continue
    return False


def load_wallet(path: str | os.PathLike[str]) -> Wallet:
    """Load a JWK wallet file.

    Raises:
        WalletError: missing, unreadable, not JSON, or not an RSA private JWK (the message never
            contains key material).
    """
    from Crypto.PublicKey import RSA

    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise WalletError(f"wallet file {path} does not exist") from None
    except IsADirectoryError:
        raise WalletError(f"wallet {path} is a folder, not a JWK file") from None
    except (PermissionError, UnicodeDecodeError):
        raise WalletError(f"wallet file {path} is not readable") from None
    try:
        jwk = json.loads(text)
    except json.JSONDecodeError:
        raise WalletError(f"wallet file {path} is not JSON (expected an RSA JWK)") from None
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise WalletError(f"wallet file {path} is not an RSA JWK")
    missing = [k for k in _JWK_PRIVATE if not isinstance(jwk.get(k), str)]
    if missing:
        raise WalletError(f"wallet file {path} lacks private key fields: {', '.join(missing)}")
    try:
        n, e, d, p, q = (_b64_to_int(jwk[k]) for k in _JWK_PRIVATE)
        key = RSA.construct((n, e, d, p, q))
    except (ValueError, TypeError, WalletError):
        raise WalletError(f"wallet file {path} holds an invalid RSA key") from None
    return Wallet(address=address_of_owner(jwk["n"]), owner=jwk["n"], _key=key)


def new_wallet(path: str | os.PathLike[str], bits: int = KEY_BITS) -> Wallet:
    """Generate an RSA JWK wallet and write it to ``path`` with mode 0600.

    Raises:
        PathError: ``path`` exists already (never overwritten) or cannot be written.
    """
    from Crypto.PublicKey import RSA

    path = Path(path)
    if path.exists():
        raise PathError(f"{path} exists already; not overwriting a wallet")
    key = RSA.generate(bits, e=PUBLIC_EXPONENT)
    p, q = key.p, key.q
    jwk = {
        "kty": "RSA",
        "e": _int_to_b64(key.e),
        "n": _int_to_b64(key.n),
        "d": _int_to_b64(key.d),
        "p": _int_to_b64(p),
        "q": _int_to_b64(q),
        "dp": _int_to_b64(key.d % (p - 1)),
        "dq": _int_to_b64(key.d % (q - 1)),
        "qi": _int_to_b64(pow(q, -1, p)),
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PathError(f"{path} exists already; not overwriting a wallet") from None
    except OSError as exc:
        raise PathError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as f:
        json.dump(jwk, f)
    os.chmod(path, 0o600)
    return load_wallet(path)
