"""The human view: one line per finding with its hint, and a verdict line, printed with rich."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.views import Report

if TYPE_CHECKING:  # rich is imported when something is shown: `--format json` runs never load it
    from rich.console import Console
    from rich.text import Text

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_parts(d: Diagnostic, indent: str = "", label: str = "") -> list[tuple[str, str | None]]:
    """One finding as `review` shows it, as (text, style) pieces: place, severity (or `label`: review calls
    errors blocking), class, resource, summary; then why and how to fix."""
    parts: list[tuple[str, str | None]] = [(indent, None)]
    if d.where is not None:
        parts.append((f"{d.where}: ", None))
    parts += [(label or d.severity.value, _STYLE[d.severity]), (" ", None), (d.code, "dim"), (" ", None)]
    if d.path:
        parts += [(d.path, "bold"), (": ", None)]
    parts.append((f"{d.summary}\n", None))
    if d.detail:
        parts.append((f"{indent}  {d.detail}\n", None))
    if d.hint:
        parts += [(f"{indent}  ", None), ("fix:", "dim"), (f" {d.hint}\n", None)]
    return parts


def append_finding(out: Text, d: Diagnostic, indent: str = "", label: str = "") -> None:
    """One finding appended to a styled text (see `finding_parts`)."""
    for text, style in finding_parts(d, indent, label):
        out.append(text, style=style)


def show(report: Report, console: Console, *, verbose: bool = False) -> None:
    """Print findings in file/line order; `verbose` adds details and suppressed findings."""
    # Findings go out as styled segments, laid out by nothing: printing thousands of marked-up lines one
    # by one costs seconds on a large plan, and even one Text costs rich ~0.4 s of line splitting
    # (benchmarks/review_large_plan.py); soft-wrapped lines need no layout.
    from rich.markup import escape
    from rich.segment import Segment, Segments

    if console.color_system is None:
        # nothing is styled (not a terminal, e.g. a pipe or a file): the findings go out as one segment of
        # their text, the bytes the styled segments write there; on a 20k-change plan's 4,430 findings
        # 0.059 -> 0.021 s (~50,000 segments were made and written one by one)
        text = "".join([text for d in report.findings
                        for text, _ in finding_parts(d, label=report.label(d.severity.value))])
        segments = [Segment(text)] if text else []
    else:
        styles = {name: console.get_style(name) for name in ("dim", "bold", *_STYLE.values())}
        segments = [Segment(text, styles[style] if style else None)
                    for d in report.findings for text, style in finding_parts(d, label=report.label(d.severity.value))
                    if text]
    if segments:
        console.print(Segments(segments), end="", soft_wrap=True)
    if verbose:
        for s in report.suppressed:
            console.print(
                f"[dim]suppressed {s.finding.code} at {escape(str(s.finding.where))}: {escape(s.reason)}[/]"
            )
    stats = ", ".join(f"{k}: {v}" for k, v in sorted(report.stats.items()))
    suppressed = f"; {len(report.suppressed)} suppressed" if report.suppressed else ""
    mark = "[bold red]✗[/]" if report.failed else "[green]✓[/]"
    console.print(f"{mark} {report.counts_text()}{suppressed} ({stats})")
