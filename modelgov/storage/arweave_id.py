"""An Arweave transaction id, parsed once at the boundary: it knows its text (43 base64url
characters) and its 32 bytes (what the registry stores as ``bytes32``)."""

from __future__ import annotations

from modelgov.errors import ValidationError


class ArweaveId:
    """A 32-byte Arweave transaction id.

    Raises (constructors):
        ValidationError: not 43 base64url characters (or ``0x`` + 64 hex), or not 32 bytes.
    """

    __slots__ = ("raw", "text")

    def __init__(self, text: str, raw: bytes) -> None:
        self.text = text
        self.raw = raw

    @classmethod
    def parse(cls, value: str | bytes | ArweaveId) -> ArweaveId:
        """From its text, ``0x`` hex, 32 raw bytes, or an ArweaveId as is."""
        from modelgov.storage.arweave_merkle import b64url_decode, b64url_encode

        if isinstance(value, ArweaveId):
            return value
        if isinstance(value, (bytes, bytearray)):
            if len(value) != 32:
                raise ValidationError(f"an Arweave transaction id is 32 bytes, not {len(value)}")
            return cls(b64url_encode(bytes(value)), bytes(value))
        text = str(value).strip()
        if text.startswith("0x") and len(text) == 66:
            try:
                return cls.parse(bytes.fromhex(text[2:]))
            except ValueError:
                pass
        if len(text) == 43:
            try:
                data = b64url_decode(text)
            except ValidationError:
                data = b""
            if len(data) == 32:
                return cls(text, data)
        raise ValidationError(f"malformed Arweave transaction id {value!r}: want 43 base64url characters")

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"ArweaveId({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ArweaveId):
            return self.raw == other.raw
        if isinstance(other, str):
            return self.text == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.text)
