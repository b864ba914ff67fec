"""Several checkov runs for the price of one checkov start-up: run as a script by checkov's own interpreter.

    <checkov's python> -P checkov_runs.py JOBS.json    (-P: tests/support/checkov.py would shadow checkov)

JOBS.json is a list of runs, each {"cwd", "argv", "stdout", "stderr"}: what `checkov <argv>` started in `cwd` would
do, its output written to those two files. Importing checkov costs ~3.5 s of CPU per process, a third of a scan of
one rendered environment. This script imports it once (as the `checkov` console script does, SyntaxWarnings
ignored) and then forks a child per run: each run starts from exactly the state a fresh `checkov` process has after
its imports, and nothing one run leaves behind (checkov's registries and caches are module globals) reaches the
next. Prints one JSON list of the runs' exit codes. Standard library only (it runs in checkov's virtualenv).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings


def _child(job: dict[str, object]) -> None:
    """Run one job in this (forked) process and end it with checkov's exit code; never returns."""
    code = 2
    try:
        os.chdir(str(job["cwd"]))
        for fd, key in ((1, "stdout"), (2, "stderr")):
            out = os.open(str(job[key]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, fd)
            os.close(out)
        argv = [str(a) for a in job["argv"]]  # type: ignore[attr-defined]
        sys.argv = ["checkov", *argv]
        from checkov.main import Checkov

        result = Checkov(argv=argv).run()
        code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def main(jobs_file: str) -> int:
    with open(jobs_file, encoding="utf-8") as f:
        jobs = json.load(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        import checkov.main  # noqa: F401  (the import every run shares)
    codes = []
    for job in jobs:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=SyntaxWarning)
                _child(job)
        _, status = os.waitpid(pid, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    print(json.dumps(codes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
