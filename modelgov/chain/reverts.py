"""Turn an Ape revert into one readable line: the one place reverts are decoded.

Custom errors are decoded against every contract of the suite (a revert inside a call the
timelock made surfaces at the governor, whose ABI doesn't know the registry's errors).
"""

from __future__ import annotations

from typing import Any

from eth_utils import keccak


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


def decode_custom_error(
    exc: BaseException, contract_types: list[Any] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """``(error name, {argument: value})`` of the custom error ``exc`` carries, or None.

    Ape's own decoded errors are taken as they are; otherwise the raw revert data is matched
    against the errors of ``contract_types``. A payload that does not decode gives the name
    with no arguments.
    """
    from eth_abi import decode

    name = type(exc).__name__
    inputs = getattr(exc, "inputs", None)
    if isinstance(inputs, dict) and name not in ("ContractLogicError", "CustomError"):
        return name, dict(inputs)
    data = revert_data(exc)
    if data is None or not contract_types:
        return None
    err = _error_table(contract_types).get(data[:4])
    if err is None:
        return None
    try:
        values = decode([i.canonical_type for i in err.inputs], data[4:]) if err.inputs else ()
    except Exception:  # malformed payload: the name alone
        return err.name, {}
    return err.name, {i.name: v for i, v in zip(err.inputs, values)}


def describe_revert(exc: BaseException, contract_types: list[Any] | None = None) -> str:
    """One line: ``ErrorName(arg=value, ...)`` or the revert string, for ``exc``."""
    decoded = decode_custom_error(exc, contract_types)
    if decoded is not None:
        name, args = decoded
        return f"{name}({', '.join(f'{k}={_fmt(v)}' for k, v in args.items())})"
    message = getattr(exc, "revert_message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())


def _fmt(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)
