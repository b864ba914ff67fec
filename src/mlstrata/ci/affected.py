"""`mlstrata affected`: which environment x layer units a change touches, in the order to plan and apply them.

Three sources, each giving its reason:
- the spec: both versions are rendered in memory and compared unit by unit, so an override for dev
  (`gpu_pools.training.overrides.dev`) touches dev only and a pipelines change touches platform layers only;
- changed modules under `<repo>/modules/`: every root that calls them, directly or through other modules;
- hand-edited files under `<repo>/live/<env>/<layer>/`.
Then every unit that reads an affected unit's state (`terraform_remote_state`: dev/platform reads dev/base's
outputs) is affected too, so a change to base alone still plans the platform that reads it, and its apply job
plans it again when base's outputs changed (one merge converges).
Environments present at the base and gone now are reported apart (`deleted`): their roots no longer exist, so
there is nothing to plan; their resources must be destroyed from the base commit.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from mlstrata.ci.order import UnitRef, runner_envs, unit_refs
from mlstrata.diagnostics import DiagnosticsError, Where, error
from mlstrata.hcl.model import Block, is_known
from mlstrata.hcl.reader import parse_text
from mlstrata.render.tree import render_tree
from mlstrata.repo import LIVE, WORK_DIR, split_unit_file, unit_path
from mlstrata.spec.load import LoadedSpec, load_text
from mlstrata.spec.models import LAYERS

NO_COMMIT = "0" * 40  # what GitHub sends as `before` for a branch's first push


@dataclass(frozen=True)
class AffectedUnit:
    ref: UnitRef
    path: str  # the unit's folder, relative to the git root
    reasons: tuple[str, ...]

    def to_dict(self, order: int) -> dict[str, Any]:
        r = self.ref
        return {"unit": r.id, "key": r.key, "env": r.env, "layer": r.layer, "path": self.path, "order": order,
                "protected": r.protected, "region": r.region, "account": r.account or "",
                "ci_role": r.ci_role or "", "plan_role": r.plan_role or "", "runner": r.runner or "",
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Affected:
    base: str
    merge_base: str | None
    units: list[AffectedUnit]
    deleted: list[dict[str, str]] = field(default_factory=list)
    spec_changes: list[str] = field(default_factory=list)
    other_changes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "merge_base": self.merge_base,
                "units": [u.to_dict(i) for i, u in enumerate(self.units)], "deleted": self.deleted,
                "spec_changes": self.spec_changes, "other_changes": self.other_changes}

    def github_matrix(self) -> dict[str, Any]:
        """`strategy.matrix` for GitHub Actions (`fromJSON`); an empty `include` when nothing is affected."""
        return {"include": [u.to_dict(i) for i, u in enumerate(self.units)]}


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DiagnosticsError([error(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}",
                                      where=Where(str(root)), code="affected.git",
                                      hint="Run inside a git clone that has the base commit (in CI: "
                                      "fetch-depth: 0, or fetch the base branch).")])
    return done.stdout


def git_root(path: Path) -> Path:
    return Path(_git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel").strip())


def changed_paths(root: Path, base_commit: str) -> list[str]:
    """Files that differ between `base_commit` and the working tree (committed, staged, unstaged, untracked)."""
    tracked = _git(root, "diff", "--name-only", "--no-renames", "-z", base_commit).split("\0")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    return sorted({p for p in [*tracked, *untracked] if p})


def _flat(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            _flat(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = value


def spec_key_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Dotted keys of the raw spec whose value differs (for the reasons shown to reviewers)."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flat(before or {}, "", a)
    _flat(after, "", b)
    return sorted(k for k in a.keys() | b.keys() if a.get(k, ...) != b.get(k, ...))


def _unit_files(files: Mapping[str, str]) -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    for rel, text in files.items():
        found = split_unit_file(rel)
        if found is not None:
            env, layer, inner = found
            out.setdefault((env, layer), {})[inner] = text
    return out


def _unit_folders(repo: Path) -> list[tuple[str, str, Path]]:
    live = repo / LIVE
    if not live.is_dir():
        return []
    return [(env_dir.name, layer_dir.name, layer_dir) for env_dir in sorted(p for p in live.iterdir() if p.is_dir())
            for layer_dir in sorted(p for p in env_dir.iterdir() if p.is_dir())]


def _blocks(folder: Path, block_type: str) -> list[Block]:
    """The top-level blocks of one type in a folder's `.tf` files."""
    return [block for tf in sorted(folder.glob("*.tf"))
            for block in parse_text(tf.read_bytes(), str(tf)).body.blocks_of(block_type)]


