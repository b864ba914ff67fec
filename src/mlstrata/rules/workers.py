"""Worker processes for `mlstrata check`.

Each job goes to a chosen worker over its own pipe instead of a shared queue: `run` hands out jobs as workers free
up, costliest first, two in flight per worker so that none waits for its next job.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

Task = Callable[[Any], Any]
IN_FLIGHT = 2  # jobs queued per worker: one running, one ready when it ends


class WorkerError(RuntimeError):
    """A worker raised (its traceback is the message) or died."""


def _serve(conn: Connection, tasks: dict[str, Task]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops and reaps the workers
    while True:
        message = conn.recv()
        if message is None:
            return
        kind, index, job = message
        try:
            conn.send((index, True, tasks[kind](job)))
        except BaseException:
            conn.send((index, False, traceback.format_exc()))


class Workers:
    """`count` forked processes serving `tasks` (name -> function of one picklable job)."""

    def __init__(self, count: int, tasks: dict[str, Task]) -> None:
        methods = get_all_start_methods()
        context = get_context("fork" if "fork" in methods else None)
        self.conns: list[Connection] = []
        self.procs: list[BaseProcess] = []
        for _ in range(count):
            parent, child = context.Pipe()
            proc = context.Process(target=_serve, args=(child, tasks), daemon=True)
            proc.start()
            child.close()
            self.conns.append(parent)
            self.procs.append(proc)

    def run(self, kind: str, jobs: Sequence[Any], cost: Callable[[Any], int]) -> list[Any]:
        """Every job, costliest first, each on the next free worker: the results in job order."""
        # a worker gets at most IN_FLIGHT jobs ahead: pipes stay far from full in both directions
        waiting = sorted(range(len(jobs)), key=lambda i: (cost(jobs[i]), -i))  # popped from the end: costliest first
        results: list[Any] = [None] * len(jobs)
        pending = [0] * len(self.conns)

        def feed(w: int) -> None:
            while pending[w] < IN_FLIGHT and waiting:
                i = waiting.pop()
                try:
                    self.conns[w].send((kind, i, jobs[i]))
                except OSError as exc:  # the worker died between two jobs (BrokenPipe, ConnectionReset)
                    raise WorkerError(f"a check worker exited (code {self.procs[w].exitcode})") from exc
                pending[w] += 1

        for w in range(len(self.conns)):
            feed(w)
        for w, index, value in self._collect(len(jobs)):
            results[index] = value
            pending[w] -= 1
            feed(w)
        return results

    def _collect(self, count: int) -> Iterator[tuple[int, int, Any]]:
        by_conn = {id(c): w for w, c in enumerate(self.conns)}
        sentinels = {p.sentinel: w for w, p in enumerate(self.procs)}
        done = 0
        while done < count:
            for ready in wait([*self.conns, *sentinels]):
                if isinstance(ready, int):
                    if not any(c.poll() for c in self.conns):
                        raise WorkerError(f"a check worker exited (code {self.procs[sentinels[ready]].exitcode})")
                    continue
                assert isinstance(ready, Connection)
                try:
                    index, ok, value = ready.recv()
                except (EOFError, OSError) as exc:  # its worker died with the pipe empty
                    code = self.procs[by_conn[id(ready)]].exitcode
                    raise WorkerError(f"a check worker exited (code {code})") from exc
                if not ok:
                    raise WorkerError(value)
                done += 1
                yield by_conn[id(ready)], index, value

    def close(self) -> None:
        for conn in self.conns:
            with suppress(OSError):
                conn.send(None)
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in self.conns:
            conn.close()


@contextmanager
def workers(count: int, tasks: dict[str, Task]) -> Iterator[Workers]:
    """`Workers`, closed (and reaped) on the way out, also when a job failed."""
    pool = Workers(count, tasks)
    try:
        yield pool
    finally:
        pool.close()
