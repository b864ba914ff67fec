"""Operations that change or plan one unit: init, plan, refresh-only plan, apply (a saved plan,
only while current), destroy, up. Each returns a `UnitResult`; none raises for a Terraform
failure (those become diagnostics). Read-only operations are in `queries`.

Files kept in `<unit>/.mlstrata/`: `tfplan` (the saved plan), `plan.json` (its
`terraform show -json`), `plan.meta.json` (what the plan was made from, to refuse stale ones),
`refresh.tfplan`/`refresh.json` (drift), and the last run logs. Plan files hold attribute values in
plain text, sensitive ones included (Terraform's format): the folder is private to the owner and
a plan's files are removed once it is applied.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import threading
import time
import uuid
from pathlib import Path

import orjson

from mlstrata.diagnostics import Diagnostic, Severity, has_errors
from mlstrata.engine import tfdiags
from mlstrata.engine.process import ProcessOutcome
from mlstrata.engine.results import Operation, Status, UnitResult
from mlstrata.engine.runs import (
    begin,
    collect_diagnostics,
    common_args,
    failed_result,
    finish,
    read_json,
    remove_files,
    run_streamed,
    sha256_file,
    write_json,
)
from mlstrata.engine.session import Engine, prepare_work_dir
from mlstrata.engine.unit import Unit, config_fingerprint
from mlstrata.plan.state import resources as state_resources

PLAN_FILE = "tfplan"
PLAN_JSON = "plan.json"
PLAN_META = "plan.meta.json"
REFRESH_FILE = "refresh.tfplan"
REFRESH_JSON = "refresh.json"
INIT_META = "init.json"

_DETAILED_OK = (0, 2)  # -detailed-exitcode: 0 no changes, 2 changes, 1 error


# --------------------------------------------------------------------------- init


def _init_fingerprint(engine: Engine, unit: Unit) -> str:
    backend = sorted(unit.backend_config.items())
    key = orjson.dumps([engine.runner.label, backend, config_fingerprint(unit.path)])
    return hashlib.sha256(key).hexdigest()


def needs_init(engine: Engine, unit: Unit) -> bool:
    """True when the unit was never initialised, or its config, backend or runner changed since."""
    if not (unit.path / ".terraform").is_dir():
        return True
    meta = read_json(unit.work_dir / INIT_META)
    return meta is None or meta.get("fingerprint") != _init_fingerprint(engine, unit)


_PG_SETUP_LOCKS: dict[str, threading.Lock] = {}
_PG_SETUP_GUARD = threading.Lock()


def _backend_setup_lock(unit: Unit) -> threading.Lock | contextlib.nullcontext[None]:
    """One backend set-up at a time per PostgreSQL database. Terraform's `pg` backend creates a shared
    sequence (`public.global_states_id_seq`) at init, and a workspace's first state row under the
    database-wide advisory lock -1, which the first plan or apply of a unit then holds for its whole run:
    units sharing a database would race ("duplicate key value violates unique constraint") and queue
    ("Already locked for workspace creation"). So init and the creation of the state row (`_create_workspace`)
    happen here one unit at a time; plans and applies then run in parallel. Units on other databases or
    other backends are not held up."""
    conn = unit.env_vars.get("PG_CONN_STR")
    if not conn:
        return contextlib.nullcontext()
    with _PG_SETUP_GUARD:
        return _PG_SETUP_LOCKS.setdefault(conn, threading.Lock())


def _run_init(engine: Engine, unit: Unit) -> tuple[list[Diagnostic], ProcessOutcome | None]:
    if not unit.path.is_dir():
        missing = tfdiags.about(
            unit,
            "init",
            Severity.ERROR,
            f"unit folder of {unit.id} not found: {unit.path}",
            hint="render the repository first",
            code="engine.unit_missing",
        )
        return [missing], None
    prepare_work_dir(unit)
    args = ["init", "-json", *common_args(engine)]
    args += [f"-backend-config={k}={v}" for k, v in sorted(unit.backend_config.items())]
    with _backend_setup_lock(unit):
        outcome, ui = run_streamed(engine, unit, "init", args)
        diags = collect_diagnostics(unit, "init", outcome, ui, lock_timeout=engine.settings.lock_timeout)
        if outcome.returncode == 0 and not has_errors(diags) and unit.env_vars.get("PG_CONN_STR"):
            diags += _create_workspace(engine, unit)
    if outcome.returncode == 0 and not has_errors(diags):
        write_json(unit.work_dir / INIT_META, {"fingerprint": _init_fingerprint(engine, unit)})
    return diags, outcome


def _create_workspace(engine: Engine, unit: Unit) -> list[Diagnostic]:
    """Give a `pg` unit its state row now, with an empty state pushed by Terraform itself, unless it has one
    (for a workspace without a row, `state pull` prints an empty state with no lineage)."""
    pulled = engine.scratch_path("state-pull.json")
    try:
        pull = engine.run(unit, "state-pull", ["state", "pull"], stdout_path=pulled)
        diags = collect_diagnostics(unit, "state pull", pull, None)
        if pull.returncode != 0 or has_errors(diags) or _has_lineage(pulled):
            return diags
        empty = engine.scratch_path("empty.tfstate")
        empty.write_bytes(orjson.dumps({"version": 4, "terraform_version": engine.version() or "1.0.0",
                                        "serial": 1, "lineage": str(uuid.uuid4()), "outputs": {},
                                        "resources": [], "check_results": None}))
        push = engine.run(unit, "state-push", ["state", "push", *common_args(engine)[2:], str(empty)])
        return diags + collect_diagnostics(unit, "state push", push, None, lock_timeout=engine.settings.lock_timeout)
    finally:
        remove_files(pulled)


def ensure_init(engine: Engine, unit: Unit) -> list[Diagnostic]:
    """Run `init` only when `needs_init` says so; return its diagnostics."""
    if not needs_init(engine, unit):
        return []
    diags, _ = _run_init(engine, unit)
    return diags


def _has_lineage(pulled: Path) -> bool:
    try:
        doc = orjson.loads(pulled.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return True  # unreadable: leave the state to Terraform
    return not isinstance(doc, dict) or bool(doc.get("lineage"))


def init_unit(engine: Engine, unit: Unit) -> UnitResult:
    """`terraform init` with the unit's backend config (always runs)."""
    started = begin(engine, unit, Operation.INIT)
    diags, outcome = _run_init(engine, unit)
    status = Status.FAILED if has_errors(diags) or outcome is None or outcome.returncode != 0 else Status.OK
    return finish(engine, UnitResult(unit, Operation.INIT, status, tuple(diags), duration_s=time.monotonic() - started))


