"""A rendered repository ready for the engine: units, CLI config blocks and environment per target."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, Where, error
from mlstrata.engine import Unit, discover_units
from mlstrata.render.tree import compare_tree, render_tree
from mlstrata.spec.load import LoadedSpec
from mlstrata.targets import TARGETS


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


def open_workspace(spec: LoadedSpec, repo: Path, envs: list[str] | None, layers: list[str] | None,
                   ) -> tuple[Workspace | None, list[Diagnostic]]:
    """Check the tree is current, pick the units and prepare what the target needs to run them."""
    platform = spec.platform
    for env in envs or []:
        if env not in platform.environments:
            return None, [error(f"unknown environment `{env}`", where=Where(spec.source.file),
                                hint=f"Environments: {', '.join(platform.environments)}.", code="cli.env")]
    for layer in layers or []:
        if layer not in ("base", "platform"):
            return None, [error(f"unknown layer `{layer}`", hint="Layers: base, platform.", code="cli.layer")]
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
    blocks = target.prepare_repo(repo)
    units = [dataclasses.replace(u, env_vars=env_vars)
             for u in discover_units(repo.resolve(), envs=envs, layers=layers)]
    return Workspace(spec=spec, repo=repo, units=units, cli_config_blocks=blocks), []
