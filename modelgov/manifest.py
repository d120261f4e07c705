"""Model folder -> manifest: every file's path, size, sha256 and CID, the root CID and its
profile, and the facts of each ``.safetensors`` header (dtype, shapes, parameter count).

The manifest is stored as canonical JSON (RFC 8785, via ``rfc8785``); the sha256 of those
bytes is the *manifest digest* the registry stores as a bytes32. The file written by
:func:`write_manifest` is exactly the canonical bytes, so ``sha256sum manifest.json`` gives the
digest too.

Each file is read once: its sha256 and its UnixFS DAG are computed from the same chunks.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelgov.cid.dag import BuildResult, build_path
from modelgov.cid.profiles import Profile, get_profile
from modelgov.cid.text import cid_from_bytes, normalize
from modelgov.errors import IntegrityError, InvalidCIDError, ManifestError, PathError, UnknownProfileError

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.pipeline import DigestCache

SCHEMA = "modelgov/manifest/v1"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _safetensors_facts(path: Path) -> dict[str, Any]:
    """dtype per tensor, shapes, parameter count, dtype totals and metadata of a header.

    Raises:
        ManifestError: the file is not a readable safetensors file.
    """
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            tensors: dict[str, Any] = {}
            params = 0
            by_dtype: dict[str, int] = {}
            for name in f.keys():  # noqa: SIM118 - safe_open is not a mapping
                piece = f.get_slice(name)
                shape = [int(d) for d in piece.get_shape()]
                dtype = str(piece.get_dtype())
                count = math.prod(shape)
                tensors[name] = {"dtype": dtype, "shape": shape}
                params += count
                by_dtype[dtype] = by_dtype.get(dtype, 0) + count
            metadata = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types and OSError
        raise ManifestError(f"{path}: not a valid safetensors file ({exc})") from None
    return {"parameters": params, "dtypes": by_dtype, "tensors": tensors, "metadata": dict(metadata)}


def build(
    path: str | os.PathLike[str],
    profile: str | Profile | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
    piece: bool = False,
    threads: int | None = None,
    cache: DigestCache | None = None,
) -> dict[str, Any]:
    """The manifest of a model folder (or a single file).

    ``cache``: a :class:`modelgov.pipeline.DigestCache`: files whose size, mtime and inode are
    those recorded are not read again (their sha256 and CID come from it).

    With ``piece=True`` the root also carries ``piece``: the Filecoin piece CID of the folder's
    CARv1 (``cid`` v1 baga…, ``cid_v2`` FRC-0069, ``padded_size``, ``car_size``), at the cost of a
    second pass over the bytes (``on_bytes`` hears both passes). The field is optional: manifests
    built without it (all earlier ones) keep their bytes and digest. ``threads`` hash the UnixFS
    leaves (None: every core; see :func:`modelgov.threads.resolve_threads`); the manifest is the
    same at every count.

    Raises:
        PathError: missing/unreadable path, symlinks inside it.
        UnknownProfileError: unknown profile.
        ManifestError: a ``.safetensors`` file whose header cannot be read.
        ValidationError, ConfigError: ``threads`` (or ``$MODELGOV_THREADS``) is out of range.
    """
    prof = get_profile(profile)
    result = build_path(path, prof, with_sha256=True, on_bytes=on_bytes, threads=threads, cache=cache)
    piece_entry = _piece_entry(path, prof, result.root.cid, threads, on_bytes) if piece else None
    return from_build(path, prof, result, piece_entry)


def from_build(path: str | os.PathLike[str], prof: Profile, result: BuildResult,
               piece_entry: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest of ``path`` from its :class:`~modelgov.cid.dag.BuildResult` (built with
    sha256), adding the safetensors header facts.

    Raises:
        ManifestError: a ``.safetensors`` file whose header cannot be read.
    """
    base = Path(path)
    files = []
    for entry in sorted(result.files, key=lambda e: e.path.encode()):
        item: dict[str, Any] = {
            "path": entry.path,
            "size": entry.size,
            "sha256": entry.sha256,
            "cid": cid_from_bytes(entry.cid),
        }
        if entry.path.endswith(".safetensors"):
            item["safetensors"] = _safetensors_facts(base / entry.path if result.is_dir else base)
        files.append(item)
    root: dict[str, Any] = {
        "cid": result.cid, "profile": prof.name, "kind": "directory" if result.is_dir else "file",
    }
    if piece_entry is not None:
        root["piece"] = piece_entry
    return {
        "schema": SCHEMA,
        "root": root,
        "total_size": sum(f["size"] for f in files),
        "parameters": sum(f.get("safetensors", {}).get("parameters", 0) for f in files),
        "files": files,
    }


