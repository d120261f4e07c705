"""A model's lineage: the tree of its versions (parent links, dataset CIDs from the chain) and the
base model each version's card names (``base_model`` in the ``README.md`` of the version's
folder, read from IPFS block by block, each block checked against the version's CID).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelgov.errors import IntegrityError, IPFSError, ModelGovError, NodeUnreachableError

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.registry import VersionRecord
    from modelgov.storage.ipfs import IPFSClient

#: The card a version's folder carries (Hugging Face's model card file).
CARD_NAME = "README.md"


@dataclass(frozen=True)
class CardInfo:
    """What the card of one version says about its origin.

    ``status``: ``read`` (``base_models`` holds what the card names, possibly nothing),
    ``no card`` (the folder has no README.md, or the CID is a single file), ``not read`` (cards
    were not asked for, or the node is unreachable), or a one-line reason the card could not be
    used (a missing block, bytes that don't match the CID, invalid front matter).
    """

    status: str
    base_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class LineageEntry:
    """One version in tree order: its depth under its root, its record, and its card's base model."""

    depth: int
    version: VersionRecord
    card: CardInfo

    def to_json(self) -> dict[str, Any]:
        return {"depth": self.depth, **self.version.to_json(), "card": self.card.status,
                "base_models": list(self.card.base_models)}


def read_card(ipfs: IPFSClient, cid: str, *, timeout: float = 5.0) -> CardInfo:
    """The base model(s) the card in ``cid``'s folder names.

    Raises:
        NodeUnreachableError: the node does not answer (every other failure is a status).
    """
    from modelgov.modelcard import base_models, split_front_matter
    from modelgov.storage.ipfs_read import read_folder_file

    try:
        data = read_folder_file(ipfs, cid, CARD_NAME, timeout=timeout)
    except NodeUnreachableError:
        raise
    except IPFSError:
        return CardInfo("not on the node")
    except IntegrityError as exc:
        return CardInfo(f"refused: {exc}")
    except ModelGovError as exc:
        return CardInfo(f"unreadable: {exc}")
    if data is None:
        return CardInfo("no card")
    try:
        meta, _ = split_front_matter(data.decode("utf-8", errors="replace"), f"{cid}/{CARD_NAME}")
    except ModelGovError:
        return CardInfo("card without valid front matter")
    bases = base_models(meta)
    if bases is None:
        return CardInfo("card names an invalid base_model")
    return CardInfo("read", tuple(bases))


def lineage(gov: ModelGov, model: str | int, *, cards: bool = True,
            timeout: float = 5.0) -> list[LineageEntry]:
    """Every version of ``model`` in tree order (see :meth:`Registry.lineage`), each with the base
    model its card names when ``cards`` (an unreachable node leaves the rest ``not read``).

    Raises:
        NotFoundError: no such model.
    """
    tree = gov.registry.lineage(model)
    out: list[LineageEntry] = []
    reachable = cards
    for depth, record in tree:
        card = CardInfo("not read")
        if reachable and not record.invalid:
            try:
                card = read_card(gov.ipfs, record.cid, timeout=timeout)
            except NodeUnreachableError:
                reachable = False
                card = CardInfo("not read: the IPFS node is unreachable")
        out.append(LineageEntry(depth, record, card))
    return out
