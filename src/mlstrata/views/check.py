"""Check reports: the shared finding views, and the human view as plain text for --output."""

from __future__ import annotations

import io

from mlstrata.views import Report, human


def render(fmt: str, report: Report) -> str:
    """The report as text in `fmt` (`human` as plain text, no colours). Each writer is imported when asked for: the
    JUnit one brings xml.etree, and a check's start-up runs before its workers have any work."""
    if fmt == "json":
        from mlstrata.views import json_report

        return json_report.render(report)
    if fmt == "markdown":
        from mlstrata.views import markdown

        return markdown.render(report)
    if fmt == "sarif":
        from mlstrata.views import sarif

        return sarif.render(report)
    if fmt == "junit":
        from mlstrata.views import junit

        return junit.render(report)
    from rich.console import Console

    console = Console(record=True, width=200, file=io.StringIO(), color_system=None)
    human.show(report, console)
    return console.export_text()
