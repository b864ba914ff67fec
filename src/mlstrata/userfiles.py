"""The one boundary for files a user hands us or asks us to write.

Every read of user input (spec, .tf files, plan JSON, price CSV/JSON) goes through `read_user_bytes`/
`read_user_text`, and every user-chosen output path through `write_user_file`/`check_writable`: OS errors,
non-regular files (a FIFO would block forever), oversize input and bad encodings become one diagnostic
that says what, where and how to fix it, never a traceback or a hang.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error

MiB = 1 << 20


def os_error_hint(exc: OSError, *, writing: bool = False) -> tuple[str, str]:
    """(what went wrong, how to fix it) for an OSError, in words that fit the cause."""
    code = exc.errno
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        if writing:
            return "its folder does not exist", "Create the folder first or pick another path."
        return "not found", "Check the path."
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return "permission denied", ("Make the folder writable for this user or pick another path." if writing
                                     else "Make it readable for this user (chmod/chown) or pass another path.")
    if code == errno.ELOOP:
        return "symbolic link loop", "Point the link at a real file or remove it."
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
        return "is a directory", "Pass a file path, not a folder."
    if isinstance(exc, NotADirectoryError) or code == errno.ENOTDIR:
        return "a part of the path is a file, not a folder", "Fix the path."
    if code == errno.EROFS:
        return "read-only file system", "Pick a path on a writable file system."
    if code == errno.ENOSPC:
        return "no space left on device", "Free some space or pick another place."
    if code == errno.ENAMETOOLONG:
        return "file name too long", "Use a shorter path."
    return exc.strerror or type(exc).__name__, "Check the path and its permissions."


def _fail(what: str, path: Path, problem: str, hint: str, code: str, line: int = 0) -> DiagnosticsError:
    return DiagnosticsError([error(f"cannot read {what} {path}: {problem}", where=Where(str(path), line),
                                   hint=hint, code=code)])


def read_user_bytes(path: Path, *, what: str, code: str, max_bytes: int) -> bytes:
    """The bytes of a user's regular file, at most `max_bytes`; anything else raises DiagnosticsError."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file (FIFO, socket or device)"
            raise _fail(what, path, kind, "Pass a regular file.", code)
        if st.st_size > max_bytes:
            raise _fail(what, path, f"{st.st_size:,} bytes, over the {max_bytes:,}-byte limit",
                        f"Split it, or check that this is the file you meant ({what} files are small).", code)
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening must not block
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise _fail(what, path, "not a regular file", "Pass a regular file.", code)
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        problem, hint = os_error_hint(exc)
        raise _fail(what, path, problem, hint, code) from None
    if len(data) > max_bytes:
        raise _fail(what, path, f"over the {max_bytes:,}-byte limit", "Split it.", code)
    return data


def decode_utf8(data: bytes, path: Path, *, what: str, code: str) -> str:
    """UTF-8 text, or a diagnostic at the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fail(what, path, f"not UTF-8 (byte 0x{data[exc.start]:02x} at line {line})",
                    "Save the file as UTF-8.", code, line) from None


def read_user_text(path: Path, *, what: str, code: str, max_bytes: int) -> str:
    """`read_user_bytes` decoded as UTF-8."""
    return decode_utf8(read_user_bytes(path, what=what, code=code, max_bytes=max_bytes), path, what=what, code=code)


def write_problem(path: Path, exc: OSError, *, what: str, code: str = "output.unwritable") -> Diagnostic:
    problem, hint = os_error_hint(exc, writing=True)
    return error(f"cannot write {what} {path}: {problem}", where=Where(str(path)), hint=hint, code=code)


def check_writable(path: Path, *, what: str, code: str = "output.unwritable", parents: bool = False) -> None:
    """Raise DiagnosticsError now if `path` cannot be written later (call before expensive work);
    `parents` creates its missing folders."""
    if path.is_dir():
        raise DiagnosticsError([error(f"cannot write {what} {path}: is a directory", where=Where(str(path)),
                                      hint="Pass a file path, not a folder.", code=code)])
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if parents:
            folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise DiagnosticsError([write_problem(path, exc, what=what, code=code)]) from None
    os.close(fd)
    os.unlink(probe)
    if path.exists() and not os.access(path, os.W_OK):
        raise DiagnosticsError([write_problem(path, PermissionError(errno.EACCES, "denied"), what=what, code=code)])


def write_user_file(path: Path, data: bytes | str, *, what: str, code: str = "output.unwritable",
                    parents: bool = False) -> None:
    """Write an output file the user named, atomically (temp file + rename); OS errors are DiagnosticsError.
    `parents` creates missing folders first."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    tmp = ""
    try:
        if parents:
            folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise DiagnosticsError([write_problem(path, exc, what=what, code=code)]) from None
