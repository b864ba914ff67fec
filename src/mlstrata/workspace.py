"""A rendered repository ready for the engine: units, CLI config blocks and environment per target; and the
one policy on protected environments for up, apply, destroy and rollback: changed only when named (--env)
and confirmed (a terminal, or --yes, which never stands in for naming it), destroyed only with a reason."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mlstrata.diagnostics import Diagnostic, Where, did_you_mean, error
from mlstrata.drift.allowances import AllowedDrift
from mlstrata.engine import Unit, discover_units
from mlstrata.render.stamp import RunProfile, current_profile, record
from mlstrata.repo import LIVE
from mlstrata.targets.runs import RunVariable, run_environment, run_hooks

if TYPE_CHECKING:  # the spec's models, its loader and the renderers load only when the spec is read
    from mlstrata.spec.load import LoadedSpec


@dataclass(frozen=True)
class Workspace:
    """The selected units of a rendered repository that is current, and what runs in it need. Opened from the
    render stamp (`open_current`), the spec is loaded only when something asks for it (`spec`)."""

    spec_file: Path
    repo: Path
    units: list[Unit]
    cli_config_blocks: tuple[str, ...]
    profile: RunProfile
    loaded: LoadedSpec | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def spec(self) -> LoadedSpec:
        """The spec with its target's checks: the one the workspace was opened with, else read now."""
        if self.loaded is not None:
            return self.loaded
        from mlstrata.spec.load import load_spec
        from mlstrata.targets.registry import TARGETS

        return load_spec(self.spec_file, targets=TARGETS)

    @property
    def served_providers(self) -> tuple[str, ...]:
        """The providers the engine serves once per unit operation in this workspace's runs."""
        return run_hooks(self.profile.target).served_providers()

    @property
    def protected_envs(self) -> set[str]:
        return set(self.profile.protected)


def default_repo(spec_path: Path) -> Path:
    return spec_path.parent / "infra"


def check_selection(spec: LoadedSpec, envs: list[str] | None, layers: list[str] | None) -> list[Diagnostic]:
    """Problems with the environments and layers a command was asked for (before it writes anything)."""
    return _selection_problems(list(spec.platform.environments), spec.source.file, envs, layers)


def _selection_problems(environments: Sequence[str], spec_file: str, envs: list[str] | None,
                        layers: list[str] | None) -> list[Diagnostic]:
    for env in envs or []:
        if env not in environments:
            close = did_you_mean(env, environments)
            return [error(f"unknown environment `{env}`", where=Where(spec_file),
                          hint=(close[:1].upper() + close[1:] + " " if close else "")
                          + f"Environments: {', '.join(environments)}.", code="cli.env")]
    for layer in layers or []:
        if layer not in ("base", "platform"):
            return [error(f"unknown layer `{layer}`", hint="Layers: base, platform.", code="cli.layer")]
    return []


def run_profile(spec: LoadedSpec) -> RunProfile:
    """What opening a rendered tree of `spec` needs from it (kept in the render stamp)."""
    from mlstrata.spec.summary import validation_facts
    from mlstrata.targets.registry import TARGETS

    platform = spec.platform
    variables: list[RunVariable] = []
    if platform.state.backend == "pg":
        name = platform.state.conn_str_env or ""
        # passed as environment, never recorded under .terraform/
        variables.append(RunVariable(name, "PG_CONN_STR", spec.source.where(("state", "conn_str_env")),
                                     hint=f"Export {name}=postgres://user@host:port/db?sslmode=... before running.",
                                     code="cli.pg_conn"))
    variables += TARGETS[platform.target].run_variables(platform, spec.source)
    return RunProfile(target=platform.target, environments=tuple(platform.environments),
                      protected=tuple(n for n, e in platform.environments.items() if e.protect),
                      variables=tuple(variables), warnings=tuple(spec.warnings),
                      drift_allow=tuple(AllowedDrift.of(a) for a in platform.drift.allow),
                      validation=json.dumps(validation_facts(spec), sort_keys=True))



def open_workspace(spec: LoadedSpec, repo: Path, envs: list[str] | None, layers: list[str] | None, *,
                   spec_sha256: str | None = None) -> tuple[Workspace | None, list[Diagnostic]]:
    """Check the tree is current, pick the units and say what the target's runs need (CLI configuration
    blocks, environment). Given `spec_sha256` (of the spec file's bytes as read for `spec`), a tree found
    current is stamped (`mlstrata.render.stamp`) so that the next command can tell without rendering; that
    cache is all opening writes: `install_providers` is the step that writes into the tree."""
    from mlstrata.render.tree import compare_tree, render_tree

    problems = check_selection(spec, envs, layers)
    if problems:
        return None, problems
    if not (repo / LIVE).is_dir():
        return None, [error(f"no rendered repository at {repo}", where=Where(str(repo)),
                            hint=f"Run `mlstrata render -f {spec.source.file}` first (or `mlstrata up`, which "
                            "renders, plans and applies).", code="cli.no_tree")]
    tree = render_tree(spec)
    diff = compare_tree(tree, repo)
    if not diff.clean:
        first = (diff.missing or diff.changed or diff.stale)[0]
        return None, [error(f"{repo} is not what {spec.source.file} renders ({first} differs)",
                            where=Where(str(repo)), hint="Run `mlstrata render` first (or `mlstrata up`, "
                            "which renders, plans and applies).", code="cli.stale_tree")]
    profile = run_profile(spec)
    if spec_sha256 is not None:
        record(repo, Path(spec.source.file), spec_sha256, tree.digest(), profile)
    return _open(Path(spec.source.file), repo, envs, layers, profile, spec)


