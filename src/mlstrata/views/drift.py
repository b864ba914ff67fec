"""Drift reports as a rich table, JSON, Markdown and SARIF 2.1.0 (one rule per drift category, one
result per drifted resource, through the shared SARIF writer)."""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from mlstrata.drift.categories import PRIORITY
from mlstrata.drift.report import ABSENT, DriftedResource, DriftReport
from mlstrata.repo import unit_file
from mlstrata.views import sarif
from mlstrata.views.markdown import cell

MAX_CHANGES_SHOWN = 12


def show_value(value: Any) -> str:
    """A value as a short, stable string (JSON for collections; `(absent)` as is)."""
    if value == ABSENT or isinstance(value, str):
        return str(value)
    return json.dumps(value, sort_keys=True)


def change_lines(resource: DriftedResource) -> list[str]:
    """`path: before -> after` lines (or the deletion), at most MAX_CHANGES_SHOWN plus a count."""
    if resource.deleted:
        return ["exists -> deleted outside Terraform"]
    if resource.unmanaged:
        what = str(resource.changes[0].after) if resource.changes else resource.address
        return [f"exists outside Terraform: {what}", f"hint: {resource.hint}"]
    lines = [f"{c.path}: {show_value(c.before)} -> {show_value(c.after)}" for c in resource.changes]
    if len(lines) > MAX_CHANGES_SHOWN:
        lines = [*lines[:MAX_CHANGES_SHOWN], f"… and {len(lines) - MAX_CHANGES_SHOWN} more"]
    return lines


def verdict(report: DriftReport) -> str:
    if report.failed:
        failed = [u.unit for u in report.units if u.status in ("failed", "skipped")]
        return f"error: {', '.join(failed) or 'the run'} could not be checked"
    if report.unallowed:
        unmanaged = sum(r.unmanaged for r in report.unallowed)
        changed = len(report.unallowed) - unmanaged
        parts = ([f"{changed} resource(s) changed outside Terraform"] if changed else []) + (
            [f"{unmanaged} unmanaged object(s)"] if unmanaged else [])
        return "drift: " + ", ".join(parts)
    return "no drift"


def human_table(report: DriftReport) -> Table:
    """One row per drifted resource: unit, address, category, before -> after, since, allowed."""
    table = Table(title=f"mlstrata drift — {verdict(report)}", title_justify="left", show_lines=True)
    for column in ("unit", "resource", "category", "before → after", "since", "status"):
        table.add_column(column, overflow="fold")
    for r in report.resources:
        status = f"[green]allowed[/]: {r.allowed_reason}" if r.allowed else "[bold red]drift[/]"
        table.add_row(r.unit, r.address, r.category.label, "\n".join(change_lines(r)), r.since, status)
    return table


def unit_table(report: DriftReport) -> Table:
    table = Table(title="units", title_justify="left")
    table.add_column("unit", overflow="fold")
    table.add_column("status", overflow="fold")
    styles = {"clean": "green", "drift": "yellow", "failed": "bold red", "skipped": "red", "not applied": "dim"}
    for u in report.units:
        table.add_row(u.unit, f"[{styles[u.status]}]{u.status}[/]")
    return table


def render_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, default=str) + "\n"


def _cell_br(text: str) -> str:
    return cell(text, line_break="<br>")


def render_markdown(report: DriftReport) -> str:
    """A pull-request comment: verdict, a table of drifted resources, allowed drift folded."""
    icon = "🛑" if report.failed else ("⚠️" if report.unallowed else "✅")
    lines = [f"### mlstrata drift: {icon} {verdict(report)}", ""]
    lines.append(" · ".join(f"`{u.unit}` {u.status}" for u in report.units))
    lines.append("")
    if report.unallowed:
        lines += ["| unit | resource | category | before → after | since |", "|---|---|---|---|---|"]
        for r in report.unallowed:
            lines.append(f"| `{r.unit}` | `{_cell_br(r.address)}` | {r.category.label} | "
                         f"{_cell_br(chr(10).join(change_lines(r)))} | {r.since} |")
        lines.append("")
    if report.allowed:
        lines += ["<details><summary>Allowed drift (declared in drift.allow)</summary>", "",
                  "| unit | resource | before → after | reason |", "|---|---|---|---|"]
        for r in report.allowed:
            lines.append(f"| `{r.unit}` | `{_cell_br(r.address)}` | {_cell_br(chr(10).join(change_lines(r)))} | "
                         f"{_cell_br(r.allowed_reason)} |")
        lines += ["", "</details>", ""]
    failures = [d for d in report.all_diagnostics() if d.is_error]
    if failures:
        lines += ["#### Errors", ""]
        lines += [f"- {_cell_br(d.headline())}" + (f" — {_cell_br(d.hint)}" if d.hint else "") for d in failures]
        lines.append("")
    return "\n".join(lines)


def _sarif_result(r: DriftedResource, index: dict[str, int]) -> dict[str, object]:
    rule = f"drift/{r.category.value}"
    text = f"{r.unit}: {r.address} changed outside Terraform ({r.category.label}): " + "; ".join(change_lines(r))
    if r.since:
        text += f" Drifted since {r.since}."
    result: dict[str, object] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": "error",
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": unit_file(r.env, r.layer, "main.tf"),
                                                      "uriBaseId": "%SRCROOT%"}},
            "logicalLocations": [{"fullyQualifiedName": r.address, "kind": "resource"}],
        }],
        "partialFingerprints": {"mlstrataDrift/v1": f"{r.unit}:{r.address}"},
    }
    if r.allowed:
        result["suppressions"] = [{"kind": "external", "justification": r.allowed_reason}]
    return result


def to_sarif(report: DriftReport) -> dict[str, object]:
    """SARIF 2.1.0: one rule per drift category, one result per drifted resource."""
    categories = list(PRIORITY)
    index = {f"drift/{c.value}": i for i, c in enumerate(categories)}
    rules: list[dict[str, object]] = [{
        "id": f"drift/{c.value}",
        "name": "Drift" + "".join(p.capitalize() for p in c.value.split("-")),
        "shortDescription": {"text": f"Changed outside Terraform: {c.label}"},
        "help": {"text": "Revert the change with `mlstrata plan` + `mlstrata apply`, or declare it in the "
                         "spec's drift.allow with a reason."},
        "defaultConfiguration": {"level": "error"},
    } for c in categories]
    notifications = [{"level": "error", "message": {"text": d.headline()}}
                     for d in report.all_diagnostics() if d.is_error]
    return sarif.sarif_log("drift", rules, [_sarif_result(r, index) for r in report.resources],
                           invocations=[{"executionSuccessful": not report.failed,
                                         "toolExecutionNotifications": notifications}])


def render_sarif(report: DriftReport) -> str:
    return sarif.dumps(to_sarif(report))
