"""CID text <-> bytes: the one place modelgov parses and prints CIDs (via ``multiformats``).

Printing follows Kubo: CIDv0 as base58btc (``Qm…``), CIDv1 as base32 lower case (``b…``).
Parsing accepts any multibase the ``multiformats`` library knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelgov.errors import InvalidCIDError

if TYPE_CHECKING:  # pragma: no cover
    from multiformats import CID

#: multicodec codes modelgov builds and reads
DAG_PB = 0x70
RAW = 0x55
SHA2_256 = 0x12


def parse_cid(text: str) -> CID:
    """Parse a CID in any multibase (or a CIDv0 ``Qm…``).

    Raises:
        InvalidCIDError: ``text`` is not a CID.
    """
    from multiformats import CID

    if not isinstance(text, str) or not text.strip():
        raise InvalidCIDError(f"malformed CID {text!r}: empty")
    try:
        return CID.decode(text.strip())
    except Exception as exc:  # multiformats raises several unrelated types
        raise InvalidCIDError(f"malformed CID {text!r}: {exc}") from None


def cid_to_bytes(text: str) -> bytes:
    """Binary form of a CID given as text (CIDv0: the bare multihash, as on the wire).

    Raises:
        InvalidCIDError: ``text`` is not a CID.
    """
    return bytes(parse_cid(text))


def cid_from_bytes(data: bytes) -> str:
    """Text form of a binary CID, printed the way Kubo prints it.

    Raises:
        InvalidCIDError: ``data`` is not a binary CID.
    """
    from multiformats import CID

    try:
        cid = CID.decode(bytes(data))
    except Exception as exc:
        raise InvalidCIDError(f"malformed binary CID {bytes(data).hex()}: {exc}") from None
    return normalize(cid)


def normalize(cid: CID | str) -> str:
    """Kubo's text form of ``cid`` (base58btc for v0, base32 for v1).

    Raises:
        InvalidCIDError: ``cid`` is a string that is not a CID.
    """
    if isinstance(cid, str):
        cid = parse_cid(cid)
    if cid.version == 0:
        return str(cid.encode(None))
    return str(cid.encode("base32"))


def cid_bytes_for(version: int, codec: int, digest: bytes) -> bytes:
    """Binary CID of a sha2-256 ``digest`` (no library call: this is on the hot path)."""
    if version == 0:
        return b"\x12\x20" + digest
    return bytes((1, codec, SHA2_256, 32)) + digest


def split_cid_bytes(data: bytes) -> tuple[int, int, int, bytes, int]:
    """Decode the prefix of a binary CID at the start of ``data``.

    Returns:
        (version, codec, hash code, digest, length in bytes).

    Raises:
        InvalidCIDError: not a CID modelgov can verify (only sha2-256 is supported).
    """
    if len(data) >= 34 and data[0] == 0x12 and data[1] == 0x20:
        return 0, DAG_PB, SHA2_256, bytes(data[2:34]), 34
    try:
        pos = 0
        version, pos = _uvarint(data, pos)
        codec, pos = _uvarint(data, pos)
        code, pos = _uvarint(data, pos)
        length, pos = _uvarint(data, pos)
    except IndexError:
        raise InvalidCIDError("truncated binary CID") from None
    if version != 1:
        raise InvalidCIDError(f"unsupported CID version {version}")
    if code != SHA2_256 or length != 32:
        raise InvalidCIDError(f"unsupported multihash 0x{code:x} (only sha2-256 is verified)")
    digest = bytes(data[pos : pos + length])
    if len(digest) != length:
        raise InvalidCIDError("truncated binary CID")
    return version, codec, code, digest, pos + length


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise InvalidCIDError("varint too long")
