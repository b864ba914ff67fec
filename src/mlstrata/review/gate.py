"""`mlstrata review`: the gate on `terraform show -json` plans.

Per plan (one per unit): decode it (typed, drift apart), run the risk checks on the changed resources
(every resource with `--all`), price GPU capacity changes with the cost model, place each finding at
its `resource` block (file:line) and hold protected environments to stricter severities.
Library code: returns reviews and diagnostics, prints nothing.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlstrata.cost.estimate import (
    GPU_POOL_TYPES,
    PlannedPool,
    PoolChange,
    plan_delta,
    pricing_cloud,
)
from mlstrata.cost.money import money, signed_money
from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.plan import Action, ChangeCounts, Plan, ResourceChange
from mlstrata.plan.decode import load_plan_and
from mlstrata.pricing import PriceBook, load_price_book, shipped_price_book
from mlstrata.repo import WORK_DIR, unit_of_path
from mlstrata.repo import unit_dir as repo_unit_dir
from mlstrata.review.checks import Hit, PlanFacts, check_drift, check_present, checks_for, object_name
from mlstrata.review.classes import GPU_CAPACITY
from mlstrata.review.source import SourceIndex
from mlstrata.rules.environments import PROTECTED_NAMES

if TYPE_CHECKING:
    from mlstrata.spec.load import LoadedSpec


@dataclass(frozen=True)
class UnitInput:
    """One plan and what is known about its unit."""

    plan_path: Path
    unit: str
    env: str | None
    protected: bool
    root_dir: Path | None  # the root module's directory, for file:line
    region: str | None = None


@dataclass(frozen=True)
class ReviewSettings:
    all_resources: bool = False
    book: PriceBook | None = None
    cloud: str = "aws"
    state_buckets: frozenset[str] = frozenset()


@dataclass
class UnitReview:
    unit: str
    plan_path: str
    env: str | None
    protected: bool
    counts: ChangeCounts
    checked: int
    drifted: int
    findings: list[Diagnostic] = field(default_factory=list)
    pool_changes: list[PoolChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "unit": self.unit,
            "plan": self.plan_path,
            "env": self.env,
            "protected": self.protected,
            "changes": {"add": c.add, "change": c.change, "destroy": c.destroy, "import": c.import_,
                        "forget": c.forget},
            "checked": self.checked,
            "drifted": self.drifted,
            "findings": len(self.findings),
            "gpu_pools": [p.to_dict() for p in self.pool_changes],
        }


# -- which unit a plan belongs to ----------------------------------------------------------------------

def _has_tf(directory: Path) -> bool:
    try:
        return any(name.endswith(".tf") for name in os.listdir(directory))
    except OSError:
        return False


def locate_unit(plan_path: Path) -> tuple[str | None, str | None, Path | None]:
    """(env, layer, unit directory) from a path like `live/<env>/<layer>/.mlstrata/plan.json`."""
    env, layer, unit_dir = unit_of_path(plan_path.resolve().parent)
    if env is not None and unit_dir is not None:
        return env, layer, unit_dir if _has_tf(unit_dir) else None
    parent = plan_path.resolve().parent
    if parent.name == WORK_DIR and _has_tf(parent.parent):
        return None, None, parent.parent
    return None, None, None


def unit_input(plan_path: Path, *, env: str | None = None, repo: Path | None = None,
               spec: LoadedSpec | None = None) -> UnitInput:
    """What is known about a plan's unit: from the options, the plan's path and the spec."""
    path_env, layer, unit_dir = locate_unit(plan_path)
    env = env or path_env
    envs = {}
    if spec is not None:
        from mlstrata.spec.resolve import resolve  # only with a spec: plans alone need no spec models

        envs = resolve(spec.platform, spec.source.data)
    if env is None and len(envs) == 1:
        env = next(iter(envs))
    if repo is not None:
        candidate = repo_unit_dir(repo, env, layer) if env and layer else None
        unit_dir = candidate if candidate is not None and _has_tf(candidate) else repo
    resolved = envs.get(env) if env else None
    protected = resolved.protect if resolved is not None else env in PROTECTED_NAMES
    name = f"{env}/{layer}" if env and layer else (env or str(plan_path))
    return UnitInput(plan_path, name, env, protected, unit_dir, resolved.region if resolved else None)


def settings_for(spec: LoadedSpec | None, book: PriceBook | None, all_resources: bool) -> ReviewSettings:
    """Review settings from the spec (cloud for prices, the state bucket)."""
    if spec is None:
        return ReviewSettings(all_resources, book)
    state = spec.platform.state
    buckets = frozenset({state.bucket}) if state.bucket else frozenset()
    return ReviewSettings(all_resources, book, pricing_cloud(spec.platform.target), buckets)


# -- one plan -----------------------------------------------------------------------------------------

def provider_region(configuration: Any) -> str | None:
    """The AWS provider's `region` when the configuration sets it to a constant."""
    providers = configuration.get("provider_config") if isinstance(configuration, dict) else None
    if not isinstance(providers, dict):
        return None
    for key in sorted(providers):
        config = providers[key]
        if key.split(".", 1)[0] != "aws" or not isinstance(config, dict):
            continue
        region = (config.get("expressions") or {}).get("region")
        if isinstance(region, dict) and isinstance(region.get("constant_value"), str):
            return str(region["constant_value"])
    return None


