"""What every CLI command shares: error reporting, JSON output, progress bars.

Errors: any :class:`~modelgov.errors.ModelGovError` becomes one line on stderr
(``Error: <message>``) and exit code ``error.exit_code``. Nothing else is printed. Any other
exception is a bug or an unexpected failure below us (web3, a node): one line as well, naming
its type, exit code 1; ``MODELGOV_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from modelgov.errors import ModelGovError


def run_main(group: click.Group, argv: list[str] | None = None) -> int:
    """Run ``group`` standalone-free and map errors to one stderr line and an exit code."""
    try:
        group.main(args=argv, prog_name="modelgov", standalone_mode=False)
    except ModelGovError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Error: aborted", err=True)
        return 130
    except click.ClickException as exc:
        # usage errors: keep click's one-line message, no usage dump for scripts
        click.echo(f"Error: {exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are reported
        if os.environ.get("MODELGOV_DEBUG", "") not in ("", "0"):
            raise
        message = " ".join(str(exc).split()) or "no message"
        click.echo(f"Error: unexpected {type(exc).__name__}: {message[:500]} "
                   "(MODELGOV_DEBUG=1 shows the traceback)", err=True)
        return 1
    return 0


class OneLineError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def echo_json(obj: Any) -> None:
    """Print ``obj`` as one JSON document on stdout (sorted keys, for scripts)."""
    click.echo(json.dumps(obj, indent=2, sort_keys=True, default=str))


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")

#: ``--threads N`` of every command that hashes; None (not given) means $MODELGOV_THREADS, else
#: every core (decided once, in :func:`modelgov.threads.resolve_threads`)
threads_option = click.option(
    "--threads", type=click.IntRange(1, 256), default=None, metavar="N",
    help="Hash on N threads (default: $MODELGOV_THREADS, else every core; same output at any N).",
)


@contextmanager
def progress(description: str, total: int | None,
             unit: str = "bytes") -> Iterator[Callable[[float], None]]:
    """A rich progress bar on stderr (hidden when stderr is not a terminal or under CI).

    ``unit``: ``bytes`` (sizes and speed) or any other word (``done/total`` counts: blocks...).
    Yields a callable ``advance(n)``.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    counts: tuple[Any, ...] = ((DownloadColumn(), TransferSpeedColumn()) if unit == "bytes"
                               else (MofNCompleteColumn(),))
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        *counts,
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Raise a one-line CLI error (for checks that belong to the CLI layer only)."""
    raise OneLineError(message, exit_code)


__all__ = [
    "OneLineError",
    "echo_json",
    "fail",
    "json_option",
    "progress",
    "run_main",
    "threads_option",
]
