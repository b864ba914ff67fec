"""A rendered repository ready for the engine: units, CLI config blocks and environment per target; and the
one policy on protected environments for up, apply, destroy and rollback: changed only when named (--env)
and confirmed (a terminal, or --yes, which never stands in for naming it), destroyed only with a reason."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, Where, did_you_mean, error
from mlstrata.engine import Unit, discover_units
from mlstrata.render.tree import compare_tree, render_tree
from mlstrata.spec.load import LoadedSpec
from mlstrata.targets.registry import TARGETS


@dataclass(frozen=True)
class Workspace:
    spec: LoadedSpec
    repo: Path
    units: list[Unit]
    cli_config_blocks: tuple[str, ...]

    @property
    def protected_envs(self) -> set[str]:
        return {n for n, e in self.spec.platform.environments.items() if e.protect}


def default_repo(spec_path: Path) -> Path:
    return spec_path.parent / "infra"


def check_selection(spec: LoadedSpec, envs: list[str] | None, layers: list[str] | None) -> list[Diagnostic]:
    """Problems with the environments and layers a command was asked for (before it writes anything)."""
    platform = spec.platform
    for env in envs or []:
        if env not in platform.environments:
            close = did_you_mean(env, platform.environments)
            return [error(f"unknown environment `{env}`", where=Where(spec.source.file),
                          hint=(close[:1].upper() + close[1:] + " " if close else "")
                          + f"Environments: {', '.join(platform.environments)}.", code="cli.env")]
    for layer in layers or []:
        if layer not in ("base", "platform"):
            return [error(f"unknown layer `{layer}`", hint="Layers: base, platform.", code="cli.layer")]
    return []


def open_workspace(spec: LoadedSpec, repo: Path, envs: list[str] | None, layers: list[str] | None,
                   ) -> tuple[Workspace | None, list[Diagnostic]]:
    """Check the tree is current, pick the units and say what the target's runs need (CLI configuration
    blocks, environment). Opening writes nothing: `install_providers` is the step that does."""
    platform = spec.platform
    problems = check_selection(spec, envs, layers)
    if problems:
        return None, problems
    if not (repo / "live").is_dir():
        return None, [error(f"no rendered repository at {repo}", where=Where(str(repo)),
                            hint=f"Run `mlstrata render -f {spec.source.file}` first (or `mlstrata up`, which "
                            "renders, plans and applies).", code="cli.no_tree")]
    diff = compare_tree(render_tree(spec), repo)
    if not diff.clean:
        first = (diff.missing or diff.changed or diff.stale)[0]
        return None, [error(f"{repo} is not what {spec.source.file} renders ({first} differs)",
                            where=Where(str(repo)), hint="Run `mlstrata render` first (or `mlstrata up`, "
                            "which renders, plans and applies).", code="cli.stale_tree")]
    env_vars: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    if platform.state.backend == "pg":
        name = platform.state.conn_str_env or ""
        value = os.environ.get(name)
        if not value:
            diagnostics.append(error(f"${name} is not set", where=spec.source.where(("state", "conn_str_env")),
                                     hint=f"Export {name}=postgres://user@host:port/db?sslmode=... before running.",
                                     code="cli.pg_conn"))
        else:
            env_vars["PG_CONN_STR"] = value  # passed as environment, never recorded under .terraform/
    target = TARGETS[platform.target]
    target_vars, target_diags = target.run_environment(platform, spec.source, os.environ)
    env_vars.update(target_vars)
    diagnostics += target_diags
    if diagnostics:
        return None, diagnostics
    blocks = target.cli_config_blocks(repo)
    order = list(platform.environments)  # results and tables in spec order (dev, staging, prod), not by name
    units = sorted((dataclasses.replace(u, env_vars=env_vars)
                    for u in discover_units(repo.resolve(), envs=envs, layers=layers)),
                   key=lambda u: (order.index(u.env) if u.env in order else len(order), u.sort_key()))
    return Workspace(spec=spec, repo=repo, units=units, cli_config_blocks=blocks), []


def install_providers(ws: Workspace) -> list[Diagnostic]:
    """Install what the workspace's runs need beside the repository (the local target's provider), just
    before Terraform runs; the diagnostics when that fails."""
    return TARGETS[ws.spec.platform.target].install_providers(ws.repo)


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
    unnamed = [e for e in touched if e not in (named or [])]
    if unnamed:
        return Permission(error(f"{', '.join(unnamed)} is protected: {action} it only by naming it",
                                hint=f"add `--env {unnamed[0]}` (and --yes in CI), or choose other environments "
                                "with --env", code="cli.protected"))
    if yes:
        return Permission()
    if not interactive:
        return Permission(error(f"{', '.join(touched)} is protected and there is no terminal to confirm",
                                hint="pass --yes to confirm non-interactively", code="cli.protected"))
    return Permission(question=f"{action} protected environment(s) {', '.join(touched)}?")


def may_destroy(ws: Workspace, named: list[str] | None, yes: bool, interactive: bool,
                reason: str | None) -> Permission:
    """A protected environment is destroyed only when named (--env), given a reason (kept in the journal)
    and confirmed; the others only when confirmed. --yes answers the question, nothing else."""
    touched = protected_touched(ws)
    unnamed = [e for e in touched if e not in (named or [])]
    if unnamed:
        return Permission(error(f"{', '.join(unnamed)} is protected: destroy it only by naming it",
                                hint=f"add `--env {unnamed[0]}` with --reason \"why\", or choose other environments "
                                "with --env", code="cli.protected"))
    if touched and not (reason or "").strip():
        return Permission(error(f"destroying protected environment {', '.join(touched)} needs a reason",
                                hint=f"add --reason \"why {touched[0]} goes away\": the journal keeps it with who "
                                "destroyed it; confirm at the prompt or with --yes", code="cli.protected"))
    if yes:
        return Permission()
    if not interactive:
        what = f"{', '.join(touched)} is protected and there is no terminal to confirm" if touched else \
            "destroy needs confirmation"
        return Permission(error(what, hint="pass --yes to confirm non-interactively", code="cli.confirm"))
    return Permission(question=f"destroy {', '.join(sorted({u.id for u in ws.units}))}?")


def unnamed_protected(ws: Workspace, named: list[str] | None) -> list[str]:
    """Protected environments among the selected units that were not named with --env (`up` leaves them out)."""
    return [e for e in protected_touched(ws) if e not in (named or [])]


def without_envs(ws: Workspace, envs: list[str]) -> Workspace:
    """The workspace less these environments' units."""
    return Workspace(ws.spec, ws.repo, [u for u in ws.units if u.env not in envs], ws.cli_config_blocks)
