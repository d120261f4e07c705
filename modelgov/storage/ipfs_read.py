"""Read one small file of a UnixFS folder from an IPFS node, block by block, every block checked
against its CID before it is decoded (``block/get``: nothing is trusted to the node).

Used for what tooling reads out of a version's folder without fetching the weights: the model
card (``README.md``) that names the base model.
"""

from __future__ import annotations

from modelgov.cid.car import verify_block
from modelgov.cid.text import Cid, cid_from_bytes
from modelgov.errors import ValidationError
from modelgov.storage.ipfs import IPFSClient


class NodeBlocks:
    """Blocks fetched from a node's RPC API and verified (a :class:`~modelgov.cid.unpack.BlockSource`)."""

    def __init__(self, client: IPFSClient, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self.fetched = 0  # bytes fetched

    def get(self, cid: bytes) -> bytes:
        """Raises: NodeUnreachableError, IPFSError (the node lacks it), IntegrityError (wrong bytes)."""
        data = self.client.block_get(cid_from_bytes(cid), timeout=self.timeout)
        verify_block(cid, data)
        self.fetched += len(data)
        return data


def read_folder_file(client: IPFSClient, root: str | Cid, name: str, *, max_bytes: int = 1 << 20,
                     timeout: float = 5.0) -> bytes | None:
    """The bytes of file ``name`` at the top of the folder ``root``; None when ``root`` is not a
    folder or has no such entry.

    Raises:
        InvalidCIDError: ``root`` is malformed.
        NodeUnreachableError: the node does not answer.
        IPFSError: the node lacks a block within ``timeout`` seconds.
        IntegrityError: a block does not match its CID or is not valid UnixFS.
        ValidationError: the file is larger than ``max_bytes``.
    """
    from modelgov.cid.unpack import directory_entry, file_pieces

    blocks = NodeBlocks(client, timeout)
    entry = directory_entry(blocks, Cid.parse(root).raw, name)
    if entry is None:
        return None
    out = bytearray()
    for piece in file_pieces(blocks, entry):
        out += piece
        if len(out) > max_bytes:
            raise ValidationError(f"{name} in {Cid.parse(root).text} is larger than {max_bytes} bytes")
    return bytes(out)
