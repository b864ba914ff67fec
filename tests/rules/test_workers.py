"""The check's worker processes: jobs go where they are sent, failures come back as errors, never hangs."""

from __future__ import annotations

import itertools
import os

import pytest

from mlstrata.rules.workers import WorkerError, workers


def pid_of(job: int) -> tuple[int, int]:
    return job, os.getpid()


def fail(job: int) -> int:
    if job == 3:
        raise ValueError(f"job {job} is broken")
    return job


def die(job: int) -> int:
    if job == 2:
        os._exit(7)
    return job


def test_run_gives_the_results_in_job_order_and_both_workers_take_jobs() -> None:
    with workers(2, {"pid": pid_of}) as pool:
        first = pool.run("pid", list(range(20)), cost=lambda j: j)
    assert [job for job, _ in first] == list(range(20))  # results in job order, whatever ran first
    assert len({pid for _, pid in first}) == 2


_started = itertools.count()


def started(job: int) -> tuple[int, int]:
    return job, next(_started)


def test_run_starts_the_costliest_jobs_first() -> None:
    with workers(1, {"started": started}) as pool:
        done = pool.run("started", [3, 9, 1, 7, 5], cost=lambda j: j)
    assert [job for job, _ in done] == [3, 9, 1, 7, 5]
    assert [job for job, _ in sorted(done, key=lambda d: d[1])] == [9, 7, 5, 3, 1]


def test_a_job_that_raises_is_an_error_with_its_traceback() -> None:
    with pytest.raises(WorkerError, match="job 3 is broken"), workers(2, {"fail": fail}) as pool:
        pool.run("fail", list(range(6)), cost=lambda j: 0)


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="exited"), workers(2, {"die": die}) as pool:
        pool.run("die", list(range(6)), cost=lambda j: 0)