def module_callers(repo: Path) -> dict[str, set[tuple[str, str]]]:
    """Module name -> every unit that calls it, directly or through other local modules (from the `.tf`
    files on disk: `module` blocks whose `source` is a local path into `<repo>/modules/`)."""
    calls: dict[str, set[str]] = {}  # caller ("live/dev/base" or "modules/x") -> called module names
    units: dict[str, tuple[str, str]] = {}  # caller -> (env, layer) of the units among them

    def scan(folder: Path, caller: str) -> None:
        for block in _blocks(folder, "module"):
            source = block.body.attributes.get("source")
            if source is None or not isinstance(source.value, str) or not source.value.startswith("."):
                continue
            target = Path(os.path.normpath(folder / source.value))
            try:
                rel = target.relative_to(repo.resolve() if target.is_absolute() else repo)
            except ValueError:
                continue
            if len(rel.parts) >= 2 and rel.parts[0] == "modules":
                calls.setdefault(caller, set()).add(rel.parts[1])

    modules_dir = repo / "modules"
    if modules_dir.is_dir():
        for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
            scan(folder, f"modules/{folder.name}")
    for env, layer, folder in _unit_folders(repo):
        units[unit_path(env, layer)] = (env, layer)
        scan(folder, unit_path(env, layer))

    out: dict[str, set[tuple[str, str]]] = {}
    for caller in calls:
        if caller not in units:
            continue
        env, layer = units[caller]
        seen: set[str] = set()
        todo = list(calls[caller])
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            todo.extend(calls.get(f"modules/{module}", ()))
        for module in seen:
            out.setdefault(module, set()).add((env, layer))
    return out


def _state_settings(backend: str, settings: Mapping[str, Any], folder: Path, repo: Path) -> dict[str, Any]:
    """What locates a state, comparable across units: a `local` backend's path is relative to its unit."""
    out = {k: v for k, v in settings.items() if is_known(v)}
    if backend == "local":
        out["path"] = os.path.relpath(os.path.normpath(folder / str(out.get("path", "terraform.tfstate"))), repo)
    return out


