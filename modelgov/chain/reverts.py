"""Turn an Ape revert into one readable line: the one place reverts are decoded.

Custom errors are decoded against every contract of the suite (a revert inside a call the
timelock made surfaces at the governor, whose ABI doesn't know the registry's errors).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak

from modelgov.errors import TransactionRevertedError


def _error_table(contract_types: list[Any]) -> dict[bytes, Any]:
    table: dict[bytes, Any] = {}
    for ct in contract_types:
        for err in getattr(ct, "errors", []) or []:
            table[keccak(text=err.selector)[:4]] = err
    return table


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


def describe_revert(exc: BaseException, contract_types: list[Any] | None = None) -> str:
    """One line: ``ErrorName(arg=value, ...)`` or the revert string, for ``exc``."""
    from eth_abi import decode

    name = type(exc).__name__
    inputs = getattr(exc, "inputs", None)
    if inputs is not None and name not in ("ContractLogicError", "CustomError"):
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in dict(inputs).items())
        return f"{name}({args})"
    data = revert_data(exc)
    if data is not None and contract_types:
        err = _error_table(contract_types).get(data[:4])
        if err is not None:
            types = [i.canonical_type for i in err.inputs]
            try:
                values = decode(types, data[4:]) if types else ()
            except Exception:  # malformed payload: fall back to the selector
                values = None
            if values is not None:
                args = ", ".join(f"{i.name}={_fmt(v)}" for i, v in zip(err.inputs, values))
                return f"{err.name}({args})"
    message = getattr(exc, "revert_message", None) or str(exc) or name
    return " ".join(str(message).split())


def raise_reverted(exc: BaseException, action: str, contract_types: list[Any] | None = None) -> None:
    """Raise :class:`TransactionRevertedError` for ``exc`` with ``action`` as context."""
    raise TransactionRevertedError(f"{action} reverted: {describe_revert(exc, contract_types)}") from exc


def _fmt(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)
