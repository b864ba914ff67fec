"""Rollback to an earlier spec revision: the spec as it was at a git revision, rendered into a scratch tree
whose units plan against the *current* state of the real units.

The scratch tree is `<repo>/.mlstrata/rollback/<revision>/`. Its units differ from the real ones only in
where they are, so each gets a Terraform override file (`*_override.tf`, merged by Terraform over the
rendered configuration) that points back at the real repository: what that takes is the target's
(`Target.rollback_override`; on the local target the state backend, the base layer's remote state and the
folder the provider keeps the environment in). Nothing of the real tree is touched.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, error
from mlstrata.engine import Engine, RunReport, Unit, UnitResult, plan_unit, run_units, saved_plan_problem
from mlstrata.engine.operations import PLAN_FILE, PLAN_JSON, PLAN_META
from mlstrata.engine.results import Operation, Status
from mlstrata.engine.runs import read_json
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.repo import LIVE, ROLLBACK_DIR, unit_dir
from mlstrata.spec.load import LoadedSpec, load_text
from mlstrata.spec.models import Platform
from mlstrata.targets.registry import TARGETS

OVERRIDE_FILE = "mlstrata_rollback_override.tf"
SCRATCH = Path(ROLLBACK_DIR)


@dataclass(frozen=True)
class SpecAtRevision:
    revision: str  # full commit id
    given: str  # as the user wrote it
    spec: LoadedSpec


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False, timeout=60)


def spec_at(spec_file: Path, revision: str) -> tuple[SpecAtRevision | None, list[Diagnostic]]:
    """The spec file as it was at `revision` (any git revision: a commit id, tag, `HEAD~2`)."""
    folder = spec_file.resolve().parent
    try:
        found = _git(folder, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, [error(f"cannot run git: {exc}", code="rollback.git", hint="Install git; rollback reads "
                            "the spec's history from the repository it is committed in.")]
    if found.returncode != 0:
        inside = _git(folder, "rev-parse", "--is-inside-work-tree").returncode == 0
        return None, [error(f"`{revision}` is not a revision of the git repository holding {spec_file}"
                            if inside else f"{spec_file} is not in a git repository", code="rollback.revision",
                            hint="Pick one from `git log --oneline -- " + spec_file.name + "` or `mlstrata history`."
                            if inside else "Rollback goes back to a committed spec revision: commit the spec.")]
    commit = found.stdout.strip()
    shown = _git(folder, "show", f"{commit}:./{spec_file.name}")
    if shown.returncode != 0:
        return None, [error(f"{spec_file.name} did not exist at {revision} ({commit[:12]}): nothing to roll back to",
                            code="rollback.layout", hint="The spec was added or moved after that revision; "
                            "pick a later one (`git log --oneline -- " + spec_file.name + "`).")]
    name = f"{spec_file.name}@{commit[:12]}"
    try:
        loaded = load_text(shown.stdout, name)
    except DiagnosticsError as exc:
        first = exc.diagnostics[0]
        return None, [error(f"the spec at {revision} does not load with this mlstrata: {first.headline()}",
                            code="rollback.old_spec", hint="The spec's schema changed since; roll back to a later "
                            "revision, or fix the old spec in a new commit and roll forward.")]
    return SpecAtRevision(commit, revision, loaded), []


def layout_problems(current: Platform, old: SpecAtRevision, env: str,
                    current_units: Sequence[str], old_units: Sequence[str]) -> list[Diagnostic]:
    """Why the revision cannot be planned against today's units: a different platform, target or state
    backend (other units altogether), an environment or a unit that did not exist then."""
    rev = f"{old.given} ({old.revision[:12]})"
    platform = old.spec.platform
    for what, now, then in (("platform name", current.platform, platform.platform),
                            ("target", current.target, platform.target),
                            ("state backend", current.state.backend, platform.state.backend)):
        if now != then:
            return [error(f"the {what} was `{then}` at {rev} and is `{now}` now: its units are not today's units",
                          code="rollback.layout", hint="Roll back to a revision after that change.")]
    if env not in platform.environments:
        return [error(f"environment `{env}` did not exist at {rev}", code="rollback.layout",
                      hint=f"Roll back to a later revision, or remove it on purpose: mlstrata destroy --env {env}.")]
    missing = sorted(set(current_units) - set(old_units))
    if missing:
        return [error(f"unit {u} did not exist at {rev}: a rollback does not remove a whole unit",
                      code="rollback.layout", hint=f"Destroy it first on purpose (mlstrata destroy --env {env} "
                      f"--layer {u.split('/')[1]}), or roll back to a revision after it was added.")
                for u in missing]
    return []


def render_scratch(old: SpecAtRevision, repo: Path, env: str) -> tuple[Path | None, list[str], list[Diagnostic]]:
    """Render the old spec into `<repo>/.mlstrata/rollback/<rev>/` with override files; return the
    scratch root and the old revision's units of `env`."""
    platform = old.spec.platform
    target = TARGETS[platform.target]
    try:
        tree = render_tree(old.spec)
    except DiagnosticsError as exc:
        return None, [], exc.diagnostics
    prefix = f"{LIVE}/{env}/"
    overrides: dict[str, str] = {}
    for layer in sorted({rel[len(prefix):].split("/", 1)[0] for rel in tree.files if rel.startswith(prefix)}):
        rendered = {rel: text for rel, text in tree.files.items() if rel.startswith(f"{prefix}{layer}/")}
        override = target.rollback_override(platform, repo.resolve(), env, layer, rendered)
        if override is None:
            return None, [], [error(f"rollback is not implemented for the {platform.target} target yet",
                                    code="rollback.target", hint="It is implemented for the local target; "
                                    "elsewhere, check out the old spec, render and apply it (the journal still "
                                    "records it).")]
        overrides[layer] = override
    scratch = (repo / SCRATCH / old.revision[:12]).resolve()
    write_tree(tree, scratch)
    for layer, override in overrides.items():
        (unit_dir(scratch, env, layer) / OVERRIDE_FILE).write_text(override, encoding="utf-8")
    return scratch, [f"{env}/{layer}" for layer in overrides], []


def preview_all(engine: Engine, units: Sequence[Unit], *, reuse: bool) -> RunReport:
    """Plan every scratch unit; with `reuse`, keep a saved plan that is still current instead (the plans
    a blocked rollback showed, whose findings the user has now accepted by id)."""

    def step(engine: Engine, unit: Unit) -> UnitResult:
        meta = read_json(unit.work_dir / PLAN_META)
        if reuse and meta is not None and not meta.get("destroy") and saved_plan_problem(engine, unit) is None:
            status = Status.CHANGES if meta.get("has_changes") else Status.NO_CHANGES
            return UnitResult(unit, Operation.PLAN, status, plan_file=unit.work_dir / PLAN_FILE,
                              plan_json=unit.work_dir / PLAN_JSON, terraform_version=str(meta.get("terraform_version")))
        return plan_unit(engine, unit)

    return run_units(engine, units, step, Operation.PLAN)
