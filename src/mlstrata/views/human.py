"""The human view: one line per finding with its hint, and a verdict line, printed with rich."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.views import Report

if TYPE_CHECKING:  # rich is imported when something is shown: `--format json` runs never load it
    from rich.console import Console
    from rich.text import Text

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def append_finding(out: Text, d: Diagnostic, indent: str = "", label: str = "") -> None:
    """One finding as `review` shows it: place, severity (or `label`: review calls errors blocking), class,
    resource, summary; then why and how to fix."""
    out.append(indent)
    if d.where is not None:
        out.append(f"{d.where}: ")
    out.append(label or d.severity.value, style=_STYLE[d.severity])
    out.append(" ")
    out.append(d.code, style="dim")
    out.append(" ")
    if d.path:
        out.append(d.path, style="bold")
        out.append(": ")
    out.append(f"{d.summary}\n")
    if d.detail:
        out.append(f"{indent}  {d.detail}\n")
    if d.hint:
        out.append(f"{indent}  ")
        out.append("fix:", style="dim")
        out.append(f" {d.hint}\n")


def show(report: Report, console: Console, *, verbose: bool = False) -> None:
    """Print findings in file/line order; `verbose` adds details and suppressed findings."""
    # One styled Text for all findings: printing thousands of marked-up lines one by one costs
    # seconds on a large plan (benchmarks/review_large_plan.py).
    from rich.markup import escape
    from rich.text import Text

    out = Text()
    for d in report.findings:
        append_finding(out, d, label=report.label(d.severity.value))
    if out:
        console.print(out, end="", soft_wrap=True)
    if verbose:
        for s in report.suppressed:
            console.print(
                f"[dim]suppressed {s.finding.code} at {escape(str(s.finding.where))}: {escape(s.reason)}[/]"
            )
    stats = ", ".join(f"{k}: {v}" for k, v in sorted(report.stats.items()))
    suppressed = f"; {len(report.suppressed)} suppressed" if report.suppressed else ""
    mark = "[bold red]✗[/]" if report.failed else "[green]✓[/]"
    console.print(f"{mark} {report.counts_text()}{suppressed} ({stats})")
