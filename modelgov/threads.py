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
from concurrent.futures import Future
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


def ordered_map(
    work: Callable[[A], R], tasks: Iterable[A], threads: int, limit: int | None = None
) -> Iterator[R]:
    """``work(task)`` for every task, on ``threads`` threads; results yielded in task order.

    ``threads - 1`` workers take the tasks from a queue; this thread, whenever the result it
    must yield next is not ready, takes the oldest task nobody started and runs it itself, so
    it hashes exactly as much as its own work in between (yielding, observers, a CAR sink)
    leaves it time for: no core idles while a task waits (a static share for this thread cost
    a third of the pipeline's speed when it also wrote the CAR and the file's sha256).

    ``tasks`` is consumed lazily: task ``i`` is taken only once the result of task
    ``i - limit`` has been consumed (the generator resumed after it), so a ring of ``limit``
    buffers, one per task, is never overwritten while in use. ``limit`` defaults to
    :func:`window`; callers whose tasks keep no buffer (each thread reuses its own, results are
    digests) pass :data:`FREE_WINDOW`, so a thread the OS deschedules does not stall the others.

    Raises:
        Whatever ``work`` or the ``tasks`` iterable raises, at the task where it happened
        (tasks already running finish first).
    """
    if threads <= 1:
        for task in tasks:
            yield work(task)
        return
    import queue
    import threading

    limit = limit or window(threads)
    jobs: queue.SimpleQueue[tuple[A, Future[R]] | None] = queue.SimpleQueue()
    pending: deque[Future[R]] = deque()

    def run(task: A, fut: Future[R]) -> None:
        if not fut.set_running_or_notify_cancel():
            return
        try:
            fut.set_result(work(task))
        except BaseException as exc:  # delivered in order, where the caller reads it
            fut.set_exception(exc)

    def worker() -> None:
        while (job := jobs.get()) is not None:
            run(*job)

    pool = [
        threading.Thread(target=worker, name=f"modelgov-hash-{i}", daemon=True) for i in range(threads - 1)
    ]
    for thread in pool:
        thread.start()

    def next_result() -> R:
        fut = pending.popleft()
        while not fut.done():
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                run(*job)
        return fut.result()

    try:
        for task in tasks:
            fut: Future[R] = Future()
            pending.append(fut)
            jobs.put((task, fut))
            if len(pending) >= limit:
                yield next_result()
        while pending:
            yield next_result()
    finally:
        for fut in pending:
            fut.cancel()  # not started: dropped; running: finishes
        for _ in pool:
            jobs.put(None)
        for thread in pool:
            thread.join()


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


__all__ = [
    "ENV", "FREE_WINDOW", "MAX_THREADS", "cores", "ordered_map", "pread_full", "resolve_threads", "window",
]
