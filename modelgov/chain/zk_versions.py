"""A registered version's folder for proving: found on chain, fetched from IPFS, checked by CID.

``modelgov zk prove --version ID`` (or ``--model NAME``: its active version) reads the version
record, then uses ``$MODELGOV_HOME/zk/versions/<cid>/``: fetched from IPFS (every block verified)
when absent, and its CID recomputed from the bytes on disk every time, so a changed cached file is
refused rather than proven.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from modelgov.errors import IntegrityError, NotFoundError
from modelgov.paths import state_dir

if TYPE_CHECKING:
    from modelgov.chain.registry import Registry, VersionRecord


def version_record(registry: Registry, *, version_id: int | None = None,
                   model: str | None = None) -> VersionRecord:
    """The record of ``version_id``, or of ``model``'s active version.

    Raises:
        NotFoundError: unknown version or model, or the model has no active version.
    """
    if version_id is not None:
        return registry.version(version_id)
    if model is None:
        raise NotFoundError("name a version id or a model")
    record = registry.active_version(registry.resolve_model(model))
    if record is None:
        raise NotFoundError(f"model {model!r} has no active version")
    return record


def cached_folder(record: VersionRecord) -> Path:
    """Where the version's files are kept for proving."""
    return state_dir() / "zk" / "versions" / record.cid


def check_folder(folder: Path, record: VersionRecord) -> None:
    """Recompute the folder's CID with the version's import profile and compare.

    Raises:
        IntegrityError: the folder's CID is not the registered one.
    """
    from modelgov.cid.dag import build_path
    from modelgov.cid.text import parse_cid

    found = build_path(folder, record.import_profile).cid
    if bytes(parse_cid(found)) != bytes(parse_cid(record.cid)):
        raise IntegrityError(f"{folder} has CID {found}, not version {record.version_id}'s {record.cid}")


def version_folder(record: VersionRecord, *, api: str | None = None, timeout: float = 60.0) -> Path:
    """The version's files on this machine, fetched from IPFS if needed, checked by CID.

    Raises:
        IntegrityError: the cached or fetched folder does not have the registered CID.
        NodeUnreachableError, IPFSError: the IPFS node cannot give the DAG.
    """
    folder = cached_folder(record)
    if not folder.exists():
        from modelgov.storage.ipfs import IPFSClient, fetch

        tmp = folder.with_name(folder.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with IPFSClient(api) as client:
            fetch(record.cid, tmp, client=client, timeout=timeout)
        tmp.rename(folder)
    check_folder(folder, record)
    return folder
