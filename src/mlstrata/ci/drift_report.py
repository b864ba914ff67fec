"""The nightly drift report: per-environment `drift --format json` files merged into one, and one issue body
per unit (`issues.tsv`: unit, status, title, body file) for the pipeline to open, update or close."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, error
from mlstrata.views.markdown import cell

ISSUE_TITLE = "mlstrata drift: {unit}"


def merge(folder: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Every `mlstrata-drift-*/drift.json` under `folder`, merged (units and resources)."""
    merged: dict[str, Any] = {"units": [], "resources": [], "drift": False}
    problems = []
    for path in sorted(folder.glob("mlstrata-drift-*/drift.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(error(f"cannot read {path}: {exc}", code="ci.drift_input",
                                  hint="The drift job of that environment failed; see its log."))
            continue
        merged["units"] += data.get("units", [])
        merged["resources"] += data.get("resources", [])
        merged["drift"] = merged["drift"] or bool(data.get("drift"))
    return merged, problems


def issue_body(unit: str, resources: list[dict[str, Any]]) -> str:
    lines = [f"Nightly `mlstrata drift` found resources of `{unit}` that differ from its Terraform state.", "",
             "| resource | category | allowed | changes |", "|---|---|---|---|"]
    for r in resources:
        changes = "; ".join(f"`{c.get('path')}`: {json.dumps(c.get('before'))} → {json.dumps(c.get('after'))}"
                            for c in r.get("changes", [])[:10]) or r.get("kind", "")
        address = cell(f"`{r.get('address')}`")
        allowed = "yes" if r.get("allowed") else "no"
        lines.append(f"| {address} | {cell(str(r.get('category', '')))} | {allowed} | {cell(str(changes))} |")
    lines += ["", "Either bring the resource back with `mlstrata plan` + `mlstrata apply` (through a pull request), "
              "or change the spec to what is there now, or declare it in `drift.allow` with a reason.",
              "This issue is updated every night and closed when the unit is clean again."]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, out: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    merged, problems = merge(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / "drift.json").write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    rows = []
    issues = out / "issues"
    issues.mkdir(exist_ok=True)
    for unit in merged["units"]:
        name = str(unit.get("unit"))
        status = str(unit.get("status"))
        body = issues / f"{name.replace('/', '-')}.md"
        resources = [r for r in merged["resources"] if r.get("unit") == name and not r.get("allowed")]
        if status == "drift" and not resources:
            status = "clean"  # only allowed drift: nothing to act on
        body.write_text(issue_body(name, resources) if status == "drift" else "", encoding="utf-8")
        rows.append(f"{name}\t{status}\t{ISSUE_TITLE.format(unit=name)}\t{body}")
    (out / "issues.tsv").write_text("".join(f"{r}\n" for r in rows), encoding="utf-8")
    return merged, problems
