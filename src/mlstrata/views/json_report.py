"""The JSON view: one object with the summary, every finding, and the suppressed findings."""

from __future__ import annotations

import json

import msgspec

from mlstrata.views import Report


def dump(value: object) -> str:
    """JSON text exactly as `json.dumps(value, indent=2, sort_keys=True)` writes it, with a final newline.

    json's C encoder only runs without `indent`; its pure-Python indenting encoder took 2-3x as long on a
    20k-change review report. So: compact text from the C encoder, re-indented by msgspec (whitespace only)."""
    return msgspec.json.format(json.dumps(value, sort_keys=True).encode(), indent=2).decode() + "\n"


def render(report: Report) -> str:
    """Findings as JSON (keys sorted, findings in file/line order)."""
    return dump(payload(report))


def payload(report: Report) -> dict[str, object]:
    """The JSON view's object, for views that add to it."""
    return {
        "command": report.command,
        "fail_on": report.fail_on,
        "failed": report.failed,
        "summary": {**report.counts(), **report.stats},
        "findings": [_finding(report, d.to_dict()) for d in report.findings],
        "suppressed": [
            {**_finding(report, s.finding.to_dict()), "reason": s.reason, "suppressed_at": s.where}
            for s in report.suppressed
        ],
    }


def _finding(report: Report, data: dict[str, object]) -> dict[str, object]:
    info = report.rules.get(str(data.get("code", "")))
    if info is not None:
        data["rule"] = info.name
        data["family"] = info.family
    return data
