"""The structured reference string (KZG SRS) a circuit is set up with.

Two kinds, recorded in ``zk/meta.json``:

- ``ceremony``: a file from the public KZG ceremony, given with ``--srs FILE`` (its sha256 is
  recorded; the same file must be given again to ``zk setup``).
- ``dev``: generated on this machine by ``ezkl gen_srs``, cached per logrows under
  ``$MODELGOV_HOME/zk/srs/`` (or ``$MODELGOV_ZK_SRS_DIR``). Whoever generated it knows its secret
  and can forge proofs: only for the local chain. Any other network refuses it unless explicitly
  allowed (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from modelgov.errors import ZkSrsError
from modelgov.paths import state_dir
from modelgov.zk.runner import run_step

DEV = "dev"
CEREMONY = "ceremony"
#: Network names that count as local (a development SRS is fine there).
LOCAL_NETWORKS = frozenset({"local", "ethereum:local", "ethereum:local:foundry", "ethereum:local:test"})


@dataclass(frozen=True)
class Srs:
    """An SRS file and what it is."""

    path: Path
    kind: str
    sha256: str


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file (read in 1 MiB pieces)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            h.update(piece)
    return h.hexdigest()


def dev_srs_path(logrows: int) -> Path:
    """Where the cached development SRS for ``logrows`` lives: ``$MODELGOV_ZK_SRS_DIR`` (tests
    share one across runs), else ``$MODELGOV_HOME/zk/srs``."""
    folder = os.environ.get("MODELGOV_ZK_SRS_DIR")
    return (Path(folder) if folder else state_dir() / "zk" / "srs") / f"dev-k{logrows}.srs"


def dev_srs(logrows: int) -> Srs:
    """The development SRS for ``logrows``, generated once and cached.

    Raises:
        ZkToolMissingError, ZkToolCrashedError, ZkError: generating it failed.
    """
    path = dev_srs_path(logrows)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        run_step("gen_srs", srs=tmp, logrows=logrows)
        tmp.replace(path)
    return Srs(path, DEV, file_sha256(path))


def ceremony_srs(path: Path) -> Srs:
    """A ceremony SRS file given by the user.

    Raises:
        ZkSrsError: the file does not exist.
    """
    if not path.is_file():
        raise ZkSrsError(f"SRS file {path} does not exist")
    return Srs(path.resolve(), CEREMONY, file_sha256(path))


def srs_for_build(logrows: int, srs_file: Path | None) -> Srs:
    """The SRS a new circuit is set up with: ``srs_file`` (ceremony) or the development SRS.

    Raises:
        ZkSrsError: ``srs_file`` does not exist.
    """
    return ceremony_srs(srs_file) if srs_file is not None else dev_srs(logrows)


def srs_for_artifacts(kind: str, sha256: str, logrows: int, srs_file: Path | None) -> Srs:
    """The SRS recorded in a circuit's artifacts, found again and checked by digest.

    Raises:
        ZkSrsError: a ceremony SRS was recorded but no ``--srs`` given; the file (or the cached
            development SRS) is not the one the verifying key was made with.
    """
    if kind == CEREMONY and srs_file is None:
        raise ZkSrsError("this circuit was set up with a ceremony SRS: pass the same file with --srs")
    if srs_file is not None:
        srs = ceremony_srs(srs_file)
        kind_found = kind
    else:
        path = dev_srs_path(logrows)
        if not path.is_file():
            raise ZkSrsError(f"the development SRS this circuit was built with is not on this machine "
                             f"({path}); rebuild with `modelgov zk build`, or build with a ceremony SRS")
        srs = Srs(path, DEV, file_sha256(path))
        kind_found = DEV
    if srs.sha256 != sha256:
        raise ZkSrsError(f"SRS {srs.path} (sha256 {srs.sha256[:12]}…) is not the one this circuit "
                         f"was set up with (sha256 {sha256[:12]}…)")
    return Srs(srs.path, kind_found, srs.sha256)


def check_network(kind: str, network: str, allow_dev: bool) -> None:
    """Refuse a development SRS on any network but the local chain, unless ``allow_dev``.

    Raises:
        ZkSrsError: ``kind`` is ``dev``, ``network`` is not local and ``allow_dev`` is false.
    """
    if kind == DEV and network not in LOCAL_NETWORKS and not allow_dev:
        raise ZkSrsError(f"this circuit uses a development SRS (its secret is known, proofs can be "
                         f"forged): refused on {network}; rebuild with --srs <ceremony file> or pass "
                         "--allow-dev-srs (README: Verifiable inference)")