# --------------------------------------------------------------------------- plan


def plan_unit(engine: Engine, unit: Unit, *, destroy: bool = False) -> UnitResult:
    """Plan a unit and save `tfplan` + `plan.json` in `<unit>/.mlstrata/`.

    `status` is CHANGES or NO_CHANGES (from `-detailed-exitcode`), FAILED on errors.
    `destroy=True` plans the destruction of everything in the unit.
    """
    started = begin(engine, unit, Operation.PLAN)
    result = _plan(engine, unit, Operation.PLAN, started, destroy=destroy)
    if result.status is Status.FAILED and not destroy and reads_missing_state(result.diagnostics):
        deps = ", ".join(unit.depends_on) or "the units it reads"
        result = _deferred(engine, unit, started, f"{deps} has no state yet (not applied)")
    return finish(engine, result)


CODE_DEFERRED = "engine.plan_deferred"


def reads_missing_state(diags: tuple[Diagnostic, ...]) -> bool:
    """Every error is Terraform's "Unable to find remote state" of a `terraform_remote_state` data source: the
    unit reads another unit's state, and that unit was never applied."""
    errors = [d for d in diags if d.is_error]
    return bool(errors) and all(_missing_state(d) for d in errors)


_READS_OUTPUTS = re.compile(r"data\.terraform_remote_state\.[\w-]+\.outputs\s*$")


def reads_unapplied_state(diags: tuple[Diagnostic, ...]) -> bool:
    """`reads_missing_state`, or every error is an "Unsupported attribute" right after
    `data.terraform_remote_state.<name>.outputs`: the state it reads exists but has no outputs (its unit was
    destroyed). For read-only commands (drift, parity): such a unit has nothing to compare yet."""
    errors = [d for d in diags if d.is_error]
    return bool(errors) and all(_missing_state(d) or _absent_output(d) for d in errors)


def _missing_state(d: Diagnostic) -> bool:
    return d.summary == "Unable to find remote state" and "terraform_remote_state" in str(d.extra.get("address", ""))


