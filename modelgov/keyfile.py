"""Ethereum private keys from files: a raw hex key, or an encrypted JSON keystore (Web3 Secret
Storage) whose password sits in a file. The one reader for every signer that takes
``--key-file`` / ``--password-file`` (offline attestations and votes in ``chain/signing``,
Ethereum-signed Arweave bundles in ``storage/eth_signer``). The key's bytes never reach a message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from modelgov.errors import WalletError

_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def read_password(password_file: str | Path) -> str:
    """The password in ``password_file`` (one trailing newline dropped).

    Raises:
        WalletError: the file cannot be read.
    """
    try:
        return Path(password_file).expanduser().read_text(encoding="utf-8").rstrip("\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise WalletError(f"cannot read password file {password_file}: {reason}") from None


def private_key(key_file: str | Path, password: str | None) -> bytes:
    """The 32-byte private key in ``key_file`` (raw hex, or a keystore opened with ``password``).

    Raises:
        WalletError: unreadable file, neither form, a keystore without a password, or a wrong one.
    """
    path = Path(key_file).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise WalletError(f"cannot read key file {path}: {reason}") from None
    if text.startswith("{"):
        if password is None:
            raise WalletError(f"{path} is an encrypted keystore: give --password-file")
        from eth_account import Account

        try:
            return bytes(Account.decrypt(json.loads(text), password))
        except ValueError as exc:  # wrong password (MAC mismatch), or not a keystore
            raise WalletError(f"cannot decrypt keystore {path}: {exc}") from None
    if not _HEX_KEY.match(text):
        raise WalletError(f"{path} is neither a hex private key (64 hex digits) nor a JSON keystore")
    return bytes.fromhex(text.removeprefix("0x"))


def private_key_from_files(key_file: str | Path, password_file: str | Path | None) -> bytes:
    """:func:`private_key` with the password read from ``password_file`` (if given).

    Raises:
        WalletError: see :func:`read_password` and :func:`private_key`.
    """
    return private_key(key_file, read_password(password_file) if password_file else None)
