"""Worker processes for `mlstrata check` that remember what they parsed.

A called module is checked twice: once on its own, then once per call with the call's arguments bound.
The second pass must run where the first one parsed the files, or every called module (often the biggest
files of a tree: 40% of the bytes of the real-world benchmark corpus) is parsed again. So each job goes to
a chosen worker over its own pipe instead of a shared queue: `run` hands out jobs as workers free up
(largest first, two in flight per worker so none waits for the next) and says which worker ran which;
`run_on` sends each job to the worker named for it, except that a worker with nothing left to do takes the
cheapest waiting job of the busiest one (in the form `steal` gives it: a job that carries what the other worker
kept) when that one's queue would otherwise outlast the stolen job, so that both cores stay busy to the end.
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

    def run(self, kind: str, jobs: Sequence[Any], cost: Callable[[Any], int]) -> tuple[list[Any], list[int]]:
        """Every job, costliest first, each on the next free worker: (results in job order, worker of each)."""
        order = sorted(range(len(jobs)), key=lambda i: -cost(jobs[i]))
        return self._schedule(kind, jobs, order, [None] * len(jobs))

    def run_on(self, kind: str, jobs: Sequence[tuple[int, Any]], cost: Callable[[Any], int] | None = None,
               steal: Callable[[Any], tuple[Any, int]] | None = None) -> list[Any]:
        """Each (worker, job) on that worker, costliest first: the results in job order. With `steal` (job ->
        the job as another worker must run it, and its cost there), an idle worker may take waiting jobs."""
        assigned: list[int | None] = [w % len(self.conns) for w, _ in jobs]
        plain = [job for _, job in jobs]
        order = list(range(len(jobs)))
        if cost is not None:
            order.sort(key=lambda i: -cost(plain[i]))
        return self._schedule(kind, plain, order, assigned, cost, steal)[0]

    def _schedule(self, kind: str, jobs: Sequence[Any], order: list[int], assigned: list[int | None],
                  cost: Callable[[Any], int] | None = None,
                  steal: Callable[[Any], tuple[Any, int]] | None = None) -> tuple[list[Any], list[int]]:
        # a worker gets at most IN_FLIGHT jobs ahead: pipes stay far from full in both directions
        own: dict[int, list[int]] = {w: [] for w in range(len(self.conns))}
        shared: list[int] = []
        for i in reversed(order):  # popped from the end: costliest (or first) out first
            w = assigned[i]
            (shared if w is None else own[w]).append(i)
        results: list[Any] = [None] * len(jobs)
        owner = [0] * len(jobs)
        pending = dict.fromkeys(own, 0)

        def stolen(w: int) -> tuple[int, Any] | None:
            if steal is None or cost is None:
                return None
            queued = {v: sum(cost(jobs[i]) for i in own[v]) for v in own if v != w and own[v]}
            if not queued:
                return None
            victim = max(queued, key=lambda v: queued[v])
            cheapest = own[victim][0]  # queues run from their end: the costliest first
            job, price = steal(jobs[cheapest])
            if queued[victim] - cost(jobs[cheapest]) < price:
                return None  # the owner ends sooner by running it than this worker would
            own[victim].pop(0)
            return cheapest, job

        def feed(w: int) -> None:
            while pending[w] < IN_FLIGHT:
                if own[w] or shared:
                    i = own[w].pop() if own[w] else shared.pop()
                    job = jobs[i]
                else:
                    taken = stolen(w) if pending[w] == 0 else None
                    if taken is None:
                        return
                    i, job = taken
                owner[i] = w
                try:
                    self.conns[w].send((kind, i, job))
                except OSError as exc:  # the worker died between two jobs (BrokenPipe, ConnectionReset)
                    raise WorkerError(f"a check worker exited (code {self.procs[w].exitcode})") from exc
                pending[w] += 1

        for w in own:
            feed(w)
        for w, index, value in self._collect(len(jobs)):
            results[index] = value
            pending[w] -= 1
            feed(w)
        return results, owner

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
