"""The check's worker processes: jobs go where they are sent, failures come back as errors, never hangs."""

from __future__ import annotations

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


def test_run_on_sends_each_job_to_the_worker_that_ran_it_before() -> None:
    with workers(2, {"pid": pid_of}) as pool:
        first, owner = pool.run("pid", list(range(20)), cost=lambda j: j)
        assert [job for job, _ in first] == list(range(20))  # results in job order, whatever ran first
        assert len({pid for _, pid in first}) == 2  # both workers took jobs
        again = pool.run_on("pid", [(owner[j], j) for j in range(20)])
    assert [pid for _, pid in again] == [pid for _, pid in first]


def test_a_job_that_raises_is_an_error_with_its_traceback() -> None:
    with pytest.raises(WorkerError, match="job 3 is broken"), workers(2, {"fail": fail}) as pool:
        pool.run("fail", list(range(6)), cost=lambda j: 0)


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerError, match="exited"), workers(2, {"die": die}) as pool:
        pool.run("die", list(range(6)), cost=lambda j: 0)
