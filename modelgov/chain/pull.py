"""Pull a model by name: resolve its active (or aliased, or given) version on chain, fetch its
CID from IPFS verifying every block, and check the files against the manifest digest the
registry holds (the manifest is rebuilt from the fetched files: it depends on their content
only). Hugging Face's ``snapshot_download(repo_id, revision=...)``, with the DAO as the source
of truth for which bytes are "the model"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.errors import IntegrityError, NotFoundError, StateError

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.registry import VersionRecord
    from modelgov.storage.ipfs import IPFSClient


@dataclass(frozen=True)
class PullResult:
    """What :func:`pull` fetched and checked."""

    model_id: int
    version_id: int
    cid: str
    path: str
    files: int
    bytes: int
    blocks: int
    manifest_digest: str
    chosen_by: str  # "active", "alias <name>" or "version"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def resolve(gov: ModelGov, model: str | int, *, alias: str | None = None,
            version: int | None = None) -> tuple[VersionRecord, str]:
    """The version to pull: ``version``, else ``alias``'s, else the active one.

    Raises:
        NotFoundError: unknown model, alias, or no active version.
        StateError: ``version`` belongs to another model.
    """
    registry = gov.registry
    mid = registry.resolve_model(model)
    if version is not None:
        record = registry.version(version)
        if record.model_id != mid:
            raise StateError(f"version {version} is a version of model #{record.model_id}, not #{mid}")
        return record, "version"
    if alias is not None:
        vid = registry.alias_of(mid, alias)
        if vid is None:
            raise NotFoundError(f"model #{mid} has no alias {alias!r} (or its version is suspended)")
        return registry.version(vid), f"alias {alias}"
    active = registry.active_version(mid)
    if active is None:
        raise NotFoundError(f"model #{mid} has no active version")
    return active, "active"


def pull(gov: ModelGov, model: str | int, out: str | Path, *, alias: str | None = None,
         version: int | None = None, threads: int | None = None,
         ipfs: IPFSClient | None = None, on_bytes: Callable[[int], None] | None = None) -> PullResult:
    """Fetch the chosen version of ``model`` into ``out`` (which must not exist) and verify it,
    through ``ipfs`` (default: the client's node); ``on_bytes`` hears the download's progress.

    Raises:
        NotFoundError, StateError: see :func:`resolve`.
        NodeUnreachableError, IPFSError: the IPFS node.
        IntegrityError: a block does not match its CID, or the files do not give the manifest
            digest recorded on chain.
        PathError: ``out`` exists.
    """
    from modelgov import manifest
    from modelgov.storage.ipfs import fetch

    record, chosen_by = resolve(gov, model, alias=alias, version=version)
    fetched = fetch(record.cid, out, client=ipfs or gov.ipfs, threads=threads, on_bytes=on_bytes)
    profile = record.import_profile or None
    rebuilt = manifest.build(fetched.path, profile, threads=threads)
    if manifest.digest(rebuilt) != record.manifest_digest:
        # manifests may carry the optional Filecoin piece entry: the same files, one more field
        with_piece = manifest.build(fetched.path, profile, piece=True, threads=threads)
        if manifest.digest(with_piece) != record.manifest_digest:
            raise IntegrityError(
                f"version {record.version_id}: the fetched files give manifest digest "
                f"{manifest.digest(rebuilt)}, the registry holds {record.manifest_digest}")
    return PullResult(record.model_id, record.version_id, record.cid, str(fetched.path), fetched.files,
                      fetched.bytes, fetched.blocks, record.manifest_digest, chosen_by)
