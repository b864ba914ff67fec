"""How the CLI shows diagnostics: rich text on stderr, or JSON on stdout."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mlstrata.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from rich.console import Console

# Not a terminal (a CI log, a pipe): rich would assume 80 columns and cut table cells ("quickst…");
# logs take long lines, so tables get room unless COLUMNS says otherwise.
LOG_WIDTH = 240


def _width(stream: object) -> int | None:
    isatty = getattr(stream, "isatty", None)
    if os.environ.get("COLUMNS") or (callable(isatty) and isatty()):
        return None
    return LOG_WIDTH


@functools.cache
def err_console() -> Console:
    """The console on stderr (made on first use: `--format json` runs never import rich)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


@functools.cache
def out_console() -> Console:
    """The console on stdout (made on first use)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def bad_input_line(d: Diagnostic) -> str:
    """An input that cannot be read, as one line: `<file>: <what> (<detail>)`."""
    where = f"{d.where.file}: " if d.where is not None else ""
    detail = f" ({d.detail})" if d.detail else ""
    return f"{where}{d.summary}{detail}"


def show_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "human", *, count: bool = True) -> None:
    """Print diagnostics; errors first within each file, in file/line order; then how many errors (unless
    `count` is false: a usage error is one line)."""
    items = sorted(diagnostics, key=lambda d: (d.where.file if d.where else "", d.where.line if d.where else 0,
                                               d.where.column if d.where else 0))
    if fmt == "json":
        sys.stdout.write(json.dumps({"diagnostics": [d.to_dict() for d in items]}, indent=2) + "\n")
        return
    from rich.markup import escape

    for d in items:
        where = f"{d.where}: " if d.where else ""
        path = f"[bold]{escape(d.path)}[/]: " if d.path else ""
        err_console().print(f"{escape(where)}[{_STYLE[d.severity]}]{d.severity.value}[/]: {path}{escape(d.summary)}")
        if d.detail:
            err_console().print(f"  {escape(d.detail)}")
        if d.hint:
            err_console().print(f"  [dim]hint:[/] {escape(d.hint)}")
    errors = sum(1 for d in items if d.is_error)
    if errors and count:
        err_console().print(f"[bold red]{errors} error{'s' if errors != 1 else ''}[/]")
