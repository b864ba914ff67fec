"""What several commands share and every command can afford to import: the options (declared once, one
default each), loading the spec, and the one check of --format. What only the commands that run Terraform
need (the engine, the review gate, the journal) is in `mlstrata.cli.units`.

Commands are plain functions returning an exit code; `command` turns one into a Typer command.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mlstrata.cli.output import EXIT_USAGE, show_diagnostics
from mlstrata.diagnostics import DiagnosticsError, error
from mlstrata.repo import DEFAULT_SPEC, MANIFEST
from mlstrata.userfiles import write_user_file
from mlstrata.views import formats_of, unknown_format

if TYPE_CHECKING:
    from mlstrata.spec.load import LoadedSpec

def spec_beside_tree(value: Path, cwd: Path | None = None) -> Path:
    """The spec a command uses: `value`; or, when that is the default and there is none here, the spec beside the
    rendered tree this folder is inside (`<dir>/platform.yaml` for a tree at `<dir>/infra`, the default), so
    that the commands in the tree's README work from inside the tree."""
    if value != Path(DEFAULT_SPEC) or value.exists():
        return value
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if folder.name == "infra" and (folder / MANIFEST).is_file() and (folder.parent / DEFAULT_SPEC).is_file():
            return Path(os.path.relpath(folder.parent / DEFAULT_SPEC, here))
    return value


def _spec_option(value: Path) -> Path:
    return spec_beside_tree(value)


SpecOption = typer.Option(
    Path(DEFAULT_SPEC), "--spec", "-f", help="Path to the platform spec (default: platform.yaml here, or beside "
    "the rendered tree this folder is in).", show_default=False, dir_okay=False, callback=_spec_option,
)
EnvOption = typer.Option(None, "--env", "-e", help="Environment(s) (repeat); default: all.")
LayerOption = typer.Option(None, "--layer", "-l", help="Layer(s): base, platform (repeat); default: both.")
RepoOption = typer.Option(None, "--out", "-o", help="The rendered repository [default: infra/ beside the spec].")
TerraformOption = typer.Option(
    None, "--terraform", help="A terraform/tofu binary to use instead of the embedded Terraform "
    "(also $MLSTRATA_TERRAFORM; `embedded` forces the embedded one).")
YesOption = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
AcceptOption = typer.Option(None, "--accept", help="Accept a blocking review finding by its id (repeat), "
                            "with --reason. Ids are per plan: copy them from `mlstrata plan`.")
ReasonOption = typer.Option(None, "--reason", help="Why the accepted findings (or the destroy of a protected "
                            "environment) are intended; kept in the journal.")
AcceptFileOption = typer.Option(None, "--accept-file", dir_okay=False, help="A reviewed acceptance file "
                                "(accept: [{finding, plan, reason}]).")


def format_option(command: str) -> Any:
    """The --format option of `command`, listing the formats its views offer (`mlstrata.views.VIEWS`)."""
    formats = formats_of(command)
    return typer.Option(formats[0], "--format", help=f"Output format: {', '.join(formats)}.")


FormatOption = format_option("validate")


def command(func: Callable[..., int]) -> Callable[..., None]:
    """A command function (returns its exit code) as Typer wants it (exits with that code)."""

    @functools.wraps(func)
    def run(*args: object, **kwargs: object) -> None:
        try:
            code = func(*args, **kwargs)
        except DiagnosticsError as exc:
            # the one boundary for user input a command did not handle itself (an output path that cannot
            # be written, a file that cannot be read): diagnostics and exit 2, never a traceback
            show_diagnostics(exc.diagnostics)
            code = EXIT_USAGE
        raise typer.Exit(code)

    return run


class BadInput(Exception):
    """Bad input found by a helper while a command reads its arguments; the command reports it (when it
    has a message) and returns EXIT_USAGE."""


def bad_format(command_name: str, fmt: str) -> bool:
    """Report a --format `command_name` does not offer; True when it was bad."""
    problem = unknown_format(command_name, fmt)
    if problem is not None:
        show_diagnostics([problem], count=False)
    return problem is not None


def emit(text: str, output: Path | None) -> None:
    """A rendered report to the --output file, else to stdout."""
    if output is not None:
        write_user_file(output, text, what="report")
    else:
        sys.stdout.write(text)


def usage_error(summary: str, hint: str = "") -> None:
    """Report a mistake in how the command was called."""
    show_diagnostics([error(summary, hint=hint, code="cli.usage")], count=False)


def load_spec_or_report(spec: Path, fmt: str = "human", *, show_warnings: bool = True) -> LoadedSpec | None:
    """The spec with its target's checks; on problems print them (JSON for --format json) and give None.
    Warnings are shown (unless `show_warnings` is false or the format is JSON)."""
    from mlstrata.spec.load import load_spec  # the models and every target: only for commands that read a spec
    from mlstrata.targets.registry import TARGETS

    try:
        loaded = load_spec(spec, targets=TARGETS)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        return None
    if loaded.warnings and show_warnings and fmt != "json":
        show_diagnostics(loaded.warnings, fmt)
    return loaded


def load_spec_hashed(spec: Path, fmt: str = "human", *,
                     show_warnings: bool = True) -> tuple[LoadedSpec, str | None] | None:
    """`load_spec_or_report`, with the spec file's sha256 for the render stamp (None if unreadable), taken before
    the file is read: the stamp must not vouch for a later edit."""
    from mlstrata.render.stamp import file_sha256

    spec_sha256 = file_sha256(spec)
    loaded = load_spec_or_report(spec, fmt, show_warnings=show_warnings)
    return None if loaded is None else (loaded, spec_sha256)


