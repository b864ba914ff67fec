"""The one pull/merge-request comment: per affected unit the plan summary, the review verdict and findings,
the GPU cost change, parity against the other environments and the last drift result, details folded.

It is built from the JSON the pipeline's steps write (`affected --format json`, `plan --format json` and the
saved `plan.json` per unit, `parity --format json`, the nightly `drift --format json`), so it reads exactly what
the jobs produced. A hidden marker lets the pipeline find and update its comment instead of adding another.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstrata.cost.money import signed_money
from mlstrata.diagnostics import Diagnostic, error
from mlstrata.views.markdown import cell

MARKER = "<!-- mlstrata:pr-comment -->"
PLAN_REPORT = "plan-report.json"
SAVED_PLAN_JSON = "plan.json"
EXIT_CODE = "exit-code"
_ICON = {"error": "🛑", "warning": "⚠️", "info": "🔎"}
_ACTION = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<=", "no-op": " "}


@dataclass
class UnitPlan:
    """What one unit's plan job left behind."""

    unit: str
    exit_code: int | None = None
    report: dict[str, Any] = field(default_factory=dict)
    changes: list[tuple[str, str]] = field(default_factory=list)  # (action, address)
    changes_outputs: bool = False  # applying it changes outputs that later layers read


def _read_json(path: Path) -> tuple[Any, Diagnostic | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        return None, error(f"cannot read {path}: {exc}", code="ci.comment_input",
                           hint="The step that writes it failed; see its log.")


def _action(actions: Sequence[str]) -> str:
    if "delete" in actions and "create" in actions:
        return "replace"
    return actions[0] if actions else "no-op"


def read_plans(folder: Path) -> tuple[list[UnitPlan], list[Diagnostic]]:
    """Every `*/plan-report.json` under `folder` (one folder per unit's artifact)."""
    plans, problems = [], []
    for report_path in sorted(folder.glob(f"*/{PLAN_REPORT}")):
        report, problem = _read_json(report_path)
        if problem is not None or not isinstance(report, dict):
            problems.append(problem or error(f"{report_path} is not a plan report", code="ci.comment_input"))
            continue
        units = report.get("units") or [{}]
        unit = str(units[0].get("unit") or report_path.parent.name)
        plan = UnitPlan(unit=unit, report=report)
        try:
            plan.exit_code = int((report_path.parent / EXIT_CODE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            plan.exit_code = None
        saved, _ = _read_json(report_path.parent / SAVED_PLAN_JSON)
        outputs = (saved or {}).get("output_changes") if isinstance(saved, dict) else None
        plan.changes_outputs = isinstance(outputs, dict) and any(
            isinstance(o, dict) and _action(o.get("actions") or []) not in ("no-op", "read") for o in outputs.values())
        for rc in (saved or {}).get("resource_changes", []) if isinstance(saved, dict) else []:
            action = _action(rc.get("change", {}).get("actions", []))
            if action not in ("no-op", "read"):
                plans_address = str(rc.get("address", "?"))
                plan.changes.append((action, plans_address))
        plans.append(plan)
    return plans, problems


def _plan_cell(plan: UnitPlan | None) -> str:
    if plan is None:
        return "⏳ no plan (job failed or still running)"
    units = plan.report.get("units") or []
    counts = units[0].get("counts", {}) if units else {}
    if plan.exit_code == 1 and not plan.report.get("ok", False):
        return "❌ plan failed"
    if units and units[0].get("status") == "deferred":
        return "⏭ planned on merge, after the layers it reads are applied"
    if not counts or not any(counts.get(k) for k in ("add", "change", "destroy", "import", "forget")):
        return "no changes"
    text = f"+{counts.get('add', 0)} ~{counts.get('change', 0)} -{counts.get('destroy', 0)}"
    return f"{text} (import {counts['import']})" if counts.get("import") else text


def _review(plan: UnitPlan | None) -> dict[str, Any]:
    review = (plan.report.get("review") if plan else None) or {}
    return review if isinstance(review, dict) else {}


def _accepted(plan: UnitPlan | None) -> int:
    """How many blocking findings the acceptance file accepts for this plan, when it accepts them all."""
    gate = (plan.report.get("gate") if plan else None) or []
    if not gate or any(v.get("verdict") == "blocked" for v in gate if isinstance(v, dict)):
        return 0
    return sum(len(v.get("blocking") or []) for v in gate if isinstance(v, dict))


def _blocks(plan: UnitPlan | None) -> bool:
    return bool(_review(plan).get("failed")) and not _accepted(plan)


def _review_cell(plan: UnitPlan | None) -> str:
    review = _review(plan)
    if not review:
        return "—"
    summary = review.get("summary", {})
    counts = ", ".join(f"{summary[s]} {s}" for s in ("error", "warning", "info") if summary.get(s))
    accepted = _accepted(plan)
    verdict = ("🛑 **blocks apply**" if _blocks(plan) else
               f"✅ {accepted} blocking finding(s) accepted" if accepted else "✅ passes")
    return f"{verdict} ({counts})" if counts else verdict


def _cost(plan: UnitPlan | None) -> tuple[float, float, bool]:
    desired = maximum = 0.0
    priced = False
    for unit in _review(plan).get("units", []):
        for pool in unit.get("gpu_pools", []):
            for key, which in (("monthly_desired", "d"), ("monthly_max", "m")):
                change = (pool.get(key) or {}).get("change")
                if isinstance(change, int | float):
                    priced = True
                    if which == "d":
                        desired += change
                    else:
                        maximum += change
    return desired, maximum, priced


def _cost_cell(plan: UnitPlan | None) -> str:
    desired, maximum, priced = _cost(plan)
    if not priced:
        return "—"
    return f"{signed_money(desired)} desired, {signed_money(maximum)} max"


def parity_findings(parity: Mapping[str, Any] | None, env: str, layer: str) -> list[dict[str, Any]]:
    """Unallowed differences between `env` and the other environments that concern this layer."""
    out = []
    for d in (parity or {}).get("differences", []):
        if d.get("status") != "finding" or env not in d.get("values", {}):
            continue
        key = str(d.get("key", ""))
        layer_of = key.split(":", 1)[0] if d.get("level") in ("config", "state") and ":" in key else None
        if layer_of in (None, layer):
            out.append(d)
    return out


def _parity_cell(parity: Mapping[str, Any] | None, env: str, layer: str) -> str:
    if parity is None:
        return "—"
    found = parity_findings(parity, env, layer)
    return f"⚠️ {len(found)} unallowed" if found else "✅ at parity"


def drift_of(drift: Mapping[str, Any] | None, unit: str) -> tuple[str, list[dict[str, Any]]]:
    if drift is None:
        return "no nightly run yet", []
    status = next((str(u.get("status")) for u in drift.get("units", []) if u.get("unit") == unit), "not checked")
    resources = [r for r in drift.get("resources", []) if r.get("unit") == unit]
    return status, resources


def _drift_cell(drift: Mapping[str, Any] | None, unit: str) -> str:
    status, resources = drift_of(drift, unit)
    if status == "drift":
        return f"⚠️ drift ({len(resources)} resources)"
    return {"clean": "✅ clean", "failed": "❌ check failed"}.get(status, status)


def replanned_after(units: Sequence[Mapping[str, Any]], by_unit: Mapping[str, UnitPlan]) -> dict[str, list[str]]:
    """Units whose plan read outputs that an earlier unit of the same environment changes: each with those
    units. The merge plans them again once those are applied, and the review gate runs on that plan."""
    out: dict[str, list[str]] = {}
    for i, u in enumerate(units):
        before = [str(e["unit"]) for e in units[:i] if e.get("env") == u.get("env")
                  and (p := by_unit.get(str(e["unit"]))) is not None and p.changes_outputs]
        if before:
            out[str(u["unit"])] = before
    return out


def render_comment(affected: Mapping[str, Any], plans: Sequence[UnitPlan], parity: Mapping[str, Any] | None,
                   drift: Mapping[str, Any] | None, *, run_url: str = "") -> str:
    """The comment's Markdown (starts with the hidden marker)."""
    by_unit = {p.unit: p for p in plans}
    units = list(affected.get("units", []))
    blocked = [u["unit"] for u in units if _blocks(by_unit.get(u["unit"]))]
    failed = [u["unit"] for u in units if by_unit.get(u["unit"]) is None or by_unit[u["unit"]].exit_code == 1]
    if not units:
        head = "✅ no environment x layer unit is affected by this change"
    elif blocked:
        head = f"🛑 the review blocks {', '.join(f'`{u}`' for u in blocked)}: apply will refuse these plans"
    elif failed:
        head = f"❌ {', '.join(f'`{u}`' for u in failed)} could not be planned"
    else:
        head = f"✅ {len(units)} unit{'s' if len(units) != 1 else ''} planned; the review passes"
    lines = [MARKER, f"## mlstrata plan: {head}", ""]
    if units:
        lines += ["Applied on merge in this order, each only while its plan is still current.", "",
                  "| # | unit | plan | review | GPU cost / month | parity | last drift |",
                  "|---|---|---|---|---|---|---|"]
        again = replanned_after(units, by_unit)
        for u in units:
            plan = by_unit.get(u["unit"])
            lock = " 🔒" if u.get("protected") else ""
            cell = _plan_cell(plan) + (" ↻ planned again on merge" if u["unit"] in again else "")
            lines.append(f"| {u.get('order', 0) + 1} | `{u['unit']}`{lock} | {cell} | {_review_cell(plan)} "
                         f"| {_cost_cell(plan)} | {_parity_cell(parity, u['env'], u['layer'])} "
                         f"| {_drift_cell(drift, u['unit'])} |")
        lines.append("")
        for u in units:
            lines += _details(u, by_unit.get(u["unit"]), parity, drift, again.get(str(u["unit"]), []))
    for d in affected.get("deleted", []):
        lines += [f"> ⚠️ `{d['unit']}` is gone from the spec: {d['hint']}.", ""]
    if affected.get("spec_changes"):
        keys = ", ".join(f"`{k}`" for k in affected["spec_changes"][:20])
        more = f" and {len(affected['spec_changes']) - 20} more" if len(affected["spec_changes"]) > 20 else ""
        lines += [f"Spec keys changed: {keys}{more}.", ""]
    footer = "🔒 protected environment: applied only after its required reviewers approve."
    lines.append(f"<sub>{footer}{f' [Pipeline run]({run_url}).' if run_url else ''}</sub>")
    return "\n".join(lines) + "\n"


def _details(u: Mapping[str, Any], plan: UnitPlan | None, parity: Mapping[str, Any] | None,
             drift: Mapping[str, Any] | None, after: Sequence[str] = ()) -> list[str]:
    lines = [f"<details><summary><code>{u['unit']}</code>: {_plan_cell(plan)} · review: "
             f"{_review_cell(plan)}</summary>", "", f"Why: {'; '.join(u.get('reasons', []))}.", ""]
    if after:
        names = ", ".join(f"`{a}`" for a in after)
        lines += [f"↻ This plan read the outputs of {names} as they are now, and the plan of {names} changes them: on "
                  f"merge, `{u['unit']}` is planned again after {names} is applied, the review gate runs on that plan, "
                  "and then it is applied (what is shown here may differ from what applies).", ""]
    if plan is not None and plan.changes:
        lines += ["```diff"] + [f"{_ACTION.get(a, a)} {addr}" for a, addr in plan.changes[:200]]
        if len(plan.changes) > 200:
            lines.append(f"# ... {len(plan.changes) - 200} more")
        lines += ["```", ""]
    findings = _review(plan).get("findings", [])
    if findings:
        lines += ["| | rule | where | finding |", "|---|---|---|---|"]
        for f in findings:
            where = f"`{Path(str(f['file'])).name}:{f.get('line', 0)}`" if f.get("file") else ""
            lines.append(f"| {_ICON.get(f.get('severity', ''), '')} {f.get('severity', '')} | {f.get('code', '')} | "
                         f"{where} | `{cell(str(f.get('path', '')))}`: {cell(str(f.get('summary', '')))} |")
        lines.append("")
    for unit in _review(plan).get("units", []):
        for pool in unit.get("gpu_pools", []):
            d, m = (pool.get("monthly_desired") or {}), (pool.get("monthly_max") or {})
            if isinstance(m.get("change"), int | float):
                lines.append(f"- GPU pool `{pool.get('address')}` ({pool.get('action')}): "
                             f"{signed_money(float(d.get('change') or 0))}/month at desired, "
                             f"{signed_money(float(m['change']))}/month at max")
    for d in parity_findings(parity, str(u["env"]), str(u["layer"])):
        values = ", ".join(f"{env}: `{json.dumps(v)}`" for env, v in sorted(d.get("values", {}).items()))
        lines.append(f"- parity: `{d.get('key')}` differs ({values}); allow it in `parity.allow` if intended")
    status, resources = drift_of(drift, str(u["unit"]))
    for r in resources:
        lines.append(f"- drift: `{r.get('address')}` {r.get('category', '')} "
                     f"({'allowed' if r.get('allowed') else 'not allowed'})")
    if status == "drift" and not resources:
        lines.append("- drift: see the nightly drift issue")
    lines += ["", "</details>", ""]
    return lines
