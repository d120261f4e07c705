"""How many threads hash, and the one engine that runs hashing tasks on them in order.

One place decides the thread count (:func:`resolve_threads`): the ``--threads N`` a command
was given, else ``$MODELGOV_THREADS``, else every core this process may run on. Every
command that hashes (cid, car, manifest, pin, fetch's verification, data_root, the piece CID)
asks it, so the default is the same everywhere.

:func:`ordered_map` runs tasks on that many threads (this thread is one of them) and hands the
results back in task order, with a bounded number in flight: the callers (UnixFS leaves,
Arweave chunks) read a file range into a reused buffer and hash it there, while the bytes are
still in the CPU cache. hashlib releases the GIL while it hashes a buffer of 2048 bytes or
more, so the threads hash in parallel; what runs under the GIL between two hashes is kept per
task, not per chunk, by the callers.

Nothing here imports anything beyond the standard library and :mod:`modelgov.errors`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from modelgov.errors import ConfigError, ValidationError

#: the environment variable that sets the default thread count
ENV = "MODELGOV_THREADS"
#: the most threads any command uses (beyond this, hand-offs cost more than they bring)
MAX_THREADS = 256

A = TypeVar("A")
R = TypeVar("R")


def cores() -> int:
    """CPUs this process may run on (its affinity mask; ``os.cpu_count()`` where unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_threads(requested: int | None = None) -> int:
    """The thread count to hash with: ``requested``, else ``$MODELGOV_THREADS``, else :func:`cores`.

    Raises:
        ValidationError: ``requested`` is not an integer from 1 to :data:`MAX_THREADS`.
        ConfigError: ``$MODELGOV_THREADS`` is set but is not such an integer.
    """
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, int) or not 1 <= requested <= MAX_THREADS:
            raise ValidationError(f"threads must be an integer from 1 to {MAX_THREADS}, not {requested!r}")
        return requested
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= MAX_THREADS:
            raise ConfigError(f"{ENV} must be an integer from 1 to {MAX_THREADS}, not {text!r}")
        return value
    return min(cores(), MAX_THREADS)


def window(threads: int) -> int:
    """Tasks in flight in :func:`ordered_map` (memory stays bounded, workers never starve).

    A caller that reuses one buffer per task needs a ring of this many buffers: task ``i`` is
    taken from the iterable only after the result of task ``i - window`` was consumed. Kept
    small: each task's buffer should still be in the CPU caches when it is reused (on 2 cores,
    a ring of 4 x 1 MiB cost ~3 % less CPU than one of 6, and 12 ~5 % more).
    """
    return threads + 2


#: tasks in flight when results are small and the bytes are not kept (thread-local buffers)
FREE_WINDOW = 256


def ordered_map(work: Callable[[A], R], tasks: Iterable[A], threads: int, limit: int | None = None) -> Iterator[R]:
    """``work(task)`` for every task, on ``threads`` threads; results yielded in task order.

    This thread runs every ``threads``-th task itself (a thread that only hands out work cost
    ~10 % on 2 cores). ``tasks`` is consumed lazily: task ``i`` is taken only once the result
    of task ``i - window(threads)`` has been consumed (the generator resumed after it), so a
    ring of :func:`window` buffers, one per task, is never overwritten while in use. ``limit``
    (default :func:`window`) bounds the tasks in flight: callers whose tasks keep no buffer
    (each thread reuses its own, results are digests) pass :data:`FREE_WINDOW`, so a thread
    the OS deschedules for a while does not stall the others.

    Raises:
        Whatever ``work`` or the ``tasks`` iterable raises, at the task where it happened
        (tasks already running finish first).
    """
    if threads <= 1:
        for task in tasks:
            yield work(task)
        return
    limit = limit or window(threads)
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(threads - 1, thread_name_prefix="modelgov-hash") as pool:
        for i, task in enumerate(tasks):
            if i % threads == threads - 1:
                done: Future[R] = Future()
                try:
                    done.set_result(work(task))
                except BaseException as exc:  # delivered in order, like a worker's
                    done.set_exception(exc)
                pending.append(done)
            else:
                pending.append(pool.submit(work, task))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def pread_full(fd: int, view: memoryview | list[memoryview], offset: int) -> int:
    """Fill ``view`` (or the list of views, in order: a scatter read) from ``fd`` at ``offset``.

    Short reads are retried; fewer bytes come back only at the end of the file.

    Raises:
        OSError: the read failed.
    """
    views = view if isinstance(view, list) else [view]
    want = sum(len(v) for v in views)
    got = 0
    while got < want:
        n = os.preadv(fd, views, offset + got)
        if not n:
            break
        got += n
        if got < want:  # drop what was filled, keep reading into the rest
            skip = n
            rest: list[memoryview] = []
            for v in views:
                if skip >= len(v):
                    skip -= len(v)
                    continue
                rest.append(v[skip:])
                skip = 0
            views = rest
    return got


__all__ = ["ENV", "FREE_WINDOW", "MAX_THREADS", "cores", "ordered_map", "pread_full", "resolve_threads", "window"]
