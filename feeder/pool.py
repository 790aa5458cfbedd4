"""The one way feeder runs work on several cores: forked worker processes, results in order.

Parsing post files, rendering Markdown and building email messages are all
CPU-bound Python, so threads would not help; each uses :class:`WorkerPool`.

- **fork, always.**  A forked worker starts in about a millisecond with
  everything the parent has loaded (the config, the Markdown converter, the
  issue), where a spawned one would import feeder again and receive its state
  pickled.  Forking a process that runs other threads can copy a lock held by
  one of them, so the rule is: only a caller that runs no other thread asks for
  more than one worker.  The CLI decides the number once per command (see
  :func:`feeder.cli`): one per core for ``publish``, ``check``, ``digest`` and
  ``send``, and 1 for the long-running ``preview`` (a threaded server) and ``run``.
- **Nothing is pickled but items and results.**  The task (a closure, a bound
  method) and all it refers to are inherited by the fork, so a worker never
  receives the config or a renderer through a pipe.
- **Ordered and bounded.**  :meth:`WorkerPool.ordered` yields results in the
  order of the tasks, with at most *window* tasks in flight, so a sender that
  consumes slowly never has the whole list built in memory.
- **Workers die with their parent.**  Each worker asks the kernel to kill it
  when its parent dies (``PR_SET_PDEATHSIG``), so a publish or send killed
  mid-run leaves no process behind waiting for work.

:func:`run_forked` is the other use of a fork: one piece of work run in a child
so that whatever happens to it — a native library that crashes the process, a
hang past its time — costs the child, not the caller (the preview server runs
each request so).  The child's one thread is its main thread, so the
``SIGALRM`` time limits of :mod:`feeder.deadline` work there too.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import count, islice
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from feeder.errors import ChildFailed

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

T = TypeVar("T")
R = TypeVar("R")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


# The tasks of the pools this process has open, by key: a forked worker finds its task here,
# in its copy of the parent's memory, so that only the key and the item travel to it.
_tasks: dict[int, Callable[..., object]] = {}
_keys = count()


class WorkerPool(Generic[T, R]):
    """*workers* forked processes that apply *task* to items; a context manager."""

    def __init__(self, workers: int, task: Callable[[T], R]) -> None:
        if workers < 2:
            raise ValueError("a pool needs at least two workers; run the task in-process instead")
        import multiprocessing  # 15 ms of start-up that runs which fork nothing never pay

        self._key = next(_keys)
        _tasks[self._key] = task
        self._pool: Pool | None = multiprocessing.get_context("fork").Pool(
            workers, initializer=_start_worker, initargs=(os.getpid(),))

    def ordered(self, items: Iterable[T], window: int, meanwhile: Callable[[], object] | None = None,
                chunk: int = 1) -> Iterator[R]:
        """``task(item)`` for each of *items*, in order, with at most *window* items submitted ahead.

        *chunk* items travel to a worker as one task: each task is a trip through
        two pipes, two locks and the pool's two handler threads in this process
        (which take the GIL from the caller), worth sharing among short tasks
        such as rendering one post.  *meanwhile* runs in this process once the
        first tasks are out, while it would only wait.
        """
        assert self._pool is not None, "the pool is closed"
        source = _chunks(items, chunk)
        flight: deque[AsyncResult[list[R]]] = deque()
        for part in source:
            flight.append(self._pool.apply_async(_run, (self._key, part)))
            if len(flight) * chunk >= window:
                break
        if meanwhile is not None:
            meanwhile()
        while flight:
            results = flight.popleft().get()
            for part in source:  # top the window up before handing the results over
                flight.append(self._pool.apply_async(_run, (self._key, part)))
                break
            yield from results

    def close(self) -> None:
        """Stop the workers now: every result the caller wanted has arrived, or the run is failing."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            del _tasks[self._key]

    def __enter__(self) -> WorkerPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _start_worker(parent: int) -> None:
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """*items* in lists of *size* (the last may be shorter)."""
    source = iter(items)
    while part := list(islice(source, size)):
        yield part


def _run(key: int, items: list[object]) -> list[Any]:  # the pool's R, untyped by the key lookup and the pipe back
    task = _tasks[key]
    return [task(item) for item in items]


def _die_with(parent: int) -> None:
    """Have the kernel kill this process when *parent* dies (Linux); elsewhere, nothing."""
    import ctypes  # only in workers

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def run_ordered(workers: int, task: Callable[[T], R], items: list[T], *, parallel_from: int, window: int,
                meanwhile: Callable[[], object] | None = None) -> Generator[R, None, None]:
    """``task(item)`` for each item, in order: in-process for fewer than *parallel_from* items or one worker.

    A worker costs more to start and feed than a handful of tasks take, so short
    lists stay in this process (and *meanwhile*, work for the parent while
    workers run, is not called).  Closing the iterator stops the workers.
    """
    if workers < 2 or len(items) < parallel_from:
        yield from map(task, items)
        return
    with WorkerPool(min(workers, len(items)), task) as pool:
        yield from pool.ordered(items, window, meanwhile)


def run_forked(task: Callable[[], R], timeout: float) -> R:
    """``task()`` run in a forked child process, its result sent back pickled; :class:`ChildFailed` if it is not.

    The child is killed after *timeout* seconds.  An exception in the task is
    printed by the child (to the same stderr) and is a failure here: a task that
    has errors to tell should return them.  Forking from a process that runs other
    threads is safe here as long as the task needs no lock those threads may hold
    (the preview's request threads hold none while they wait for their child).
    """
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 1
        try:
            os.close(read_end)
            _die_with(parent)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
            data = pickle.dumps(task(), pickle.HIGHEST_PROTOCOL)
            with open(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        data = _read_within(read_end, time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise ChildFailed(f"took over {timeout:g} s and was stopped") from None
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise ChildFailed(f"crashed ({signal.Signals(os.WTERMSIG(status)).name})")
    if os.WEXITSTATUS(status) != 0:
        raise ChildFailed("failed (its error is printed above)")
    result: R = pickle.loads(data)
    return result


def _read_within(fd: int, deadline: float) -> bytes:
    """Everything until end of file on *fd*; :class:`TimeoutError` if that takes past *deadline*."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def cores() -> int:
    """The processors this process may run on: what the CLI gives the commands that may fork."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

