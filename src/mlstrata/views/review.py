"""Review reports: the shared finding views plus the per-unit summary (counts, protected, drifted)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from mlstrata.views import Report

if TYPE_CHECKING:  # each format's writer is imported when it is asked for: a JSON report loads no rich or XML
    from rich.console import Console

    from mlstrata.review.gate import UnitReview


def units_markdown(reviews: list[UnitReview]) -> list[str]:
    """The per-unit summary table of the PR comment."""
    lines = ["| unit | env | + add | ~ change | - destroy | findings |", "|---|---|---:|---:|---:|---:|"]
    for r in reviews:
        env = (r.env or "?") + (" 🔒" if r.protected else "")
        c = r.counts
        lines.append(f"| `{r.unit}` | {env} | {c.add} | {c.change} | {c.destroy} | {len(r.findings)} |")
    return [*lines, ""]


def render(fmt: str, report: Report, reviews: list[UnitReview]) -> str:
    """The report in a non-interactive format."""
    if fmt == "json":
        from mlstrata.views import json_report

        payload = json_report.payload(report)
        payload["units"] = [r.to_dict() for r in reviews]
        return json_report.dump(payload)
    if fmt == "markdown":
        from mlstrata.views import markdown

        head, _, rest = markdown.render(report).partition("\n\n")
        return "\n".join([head, "", *units_markdown(reviews), rest])
    if fmt == "sarif":
        from mlstrata.views import sarif

        return sarif.render(report)
    if fmt == "junit":
        from mlstrata.views import junit

        return junit.render(report)
    from rich.console import Console

    console = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    show_human(report, reviews, console)
    return console.export_text()


def show_human(report: Report, reviews: list[UnitReview], console: Console) -> None:
    from rich.markup import escape

    from mlstrata.views import human

    for r in reviews:
        c = r.counts
        lock = " (protected)" if r.protected else ""
        console.print(f"[bold]{escape(r.unit)}[/]{lock}: +{c.add} ~{c.change} -{c.destroy}, "
                      f"{r.checked} checked, {r.drifted} drifted, {len(r.findings)} finding(s)")
    human.show(report, console)