def open_current(spec_file: Path, repo: Path, envs: list[str] | None, layers: list[str] | None,
                 ) -> tuple[Workspace | None, list[Diagnostic], RunProfile] | None:
    """`open_workspace` without reading the spec, when the render stamp vouches that the tree is what
    `spec_file` renders: (workspace or None, the problems, the profile with the spec's warnings); None when
    it does not (then read the spec and call `open_workspace`)."""
    profile = current_profile(repo, spec_file)
    if profile is None:
        return None
    problems = _selection_problems(profile.environments, str(spec_file), envs, layers)
    if problems:
        return None, problems, profile
    ws, problems = _open(spec_file, repo, envs, layers, profile, None)
    return ws, problems, profile


def _open(spec_file: Path, repo: Path, envs: list[str] | None, layers: list[str] | None, profile: RunProfile,
          loaded: LoadedSpec | None) -> tuple[Workspace | None, list[Diagnostic]]:
    env_vars, diagnostics = run_environment(profile.variables, os.environ)
    if diagnostics:
        return None, diagnostics
    blocks = run_hooks(profile.target).cli_config_blocks(repo)
    order = list(profile.environments)  # results and tables in spec order (dev, staging, prod), not by name
    units = sorted((dataclasses.replace(u, env_vars=env_vars)
                    for u in discover_units(repo.resolve(), envs=envs, layers=layers)),
                   key=lambda u: (order.index(u.env) if u.env in order else len(order), u.sort_key()))
    return Workspace(spec_file=spec_file, repo=repo, units=units, cli_config_blocks=blocks, profile=profile,
                     loaded=loaded), []


def install_providers(ws: Workspace) -> list[Diagnostic]:
    """Install what the workspace's runs need beside the repository (the local target's provider), just
    before Terraform runs; the diagnostics when that fails."""
    return run_hooks(ws.profile.target).install_providers(ws.repo)


# ---- protected environments ------------------------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    """Whether a run may go ahead: refused (with why), or allowed once `question` is confirmed (None: go)."""

    refused: Diagnostic | None = None
    question: str | None = None


def protected_touched(ws: Workspace) -> list[str]:
    """The protected environments among the selected units."""
    return sorted({u.env for u in ws.units} & ws.protected_envs)


def may_change(ws: Workspace, named: list[str] | None, yes: bool, action: str, interactive: bool) -> Permission:
    """A protected environment is changed only when named explicitly (--env), and confirmed (--yes or a
    question on a terminal)."""
    touched = protected_touched(ws)
    if not touched:
        return Permission()
    unnamed = unnamed_protected(ws, named)
    if unnamed:
        return _refuse_unnamed(unnamed, action, "(and --yes in CI)")
    return _confirmed(yes, interactive, f"{', '.join(touched)} is protected and there is no terminal to confirm",
                      "cli.protected", f"{action} protected environment(s) {', '.join(touched)}?")


def may_destroy(ws: Workspace, named: list[str] | None, yes: bool, interactive: bool,
                reason: str | None) -> Permission:
    """A protected environment is destroyed only when named (--env), given a reason (kept in the journal)
    and confirmed; the others only when confirmed. --yes answers the question, nothing else."""
    touched = protected_touched(ws)
    unnamed = unnamed_protected(ws, named)
    if unnamed:
        return _refuse_unnamed(unnamed, "destroy", 'with --reason "why"')
    if touched and not (reason or "").strip():
        return Permission(error(f"destroying protected environment {', '.join(touched)} needs a reason",
                                hint=f"add --reason \"why {touched[0]} goes away\": the journal keeps it with who "
                                "destroyed it; confirm at the prompt or with --yes", code="cli.protected"))
    what = f"{', '.join(touched)} is protected and there is no terminal to confirm" if touched else \
        "destroy needs confirmation"
    return _confirmed(yes, interactive, what, "cli.confirm", f"destroy {', '.join(sorted({u.id for u in ws.units}))}?")


def _refuse_unnamed(unnamed: list[str], action: str, with_what: str) -> Permission:
    return Permission(error(f"{', '.join(unnamed)} is protected: {action} it only by naming it",
                            hint=f"add `--env {unnamed[0]}` {with_what}, or choose other environments with --env",
                            code="cli.protected"))


def _confirmed(yes: bool, interactive: bool, refusal: str, code: str, question: str) -> Permission:
    """--yes confirms; else the question is asked on a terminal; without one the run is refused."""
    if yes:
        return Permission()
    if not interactive:
        return Permission(error(refusal, hint="pass --yes to confirm non-interactively", code=code))
    return Permission(question=question)


def unnamed_protected(ws: Workspace, named: list[str] | None) -> list[str]:
    """Protected environments among the selected units that were not named with --env (`up` leaves them out)."""
    return [e for e in protected_touched(ws) if e not in (named or [])]


def without_envs(ws: Workspace, envs: list[str]) -> Workspace:
    """The workspace less these environments' units."""
    return dataclasses.replace(ws, units=[u for u in ws.units if u.env not in envs])