def _piece_entry(path: str | os.PathLike[str], prof: Profile, root_cid: bytes,
                 threads: int | None = None, on_bytes: Callable[[int], None] | None = None) -> dict[str, Any]:
    """``root.piece``: the piece of the CARv1 of ``path`` (streamed, never written); ``on_bytes``
    is told about the file bytes of this second pass."""
    from modelgov.cid.car import iter_car
    from modelgov.storage.filecoin import piece_of_chunks

    info = piece_of_chunks(iter_car(path, prof, root_cid, threads=threads, on_bytes=on_bytes), threads)
    return {"cid": info.cid_v1, "cid_v2": info.cid_v2, "padded_size": info.padded_size,
            "car_size": info.payload_size}


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of ``manifest``.

    Raises:
        ManifestError: it holds values JSON cannot canonicalise (e.g. floats NaN, big ints).
    """
    import rfc8785

    try:
        return rfc8785.dumps(manifest)
    except Exception as exc:
        raise ManifestError(f"manifest cannot be canonicalised: {exc}") from None


def digest(manifest: dict[str, Any]) -> str:
    """The manifest digest: ``0x`` + sha256 of the canonical JSON (a bytes32 for the registry)."""
    return "0x" + hashlib.sha256(canonical_bytes(manifest)).hexdigest()


def digest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest digest as 32 raw bytes (the registry's bytes32)."""
    return hashlib.sha256(canonical_bytes(manifest)).digest()


def write(manifest: dict[str, Any], out: str | os.PathLike[str]) -> str:
    """Write the canonical bytes to ``out`` (atomically); returns the digest.

    Raises:
        PathError: ``out`` cannot be written.
    """
    data = canonical_bytes(manifest)
    target = Path(out)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PathError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return "0x" + hashlib.sha256(data).hexdigest()


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and validate a manifest file.

    Raises:
        PathError: unreadable. ManifestError: not JSON or not a modelgov manifest.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PathError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PathError(f"{path}: cannot read: {exc}") from None
    try:
        manifest: dict[str, Any] = json.loads(text)
    except ValueError as exc:
        raise ManifestError(f"{path}: not JSON ({exc})") from None
    except RecursionError:
        raise ManifestError(f"{path}: JSON nested too deeply") from None
    validate(manifest, str(path))
    return manifest


def validate(manifest: object, where: str = "manifest") -> None:
    """Check the shape of a manifest.

    Raises:
        ManifestError: naming the first bad field.
    """
    def bad(msg: str) -> ManifestError:
        return ManifestError(f"{where}: {msg}")

    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise bad(f"not a modelgov manifest (schema must be {SCHEMA!r})")
    root = manifest.get("root")
    if not isinstance(root, dict) or not isinstance(root.get("cid"), str):
        raise bad("root.cid is missing")
    if not isinstance(root.get("profile"), (str, type(None))):
        raise bad("root.profile must be a profile name")
    try:
        normalize(root["cid"])
        get_profile(root.get("profile"))
    except (InvalidCIDError, UnknownProfileError) as exc:
        raise bad(f"root: {exc}") from None
    piece = root.get("piece")
    if piece is not None:
        strings = isinstance(piece, dict) and all(isinstance(piece.get(k), str) for k in ("cid", "cid_v2"))
        if not strings or not all(
            isinstance(piece.get(k), int) and piece[k] > 0 for k in ("padded_size", "car_size")
        ):
            raise bad("root.piece must hold cid, cid_v2 (strings), padded_size and car_size (integers)")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise bad("files must be a list")
    seen = set()
    for i, f in enumerate(files):
        if not isinstance(f, dict):
            raise bad(f"files[{i}] is not an object")
        p = f.get("path")
        if not isinstance(p, str) or not p or p.startswith("/") or ".." in p.split("/"):
            raise bad(f"files[{i}].path {p!r} is not a safe relative path")
        if p in seen:
            raise bad(f"files[{i}].path {p!r} appears twice")
        seen.add(p)
        if not isinstance(f.get("size"), int) or f["size"] < 0:
            raise bad(f"files[{i}] ({p}): size must be a non-negative integer")
        if not isinstance(f.get("sha256"), str) or not _SHA256.match(f["sha256"]):
            raise bad(f"files[{i}] ({p}): sha256 must be 64 lower-case hex digits")


