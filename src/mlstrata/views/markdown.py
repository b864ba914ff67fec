"""The Markdown view, for a pull-request comment: a headline verdict, a table per unit, details folded."""

from __future__ import annotations

from itertools import groupby

from mlstrata.diagnostics import Diagnostic
from mlstrata.views import Report, unit_of

_ICON = {"error": "🛑", "warning": "⚠️", "info": "🔎"}


def cell(text: str, line_break: str = " ") -> str:
    """Text made safe for one Markdown table cell: pipes escaped, newlines as `line_break` (a space, or
    `<br>` where the line structure matters, as in drift's before -> after lines)."""
    return text.replace("|", "\\|").replace("\n", line_break)


def _where(d: Diagnostic) -> str:
    if d.where is None:
        return ""
    return f"`{d.where.file}:{d.where.line}`" if d.where.line else f"`{d.where.file}`"


def render(report: Report) -> str:
    """Markdown: verdict, one table per unit, rule explanations folded."""
    verdict = "❌ **fails**" if report.failed else "✅ **passes**"
    threshold = "" if report.fail_on == "never" else f" (fail on {report.fail_on} and above)"
    lines = [
        f"### mlstrata {report.command}: {verdict}{threshold}",
        "",
        f"{report.counts_text()}" + (f"; {len(report.suppressed)} suppressed" if report.suppressed else ""),
        "",
    ]
    if report.stats:
        lines += [" · ".join(f"{k}: {v}" for k, v in sorted(report.stats.items())), ""]
    ordered = sorted(report.findings, key=lambda d: (unit_of(d), d.where.line if d.where else 0, d.code))
    for unit, group in groupby(ordered, key=unit_of):
        lines += [f"#### `{unit}`", "", "| | rule | where | finding |", "|---|---|---|---|"]
        for d in group:
            path = f"`{cell(d.path)}`: " if d.path else ""
            lines.append(
                f"| {_ICON[d.severity.value]} {d.severity.value} | {d.code} | {_where(d)} | "
                f"{path}{cell(d.summary)} |"
            )
        lines.append("")
    codes = sorted({d.code for d in report.findings if d.code in report.rules})
    if codes:
        lines += ["<details><summary>What the rules mean and how to fix them</summary>", ""]
        for code in codes:
            info = report.rules[code]
            lines += [
                f"**{code} {info.name}** — {info.title}",
                "",
                info.docs.replace("\n", " "),
                "",
                f"Fix: {info.hint}",
                "",
            ]
        lines += ["</details>", ""]
    if report.suppressed:
        lines += [
            "<details><summary>Suppressed findings</summary>",
            "",
            "| rule | where | reason |",
            "|---|---|---|",
        ]
        lines += [
            f"| {s.finding.code} | {_where(s.finding)} | {cell(s.reason)} |" for s in report.suppressed
        ]
        lines += ["", "</details>", ""]
    return "\n".join(lines)
