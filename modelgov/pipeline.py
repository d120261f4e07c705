"""One read per model folder: the manifest's digests, the UnixFS DAG (and its CAR) and the
Arweave chunk hashes of every file, from the same bytes; and the digest cache later commands
reuse while a file provably has not changed.

:func:`prepare` reads every file once (on every core, :mod:`modelgov.threads`): each task's
bytes give the UnixFS leaves and the Arweave chunk hashes on the thread that read them, and the
file's sha256 on this thread; the CAR is written from the same blocks. Three sha256 passes'
worth of bytes, one read, less hashing with raw leaves: the first Arweave chunk of every full
leaf is hashed once, for both (the leaf hash's midstate at 256 KiB, finalised: see
:attr:`modelgov.cid.dag.FileHook.head_bytes`), so 2.75 passes with 1 MiB leaves (the default
profile), 2 with 256 KiB ones. On 2 cores the CAR's writes (kernel time, ~1/3 of a hashlib
pass per byte) come on top.

:class:`DigestCache` records, beside each file's digests, the file's size, ``st_mtime_ns``,
inode and device, as git's index does. A digest is reused only while all four are unchanged;
an entry recorded less than :data:`RACY_NS` after the file's mtime is not trusted (a write in
the same timestamp tick could leave all four unchanged: git's "racily clean" rule), so such a
file is hashed again (and recorded again, trusted once the tick is old). Commands that verify
(``manifest verify``, fetches) never use it.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.cid.dag import BuildOptions, BuildResult, FileEntry, build_path
from modelgov.cid.profiles import Profile, get_profile
from modelgov.errors import PathError

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.storage.arweave_merkle import ChunkTree

#: an entry recorded within this many ns after the file's mtime is not trusted (racily clean)
RACY_NS = 2_000_000_000
#: the cache file's schema
SCHEMA = "modelgov/digest-cache/v1"


class DigestCache:
    """Digests of files already read, keyed by resolved path (a :class:`modelgov.cid.dag.FileCache`).

    Stored as JSON at ``path`` (default ``$MODELGOV_HOME/digest-cache.json``); :meth:`save`
    writes it atomically. A missing or unreadable cache file is an empty cache. With
    ``reuse=False`` nothing is looked up (every file is hashed) but what is read is recorded.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, reuse: bool = True) -> None:
        self.reuse = reuse
        if path is None:
            from modelgov.paths import state_dir

            path = state_dir() / "digest-cache.json"
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = {}
        self.hits = 0
        self.misses = 0
        self._dirty = False
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("schema") == SCHEMA and isinstance(doc.get("files"), dict):
                self.entries = doc["files"]
        except (OSError, ValueError):
            pass

    @staticmethod
    def _state(st: os.stat_result) -> list[int]:
        return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]

    def _unchanged(self, path: Path) -> tuple[dict[str, Any], os.stat_result] | None:
        """The entry recorded for ``path`` and its stat, if ``path`` provably has not changed
        since (same size, mtime, inode and device, recorded after the racy window); else None."""
        if not self.reuse:
            return None
        entry = self.entries.get(str(Path(path).resolve()))
        try:
            st = os.stat(path)
        except OSError:
            return None
        if entry is None or entry.get("state") != self._state(st) \
                or entry.get("at", 0) - st.st_mtime_ns < RACY_NS:
            self.misses += 1
            return None
        return entry, st

    @staticmethod
    def _tree(size: int, encoded: str) -> ChunkTree:
        from modelgov.storage.arweave_merkle import ChunkTree, chunk_ranges

        raw = base64.b64decode(encoded)
        return ChunkTree(size, chunk_ranges(size), [raw[i : i + 32] for i in range(0, len(raw), 32)])

    def lookup(self, path: Path, prof: Profile, need_sha256: bool, need_extra: bool) -> FileEntry | None:
        """The digests recorded for ``path`` if it provably has not changed, else None.

        ``need_extra``: the Arweave chunk tree is wanted too (``FileEntry.extra``).
        """
        found = self._unchanged(path)
        if found is None:
            return None
        entry, st = found
        if not (prof.name in entry.get("unixfs", {})
                and (entry.get("sha256") or not need_sha256)
                and (entry.get("arweave") is not None or not need_extra)):
            self.misses += 1
            return None
        cid_hex, tsize = entry["unixfs"][prof.name]
        extra = self._tree(st.st_size, entry["arweave"]) if need_extra else None
        self.hits += 1
        return FileEntry("", st.st_size, bytes.fromhex(cid_hex), entry.get("sha256"), tsize, extra)

    def record(self, path: Path, st: os.stat_result, prof: Profile, entry: FileEntry) -> None:
        """Remember ``entry``'s digests as those of ``path`` in state ``st`` (kept with the
        digests of other profiles while the state is the same)."""
        from modelgov.storage.arweave_merkle import ChunkTree

        key = str(Path(path).resolve())
        state = self._state(st)
        old = self.entries.get(key)
        new: dict[str, Any] = (
            old if old is not None and old.get("state") == state else {"state": state, "unixfs": {}}
        )
        new["at"] = time.time_ns()
        new["unixfs"][prof.name] = [entry.cid.hex(), entry.tsize]
        if entry.sha256:
            new["sha256"] = entry.sha256
        if isinstance(entry.extra, ChunkTree):
            new["arweave"] = base64.b64encode(entry.extra.chunk_hashes()).decode("ascii")
        self.entries[key] = new
        self._dirty = True

    def arweave_tree(self, path: Path) -> ChunkTree | None:
        """The Arweave :class:`~modelgov.storage.arweave_merkle.ChunkTree` recorded for ``path``
        if it provably has not changed (whatever the UnixFS profile), else None."""
        found = self._unchanged(path)
        if found is None:
            return None
        entry, st = found
        if entry.get("arweave") is None:
            self.misses += 1
            return None
        self.hits += 1
        return self._tree(st.st_size, entry["arweave"])

    def save(self) -> None:
        """Write the cache (atomically) if it changed.

        Raises:
            PathError: the cache file cannot be written.
        """
        if not self._dirty:
            return
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"schema": SCHEMA, "files": self.entries}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise PathError(f"{self.path}: cannot write the digest cache: {exc.strerror or exc}") from None
        self._dirty = False


