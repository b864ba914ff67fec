"""Benchmark: the lock, SIGKILL and pg first-`up` trials of the test suite, run many times (issue 10).

The suite runs a handful of each per CI run; this runs `--trials` (default 20) of each and reports how many
held: two applies on one unit at once (exactly one applies, the other gets a lock diagnostic with its real
wait, state intact, serial only forward), SIGKILL of an mlstrata process mid-apply (the next run converges,
nothing lost, no Terraform left running, the killed run's files and private folder cleaned), and the first
parallel `up` of six units sharing one fresh PostgreSQL database.

    .venv/bin/python benchmarks/lock_and_kill_trials.py [--trials 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TRIALS = {
    "concurrent applies (local backend)": ("tests/engine/test_engine_faults.py", "concurrent_applies",
                                           "MLSTRATA_TRIALS"),
    "SIGKILL mid-apply (embedded and binary runner)": ("tests/engine/test_engine_faults.py", "sigkill",
                                                       "MLSTRATA_TRIALS"),
    "pg: first up of 6 units on a fresh database": ("tests/engine/test_engine_pg_first_up.py", "five_fresh",
                                                   "MLSTRATA_PG_TRIALS"),
}


def run(path: str, select: str, variable: str, trials: int) -> tuple[int, int, float, str]:
    env = {**os.environ, variable: str(trials), "PYTHONPATH": str(REPO / "src")}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", path, "-k", select, "-q", "-s", "-p", "no:cacheprovider",
                           "-o", "addopts="], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    out = proc.stdout + proc.stderr
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", out)) else 0
    failed = int(m.group(1)) if (m := re.search(r"(\d+) failed", out)) else 0
    pg = re.search(r"pg first up: (\d+) of (\d+)", out)
    if pg:  # one test runs all the databases: count the databases
        passed, failed = int(pg.group(1)), int(pg.group(2)) - int(pg.group(1))
    return passed, failed, elapsed, out[-2000:] if failed else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    print("| Trial | Held | Failed | Wall |\n| --- | --- | --- | --- |")
    for name, (path, select, variable) in TRIALS.items():
        passed, failed, elapsed, tail = run(path, select, variable, args.trials)
        print(f"| {name} | {passed} | {failed} | {elapsed:.0f} s |", flush=True)
        if tail:
            print(tail, file=sys.stderr)


if __name__ == "__main__":
    main()
