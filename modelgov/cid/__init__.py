"""UnixFS CIDs, DAGs and CAR files, byte-identical to Kubo; pure Python + hashlib.

- :mod:`modelgov.cid.profiles`: the import profiles (``unixfs-v1-2025`` is the default).
- :mod:`modelgov.cid.text`: CID text <-> bytes (the one place for it).
- :mod:`modelgov.cid.dag`: the streaming DAG builder.
- :mod:`modelgov.cid.hamt`: HAMT sharded directories (built and read as Kubo does).
- :mod:`modelgov.cid.car`: CARv1 writer and verifying reader.
"""

from __future__ import annotations

from modelgov.cid.dag import (
    BuildResult,
    FileEntry,
    Node,
    build_file_stream,
    build_path,
    cid_of_bytes,
    cid_of_path,
)
from modelgov.cid.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile
from modelgov.cid.text import cid_from_bytes, cid_to_bytes, normalize, parse_cid

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "BuildResult",
    "FileEntry",
    "Node",
    "Profile",
    "build_file_stream",
    "build_path",
    "cid_from_bytes",
    "cid_of_bytes",
    "cid_of_path",
    "cid_to_bytes",
    "get_profile",
    "normalize",
    "parse_cid",
]
