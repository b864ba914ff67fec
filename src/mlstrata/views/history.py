"""Views of `mlstrata history`: a terminal table, JSON, Markdown (for a pull request or a wiki page)."""

from __future__ import annotations

import json

from rich.table import Table

from mlstrata.governance.history import Current, History, Run
from mlstrata.views.markdown import cell as _cell


def _changes(run: Run) -> str:
    counts = (run.end or {}).get("counts")
    return f"+{counts['add']} ~{counts['change']} -{counts['destroy']}" if isinstance(counts, dict) else "-"


def _review(run: Run) -> str:
    review = run.start.get("review") or {}
    accepted = review.get("accepted") or []
    text = str(review.get("verdict", "-"))
    if accepted:
        text += ": " + "; ".join(f"{a.get('id') or a.get('what')}: {a.get('reason')}" for a in accepted)
    return text


def _status(run: Run) -> str:
    if run.status == "failed":
        errors = (run.end or {}).get("errors") or []
        return "failed" + (f": {errors[0]}" if errors else "")
    if run.status == "interrupted":
        return "interrupted (started, never finished: the process was killed; check the state)"
    return run.status


def to_json(history: History) -> str:
    payload = {"runs": [r.to_dict() for r in history.runs], "current": [c.to_dict() for c in history.current],
               "journals": history.locations, "diagnostics": [d.to_dict() for d in history.problems]}
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def _since(current: Current) -> str:
    """Since when the unit's state is what it is; "unknown" when its journal could not be read."""
    if current.since is not None and current.since.ended_at:
        return current.since.ended_at
    return "unknown: journal unreadable" if current.unreadable else "never applied"


def to_markdown(history: History) -> str:
    lines = ["### mlstrata history", "", "| unit | current since | by | revision | operation |",
             "|---|---|---|---|---|"]
    for c in history.current:
        since = c.since
        note = f" ⚠️ later {c.later_problem.status}" if c.later_problem else ""
        lines.append(f"| `{c.unit}` | {_since(c)}{note} | "
                     f"{_cell(since.actor) if since else ''} | {since.revision if since else ''} | "
                     f"{_cell(since.operation) if since else ''} |")
    lines += ["", "| when | unit | operation | by | revision | plan | review | result | changes |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in history.runs:
        plan = str(r.start.get("plan_sha256") or "")[:12] or "-"
        lines.append(f"| {r.started_at} | `{r.unit}` | {_cell(r.operation)} | {_cell(r.actor)} | {r.revision} | "
                     f"{plan} | {_cell(_review(r))} | {_cell(_status(r))} | {_changes(r)} |")
    return "\n".join(lines) + "\n"


def tables(history: History) -> list[Table]:
    current = Table(title="current state of each unit")
    for column in ("unit", "since", "by", "spec revision", "operation", "after that"):
        current.add_column(column, overflow="fold")
    for c in history.current:
        s = c.since
        current.add_row(c.unit, _since(c), s.actor if s else "",
                        s.revision if s else "", s.operation if s else "",
                        f"{c.later_problem.status} at {c.later_problem.started_at}" if c.later_problem else "")
    runs = Table(title="changes, newest first")
    for column in ("started", "unit", "operation", "by", "spec revision", "plan", "review", "result", "changes"):
        runs.add_column(column, overflow="fold")
    for r in history.runs:
        runs.add_row(r.started_at, r.unit, r.operation, r.actor, r.revision,
                     str(r.start.get("plan_sha256") or "")[:12] or "-", _review(r), _status(r), _changes(r))
    return [current, runs]
