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


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58btc(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def _fast_text(data: bytes) -> str | None:
    """Kubo's text of a sha2-256 CID without the multiformats machinery (the chain readers turn
    hundreds of CIDs to text per command); None for anything else."""
    import base64

    try:
        version, _, _, _, length = split_cid_bytes(data)
    except InvalidCIDError:
        return None
    if length != len(data):
        return None
    if version == 0:
        return _base58btc(data)
    return "b" + base64.b32encode(data).decode("ascii").rstrip("=").lower()


def cid_from_bytes(data: bytes) -> str:
    """Text form of a binary CID, printed the way Kubo prints it.

    Raises:
        InvalidCIDError: ``data`` is not a binary CID.
    """
    fast = _fast_text(bytes(data))
    if fast is not None:
        return fast
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


class Cid:
    """A CID parsed once at the boundary: it knows its text (Kubo's form) and its bytes (the
    binary CID stored on chain), so neither is recomputed on the way.

    Raises (constructors):
        InvalidCIDError: not a CID.
    """

    __slots__ = ("raw", "text")

    def __init__(self, text: str, raw: bytes) -> None:
        self.text = text
        self.raw = raw

    @classmethod
    def parse(cls, value: str | bytes | Cid) -> Cid:
        """From text (any multibase, or ``Qm…``), from binary, or a Cid as is."""
        if isinstance(value, Cid):
            return value
        if isinstance(value, (bytes, bytearray)):
            return cls(cid_from_bytes(bytes(value)), bytes(value))
        parsed = parse_cid(value)
        return cls(normalize(parsed), bytes(parsed))

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Cid({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Cid):
            return self.raw == other.raw
        if isinstance(other, str):
            return self.text == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)
