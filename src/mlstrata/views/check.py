"""Check reports: the shared finding views, and the human view as plain text for --output."""

from __future__ import annotations

import io

from mlstrata.views import Report, human, json_report, junit, markdown, sarif

_RENDER = {
    "json": json_report.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "junit": junit.render,
}


def render(fmt: str, report: Report) -> str:
    """The report as text in `fmt` (`human` as plain text, no colours)."""
    if fmt != "human":
        return _RENDER[fmt](report)
    from rich.console import Console

    console = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    human.show(report, console)
    return console.export_text()
