"""``make bench``: run every ``bench/bench_*.py`` section and write ``bench/results.md``.

Each module exposes ``run() -> str`` (a markdown section); ``bench_ipfs`` / ``bench_arweave`` take
``size_mb``. Sections run in a fixed order (ipfs, arweave, storage, gas, then any other
``bench_*.py`` alphabetically). With ``--only``, the sections run replace their own (marked)
sections of an existing results file in place; the others are kept. A section that fails is recorded with its error instead of aborting the run, and
``bench/results.md`` is rewritten after every section so a partial run leaves partial results.

Usage::

    python bench/run.py [--size-mb 200] [--only gas,ipfs] [--with-make] [--output bench/results.md]

``--with-make`` also times ``make test`` and ``make demo`` (wall clock, as subprocesses); ``make
demo`` is skipped with a note when the ``modelgov demo`` command does not exist yet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import inspect
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ORDER = ("ipfs", "arweave", "storage", "gas")
DEFAULT_OUTPUT = BENCH / "results.md"


def _prepare_env() -> None:
    os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".toolchain" / "solcx"))
    os.environ.setdefault("APE_DISABLE_PLUGIN_UPDATE_CHECK", "1")
    venv_bin = ROOT / ".venv" / "bin"
    if venv_bin.is_dir() and str(venv_bin) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    for p in (str(ROOT), str(BENCH)):
        if p not in sys.path:
            sys.path.insert(0, p)


def discover() -> list[str]:
    """Section names (``bench_<name>.py``) in run order."""
    present = sorted(p.stem[len("bench_"):] for p in BENCH.glob("bench_*.py"))
    return [n for n in ORDER if n in present] + [n for n in present if n not in ORDER]


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception:  # noqa: BLE001
        return "not found"


def header(started: dt.datetime) -> str:
    return "\n".join([
        "# modelgov benchmarks",
        "",
        "Written by `make bench` (`python bench/run.py --with-make`). Every figure below was measured in the run that"
        " wrote this file, with its reference measured beside it in the same run.",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"- Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; node {_version(['node', '--version'])};"
        f" npm {_version(['npm', '--version'])}",
        "",
        "",
    ])


def run_section(name: str, size_mb: int) -> tuple[str, float, bool]:
    """Import ``bench_<name>.py`` and call its ``run``; returns (markdown, seconds, ok)."""
    t0 = time.perf_counter()
    try:
        path = BENCH / f"bench_{name}.py"
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        kwargs = {}
        if "size_mb" in inspect.signature(module.run).parameters:
            kwargs["size_mb"] = size_mb
        text = module.run(**kwargs)
        if not isinstance(text, str):
            raise TypeError(f"bench_{name}.run() returned {type(text).__name__}, not str")
        return text.rstrip() + "\n", time.perf_counter() - t0, True
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001  (SystemExit included: one section must not end the run)
        tb = traceback.format_exc()
        text = "\n".join([
            f"## {name}: FAILED",
            "",
            f"`bench/bench_{name}.py` raised `{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}`",
            "",
            "```",
            tb.rstrip()[-6000:],
            "```",
            "",
        ])
        return text, time.perf_counter() - t0, False


def _demo_available() -> tuple[bool, str]:
    exe = shutil.which("modelgov")
    cmd = [exe, "demo", "--help"] if exe else [sys.executable, "-m", "modelgov", "demo", "--help"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    except Exception as exc:  # noqa: BLE001
        return False, f"`modelgov demo --help` could not run: {exc}"
    if proc.returncode != 0:
        return False, f"`modelgov demo` is not available yet: {(proc.stderr or proc.stdout).strip()[-300:]}"
    return True, ""


def time_make(target: str, timeout: int = 1800) -> tuple[str, float | None, str]:
    """Run ``make <target>``; returns (status, seconds, last lines of output)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(["make", target], capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s", None, ""
    seconds = time.perf_counter() - t0
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    return status, seconds, tail


def make_section() -> str:
    rows = []
    details = []
    for target in ("test", "demo"):
        if target == "demo":
            ok, why = _demo_available()
            if not ok:
                rows.append(f"| `make demo` | — | skipped: {why.splitlines()[0][:200]} | < 5 min on 2 cores | — |")
                continue
        status, seconds, tail = time_make(target)
        goal = "< 5 min on 2 cores" if target == "demo" else "—"
        met = "—"
        if target == "demo" and seconds is not None and status == "ok":
            met = "yes" if seconds < 300 else "**no**"
        wall = "—" if seconds is None else f"{seconds:.1f} s"
        rows.append(f"| `make {target}` | {wall} | {status} | {goal} | {met} |")
        if status != "ok" and tail:
            details += ["", f"Last lines of `make {target}`:", "", "```", tail, "```"]
    return "\n".join([
        "## `make test` and `make demo` wall time",
        "",
        f"{os.cpu_count()} cores; each target run once as a subprocess (it includes `make setup`).",
        "",
        "| command | wall time | status | goal | met? |",
        "|---|---:|---|---|:---:|",
        *rows,
        *details,
        "",
    ])


MARK = "<!-- section: {} -->"
_MARK_RE = re.compile(r"^<!-- section: ([\w-]+) -->$", re.M)


def _existing_sections(output: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The marked sections of an existing results file, in order, and its index rows by section:
    a ``--only`` run replaces its own sections in place and keeps the others."""
    if not output.is_file():
        return [], {}
    text = output.read_text()
    starts = [(m.start(), m.group(1)) for m in _MARK_RE.finditer(text)]
    chunks = [(name, text[a:(starts[i + 1][0] if i + 1 < len(starts) else len(text))].rstrip() + "\n")
              for i, (a, name) in enumerate(starts)]
    label = {"make test / make demo": "make"}
    rows = {}
    # the index table sits between "## Sections" and the first section (whose tables must not match)
    index = text[max(text.find("## Sections"), 0):starts[0][0]] if starts else ""
    for line in index.splitlines():
        if line.startswith("| ") and not line.startswith("| section"):
            cell = line.split("|")[1].strip()
            rows[label.get(cell, cell)] = line
    return chunks, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=200, help="data size for the IPFS/Arweave sections")
    ap.add_argument("--only", default="", help="comma-separated sections (e.g. gas,ipfs)")
    ap.add_argument("--with-make", action="store_true", help="also time `make test` and `make demo`")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args(argv)
    _prepare_env()

    started = dt.datetime.now(dt.UTC)
    names = discover()
    if args.only:
        wanted = [n.strip().removeprefix("bench_") for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            ap.error(f"no bench/bench_{unknown[0]}.py (have: {', '.join(names)})")
        names = [n for n in names if n in wanted]

    sections: dict[str, str] = {}
    summary: dict[str, str] = {}
    failed = 0
    old_chunks, old_rows = _existing_sections(args.output) if args.only else ([], {})

    def write() -> None:
        order = [name for name, _ in old_chunks] + [n for n in sections if n not in dict(old_chunks)]
        body = [sections.get(name, dict(old_chunks).get(name, "")) for name in order]
        rows = [summary.get(name, old_rows.get(name, "")) for name in order]
        index = ["## Sections", ""]
        if old_chunks:
            index += [f"Partial run on {started.strftime('%Y-%m-%d %H:%M UTC')} (`--only {','.join(names)}`):"
                      f" {', '.join(names)} re-measured; the other sections were kept from the previous"
                      " results file.", ""]
        index += ["| section | time | status |", "|---|---:|---|", *[r for r in rows if r], ""]
        args.output.write_text(header(started) + "\n".join(index) + "\n" + "\n".join(body))

    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        text, seconds, ok = run_section(name, args.size_mb)
        failed += not ok
        sections[name] = f"{MARK.format(name)}\n{text}"
        summary[name] = f"| {name} | {seconds:.1f} s | {'ok' if ok else '**failed**'} |"
        print(f"bench: {name} {'ok' if ok else 'FAILED'} in {seconds:.1f} s", file=sys.stderr, flush=True)
        write()
    if args.with_make:
        print("bench: make test / make demo ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            text, ok = make_section(), True
        except Exception:  # noqa: BLE001
            text, ok = f"## make: FAILED\n\n```\n{traceback.format_exc()}```\n", False
        failed += not ok
        sections["make"] = f"{MARK.format('make')}\n{text}"
        summary["make"] = f"| make test / make demo | {time.perf_counter() - t0:.1f} s | {'ok' if ok else '**failed**'} |"
        write()
    write()
    print(f"bench: wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
          f" ({failed} failed section(s))", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
