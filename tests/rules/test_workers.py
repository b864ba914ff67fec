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


def tagged(job: tuple[str, int]) -> tuple[str, int, int]:
    return job[0], job[1], os.getpid()


def test_an_idle_worker_takes_waiting_jobs_of_the_busy_one_in_the_form_steal_gives() -> None:
    jobs = [(0, ("own", j)) for j in range(12)]  # all pinned to worker 0
    with workers(2, {"tag": tagged}) as pool:
        cheap = pool.run_on("tag", jobs, cost=lambda job: 10, steal=lambda job: (("stolen", job[1]), 1))
        dear = pool.run_on("tag", jobs, cost=lambda job: 10, steal=lambda job: (("stolen", job[1]), 10_000))
    assert [j for _, j, _ in cheap] == list(range(12))  # results in job order, wherever they ran
    owner_pid = {pid for how, _, pid in cheap if how == "own"}
    assert len(owner_pid) == 1
    assert any(how == "stolen" for how, _, _ in cheap)
    assert all(pid not in owner_pid for how, _, pid in cheap if how == "stolen")
    # a job that would cost the idle worker more than the busy one's whole queue stays where it was sent
    assert {how for how, _, _ in dear} == {"own"} and len({pid for _, _, pid in dear}) == 1
