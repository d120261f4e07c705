"""The raw revert payload an Ape/web3 exception carries (decoded by
:meth:`modelgov.chain.contract.ContractHandle.decode_error`)."""

from __future__ import annotations


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data carried by an Ape/web3 exception, if any."""
    for attr in ("revert_message", "message", "data"):
        value = getattr(exc, attr, None)
        if isinstance(value, (bytes, bytearray)) and len(value) >= 4:
            return bytes(value)
        if isinstance(value, str) and value.startswith("0x") and len(value) >= 10:
            try:
                return bytes.fromhex(value[2:])
            except ValueError:
                continue
    return None