@dataclass(frozen=True)
class Prepared:
    """What one read of a model folder gives.

    Attributes:
        manifest: the manifest (as :func:`modelgov.manifest.build` makes it).
        build: the UnixFS build (root, files with sha256 and Arweave trees in ``extra``).
        car: where the CARv1 was written (None when not asked).
    """

    manifest: dict[str, Any]
    build: BuildResult
    car: Path | None

    def arweave_trees(self) -> dict[str, Any]:
        """Each file's Arweave :class:`~modelgov.storage.arweave_merkle.ChunkTree` (data_root,
        proofs), by manifest path."""
        return {f.path: f.extra for f in self.build.files}


def prepare(
    path: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    car: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
    cache: DigestCache | None = None,
) -> Prepared:
    """Read ``path`` (a model folder or file) once: manifest, UnixFS DAG (CAR at ``car``),
    each file's Arweave chunk tree.

    With ``cache``, files that provably have not changed are not read when no CAR is asked
    (their digests come from the cache); every file read is recorded and the cache saved.

    Raises:
        PathError: missing/unreadable path, symlinks inside it, ``car`` cannot be written.
        UnknownProfileError: unknown profile.
        ValidationError: the profile's chunk size is not a multiple of 256 KiB (Arweave chunks
            must fall inside UnixFS chunks), or ``threads`` is out of range.
        ConfigError: ``$MODELGOV_THREADS`` is invalid.
        ManifestError: a ``.safetensors`` file whose header cannot be read.
    """
    from modelgov import manifest as mf
    from modelgov.errors import ValidationError
    from modelgov.storage.arweave_merkle import MAX_CHUNK_SIZE, ChunkHashHook

    prof = get_profile(profile)
    if prof.chunk_size % MAX_CHUNK_SIZE:
        raise ValidationError(
            f"profile {prof.name}: chunk size {prof.chunk_size} is not a multiple of 256 KiB"
        )
    options: BuildOptions = {"with_sha256": True, "file_hook": ChunkHashHook, "cache": cache}
    target = Path(car) if car is not None else None
    if target is None:
        result = build_path(path, prof, on_bytes=on_bytes, threads=threads, **options)
    else:
        from modelgov.cid.car import write_car

        result = write_car(path, target, prof, on_bytes=on_bytes, threads=threads, **options)
    if cache is not None:
        cache.save()
    return Prepared(mf.from_build(path, prof, result), result, target)


__all__ = ["RACY_NS", "DigestCache", "Prepared", "prepare"]
