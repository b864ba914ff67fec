"""Review reports: the shared finding views plus the per-unit summary (counts, protected, drifted)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape

from mlstrata.review.gate import UnitReview
from mlstrata.views import Report, human, json_report, junit, markdown, sarif


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
        payload = json_report.payload(report)
        payload["units"] = [r.to_dict() for r in reviews]
        return json_report.dump(payload)
    if fmt == "markdown":
        head, _, rest = markdown.render(report).partition("\n\n")
        return "\n".join([head, "", *units_markdown(reviews), rest])
    if fmt == "sarif":
        return sarif.render(report)
    if fmt == "junit":
        return junit.render(report)
    console = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    show_human(report, reviews, console)
    return console.export_text()


def show_human(report: Report, reviews: list[UnitReview], console: Console) -> None:
    for r in reviews:
        c = r.counts
        lock = " (protected)" if r.protected else ""
        console.print(f"[bold]{escape(r.unit)}[/]{lock}: +{c.add} ~{c.change} -{c.destroy}, "
                      f"{r.checked} checked, {r.drifted} drifted, {len(r.findings)} finding(s)")
    human.show(report, console)
