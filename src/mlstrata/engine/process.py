"""Start one Terraform child process and follow its output.

The child gets its own session and writes stdout/stderr to files, never to pipes: if the mlstrata
process dies (even by SIGKILL) in the middle of an apply, Terraform is not killed by a broken
pipe and finishes the apply, writes the state and releases the lock, so the next run converges.
Its stdout file is followed as it grows, which gives live `-json` progress events.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LineCallback = Callable[[bytes], None]

_POLL_S = 0.05


@dataclass(frozen=True)
class ProcessOutcome:
    """How one child process ended."""

    returncode: int
    stdout_path: Path
    stderr: str
    duration_s: float
    interrupted: bool = False


class Children:
    """The live child processes of an engine, so they can be interrupted together (Ctrl-C)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[subprocess.Popen[bytes]] = set()
        self.cancelled = threading.Event()

    def add(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.add(proc)

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.discard(proc)

    def interrupt(self) -> int:
        """Ask every running Terraform to stop gracefully (SIGINT); return how many were asked."""
        self.cancelled.set()
        with self._lock:
            live = list(self._live)
        for proc in live:
            _send_interrupt(proc)
        return len(live)


def _send_interrupt(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout_path: Path,
    stderr_path: Path,
    on_line: LineCallback | None = None,
    children: Children | None = None,
) -> ProcessOutcome:
    """Run `argv` to completion; call `on_line` for each stdout line as it is written."""
    started = time.monotonic()
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    if children is not None:
        children.add(proc)
    interrupted = False
    try:
        while True:
            try:
                if on_line is None:
                    proc.wait()
                else:
                    _follow(proc, stdout_path, on_line)
                break
            except KeyboardInterrupt:
                # Forward Ctrl-C and keep waiting: Terraform stops gracefully and saves state.
                interrupted = True
                _send_interrupt(proc)
                on_line = None
    finally:
        if children is not None:
            children.discard(proc)
            interrupted = interrupted or children.cancelled.is_set()
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    return ProcessOutcome(
        returncode=proc.returncode,
        stdout_path=stdout_path,
        stderr=stderr,
        duration_s=time.monotonic() - started,
        interrupted=interrupted,
    )


def _follow(proc: subprocess.Popen[bytes], path: Path, on_line: LineCallback) -> None:
    pidfd = _pidfd_open(proc.pid)
    try:
        with open(path, "rb") as reader:
            pending = b""
            while True:
                done = proc.poll() is not None
                chunk = reader.read()
                if chunk:
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        if line:
                            on_line(line)
                if done:
                    break
                _wait_a_little(proc, pidfd)
            if pending:
                on_line(pending)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _pidfd_open(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd


def _wait_a_little(proc: subprocess.Popen[bytes], pidfd: int | None) -> None:
    # A pidfd becomes readable the moment the child exits: no end-of-run polling delay.
    if pidfd is not None:
        select.select([pidfd], [], [], _POLL_S)
    else:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=_POLL_S)