@dataclass(frozen=True)
class Mismatch:
    """One file that differs from the manifest."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify` found; ``ok`` when nothing differs."""

    root_cid: str
    expected_root: str
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.root_cid == self.expected_root

    def raise_for_mismatch(self, where: str = "the manifest") -> None:
        """Raise if anything differs, naming every mismatching file in one line.

        Raises:
            IntegrityError: files or the root CID differ from ``where``.
        """
        if self.ok:
            return
        parts = [str(m) for m in self.mismatches]
        if not parts:
            parts = [f"root CID {self.root_cid}, manifest says {self.expected_root}"]
        noun = "file differs" if len(self.mismatches) == 1 else "files differ"
        head = (f"{len(self.mismatches)} {noun} from {where}" if self.mismatches
                else f"the folder differs from {where}")
        raise IntegrityError(f"{head}: " + "; ".join(parts))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root_cid": self.root_cid,
            "expected_root": self.expected_root,
            "mismatches": [{"path": m.path, "reason": m.reason} for m in self.mismatches],
        }


def verify(path: str | os.PathLike[str], manifest: dict[str, Any], *,
           threads: int | None = None, on_bytes: Callable[[int], None] | None = None) -> VerifyReport:
    """Re-read ``path`` once and compare every file (and the root CID) with ``manifest``.

    ``threads`` hash the UnixFS leaves (None: every core; see
    :func:`modelgov.threads.resolve_threads`); ``on_bytes`` is told the bytes read (progress).

    Raises:
        PathError: ``path`` is missing or unreadable.
        ManifestError: ``manifest`` is malformed.
        ValidationError, ConfigError: ``threads`` (or ``$MODELGOV_THREADS``) is out of range.
    """
    validate(manifest)
    profile = manifest["root"].get("profile")
    result = build_path(path, profile, with_sha256=True, threads=threads, on_bytes=on_bytes)
    actual = {e.path: e for e in result.files}
    expected = {f["path"]: f for f in manifest["files"]}
    mismatches = []
    for p in sorted(set(actual) | set(expected), key=str.encode):
        a, e = actual.get(p), expected.get(p)
        if a is None:
            mismatches.append(Mismatch(p, "missing"))
        elif e is None:
            mismatches.append(Mismatch(p, f"not in the manifest ({a.size} bytes)"))
        elif a.size != e["size"]:
            mismatches.append(Mismatch(p, f"size {a.size}, manifest says {e['size']}"))
        elif a.sha256 != e["sha256"]:
            mismatches.append(Mismatch(p, "sha256 differs (content changed)"))
    expected_piece = manifest["root"].get("piece")
    if expected_piece is not None and not mismatches and result.cid == normalize(manifest["root"]["cid"]):
        actual_piece = _piece_entry(path, get_profile(profile), result.root.cid, threads)
        if actual_piece != {k: expected_piece.get(k) for k in actual_piece}:
            mismatches.append(Mismatch("(root)", f"piece CID {actual_piece['cid']}, manifest says "
                                                 f"{expected_piece.get('cid')}"))
    return VerifyReport(result.cid, normalize(manifest["root"]["cid"]), mismatches)


@dataclass(frozen=True)
class ManifestDiff:
    """Files added, removed and changed between two manifests (sizes in bytes)."""

    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    old_root: str
    new_root: str

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "old_root": self.old_root,
            "new_root": self.new_root,
            "size_delta": sum(a["size"] for a in self.added) - sum(r["size"] for r in self.removed)
            + sum(c["new_size"] - c["old_size"] for c in self.changed),
        }


def diff(old: dict[str, Any], new: dict[str, Any]) -> ManifestDiff:
    """Compare two manifests file by file (by path, then size and sha256).

    Raises:
        ManifestError: either manifest is malformed.
    """
    validate(old, "old manifest")
    validate(new, "new manifest")
    a = {f["path"]: f for f in old["files"]}
    b = {f["path"]: f for f in new["files"]}

    def order(paths: set[str]) -> list[str]:
        return sorted(paths, key=str.encode)

    added = [{"path": p, "size": b[p]["size"]} for p in order(set(b) - set(a))]
    removed = [{"path": p, "size": a[p]["size"]} for p in order(set(a) - set(b))]
    changed = [
        {"path": p, "old_size": a[p]["size"], "new_size": b[p]["size"]}
        for p in order(set(a) & set(b))
        if a[p]["sha256"] != b[p]["sha256"] or a[p]["size"] != b[p]["size"]
    ]
    return ManifestDiff(added, removed, changed, old["root"]["cid"], new["root"]["cid"])
