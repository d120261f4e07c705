"""What contract reads return, typed: :data:`AbiValue`, and the narrowing helpers the wrappers
use on it (a light module: no eth_abi import, so wrappers can import it at load time)."""

from __future__ import annotations

from typing import TypeAlias

from modelgov.errors import ChainError

#: A value as :meth:`~modelgov.chain.contract.ContractHandle.call` returns it (eth_abi's
#: decoding): ``int`` (uintN/intN), ``bool``, ``str`` (string; an address as its EIP-55 text),
#: ``bytes`` (bytesN, bytes, a string that is not UTF-8), a tuple (several outputs, a struct) or
#: a list (an array) of these.
AbiValue: TypeAlias = "int | bool | str | bytes | tuple[AbiValue, ...] | list[AbiValue]"


def abi_int(value: AbiValue) -> int:
    """A uintN/intN/bool output of :meth:`~modelgov.chain.contract.ContractHandle.call` as an int.

    Raises:
        ChainError: ``value`` is a tuple or list (the ABI declares another output).
    """
    if isinstance(value, (tuple, list)):
        raise ChainError(f"expected a number from the contract, got {type(value).__name__}")
    return int(value)


def abi_tuple(value: AbiValue) -> tuple[AbiValue, ...]:
    """A struct or several outputs of :meth:`~modelgov.chain.contract.ContractHandle.call`, as a
    tuple.

    Raises:
        ChainError: ``value`` is not a tuple (the ABI declares a single output).
    """
    if not isinstance(value, tuple):
        raise ChainError(f"expected a tuple from the contract, got {type(value).__name__}")
    return value
