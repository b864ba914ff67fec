"""The human view: one line per finding with its hint, and a verdict line, printed with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from mlstrata.diagnostics import Severity
from mlstrata.views import Report

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def show(report: Report, console: Console, *, verbose: bool = False) -> None:
    """Print findings in file/line order; `verbose` adds details and suppressed findings."""
    for d in report.findings:
        where = f"{d.where}: " if d.where is not None else ""
        path = f"[bold]{escape(d.path)}[/]: " if d.path else ""
        console.print(
            f"{escape(where)}[{_STYLE[d.severity]}]{d.severity.value}[/] [dim]{d.code}[/] "
            f"{path}{escape(d.summary)}"
        )
        if d.detail:
            console.print(f"  {escape(d.detail)}")
        if d.hint:
            console.print(f"  [dim]fix:[/] {escape(d.hint)}")
    if verbose:
        for s in report.suppressed:
            console.print(
                f"[dim]suppressed {s.finding.code} at {escape(str(s.finding.where))}: {escape(s.reason)}[/]"
            )
    stats = ", ".join(f"{k}: {v}" for k, v in sorted(report.stats.items()))
    suppressed = f"; {len(report.suppressed)} suppressed" if report.suppressed else ""
    mark = "[bold red]✗[/]" if report.failed else "[green]✓[/]"
    console.print(f"{mark} {report.counts_text()}{suppressed} ({stats})")
