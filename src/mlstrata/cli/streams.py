"""stdout and stderr of a process `main` runs: a write that fails is remembered and ends the process with one
line and its own exit code, never a traceback or a success.

A report that cannot be written is not an input error (exit 2) nor a finding (exit 1): exit 74 (`EX_IOERR` of
sysexits.h) with `error: writing to stdout failed: ...` on stderr when stderr still works; a reader that went
away (`mlstrata check | head -1`) ends the process quietly with exit 141, what a shell reports for a process
that SIGPIPE ended (128 + 13), as `cat` or `grep` do there.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import TextIO, cast

EXIT_OUTPUT = 74  # sysexits.h EX_IOERR: the output could not be written
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, as a shell reports a writer whose reader went away


class WatchedStream:
    """A text stream that remembers the first write or flush that failed (a library may catch the error; the
    exit code must not forget it); everything else is the stream's own."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.failure: OSError | None = None

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            self.failure = self.failure or exc
            raise

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self.failure = self.failure or exc
            raise

    def __getattr__(self, name: str) -> object:  # isatty, fileno, encoding, buffer...: the stream's own
        return getattr(self.stream, name)


def watch() -> tuple[WatchedStream, WatchedStream]:
    """Route sys.stdout and sys.stderr through watched streams; give them back (stdout, stderr)."""
    out, err = WatchedStream(sys.stdout, "stdout"), WatchedStream(sys.stderr, "stderr")
    sys.stdout, sys.stderr = cast(TextIO, out), cast(TextIO, err)
    return out, err


def output_lost(out: WatchedStream, err: WatchedStream) -> int | None:
    """Flush both streams; when a write to either failed, say so on stderr (if it still works) and give the
    exit code (`EXIT_CLOSED_PIPE` for a reader that went away, else `EXIT_OUTPUT`); None when all was written.
    Either way the process can then end without Python's shutdown flush failing again."""
    for stream in (out, err):
        # OSError: remembered by the stream; ValueError: closed by someone else
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    failed = out if out.failure is not None else err if err.failure is not None else None
    if failed is None or failed.failure is None:
        return None
    sys.stdout, sys.stderr = out.stream, err.stream
    closed_pipe = failed.failure.errno in (errno.EPIPE, errno.ECONNRESET)
    if not closed_pipe and err.failure is None:
        number = failed.failure.errno
        reason = os.strerror(number) if number else str(failed.failure)
        code = f" ({errno.errorcode[number]})" if number is not None and number in errno.errorcode else ""
        with contextlib.suppress(OSError, ValueError):
            err.stream.write(f"error: writing to {failed.name} failed: {reason}{code}; the output is incomplete. "
                             f"hint: send {failed.name} where it can be written (a disk with room, a reader that "
                             "reads to the end) and run the command again\n")
            err.stream.flush()
    for stream in (out, err):
        if stream.failure is not None:
            _discard(stream.stream)
    return EXIT_CLOSED_PIPE if closed_pipe else EXIT_OUTPUT


def _discard(stream: TextIO) -> None:
    """Point a failed stream's descriptor at /dev/null, so that what is still buffered in it is dropped at exit
    instead of failing once more ("Exception ignored ... BrokenPipeError")."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):
        return
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)
