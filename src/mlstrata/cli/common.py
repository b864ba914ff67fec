"""Options and helpers shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

from mlstrata.cli.output import EXIT_USAGE, show_diagnostics
from mlstrata.diagnostics import DiagnosticsError
from mlstrata.spec.load import DEFAULT_SPEC, LoadedSpec, load_spec
from mlstrata.targets import TARGETS

SpecOption = typer.Option(
    Path(DEFAULT_SPEC), "--spec", "-f", help="Path to the platform spec.", show_default=True,
    dir_okay=False,
)
FormatOption = typer.Option("human", "--format", help="Output format: human or json.")


def load_or_exit(spec: Path, fmt: str = "human") -> LoadedSpec:
    """Load the spec; on problems print them and exit 2 (bad input)."""
    try:
        loaded = load_spec(spec, targets=TARGETS)
    except DiagnosticsError as exc:
        show_diagnostics(exc.diagnostics, fmt)
        raise typer.Exit(EXIT_USAGE) from None
    if loaded.warnings and fmt != "json":
        show_diagnostics(loaded.warnings, fmt)
    return loaded


def check_format(fmt: str, allowed: tuple[str, ...] = ("human", "json")) -> None:
    if fmt not in allowed:
        raise typer.BadParameter(f"unknown format `{fmt}`; use one of: {', '.join(allowed)}",
                                 param_hint="--format")
