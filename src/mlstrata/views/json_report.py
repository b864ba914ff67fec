"""The JSON view: one object with the summary, every finding, and the suppressed findings."""

from __future__ import annotations

import json

from mlstrata.views import Report


def render(report: Report) -> str:
    """Findings as JSON (keys sorted, findings in file/line order)."""
    payload = {
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
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def _finding(report: Report, data: dict[str, object]) -> dict[str, object]:
    info = report.rules.get(str(data.get("code", "")))
    if info is not None:
        data["rule"] = info.name
        data["family"] = info.family
    return data