def _plan_facts(plan: Plan, protected: bool, state_buckets: frozenset[str]) -> PlanFacts:
    deleted = frozenset(
        rc.before["bucket"] for rc in plan.resource_changes
        if rc.type == "aws_s3_bucket" and rc.action is Action.DELETE and isinstance(rc.before, dict)
        and isinstance(rc.before.get("bucket"), str))
    return PlanFacts(deleted, state_buckets, protected)


def _shape(p: PlannedPool) -> str:
    return f"{'/'.join(p.instance_types)} x {p.min}-{p.max} (desired {p.desired}, {p.capacity.replace('_', '-')})"


def aks_pool_notes(rc: ResourceChange) -> list[str]:
    """What an AKS node pool change does to running GPU nodes beyond its capacity."""
    if rc.type != "azurerm_kubernetes_cluster_node_pool":
        return []
    before = rc.before if isinstance(rc.before, dict) else {}
    after = rc.after if isinstance(rc.after, dict) else {}
    notes = []
    if rc.is_replace and any(path and path[0] == "gpu_driver" for path in rc.replace_paths):
        notes.append("gpu_driver forces the pool's replacement: every GPU node is deleted and recreated (azurerm "
                     ">= 4.40 stores gpu_driver = Install for pools created earlier; set it explicitly, "
                     "hashicorp/terraform-provider-azurerm#30990)")
    elif before and after and not rc.is_replace and before.get("vm_size") != after.get("vm_size"):
        notes.append(f"vm_size {before.get('vm_size')} -> {after.get('vm_size')} rotates the pool through "
                     f"`{after.get('temporary_name_for_rotation') or 'a temporary pool'}`: its nodes are deleted "
                     "without a cordon/drain of their pods; schedule it")
    return notes


def capacity_hit(rc: ResourceChange, change: PoolChange, region: str | None) -> Hit | None:
    """The GPU capacity finding of one pool change, or None when its capacity does not change."""
    before, after = change.before, change.after
    if before is None and after is not None:
        what = f"GPU pool created: {_shape(after)}"
    elif after is None and before is not None:
        what = f"GPU pool removed: {_shape(before)}"
    elif before is not None and after is not None:
        diffs = []
        if before.instance_types != after.instance_types:
            diffs.append(f"instance types {', '.join(before.instance_types)} -> {', '.join(after.instance_types)}")
        if before.capacity != after.capacity:
            diffs.append(f"capacity {before.capacity} -> {after.capacity}")
        for key in ("min", "desired", "max"):
            old, new = getattr(before, key), getattr(after, key)
            if old != new:
                diffs.append(f"{key} {old} -> {new}")
        notes = aks_pool_notes(rc)
        if not diffs and not notes:
            return None
        what = "; ".join((["GPU capacity changed: " + ", ".join(diffs)] if diffs else []) + notes)
    else:
        return None
    b_want, a_want, d_want = change.monthly("desired")
    b_max, a_max, d_max = change.monthly("max")
    cost = (f"per month: {money(b_want)} -> {money(a_want)} ({signed_money(d_want)}) at desired, "
            f"{money(b_max)} -> {money(a_max)} ({signed_money(d_max)}) at max")
    if d_max is None:
        cost += ("; the region is unknown (pass --spec, or set the provider's region)" if not region
                 else f"; no price for this type/capacity in {region}")
    return Hit(GPU_CAPACITY, f"{rc.type} `{object_name(rc)}`: {what}; {signed_money(d_max)}/month at max", cost)


