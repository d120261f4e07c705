"""The demo's step log: who did what, with which transaction and how much gas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ape.api import ReceiptAPI

    from modelgov.chain.tx import TxResult


@dataclass(frozen=True)
class Step:
    """One thing an actor did (``tx``/``gas`` empty for off-chain work)."""

    number: int
    actor: str
    action: str
    tx: str = ""
    gas: int = 0
    detail: str = ""


@dataclass
class StepLog:
    """Collects steps and tells ``on_step`` about each as it happens."""

    on_step: Callable[[Step], None] | None = None
    steps: list[Step] = field(default_factory=list)

    def add(self, actor: str, action: str, receipt: ReceiptAPI | TxResult[Any] | None = None,
            detail: str = "") -> Step:
        """One step; ``receipt``: an Ape receipt or a :class:`~modelgov.chain.tx.TxResult`."""
        from modelgov.chain.tx import TxResult

        if isinstance(receipt, TxResult):
            tx, gas = str(receipt.tx_hash), int(receipt.gas_used)
        elif receipt is not None:
            tx, gas = str(receipt.txn_hash), int(receipt.gas_used)
        else:
            tx, gas = "", 0
        step = Step(number=len(self.steps) + 1, actor=actor, action=action, tx=tx, gas=gas,
                    detail=detail)
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step

    @property
    def total_gas(self) -> int:
        return sum(s.gas for s in self.steps)

    def as_list(self) -> list[dict[str, Any]]:
        return [asdict(s) for s in self.steps]