def state_readers(repo: Path) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Unit -> the units that read its state through a `terraform_remote_state` data source (from the `.tf` files
    on disk): a remote state reads a unit when it names that unit's backend type and every setting both give
    agrees (bucket and key, prefix, schema name, local path). A remote state of no unit here is left out."""
    folders = _unit_folders(repo)
    backends: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for env, layer, folder in folders:
        for terraform in _blocks(folder, "terraform"):
            for backend in terraform.body.blocks_of("backend"):
                if backend.labels:
                    settings = {name: a.value for name, a in backend.body.attributes.items()}
                    backends[(env, layer)] = (backend.labels[0], _state_settings(backend.labels[0], settings,
                                                                                folder, repo))
    readers: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for env, layer, folder in folders:
        for data in _blocks(folder, "data"):
            if data.labels[:1] != ["terraform_remote_state"]:
                continue
            kind = data.body.attributes.get("backend")
            config = data.body.attributes.get("config")
            if kind is None or not isinstance(kind.value, str):
                continue
            given = config.partial_value if config is not None else {}
            read = _state_settings(kind.value, given if isinstance(given, dict) else {}, folder, repo)
            for unit, (backend_type, settings) in backends.items():
                shared = read.keys() & settings.keys()
                if (unit != (env, layer) and backend_type == kind.value and shared
                        and all(read[k] == settings[k] for k in shared)):
                    readers.setdefault(unit, set()).add((env, layer))
    return readers


def _as_rendered(path: Path, text: str | None) -> bool:
    """True when the file on disk is what the spec renders (its change came from the spec, not a hand edit)."""
    try:
        return text is not None and path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _load_at(root: Path, commit: str, rel_spec: str) -> tuple[LoadedSpec | None, str]:
    """The spec as it was at `commit`, or None with why not."""
    done = subprocess.run(["git", "-C", str(root), "show", f"{commit}:{rel_spec}"], capture_output=True,
                          check=False)
    if done.returncode != 0:
        return None, f"{rel_spec} did not exist at the base"
    try:
        text = done.stdout.decode("utf-8")
        return load_text(text, f"{rel_spec}@{commit[:12]}"), ""
    except (UnicodeDecodeError, DiagnosticsError):
        return None, f"{rel_spec} at the base does not load"


def affected(spec: LoadedSpec, spec_path: Path, repo: Path, base: str) -> Affected:
    """The units the change from `base` to the working tree touches. Raises DiagnosticsError on git errors."""
    root = git_root(spec_path)
    rel_spec = PurePosixPath(os.path.relpath(spec_path.resolve(), root)).as_posix()
    rel_repo = PurePosixPath(os.path.relpath(repo.resolve(), root)).as_posix()
    refs = unit_refs(spec.platform)
    reasons: dict[tuple[str, str], list[str]] = {(r.env, r.layer): [] for r in refs}

    # A self-hosted runner exists once the default branch's pipeline applied its root: an environment whose
    # runner the base does not render yet (its first merge request) is planned on a hosted runner, which works
    # because nothing private of it exists yet; its merge pipeline creates the runner before the apply.
    runners_at_base: set[str] = {r.env for r in refs if r.runner}

    def result(merge_base: str | None, deleted: list[dict[str, str]], spec_changes: list[str],
               other: list[str]) -> Affected:
        units = [AffectedUnit(replace(r, runner=r.runner if r.env in runners_at_base else None),
                              f"{rel_repo}/live/{r.env}/{r.layer}", tuple(reasons[(r.env, r.layer)]))
                 for r in refs if reasons[(r.env, r.layer)]]
        return Affected(base, merge_base, units, deleted, spec_changes, other)

    if base == NO_COMMIT:
        for key in reasons:
            reasons[key].append("no base commit: every unit")
        runners_at_base.clear()
        return result(None, [], [], [])
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}").strip()
    except DiagnosticsError:
        raise DiagnosticsError([error(f"unknown base `{base}`: no such commit in {root}", where=Where(str(root)),
                                      code="affected.base", hint="Pass a commit, branch or tag this clone has "
                                      "(in CI: check out with fetch-depth: 0).")]) from None
    merge_base = _git(root, "merge-base", commit, "HEAD").strip()
    paths = changed_paths(root, merge_base)

    # 1. the spec, rendered at both ends and compared unit by unit
    spec_changes: list[str] = []
    deleted: list[dict[str, str]] = []
    rendered = render_tree(spec).files
    if rel_spec in paths:
        before, why = _load_at(root, merge_base, rel_spec)
        spec_changes = spec_key_changes(before.source.data if before else None, spec.source.data)
        runners_at_base.intersection_update(
            runner_envs(before.platform) if before is not None and before.platform.target == spec.platform.target
            else [])
        if before is None:
            for key in reasons:
                reasons[key].append(f"spec: {why}")
        else:
            old, new = _unit_files(render_tree(before).files), _unit_files(rendered)
            for key in reasons:
                differ = sorted(n for n in old.get(key, {}).keys() | new[key].keys()
                                if old.get(key, {}).get(n) != new[key].get(n)) if key in new else []
                if key not in old:
                    reasons[key].append("spec: new environment")
                elif differ:
                    reasons[key].append(f"spec: renders {', '.join(differ)} differently")
            for env in before.platform.environments:
                if env not in spec.platform.environments:
                    deleted += [{"unit": f"{env}/{layer}", "env": env, "layer": layer,
                                 "path": f"{rel_repo}/{unit_path(env, layer)}",
                                 "hint": f"environment `{env}` was removed from the spec: destroy its resources "
                                 f"from the base commit (`mlstrata destroy --env {env}`) before merging"}
                                for layer in LAYERS]

    # 2. changed modules -> every caller; 3. hand-edited unit files
    prefix = f"{rel_repo}/" if rel_repo != "." else ""
    callers = module_callers(repo)
    other: list[str] = []
    for path in paths:
        if path == rel_spec:
            continue
        rel = path[len(prefix):] if path.startswith(prefix) else None
        parts = rel.split("/") if rel is not None else []
        if len(parts) >= 3 and parts[0] == "modules":
            for key in sorted(callers.get(parts[1], ())):
                if key in reasons and f"module: {parts[1]}" not in reasons[key]:
                    reasons[key].append(f"module: {parts[1]}")
        elif (unit := split_unit_file(rel or "")) is not None and WORK_DIR not in parts and ".terraform" not in parts:
            key = unit[:2]
            if key in reasons and not _as_rendered(repo / str(rel), rendered.get(str(rel))):
                reasons[key].append(f"file: {path}")
        elif rel is None or not rel.startswith((f"{WORK_DIR}/", f"{LIVE}/")):
            other.append(path)

    # 4. a unit that reads an affected unit's state: what it reads may change (platform reads base's outputs)
    readers = state_readers(repo)
    todo = [key for key in reasons if reasons[key]]
    while todo:
        read = todo.pop(0)
        for key in sorted(readers.get(read, ())):
            why = f"reads the state of {read[0]}/{read[1]}, which is affected"
            if key in reasons and why not in reasons[key]:
                if not reasons[key]:
                    todo.append(key)
                reasons[key].append(why)
    return result(merge_base, deleted, spec_changes, other)


def unit_ids(units: Iterable[AffectedUnit]) -> list[str]:
    return [u.ref.id for u in units]
