"""The one transaction pipeline of the contract wrappers: simulate, then send, then decode.

A write is first run as ``eth_call`` on the pending block from the sender; only a call that
passes is sent, so a bad input never costs a transaction. A revert, in the simulation or the
send, becomes the wrapper's own modelgov error through ``on_revert`` (each contract decodes its
custom errors into its messages: :func:`modelgov.chain.registry.error_for`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelgov.errors import ChainError, ModelGovError

OnRevert = Callable[[BaseException], ModelGovError]


def simulate(contract: Any, fn: str, args: tuple[Any, ...], *, sender: Any, action: str,
             on_revert: OnRevert, value: int = 0) -> None:
    """``eth_call`` of ``contract.fn(*args)`` from ``sender`` (None: no sender) on the pending block.

    Raises:
        ModelGovError: what ``on_revert`` makes of the revert.
        ChainError: the node failed the call.
    """
    from ape import chain
    from web3.exceptions import ContractLogicError as Web3LogicError

    data = bytes(getattr(contract, fn).encode_input(*args))
    call: dict[str, Any] = {"to": str(contract.address), "data": "0x" + data.hex()}
    if value:
        call["value"] = int(value)
    if sender is not None:
        call["from"] = str(sender.address)
    try:
        chain.provider.web3.eth.call(call, "pending")
    except Web3LogicError as exc:
        raise on_revert(exc) from None
    except Exception as exc:  # node errors
        raise ChainError(f"{action}: simulation failed: {' '.join(str(exc).split())[:200]}") from None


def transact(contract: Any, fn: str, args: tuple[Any, ...], *, sender: Any, action: str,
             on_revert: OnRevert, value: int = 0) -> Any:
    """Simulate ``contract.fn(*args)`` from ``sender``; send it only if the simulation passes.

    Returns:
        The Ape receipt.

    Raises:
        ModelGovError: what ``on_revert`` makes of a revert.
        ChainError: the node failed the simulation.
    """
    from ape.exceptions import ApeException

    simulate(contract, fn, args, sender=sender, action=action, on_revert=on_revert, value=value)
    extra = {"value": int(value)} if value else {}
    try:
        return getattr(contract, fn)(*args, sender=sender, **extra)
    except ApeException as exc:
        raise on_revert(exc) from None
