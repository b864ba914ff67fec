"""The SARIF 2.1.0 view (code-scanning upload): rules with their docs, results with file/line regions.

Relative paths are given against `%SRCROOT%` (the directory the command ran in); absolute paths as
file:// URIs. Suppressed findings are included with an in-source suppression and its justification.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from mlstrata import __version__
from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.views import Report
from mlstrata.views.json_report import dump

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _location(d: Diagnostic) -> dict[str, object]:
    assert d.where is not None
    file = d.where.file
    if file.startswith("/"):
        artifact: dict[str, object] = {"uri": PurePosixPath(file).as_uri()}
    else:
        artifact = {"uri": PurePosixPath(file).as_posix(), "uriBaseId": "%SRCROOT%"}
    physical: dict[str, object] = {"artifactLocation": artifact}
    if d.where.line > 0:
        region: dict[str, object] = {"startLine": d.where.line}
        if d.where.column > 0:
            region["startColumn"] = d.where.column
        physical["region"] = region
    location: dict[str, object] = {"physicalLocation": physical}
    if d.path:
        location["logicalLocations"] = [{"fullyQualifiedName": d.path}]
    return location


def _result(d: Diagnostic, index: dict[str, int], justification: str | None = None) -> dict[str, object]:
    text = d.summary if not d.path else f"{d.path}: {d.summary}"
    if d.detail:
        text += f" ({d.detail})"
    if d.hint:
        text += f" Fix: {d.hint}"
    result: dict[str, object] = {"ruleId": d.code, "level": LEVELS[d.severity], "message": {"text": text}}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    if d.where is not None:
        result["locations"] = [_location(d)]
    if justification is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": justification}]
    return result


def to_sarif(report: Report) -> dict[str, object]:
    """The report as a SARIF log (a dict ready for JSON)."""
    rules: list[dict[str, object]] = []
    index: dict[str, int] = {}
    for i, (rule_id, info) in enumerate(sorted(report.rules.items())):
        index[rule_id] = i
        rules.append(
            {
                "id": rule_id,
                "name": info.name,
                "shortDescription": {"text": info.title},
                "fullDescription": {"text": info.docs.replace("\n", " ")},
                "help": {"text": f"{info.docs}\n\nFix: {info.hint}"},
                "defaultConfiguration": {"level": LEVELS[info.severity]},
                "properties": {"tags": [info.family]},
            }
        )
    results = [_result(d, index) for d in report.findings]
    results += [_result(s.finding, index, s.reason) for s in report.suppressed]
    return sarif_log(report.command, rules, results, columnKind="unicodeCodePoints")


def sarif_log(command: str, rules: list[dict[str, object]], results: list[dict[str, object]],
              **run: object) -> dict[str, object]:
    """The SARIF 2.1.0 envelope every command shares: one run of the mlstrata driver with `rules` and
    `results`, plus any other run properties (`invocations`, `columnKind`)."""
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlstrata",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"mlstrata/{command}/"},
                "results": results,
                **run,
            }
        ],
    }


def dumps(log: dict[str, object]) -> str:
    """A SARIF log as stable JSON text (sorted keys, two-space indent)."""
    return dump(log)


def render(report: Report) -> str:
    return dumps(to_sarif(report))
