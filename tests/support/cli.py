"""The one way tests run the `mlstrata` command.

In this process through Typer's runner (fast; the default), or, with `process=True`, as a real process
(`python -m mlstrata`, stdin closed: no terminal to confirm on), for end-to-end runs that must not share
this interpreter's state. Both give the exit code, stdout and stderr; in process also both interleaved.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from mlstrata.cli import build_app

PLAIN = {"NO_COLOR": "1", "COLUMNS": "200"}  # no colours, no wrapping: stable text to assert on


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr as written (in process), or one after the other (process)


def mlstrata(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
             process: bool = False, timeout: float | None = None, columns: int = 200,
             wrapper: Sequence[str] = (), stdout: int | None = None, stderr: int | None = None) -> CliResult:
    """Run `mlstrata ARGS` in `cwd`; `env` is the whole environment (default: this one), with PLAIN added
    (`columns` wide, for messages longer than 200 characters that a test reads whole).
    `timeout` (a process only) turns a hang into a failure for tests whose point is that nothing hangs;
    `wrapper` (a process only) is a command the process runs under (e.g. support.privileges.without_dac_override).
    `stdout`/`stderr` (a process only): a file descriptor the process writes that stream to instead of a pipe
    read here (its text in the result is then empty)."""
    plain = {**PLAIN, "COLUMNS": str(columns)}
    if process or wrapper or stdout is not None or stderr is not None:
        proc = subprocess.run([*wrapper, sys.executable, "-m", "mlstrata", *args], cwd=cwd,
                              env={**(os.environ if env is None else env), **plain},
                              stdout=subprocess.PIPE if stdout is None else stdout,
                              stderr=subprocess.PIPE if stderr is None else stderr,
                              text=True, check=False, stdin=subprocess.DEVNULL, timeout=timeout)
        out, err = proc.stdout or "", proc.stderr or ""
        return CliResult(proc.returncode, out, err, out + err)
    app = build_app(next((a for a in args if not a.startswith("-")), None))
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        overlay: dict[str, str | None] = {k: None for k in os.environ if env is not None and k not in env}
        result = CliRunner().invoke(app, list(args), env={**overlay, **(env or {}), **plain})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr, result.output)
