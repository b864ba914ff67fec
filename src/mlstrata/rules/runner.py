"""`mlstrata check`: guardrails on any Terraform tree, without running Terraform.

1. Walk the paths for .tf/.tfvars files, grouped by directory (one directory = one module), and read
   every local `module` source to know which directories are called by others (a cheap regex pre-scan).
2. Per directory (in worker processes when that is faster): parse, index, evaluate, run the module
   rules *generically* (a called module's variables are unknown; a root's come from defaults and
   tfvars), and return findings, suppressions and small facts for tree-wide rules.
3. Per call of a local module: run the module rules again with the call's arguments bound; findings
   that only this call causes are reported at the call (or at the argument that decided them).
4. Tree-wide rules (giant state, protection of module calls) on the facts; then suppressions.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, Where
from mlstrata.hcl import UNKNOWN, Body, HclFile, Value, read_file
from mlstrata.hcl.evaluate import Bound, forget_context_free
from mlstrata.repo import env_of
from mlstrata.rules.cluster import observe
from mlstrata.rules.context import (
    CallFacts,
    CallSite,
    ModuleContext,
    ModuleFacts,
    Observed,
    Role,
    SpecFacts,
    StatefulFacts,
    TreeFacts,
)
from mlstrata.rules.model import ModuleView, build_module
from mlstrata.rules.protection import PROTECT_VARIABLES, protection
from mlstrata.rules.registry import RULES
from mlstrata.rules.workers import Workers
from mlstrata.rules.workers import workers as worker_pool
from mlstrata.targets.resources import GUARDED
from mlstrata.userfiles import os_error_hint

SKIP_DIRS = frozenset({".terraform", ".git", "node_modules", ".terragrunt-cache", "__pycache__"})
CALL_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
# `source = "./x"`, with any inline comments HCL allows around the `=` (a line comment would end the attribute)
_COMMENTS = rb"(?:/\*.*?\*/\s*)*"
_LOCAL_SOURCE = re.compile(rb"\bsource\s*" + _COMMENTS + rb"=\s*" + _COMMENTS + rb'"(\.{1,2}/[^"]*)"', re.DOTALL)
_SUPPRESS = re.compile(
    r"(?:#|//)\s*mlstrata:ignore\b[ \t]*(?P<ids>(?:MLS\d{3}[ \t]*,?[ \t]*)*)(?P<reason>[^\n]*)"
)
_ID = re.compile(r"MLS\d{3}")
# Below this much source a process pool costs more than it saves (measured on 2 cores with
# benchmarks/check_vs_checkov.py: 0.75 MB in 1,440 files: 0.45 s alone vs 0.50 s with 2 workers;
# 3.8 MB in 7,228 files: 2.45 s vs 2.15 s).
PARALLEL_MIN_BYTES = 2_000_000


@dataclass(frozen=True)
class Suppression:
    file: str
    line: int
    ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class DirJob:
    directory: str
    tf_files: tuple[str, ...]
    auto_tfvars: tuple[str, ...]
    other_tfvars: tuple[str, ...]
    called: bool
    spec: SpecFacts | None
    rule_ids: tuple[str, ...]
    path_env: str | None = None
    shared: frozenset[str] = frozenset()  # files whose bytes another scanned file has too


@dataclass
class DirResult:
    directory: str
    findings: list[Diagnostic]
    suppressions: list[Suppression]
    facts: ModuleFacts
    files: int
    broken: int
    observed: Observed | None = None  # None for a called module: its calls are observed instead


@dataclass(frozen=True)
class InstanceJob:
    directory: str
    tf_files: tuple[str, ...]
    spec: SpecFacts | None
    calls: tuple[CallSite, ...]
    rule_ids: tuple[str, ...]
    # Called through a called module, with the arguments its caller's call gave it (the first round saw these calls
    # with the caller's generic arguments and observed them for the tree-wide rules already).
    nested: bool = False


@dataclass(frozen=True)
class GroupJob:
    """Directories that call one another as local modules (a connected part of the pre-scan's call graph), in
    layout order: one process checks them all, then each call of the called ones with the files it parsed and the
    generic findings it made (nothing of a call crosses between processes)."""

    dirs: tuple[DirJob, ...]
    cost: int  # an estimate for the scheduler: bytes to check, a called module's once more per call


@dataclass
class GroupResult:
    dirs: list[DirResult]
    # (nesting level, called directory, findings, observations) of each per-call job
    calls: list[tuple[int, str, list[Diagnostic], list[Observed]]]


@dataclass
class CheckResult:
    """Findings (suppressions applied, sorted) and what was scanned."""

    findings: list[Diagnostic]
    suppressed: list[tuple[Diagnostic, Suppression]] = field(default_factory=list)
    files: int = 0
    modules: int = 0
    roots: int = 0
    spec_path: str | None = None
    workers: int = 1


# -- discovery


def discover(paths: Sequence[Path], problems: list[Diagnostic] | None = None) -> dict[str, list[str]]:
    """Every regular .tf and .tfvars file under the paths, by directory (absolute, sorted).

    Non-regular files (a FIFO named `x.tf` would block the read forever) are skipped; directories that
    cannot be listed are added to `problems` as MLS000 findings instead of being skipped silently."""
    out: dict[str, list[str]] = {}

    def unreadable(exc: OSError) -> None:
        if problems is not None:
            problem, hint = os_error_hint(exc)
            where = Where(exc.filename or str(path))
            problems.append(RULES["MLS000"].info.finding(where, f"Cannot read directory: {problem}", hint=hint))

    for path in paths:
        path = path.resolve()
        if path.is_file():
            out.setdefault(str(path.parent), []).append(str(path))
            continue
        for root, dirs, files in os.walk(path, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            found = [os.path.join(root, f) for f in files if f.endswith((".tf", ".tfvars"))]
            found = [f for f in found if os.path.isfile(f)]
            if found:
                out.setdefault(root, []).extend(found)
    return {d: sorted(set(fs)) for d, fs in sorted(out.items())}


def called_directories(layout: dict[str, list[str]]) -> set[str]:
    """Directories some scanned file calls as a local module (`source = "./..."` or `"../..."`)."""
    return set(prescan(layout)[0])


def prescan(layout: dict[str, list[str]]) -> tuple[dict[str, dict[str, int]], frozenset[str]]:
    """(each directory some scanned file calls as a local module (`source = "./..."` or `"../..."`), with the
    directories that call it and how many times each does; the .tf files whose bytes some other scanned .tf file
    has too: each worker parses such content once)."""
    callers: dict[str, dict[str, int]] = {}
    copies: dict[tuple[int, int], list[str]] = {}
    for directory, files in layout.items():
        for file in files:
            if not file.endswith(".tf"):
                continue
            try:
                with open(file, "rb") as handle:
                    src = handle.read()
            except OSError:
                continue
            _SIZES[file] = len(src)  # the scheduler's weights (_bytes): no stat call for what was read here
            copies.setdefault((len(src), hash(src)), []).append(file)
            # the regex only where a local path is quoted at all: scanning every file with it was ~60% of
            # this pre-scan, which runs before any worker has work
            if b"source" not in src or (b'"./' not in src and b'"../' not in src):
                continue
            for m in _LOCAL_SOURCE.finditer(src):
                target = os.path.normpath(os.path.join(directory, m.group(1).decode("utf-8", "replace")))
                if target in layout:
                    counts = callers.setdefault(target, {})
                    counts[directory] = counts.get(directory, 0) + 1
    return callers, frozenset(f for same in copies.values() if len(same) > 1 for f in same)


@lru_cache(maxsize=4096)
def repository_root(directory: str) -> str | None:
    """The nearest directory at or above `directory` that holds a .git entry."""
    if os.path.exists(os.path.join(directory, ".git")):
        return directory
    parent = os.path.dirname(directory)
    return None if parent == directory else repository_root(parent)


def path_env(directory: str) -> str | None:
    """The environment a directory's path names (`live/<env>/...`), read below the repository root."""
    root = repository_root(directory)
    return env_of(os.path.relpath(directory, root) if root is not None else directory)


# -- per directory


def suppressions_in(path: str, src: bytes) -> list[Suppression]:
    """`# mlstrata:ignore MLS012 <reason>` comments of one file."""
    if b"mlstrata:ignore" not in src:
        return []
    out = []
    text = src.decode("utf-8", "replace")
    for m in _SUPPRESS.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        reason = m.group("reason").strip().lstrip("-:\u2014\u2013").strip()
        out.append(Suppression(path, line, tuple(_ID.findall(m.group("ids"))), reason))
    return out


# Kept for the per-call checks, which run in the process that checked the directory (a worker, or the only one):
# the parsed files of called modules, and each directory's generic findings (those a call does not cause).
_PARSED: dict[str, HclFile] = {}
_GENERIC: dict[str, frozenset[tuple[str, Where | None, str]]] = {}
# The bodies of files with copies elsewhere in the tree, by content digest (hcl.reader.read_file).
_BODIES: dict[bytes, Body] = {}


def _parse_all(
    paths: Iterable[str], suppressions: list[Suppression], findings: list[Diagnostic], keep: bool = False,
    shared: frozenset[str] = frozenset(),
) -> tuple[list[HclFile], int]:
    parsed: list[HclFile] = []
    broken = 0
    for path in paths:
        cached = _PARSED.get(path) if not keep else None
        if cached is not None:
            parsed.append(cached)
            continue
        src, hcl = read_file(path, _BODIES if path in shared else None)
        if keep and not hcl.errors:
            _PARSED[path] = hcl
        suppressions.extend(suppressions_in(path, src))
        if hcl.errors:
            broken += 1
            findings.append(_parse_finding(hcl))
            continue
        parsed.append(hcl)
    return parsed, broken


def _parse_finding(hcl: HclFile) -> Diagnostic:
    first = hcl.errors[0]
    more = len(hcl.errors) - 1
    detail = f"{more} more syntax error{'s' if more != 1 else ''} in this file" if more else ""
    return RULES["MLS000"].info.finding(
        first.where or Where(hcl.filename),
        first.summary,
        detail=detail,
        hint=first.hint or RULES["MLS000"].info.hint,
    )


def _role(view: ModuleView, called: bool, path_env: str | None) -> Role:
    if called:
        return "called"
    if view.providers or view.backend() is not None or path_env is not None or view.tfvars:
        return "root"
    return "module"


def _tfvars_bindings(view: ModuleView) -> dict[str, Bound]:
    out: dict[str, Bound] = {}
    for parsed in sorted(
        view.tfvars, key=lambda f: (not f.filename.endswith("terraform.tfvars"), f.filename)
    ):
        for name, attr in parsed.body.attributes.items():
            out[name] = Bound(attr.value, Where(parsed.filename, attr.line, attr.column))
    return out


def _run_rules(ctx: ModuleContext, rule_ids: tuple[str, ...]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule_id in rule_ids:
        out.extend(RULES[rule_id].check(ctx))
    return out


def check_directory(job: DirJob) -> DirResult:
    """Parse one directory, run the module rules generically, and collect facts for the tree rules."""
    findings: list[Diagnostic] = []
    suppressions: list[Suppression] = []
    tf, broken = _parse_all(job.tf_files, suppressions, findings, keep=job.called, shared=job.shared)
    auto, broken_auto = _parse_all(job.auto_tfvars, suppressions, findings)
    other, broken_other = _parse_all(job.other_tfvars, suppressions, findings)
    view = build_module(job.directory, tf, auto, other)
    role = _role(view, job.called, job.path_env)
    tfvars = _tfvars_bindings(view) if role == "root" else None
    ctx = ModuleContext(view, role, job.spec, tfvars=tfvars, path_env=job.path_env)
    findings.extend(_run_rules(ctx, job.rule_ids))
    _GENERIC[job.directory] = frozenset((d.code, d.where, d.summary) for d in findings)
    facts = _facts(ctx)
    return DirResult(
        job.directory,
        findings,
        suppressions,
        facts,
        len(job.tf_files) + len(job.auto_tfvars) + len(job.other_tfvars),
        broken + broken_auto + broken_other,
        None if role == "called" else observe(ctx),
    )


def _facts(ctx: ModuleContext) -> ModuleFacts:
    view = ctx.module
    calls = _calls(ctx)
    stateful = []
    for item in ctx.instances(("resource",), *GUARDED):
        protected, _ = protection(ctx, item)
        stateful.append(StatefulFacts(item.address, item.type, item.where, protected))
    # of the variables, only the deletion-protection switches: all the tree-wide rules read (protection.py)
    variables: dict[str, Value] = {}
    for name in PROTECT_VARIABLES:
        var = view.variables.get(name)
        if var is not None:
            default = var.attr("default")
            variables[name] = default.value if default is not None and default.kind == "literal" else UNKNOWN
    anchor = _anchor(view)
    return ModuleFacts(
        view.directory,
        ctx.role,
        ctx.env_name,
        tuple(calls),
        variables,
        tuple(stateful),
        tuple(r.type for r in view.resources),
        anchor,
    )


def _calls(ctx: ModuleContext) -> list[CallFacts]:
    """The module's calls, their arguments evaluated in this evaluation of it."""
    view = ctx.module
    calls = []
    for item in view.calls:
        source = item.attr("source")
        src = source.value if source is not None and isinstance(source.value, str) else ""
        target = (
            os.path.normpath(os.path.join(view.directory, src)) if src.startswith(("./", "../")) else None
        )
        args = {}
        # Only a local module's call is followed (its per-call checks, the tree-wide rules): another's arguments are
        # never read. Real-world corpus: 3.4k of the 12.3k arguments of 856 calls; this function 0.29 -> 0.18 s CPU.
        for name, attr in item.body.attributes.items() if target is not None else ():
            if name not in CALL_META:
                args[name] = Bound(ctx.value(attr), ctx.where(item, attr))
        calls.append(CallFacts(item.name, src, target, item.where, args))
    return calls


def _anchor(view: ModuleView) -> Where:
    found = view.backend()
    if found is not None:
        return found[0].at(found[1])
    if view.terraform:
        return view.terraform[0].where
    files = sorted(f.filename for f in view.files)
    return Where(files[0], 1, 1) if files else Where(view.directory)


# -- per call


def check_instances(job: InstanceJob) -> tuple[list[Diagnostic], list[Observed], list[tuple[str, CallSite]]]:
    """Run the module rules once per call of a local module, with the call's arguments bound, and
    observe what each call adds to its configuration. Also returns the calls this module makes in each of its
    calls, with their arguments evaluated there, so a module called by a called module (a bucket module's
    hardening submodule) is checked with the values that reach it, not only with its caller's unknowns."""
    ignored: list[Suppression] = []
    ignored_findings: list[Diagnostic] = []
    tf, _ = _parse_all(job.tf_files, ignored, ignored_findings)
    view = build_module(job.directory, tf, [], [])
    prefix = job.directory.rstrip(os.sep) + os.sep
    generic = _GENERIC.get(job.directory, frozenset())
    out: list[Diagnostic] = []
    observed: list[Observed] = []
    nested: list[tuple[str, CallSite]] = []
    for call in job.calls:
        ctx = ModuleContext(view, "called", job.spec, call=call)
        for inner in _calls(ctx):
            if inner.target is not None and inner.target != job.directory:
                site = CallSite(call.caller_dir, f"{call.name}.module.{inner.name}", call.where, inner.args,
                                call.env, (*call.via, prefix))
                nested.append((inner.target, site))
        if not job.nested:
            seen = observe(ctx)
            groups = tuple(
                replace(g, where=call.where, address=f"module.{call.name}.{g.address}") for g in seen.node_groups
            )
            keys = tuple(
                replace(k, where=call.where, address=f"module.{call.name}.{k.address}") for k in seen.ebs_keys
            )
            where = tuple(
                replace(p, where=call.where, address=f"module.{call.name}.{p.address}") for p in seen.placements
            )
            observed.append(replace(seen, node_groups=groups, ebs_keys=keys, placements=where))
        for d in _run_rules(ctx, job.rule_ids):
            path = f"module.{call.name}.{d.path}" if d.path else f"module.{call.name}"
            if d.where is not None and d.where.file.startswith((prefix, *call.via)):
                if (d.code, d.where, d.summary) in generic:
                    continue
                detail = f"via module.{call.name} ({d.where}){': ' + d.detail if d.detail else ''}"
                out.append(replace(d, where=call.where, path=path, detail=detail))
            else:
                out.append(replace(d, path=path, detail=d.detail or f"in module {Path(job.directory).name}/"))
    return out, observed, nested


# -- the whole tree


# Each file's size, asked of the file system once per check: the scheduler weighs the same jobs by their bytes again
# and again (stat calls in the main process on the real-world corpus, 1.4k files: 10.5k before, 3.1k with this).
_SIZES: dict[str, int] = {}


def _bytes(files: Iterable[str]) -> int:
    """The files' total size; a file gone since it was listed counts nothing."""
    size = 0
    for f in files:
        known = _SIZES.get(f)
        if known is None:
            try:
                known = os.path.getsize(f)
            except OSError:
                known = 0
            _SIZES[f] = known
        size += known
    return size


def _job_bytes(job: DirJob) -> int:
    return _bytes((*job.tf_files, *job.auto_tfvars, *job.other_tfvars))


def default_workers(layout: dict[str, list[str]]) -> int:
    """Worker processes for a tree: one per core for big trees, none for small ones."""
    cores = os.cpu_count() or 1
    if cores < 2 or sum(len(f) for f in layout.values()) < 500:
        return 1
    size = _bytes(f for files in layout.values() for f in files)
    return min(cores, 8) if size >= PARALLEL_MIN_BYTES else 1


def run_check(
    paths: Sequence[Path],
    spec: SpecFacts | None = None,
    workers: int | None = None,
    select: Iterable[str] | None = None,
) -> CheckResult:
    """Check every Terraform file under `paths`; `select` limits the rules (MLS000/MLS026 always run)."""
    unreadable: list[Diagnostic] = []
    layout = discover(paths, unreadable)
    n_workers = workers if workers is not None else default_workers(layout)
    with few_collections():  # set before the fork: the workers inherit it
        if n_workers > 1 and len(layout) > 1:
            # forked now, so they are up while the call graph below is read
            with worker_pool(n_workers, {"group": check_group}) as pool:
                return _check_tree(layout, unreadable, spec, select, n_workers, pool)
        return _check_tree(layout, unreadable, spec, select, 1, None)


@contextmanager
def few_collections() -> Iterator[None]:
    """Python's cyclic garbage collector run less often meanwhile, then as before. A check allocates a great many
    small objects (syntax trees, values, findings) that live until its end and hold few cycles; at the default
    thresholds the collector walks them again and again (about 8% of the CPU of a one-process check of the
    real-world corpus, benchmarks/check_realworld.py)."""
    before = gc.get_threshold()
    gc.set_threshold(20_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _check_tree(layout: dict[str, list[str]], unreadable: list[Diagnostic], spec: SpecFacts | None,
                select: Iterable[str] | None, n_workers: int, pool: Workers | None) -> CheckResult:
    callers, shared = prescan(layout)
    wanted = set(select) if select is not None else set(RULES)
    rule_ids = tuple(r for r in RULES if r in wanted and r not in ("MLS000", "MLS026"))
    jobs = []
    for directory, files in layout.items():
        tf = tuple(f for f in files if f.endswith(".tf"))
        tfvars = [f for f in files if f.endswith(".tfvars")]
        auto = tuple(f for f in tfvars if f.endswith(("/terraform.tfvars", ".auto.tfvars")))
        other = tuple(f for f in tfvars if f not in auto)
        env = path_env(directory)
        jobs.append(DirJob(directory, tf, auto, other, directory in callers, spec, rule_ids, env,
                           frozenset(f for f in tf if f in shared)))
    total_files = sum(len(f) for f in layout.values())
    groups = call_groups(jobs, callers)
    if pool is None:
        results = [check_group(g) for g in groups]
    else:
        results = pool.run("group", groups, cost=lambda group: group.cost)
    # merged in the order one process checking directory after directory, then call level after call level, makes
    # (the order of findings that only differ past their sort key, and of the observations)
    by_dir: dict[str, DirResult] = {}
    calls: list[tuple[int, str, list[Diagnostic], list[Observed]]] = []
    for group in results:
        by_dir.update((res.directory, res) for res in group.dirs)
        calls.extend(group.calls)
    findings: list[Diagnostic] = list(unreadable)
    suppressions: list[Suppression] = []
    facts: dict[str, ModuleFacts] = {}
    observed: list[Observed] = []
    for directory in layout:
        res = by_dir[directory]
        findings.extend(res.findings)
        if res.observed is not None:
            observed.append(res.observed)
        suppressions.extend(res.suppressions)
        facts[directory] = res.facts
    for _, _, found, seen in sorted(calls, key=lambda call: (call[0], call[1])):
        findings.extend(found)
        observed.extend(seen)
    tree = TreeFacts(facts, spec, tuple(observed))
    for rule_id in rule_ids:
        findings.extend(RULES[rule_id].check_tree(tree))
    kept, suppressed, problems = apply_suppressions(_dedupe(findings), suppressions, wanted)
    _BODIES.clear()
    _SIZES.clear()
    forget_context_free()
    return CheckResult(
        findings=sort_findings(kept + problems),
        suppressed=suppressed,
        files=total_files,
        modules=len(layout),
        roots=sum(1 for f in facts.values() if f.role == "root"),
        spec_path=spec.path if spec is not None else None,
        workers=n_workers,
    )


def call_groups(jobs: Sequence[DirJob], callers: dict[str, dict[str, int]]) -> list[GroupJob]:
    """The directories in groups closed under local module calls (`prescan`'s callers), each in layout order."""
    head = {job.directory: job.directory for job in jobs}

    def find(directory: str) -> str:
        while head[directory] != directory:
            head[directory] = head[head[directory]]
            directory = head[directory]
        return directory

    for target, by in callers.items():
        for caller in by:
            head[find(caller)] = find(target)
    members: dict[str, list[DirJob]] = {}
    for job in jobs:
        members.setdefault(find(job.directory), []).append(job)
    return [
        GroupJob(tuple(group), sum(_job_bytes(j) + _bytes(j.tf_files) * sum(callers.get(j.directory, {}).values())
                                   for j in group))
        for group in members.values()
    ]


def _for_tree(facts: ModuleFacts) -> ModuleFacts:
    """A module's facts as the main process's tree-wide rules read them: of its calls, those of local modules with
    only their deletion-protection switches among the arguments (protection.py, state.py); each call's full arguments
    serve the per-call checks, which run in the group's process."""
    return replace(facts, calls=tuple(
        replace(call, args={k: v for k, v in call.args.items() if k in PROTECT_VARIABLES})
        for call in facts.calls if call.target is not None
    ))


def check_group(job: GroupJob) -> GroupResult:
    """Check a group's directories (`check_directory`), then each call of its called modules (`check_instances`):
    the calls the group's roots and modules make, then the calls those make with the values each call gave them, one
    level per round (Terraform forbids recursion; MAX_NESTING bounds a hostile tree). A call is followed where the
    pre-scan saw it (a source it does not see is a module nobody calls)."""
    try:
        results = [check_directory(d) for d in job.dirs]
        tf_files = {d.directory: d.tf_files for d in job.dirs}
        spec, rule_ids = job.dirs[0].spec, job.dirs[0].rule_ids
        instance_jobs = _instance_jobs(tf_files, {r.directory: r.facts for r in results}, spec, rule_ids)
        calls = []
        for level in range(MAX_NESTING):
            if not instance_jobs:
                break
            deeper: dict[str, list[CallSite]] = {}
            for instance in instance_jobs:
                found, seen, nested = check_instances(instance)
                calls.append((level, instance.directory, found, seen))
                for target, site in nested:
                    if target in tf_files:
                        deeper.setdefault(target, []).append(site)
            instance_jobs = [InstanceJob(target, tf_files[target], spec, tuple(sites), rule_ids, nested=True)
                             for target, sites in sorted(deeper.items())]
        return GroupResult([replace(r, facts=_for_tree(r.facts)) for r in results], calls)
    finally:
        _PARSED.clear()
        _GENERIC.clear()


MAX_NESTING = 8


def _instance_jobs(
    tf_files: dict[str, tuple[str, ...]],
    facts: dict[str, ModuleFacts],
    spec: SpecFacts | None,
    rule_ids: tuple[str, ...],
) -> list[InstanceJob]:
    """A job per directory of `tf_files` that some module of `facts` calls, with every call of it."""
    calls: dict[str, list[CallSite]] = {}
    for caller in facts.values():
        env = caller.env if caller.role == "root" else None
        for call in caller.calls:
            if call.target and call.target in tf_files and call.target != caller.directory:
                calls.setdefault(call.target, []).append(
                    CallSite(caller.directory, call.name, call.where, call.args, env)
                )
    return [InstanceJob(target, tf_files[target], spec, tuple(sites), rule_ids)
            for target, sites in sorted(calls.items())]


def _dedupe(findings: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, Where | None, str]] = set()
    out = []
    for d in sort_findings(findings):
        key = (d.code, d.where, d.summary)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def apply_suppressions(
    findings: list[Diagnostic], suppressions: list[Suppression], wanted: set[str]
) -> tuple[list[Diagnostic], list[tuple[Diagnostic, Suppression]], list[Diagnostic]]:
    """(kept, suppressed with their suppression, problems with the suppressions themselves).

    A comment on the finding's line or on the line above suppresses it, if it names the rule and gives
    a reason. A suppression without a reason or without a rule id suppresses nothing and is a finding.
    """
    valid: dict[tuple[str, int], list[Suppression]] = {}
    problems: list[Diagnostic] = []
    info = RULES["MLS026"].info
    for s in suppressions:
        if not s.ids:
            problems.append(
                info.finding(Where(s.file, s.line), "mlstrata:ignore without a rule id (e.g. MLS012)")
            )
            continue
        if not s.reason:
            problems.append(
                info.finding(Where(s.file, s.line), f"suppression of {', '.join(s.ids)} without a reason")
            )
            continue
        for line in (s.line, s.line + 1):
            valid.setdefault((s.file, line), []).append(s)
    kept: list[Diagnostic] = []
    suppressed: list[tuple[Diagnostic, Suppression]] = []
    for d in findings:
        match = None
        if d.where is not None and d.code != "MLS026":
            for s in valid.get((d.where.file, d.where.line), []):
                if d.code in s.ids:
                    match = s
                    break
        if match is not None:
            suppressed.append((d, match))
        else:
            kept.append(d)
    if "MLS026" not in wanted:
        problems = []
    return kept, suppressed, problems


def sort_findings(findings: Iterable[Diagnostic]) -> list[Diagnostic]:
    """File, line, column, rule id: the order every view uses."""
    return sorted(
        findings,
        key=lambda d: (
            d.where.file if d.where else "",
            d.where.line if d.where else 0,
            d.where.column if d.where else 0,
            d.code,
            d.summary,
        ),
    )
