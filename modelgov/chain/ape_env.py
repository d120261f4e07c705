"""The one place that prepares Ape: compiler location, the project, networks and accounts.

Every chain-facing module and CLI command goes through :func:`project`, :func:`connect` and
:func:`load_account`; none of them selects networks or accounts by itself.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from modelgov.chain.connection import DEFAULT_NETWORK, local_rpc_url, network_name
from modelgov.endpoints import INSECURE_ENV, check_transport, insecure_allowed
from modelgov.errors import ChainError, ConfigError
from modelgov.paths import CHECKOUT_ROOT

if TYPE_CHECKING:  # pragma: no cover
    from ape.api import AccountAPI, ProviderAPI
    from ape.managers.project import Project

_URL_IN_CHOICE = re.compile(r"(?i)\b(?:https?|wss?)://\S+")


def prepare_environment() -> None:
    """Prepare the process before Ape compiles or loads the project (the CLI, the demo, the bench
    and ``ape test`` through ``tests/conftest.py`` all call this).

    - py-solc-x finds the checked-in solc shim (installed by ``make setup``);
    - Ape's compiles stay isolated wherever the checkout lives (:func:`isolate_ape_compiles`).
    """
    os.environ.setdefault("SOLCX_BINARY_PATH", str(CHECKOUT_ROOT / ".toolchain" / "solcx"))
    venv_bin = CHECKOUT_ROOT / ".venv" / "bin"
    if venv_bin.is_dir() and str(venv_bin) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    isolate_ape_compiles(CHECKOUT_ROOT)
    drop_stale_build(CHECKOUT_ROOT)


#: Beside Ape's build: the digest of the sources the build in ``.build/`` was made from.
SOURCES_STAMP = "modelgov-sources.sha256"


def sources_digest(root: Path) -> str:
    """sha256 over every contract source (path and bytes) and ``ape-config.yaml``."""
    import hashlib

    h = hashlib.sha256()
    files = sorted(p for p in (root / "contracts").rglob("*.sol")
                   if APE_DEPENDENCY_CACHE not in p.relative_to(root).parts)
    for path in [*files, root / "ape-config.yaml"]:
        if path.is_file():
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def drop_stale_build(root: Path) -> bool:
    """Remove Ape's project manifest (``.build/__local__.json``) when the contract sources changed
    since it was made; returns True if it did. The next use compiles afresh.

    Ape 0.8.51 can leave a manifest that holds the NEW source texts with the OLD contract types
    (seen after ``git merge`` changed contracts between two runs): it then never recompiles, and
    every process works with stale ABIs. Ape's own change detection compares against those
    source texts, so modelgov keeps its own digest of what the build was made from.
    """
    build = root / ".build"
    manifest = build / "__local__.json"
    stamp = build / SOURCES_STAMP
    digest = sources_digest(root)
    known = stamp.read_text().strip() if stamp.is_file() else None
    if known == digest:
        return False
    dropped = manifest.is_file()
    if dropped:
        manifest.unlink()
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return dropped


#: Where Ape puts the OpenZeppelin sources it unpacks for a compile. Ape means it to exist only
#: inside the temporary copy of the project it compiles in; here it is always a stale leftover.
APE_DEPENDENCY_CACHE = ".cache"


#: the temporary folder of processes working on a checkout under the system's (see below)
PRIVATE_TMP = ".ape-tmp"


def isolate_ape_compiles(root: Path) -> None:
    """Keep Ape's dependency cache out of ``<root>/contracts``, wherever ``root`` lives.

    ape-solidity compiles in a temporary copy of the project and unpacks the dependencies
    (OpenZeppelin: ~500 files) into that copy's ``contracts/.cache``. Ape skips the copy when the
    project already lies under the system temporary folder (``ape.utils.os.in_tempdir``, a plain
    prefix test) — e.g. a clone in ``/tmp`` — and then writes ``contracts/.cache`` into the real
    checkout. Its source discovery stops at 500 files under ``contracts/``
    (``SourceManager._all_files``), so every later process (``ape test`` after ``make demo``)
    silently lost ``contracts/test/`` and ``contracts/interfaces/``.

    For such a checkout this process's temporary folder becomes ``<root>/.ape-tmp`` (outside
    the checkout's own prefix test, and outside ``.build``, which Ape copies into the temporary
    project: a folder inside it would be copied into itself), so Ape compiles in a copy again;
    a ``contracts/.cache`` left by an older checkout is removed, since Ape never reads it back.
    """
    import shutil
    import tempfile

    stale = root / "contracts" / APE_DEPENDENCY_CACHE
    if stale.is_dir():
        shutil.rmtree(stale, ignore_errors=True)
    system_tmp = os.path.normpath(Path(tempfile.gettempdir()).resolve())
    if not os.path.normpath(root.resolve()).startswith(system_tmp):
        return
    private_tmp = root / PRIVATE_TMP
    private_tmp.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(private_tmp)


def _configure_ape_logging() -> None:
    """Ape logs to stdout; keep stdout for our output (``--json``): WARNING and up only,
    unless ``$MODELGOV_APE_LOG`` names another level (e.g. INFO)."""
    from ape.logging import logger

    logger.set_level(os.environ.get("MODELGOV_APE_LOG", "WARNING").upper())
    _quiet_revert_traces()


def _quiet_revert_traces() -> None:
    """ape-foundry prints the call tree of every reverted call to stdout. modelgov reports a
    decoded one-line error instead and keeps stdout for results; ``MODELGOV_SHOW_TRACE=1`` shows
    the call trees on stderr."""
    from ape_ethereum.trace import Trace

    if getattr(Trace.show, "_modelgov", False):
        return
    original = Trace.show

    def show(self: Trace, verbose: bool = False, file: IO[str] | None = None) -> None:
        if os.environ.get("MODELGOV_SHOW_TRACE"):
            original(self, verbose=verbose, file=file or sys.stderr)

    show._modelgov = True  # type: ignore[attr-defined]
    Trace.show = show  # type: ignore[method-assign]


def project() -> Project:
    """Return the modelgov Ape project (contracts compiled on first use)."""
    prepare_environment()
    import ape

    _configure_ape_logging()

    local: Project = ape.project  # ape's top-level names are lazily resolved (typed Any)
    if local.path.resolve() == CHECKOUT_ROOT:
        return local
    other: Project = ape.Project(CHECKOUT_ROOT)
    return other


def check_rpc_choice(choice: str) -> None:
    """Refuse a network choice naming a plain-HTTP/ws RPC URL outside loopback
    (e.g. ``ethereum:sepolia:http://10.0.0.5:8545``) unless ``$MODELGOV_ALLOW_INSECURE_HTTP=1``:
    transactions, and what the node answers about proposals and audits, would travel in clear.

    Raises:
        InsecureEndpointError: such a URL without the explicit permission.
    """
    from urllib.parse import urlsplit

    match = _URL_IN_CHOICE.search(choice)
    if match is None:
        return
    parts = urlsplit(match.group(0))
    check_transport(parts.scheme, parts.hostname or "", f"RPC {parts.scheme}://{parts.hostname}",
                    allowed=insecure_allowed(), how=f"{INSECURE_ENV}=1")


@contextmanager
def connect(choice: str | None = None) -> Iterator[ProviderAPI]:
    """Connect to a network; on ``local``, to the chain of ``modelgov chain start``.

    Yields:
        The connected provider.

    Raises:
        ChainError: the network is unknown or does not answer.
        InsecureEndpointError: a plain-HTTP RPC URL outside loopback (see :func:`check_rpc_choice`).
    """
    check_rpc_choice(network_name(choice))
    prepare_environment()
    from ape import networks
    from ape.exceptions import ApeException, NetworkError

    _configure_ape_logging()

    name = network_name(choice)
    if networks.active_provider is not None and networks.active_provider.is_connected:
        yield networks.active_provider  # already inside a connection (tests, demo)
        return
    settings: dict[str, Any] = {}
    if name == DEFAULT_NETWORK:
        from modelgov.devnet.anvil import start_chain

        start_chain()  # the persistent local chain, started on demand (idempotent)
        settings = {"host": local_rpc_url()}
    try:
        ctx = networks.parse_network_choice(name, provider_settings=settings or None)
    except (ApeException, NetworkError) as exc:
        raise ChainError(f"unknown network {name!r}: {exc}") from exc
    try:
        with ctx as provider:
            yield provider
    except ApeException as exc:
        raise ChainError(str(exc).splitlines()[0]) from exc


def load_account(alias: str | None) -> AccountAPI:
    """Return the signing account: an Ape account alias, or ``TEST::<n>`` for a test account.

    Defaults to ``TEST::0`` (only meaningful on a local chain).

    Raises:
        ConfigError: no such alias.
    """
    from ape import accounts

    if alias is None or alias.upper().startswith("TEST::"):
        index = 0 if alias is None else _index(alias)
        return accounts.test_accounts[index]
    try:
        return accounts.load(alias)
    except Exception as exc:  # ape raises several kinds here
        raise ConfigError(f"no Ape account named {alias!r} (see `ape accounts list`)") from exc


def _index(alias: str) -> int:
    try:
        index = int(alias.split("::", 1)[1])
    except ValueError as exc:
        raise ConfigError(f"bad test account {alias!r}; use TEST::<number>") from exc
    if not 0 <= index < 10:
        raise ConfigError(f"test account index out of range in {alias!r} (0-9)")
    return index