def review_plan(plan: Plan, unit: UnitInput, settings: ReviewSettings) -> UnitReview:
    """Review one decoded plan."""
    facts = _plan_facts(plan, unit.protected, settings.state_buckets)
    hits: list[tuple[ResourceChange, Hit]] = []
    checked = 0
    gpu_rows: list[tuple[str, str, str, object, object]] = []
    by_address: dict[str, ResourceChange] = {}
    all_resources, add = settings.all_resources, hits.append
    for rc in plan.resource_changes:  # runs for every change of a large plan: plain loops, no generator wrappers
        action = rc.action
        if not (all_resources or action.is_change):
            continue
        checked += 1
        for check in checks_for(rc.type, action):
            for h in check(rc, facts):
                add((rc, h))
        if all_resources:
            for h in check_present(rc, facts):
                add((rc, h))
        if action.is_change and rc.type in GPU_POOL_TYPES:
            gpu_rows.append((rc.address, rc.type, action.text, rc.before, rc.after))
            by_address[rc.address] = rc
    for rc in plan.resource_drift:
        for h in check_drift(rc):
            add((rc, h))
    pools: list[PoolChange] = []
    region = unit.region or provider_region(plan.configuration)
    if gpu_rows:
        pools, _unpriced = plan_delta(gpu_rows, settings.book or shipped_price_book(), settings.cloud, region or "")
        for change in pools:
            rc = by_address[change.address]
            hit = capacity_hit(rc, change, region)
            if hit is not None:
                hits.append((rc, hit))
    findings = place(hits, unit, plan)
    return UnitReview(unit.unit, str(unit.plan_path), unit.env, unit.protected, plan.counts(), checked,
                      len(plan.resource_drift), findings, pools)


def place(hits: Iterable[tuple[ResourceChange, Hit]], unit: UnitInput, plan: Plan) -> list[Diagnostic]:
    """Findings at their resource's file:line (else at the plan file), ordered by place and class."""
    index = SourceIndex(unit.root_dir, plan.configuration)
    fallback = Where(str(unit.plan_path))
    out = []
    last: ResourceChange | None = None
    where: Where = fallback
    name = ""
    for rc, hit in hits:
        if rc is not last:  # a change's hits come together: placed and named once
            last = rc
            where = index.locate(rc.module_address, rc.mode.value, rc.type, rc.name) or fallback
            name = object_name(rc)
        severity = hit.severity or hit.risk.severity(unit.protected)
        detail = hit.detail
        if hit.severity is None and severity is not hit.risk.info.severity:
            word = "blocking" if severity is Severity.ERROR else severity.value  # the word of --fail-on blocking
            detail += ("; " if detail else "") + f"{word} because `{unit.env}` is a protected environment"
        out.append(Diagnostic(severity, hit.summary, detail=detail, where=where, path=rc.address,
                              hint=hit.risk.info.hint, code=hit.risk.info.id,
                              extra={"unit": unit.unit, "action": rc.action.text, "name": name}))
    out.sort(key=lambda d: (d.where.file if d.where else "", d.where.line if d.where else 0, d.code, d.path,
                            d.summary))
    return out


# -- many plans ---------------------------------------------------------------------------------------

def review_files(paths: Sequence[Path], *, env: str | None = None, repo: Path | None = None,
                 spec: LoadedSpec | None = None, book: PriceBook | None = None,
                 all_resources: bool = False,
                 keep: Callable[[object], None] | None = None) -> tuple[list[UnitReview], list[Diagnostic]]:
    """Review plan files; on bad input (unreadable, not JSON, not a plan, an unreadable price overlay beside
    the spec) return no reviews and why. GPU capacity is priced with `book`, else with the price book of
    `spec` (the catalog and the team's overlay, as `mlstrata cost` prices), else with the catalog alone.
    `keep`, when given, is handed the last plan's decoded objects instead of letting them be freed (for a
    caller that exits without freeing them; the plans before it are freed as they are done with)."""
    if book is None and spec is not None:
        book, problems = load_price_book(Path(spec.source.file))
        if book is None:
            return [], problems
    settings = settings_for(spec, book, all_resources)
    reviews = []
    # A large plan is millions of containers that all live until the review ends: the collector's
    # passes over them would cost more than the review itself (see benchmarks/review_large_plan.py).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, path in enumerate(paths):
            def review_one(plan: Plan, path: Path = path) -> UnitReview:
                return review_plan(plan, unit_input(path, env=env, repo=repo, spec=spec), settings)

            # a large plan's depth check runs on the other core while this one reviews it (plan/decode.py)
            review, problems = load_plan_and(path, review_one, keep=keep if i == len(paths) - 1 else None)
            if review is None:
                return [], problems
            reviews.append(review)
    finally:
        if keep is not None:
            # what is left (the kept plan, the values decoded from it, the findings) lives until the process
            # ends: frozen, the collector's next passes skip it instead of scanning millions of objects again
            gc.freeze()
        if was_enabled:
            gc.enable()
    return reviews, []