def _absent_output(d: Diagnostic) -> bool:
    if d.summary != "Unsupported attribute" or d.where is None or not d.where.line or not d.where.column:
        return False
    try:
        lines = Path(d.where.file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if d.where.line > len(lines):
        return False
    return bool(_READS_OUTPUTS.search(lines[d.where.line - 1][:d.where.column - 1]))


def changes_outputs(result: UnitResult) -> bool:
    """Whether applying this plan changes the unit's outputs (what the units that read its state see), or the
    unit was itself deferred. A unit that reads them is planned after this one is applied."""
    if result.status is Status.DEFERRED:
        return True
    if result.status is not Status.CHANGES:
        return False
    plan, _ = result.load_plan()
    return plan is None or any(oc.action.is_change for oc in plan.output_changes)


def defer_plan(engine: Engine, unit: Unit, after: list[str]) -> UnitResult:
    """Plan `unit` later: the units it reads (`after`) have plans that change their outputs, so a plan made now
    would be made against outputs that are about to change (and a second plan/apply cycle would be needed to
    converge). Any older saved plan is discarded; `apply` plans it, gates it and applies it once `after` is
    applied."""
    started = begin(engine, unit, Operation.PLAN)
    return finish(engine, _deferred(engine, unit, started, f"the plan of {', '.join(after)} changes its outputs"))


def _deferred(engine: Engine, unit: Unit, started: float, why: str) -> UnitResult:
    diags = ensure_init(engine, unit)  # the fingerprint covers the modules init records
    if has_errors(diags):
        return failed_result(unit, Operation.PLAN, started, diags)
    _discard_saved_plan(unit)
    after = list(unit.depends_on)
    write_json(unit.work_dir / PLAN_META, {"deferred": True, "after": after, "config": config_fingerprint(unit.path)})
    note = tfdiags.about(
        unit,
        "plan",
        Severity.INFO,
        f"planned after {', '.join(after) or 'the units it reads'} is applied",
        detail=f"{why}; `mlstrata apply` applies them first, then plans {unit.id}, reviews that plan and applies it",
        hint="nothing to do: `mlstrata apply` (or `up`) plans it in order",
        code=CODE_DEFERRED,
    )
    return UnitResult(unit, Operation.PLAN, Status.DEFERRED, (note,), duration_s=time.monotonic() - started)


def refresh_unit(engine: Engine, unit: Unit, *, json_when_clean: bool = True) -> UnitResult:
    """Refresh-only plan: CHANGES when objects changed outside Terraform (see `Plan.resource_drift`).

    `json_when_clean=False` skips `show -json` when nothing drifted (no plan JSON then): that run
    starts Terraform and every provider once more, and a drift check has nothing to read in it.
    """
    started = begin(engine, unit, Operation.REFRESH)
    return finish(engine, _plan(engine, unit, Operation.REFRESH, started, json_when_clean=json_when_clean))


def _plan(engine: Engine, unit: Unit, operation: Operation, started: float, *, destroy: bool = False,
          json_when_clean: bool = True) -> UnitResult:
    diags = ensure_init(engine, unit)
    if has_errors(diags):
        return failed_result(unit, operation, started, diags)
    with engine.serving_providers(unit):  # after init: `init` must see and lock the provider Terraform installs
        return _plan_and_show(engine, unit, operation, started, diags, destroy=destroy,
                              json_when_clean=json_when_clean)


def _plan_and_show(engine: Engine, unit: Unit, operation: Operation, started: float, diags: list[Diagnostic], *,
                   destroy: bool, json_when_clean: bool) -> UnitResult:
    refresh = operation is Operation.REFRESH
    work = unit.work_dir
    final_plan = work / (REFRESH_FILE if refresh else PLAN_FILE)
    final_json = work / (REFRESH_JSON if refresh else PLAN_JSON)
    token = f"{os.getpid()}-{time.monotonic_ns()}"
    tmp_plan = work / f"{final_plan.name}.{token}.tmp"
    tmp_json = work / f"{final_json.name}.{token}.tmp"
    fingerprint = config_fingerprint(unit.path)
    args = ["plan", "-json", *common_args(engine), "-detailed-exitcode", f"-out={tmp_plan}"]
    if refresh:
        args.append("-refresh-only")
    if destroy:
        args.append("-destroy")
    try:
        outcome, ui = run_streamed(engine, unit, operation.value, args)
        diags += collect_diagnostics(unit, operation.value, outcome, ui, _DETAILED_OK, engine.settings.lock_timeout)
        if outcome.returncode not in _DETAILED_OK or has_errors(diags) or not tmp_plan.exists():
            return failed_result(
                unit, operation, started, diags, counts=ui.counts, terraform_version=ui.terraform_version
            )
        if refresh and outcome.returncode == 0 and not json_when_clean:
            remove_files(final_json)  # an older refresh's JSON would no longer describe reality
            os.chmod(tmp_plan, 0o600)
            os.replace(tmp_plan, final_plan)
            return UnitResult(unit, operation, Status.NO_CHANGES, tuple(diags), counts=ui.counts,
                              duration_s=time.monotonic() - started, terraform_version=ui.terraform_version,
                              plan_file=final_plan, plan_json=None)
        show = engine.run(
            unit, f"show-{operation.value}", ["show", "-json", "-no-color", str(tmp_plan)], stdout_path=tmp_json
        )
        diags += collect_diagnostics(unit, "show", show, None)
        if show.returncode != 0 or has_errors(diags):
            return failed_result(
                unit, operation, started, diags, counts=ui.counts, terraform_version=ui.terraform_version
            )
        has_changes = outcome.returncode == 2
        os.chmod(tmp_json, 0o600)  # plans hold attribute values, some of them secret
        os.chmod(tmp_plan, 0o600)
        os.replace(tmp_json, final_json)
        os.replace(tmp_plan, final_plan)
        if not refresh:
            write_json(
                work / PLAN_META,
                {
                    "config": fingerprint,
                    "destroy": destroy,
                    "has_changes": has_changes,
                    "plan_sha256": sha256_file(final_plan),
                    "runner": engine.runner.label,
                    "terraform_version": ui.terraform_version,
                },
            )
    finally:
        remove_files(tmp_plan, tmp_json)
    return UnitResult(
        unit,
        operation,
        Status.CHANGES if has_changes else Status.NO_CHANGES,
        tuple(diags),
        counts=ui.counts,
        duration_s=time.monotonic() - started,
        terraform_version=ui.terraform_version,
        plan_file=final_plan,
        plan_json=final_json,
    )


# --------------------------------------------------------------------------- apply / destroy


def saved_plan_problem(engine: Engine, unit: Unit) -> tuple[str, str] | None:
    """Why the unit's saved plan cannot be applied: (code, reason), or None when it is current.

    Terraform itself refuses a plan whose state changed since; this also refuses one whose
    configuration or Terraform changed since, which Terraform would apply as planned.
    """
    work = unit.work_dir
    meta = read_json(work / PLAN_META)
    plan = work / PLAN_FILE
    if meta is not None and meta.get("deferred"):
        if meta.get("config") != config_fingerprint(unit.path):
            return tfdiags.CODE_STALE, f"the configuration of {unit.id} changed after it was deferred"
        return CODE_DEFERRED, f"planned after {', '.join(meta.get('after') or []) or 'the units it reads'} is applied"
    if meta is None or not plan.exists():
        return "engine.no_plan", f"there is no saved plan for {unit.id}"
    if meta.get("plan_sha256") != sha256_file(plan):
        return tfdiags.CODE_STALE, "the saved plan file was replaced or damaged since it was made"
    if meta.get("runner") != engine.runner.label:
        return tfdiags.CODE_STALE, f"the plan was made with {meta.get('runner')}, not {engine.runner.label}"
    if meta.get("config") != config_fingerprint(unit.path):
        return tfdiags.CODE_STALE, f"the configuration of {unit.id} changed after the plan was made"
    return None


def plan_state_moved(engine: Engine, unit: Unit) -> str | None:
    """Why the saved plan no longer matches the unit's state (Terraform's own staleness check: the state's lineage
    and serial recorded in the plan file), or None when it still does. Used where Terraform is not asked to apply
    it (`status`): after an interrupted or outside apply, the state moved on and `apply` refuses the plan."""
    import zipfile  # only `status` opens a plan file

    try:
        with zipfile.ZipFile(unit.work_dir / PLAN_FILE) as plan:
            planned = orjson.loads(plan.read("tfstate"))
    except (OSError, KeyError, zipfile.BadZipFile, orjson.JSONDecodeError):
        return "the saved plan file cannot be read"
    pulled = engine.scratch_path("state-pull.json")
    try:
        pull = engine.run(unit, "state-pull", ["state", "pull"], stdout_path=pulled)
        if pull.returncode != 0:
            return None  # cannot tell; `apply` still refuses a stale plan
        try:
            current = orjson.loads(pulled.read_bytes() or b"{}")
        except orjson.JSONDecodeError:
            return None
    finally:
        remove_files(pulled)
    if not isinstance(planned, dict) or not isinstance(current, dict):
        return None
    key = ("lineage", "serial")
    if not current.get("lineage") and not planned.get("lineage"):
        return None  # no state then, none now
    if tuple(current.get(k) for k in key) != tuple(planned.get(k) for k in key):
        return (f"the state of {unit.id} changed after the plan was made (serial {planned.get('serial')} -> "
                f"{current.get('serial')}; an apply ran since, or was interrupted)")
    return None


def _remote_state_reads(plan: object) -> dict[str, str]:
    """The `terraform_remote_state` data sources a plan read (its prior state), each with a sha256 of the outputs
    it saw; the values themselves are never kept."""
    found: dict[str, str] = {}
    if not isinstance(plan, dict) or "prior_state" not in plan:
        return found
    for resource in state_resources(plan):
        if resource.get("mode") == "data" and resource.get("type") == "terraform_remote_state":
            outputs = (resource.get("values") or {}).get("outputs")
            digest = hashlib.sha256(orjson.dumps(outputs, option=orjson.OPT_SORT_KEYS)).hexdigest()
            found[str(resource.get("address"))] = digest
    return found


def upstream_moved(engine: Engine, unit: Unit) -> str | None:
    """Why the saved plan was made against other units' outputs that have changed since (those units were
    applied after it, e.g. base in an earlier CI job), or None. Terraform's own check only covers this unit's
    state, so such a plan would apply with the old values and need a second cycle to converge. Reads only the
    `terraform_remote_state` data sources again (a targeted refresh-only plan)."""
    try:
        planned = _remote_state_reads(orjson.loads((unit.work_dir / PLAN_JSON).read_bytes()))
    except (OSError, orjson.JSONDecodeError):
        return None
    if not planned:
        return None
    scratch_plan = engine.scratch_path("upstream.tfplan")
    scratch_json = engine.scratch_path("upstream.json")
    try:
        targets = [f"-target={address}" for address in sorted(planned)]
        read = engine.run(unit, "upstream", ["plan", *common_args(engine), "-refresh-only", *targets,
                                             f"-out={scratch_plan}"])
        if read.returncode != 0:
            return None  # cannot tell: the saved plan is applied as reviewed, Terraform reports what fails
        show = engine.run(unit, "show-upstream", ["show", "-json", "-no-color", str(scratch_plan)],
                          stdout_path=scratch_json)
        if show.returncode != 0:
            return None
        now = _remote_state_reads(orjson.loads(scratch_json.read_bytes() or b"{}"))
    except orjson.JSONDecodeError:
        return None
    finally:
        remove_files(scratch_plan, scratch_json)
    moved = sorted(address for address, digest in planned.items() if now.get(address) != digest)
    if not moved:
        return None
    return f"the outputs {unit.id} reads through {', '.join(moved)} changed after its plan was made"


CODE_REPLANNED = "engine.plan_replanned"


def _discard_saved_plan(unit: Unit) -> None:
    remove_files(unit.work_dir / PLAN_FILE, unit.work_dir / PLAN_META, unit.work_dir / PLAN_JSON)


def apply_unit(engine: Engine, unit: Unit, *, planned_now: bool = False) -> UnitResult:
    """Apply the unit's saved plan, only if it is still current. A plan is used once: it is
    discarded after a successful apply and when found stale; after other failures it is kept
    (Terraform refuses it anyway once the state has moved on). A plan made against outputs of other units
    that changed since (they were applied after it) is planned again, gated and applied, so one cycle converges
    even when the units were planned separately (one CI job per unit). `planned_now`: this process planned and
    gated the plan a moment ago, against what it reads now; neither those outputs nor the plan's JSON are
    checked again (a saved plan brought from elsewhere gets both checks)."""
    started = begin(engine, unit, Operation.APPLY)
    if (unit.work_dir / PLAN_FILE).exists():
        # a plan brought to a fresh checkout (a CI artifact) needs init first: the providers, and the module
        # manifest that the currency check below reads
        diags = ensure_init(engine, unit)
        if has_errors(diags):
            return finish(engine, failed_result(unit, Operation.APPLY, started, diags))
    problem = saved_plan_problem(engine, unit)
    if problem is not None and problem[0] == CODE_DEFERRED:
        return _plan_gate_apply(engine, unit, Operation.APPLY)
    if problem is not None:
        code, reason = problem
        if code == tfdiags.CODE_STALE:
            _discard_saved_plan(unit)
            diag = tfdiags.stale_plan(unit, reason)
        else:
            diag = tfdiags.about(
                unit,
                "apply",
                Severity.ERROR,
                reason,
                hint="run plan first, review it, then apply",
                code=code,
            )
        return finish(engine, failed_result(unit, Operation.APPLY, started, [diag]))
    moved = None if planned_now else upstream_moved(engine, unit)
    if moved is not None:
        _discard_saved_plan(unit)
        note = tfdiags.about(
            unit,
            "apply",
            Severity.INFO,
            f"planned {unit.id} again: what it reads changed since its plan",
            detail=f"{moved}; the saved plan would apply the old values (a second cycle to converge), so {unit.id} "
            "was planned again, that plan reviewed, then applied",
            hint="nothing to do; to review this plan before it applies, apply the units it reads first, then plan it",
            code=CODE_REPLANNED,
        )
        replanned = _plan_gate_apply(engine, unit, Operation.APPLY)
        return dataclasses.replace(replanned, diagnostics=(note, *replanned.diagnostics))
    # a saved plan (not one this process planned and gated just now): its JSON must be the one the gate read
    mismatch = None if planned_now else _reviewed_json_mismatch(engine, unit)
    if mismatch is not None:
        _discard_saved_plan(unit)
        diag = tfdiags.about(unit, "apply", Severity.ERROR, mismatch, code=CODE_PLAN_JSON_MISMATCH,
                             hint=f"plan {unit.id} again (`mlstrata plan`) and review that plan; nothing was applied")
        return finish(engine, failed_result(unit, Operation.APPLY, started, [diag]))
    work = unit.work_dir
    token, diags = _hook_started(engine, unit, Operation.APPLY, str((read_json(work / PLAN_META) or {}).get(
        "plan_sha256", "")) or None)
    if has_errors(diags):
        return finish(engine, failed_result(unit, Operation.APPLY, started, diags))
    args = ["apply", "-json", *common_args(engine), str(work / PLAN_FILE)]
    outcome, ui = run_streamed(engine, unit, "apply", args)
    diags += collect_diagnostics(unit, "apply", outcome, ui, lock_timeout=engine.settings.lock_timeout)
    failed = outcome.returncode != 0 or has_errors(diags)
    if not failed or any(d.code == tfdiags.CODE_STALE for d in diags):
        _discard_saved_plan(unit)
    status = Status.FAILED if failed else Status.OK
    result = UnitResult(unit, Operation.APPLY, status, tuple(diags), counts=ui.counts,
                        duration_s=time.monotonic() - started, terraform_version=ui.terraform_version)
    return finish(engine, _hook_finished(engine, token, result))


CODE_PLAN_JSON_MISMATCH = "engine.plan_json_mismatch"


def _reviewed_json_mismatch(engine: Engine, unit: Unit) -> str | None:
    """Why the saved plan's JSON (what the review gate read) is not what the saved plan file does, or None when
    it is. The two travel together (a CI artifact restored on another machine): the plan file is read again
    with `terraform show -json` and the resource changes of both compared, so no plan is applied whose review
    was of something else, or was skipped because its meta said it changed nothing."""
    from mlstrata.plan.digest import changes_digest, changes_resources

    reviewed = unit.work_dir / PLAN_JSON
    meta = read_json(unit.work_dir / PLAN_META) or {}
    shown = engine.scratch_path("applied-plan.json")
    try:
        show = engine.run(unit, "show-applied", ["show", "-json", "-no-color", str(unit.work_dir / PLAN_FILE)],
                          stdout_path=shown)
        if show.returncode != 0:
            return f"the saved plan file of {unit.id} cannot be read (terraform show exited {show.returncode})"
        if changes_resources(shown) and not meta.get("has_changes"):
            return (f"the saved plan of {unit.id} changes resources, but its {PLAN_META} says it changes nothing "
                    "(so its review was skipped)")
        if not reviewed.is_file():
            return f"the saved plan of {unit.id} has no {PLAN_JSON}: what it does was never reviewed"
        if changes_digest(reviewed) != changes_digest(shown):
            return (f"the saved {PLAN_JSON} of {unit.id}, which the review gate read, does not describe the saved "
                    "plan file: another plan's JSON, or one edited since")
        return None
    finally:
        remove_files(shown)


def _hook_started(engine: Engine, unit: Unit, operation: Operation,
                  plan_sha256: str | None) -> tuple[object, list[Diagnostic]]:
    if engine.hooks is None:
        return None, []
    return engine.hooks.started(unit, operation, plan_sha256)


def _hook_finished(engine: Engine, token: object, result: UnitResult) -> UnitResult:
    if engine.hooks is None:
        return result
    extra = engine.hooks.finished(token, result)
    return dataclasses.replace(result, diagnostics=result.diagnostics + tuple(extra)) if extra else result


def destroy_unit(engine: Engine, unit: Unit) -> UnitResult:
    """Destroy everything the unit manages (`apply -destroy`); any saved plan is discarded."""
    started = begin(engine, unit, Operation.DESTROY)
    diags = ensure_init(engine, unit)
    if has_errors(diags):
        return finish(engine, failed_result(unit, Operation.DESTROY, started, diags))
    _discard_saved_plan(unit)
    token, hook_diags = _hook_started(engine, unit, Operation.DESTROY, None)
    diags += hook_diags
    if has_errors(diags):
        return finish(engine, failed_result(unit, Operation.DESTROY, started, diags))
    outcome, ui = run_streamed(
        engine, unit, "destroy", ["apply", "-destroy", "-auto-approve", "-json", *common_args(engine)]
    )
    diags += collect_diagnostics(unit, "destroy", outcome, ui, lock_timeout=engine.settings.lock_timeout)
    status = Status.FAILED if outcome.returncode != 0 or has_errors(diags) else Status.OK
    result = UnitResult(unit, Operation.DESTROY, status, tuple(diags), counts=ui.counts,
                        duration_s=time.monotonic() - started, terraform_version=ui.terraform_version)
    return finish(engine, _hook_finished(engine, token, result))


def up_unit(engine: Engine, unit: Unit) -> UnitResult:
    """Plan, then apply that plan when it has changes."""
    return _plan_gate_apply(engine, unit, Operation.UP)


def _plan_gate_apply(engine: Engine, unit: Unit, operation: Operation) -> UnitResult:
    """Plan, run the gate on the fresh plan, then apply it when it has changes (`up`, and `apply` of a unit
    whose plan was deferred until the units it reads were applied)."""
    started = time.monotonic()
    plan = plan_unit(engine, unit)
    if plan.status is Status.DEFERRED:  # what it reads is still not applied: nothing can be planned yet
        missing = tfdiags.about(
            unit,
            operation.value,
            Severity.ERROR,
            f"cannot plan {unit.id}: {', '.join(unit.depends_on) or 'the units it reads'} has no state yet",
            hint=f"apply {', '.join(unit.depends_on) or 'them'} first (select both layers: --layer is a filter)",
            code=CODE_DEFERRED,
        )
        return UnitResult(unit, operation, Status.FAILED, (missing,), duration_s=time.monotonic() - started,
                          steps=(plan,))
    if plan.status is not Status.CHANGES:
        return UnitResult(
            unit,
            operation,
            plan.status,
            plan.diagnostics,
            counts=plan.counts,
            duration_s=time.monotonic() - started,
            terraform_version=plan.terraform_version,
            steps=(plan,),
        )
    blocked = tuple(engine.hooks.gate(unit, plan)) if engine.hooks is not None else ()
    if blocked:
        return UnitResult(unit, operation, Status.FAILED, plan.diagnostics + blocked, counts=plan.counts,
                          duration_s=time.monotonic() - started, terraform_version=plan.terraform_version,
                          steps=(plan,))
    applied = apply_unit(engine, unit, planned_now=True)
    return UnitResult(
        unit,
        operation,
        applied.status,
        plan.diagnostics + applied.diagnostics,
        counts=applied.counts,
        duration_s=time.monotonic() - started,
        terraform_version=applied.terraform_version,
        steps=(plan, applied),
    )
