"""Drift outside every state: objects that exist on an environment's platform but that no Terraform state manages.
Terraform cannot see them, so the target's run hooks (`mlstrata.targets.runs.RunHooks.unmanaged`) list them; every
layer's state of the selected environments is read for that (whatever --layer selects), and only the selected
units' objects are reported."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic
from mlstrata.drift.categories import Category
from mlstrata.drift.report import ABSENT, AttributeChange, DriftedResource
from mlstrata.engine import Engine, Unit, discover_units, show_state_all
from mlstrata.targets.runs import run_hooks

States = dict[str, Sequence[tuple[str, Mapping[str, Any]]] | None]


def unmanaged_resources(engine: Engine, repo: Path, units: Sequence[Unit],
                        target: str) -> tuple[list[DriftedResource], list[Diagnostic]]:
    """The unmanaged objects of the selected units as drifted resources (category `unmanaged`), or the
    diagnostics of the target saying why they could not be listed."""
    if not units:
        return [], []
    selected = {u.id for u in units}
    envs = sorted({u.env for u in units})
    env_vars = units[0].env_vars

    @functools.cache
    def every_state() -> States:  # read once, in parallel, when the target first asks
        every = [dataclasses.replace(u, env_vars=env_vars) for u in discover_units(repo.resolve(), envs=envs)]
        docs = show_state_all(engine, every)
        found: States = {}
        for env in envs:
            states = [(u.layer, doc) for u, (doc, _) in zip(every, docs, strict=True)
                      if u.env == env and doc is not None]
            found[env] = states if len(states) == sum(u.env == env for u in every) else None
        return found

    objects, problems = run_hooks(target).unmanaged(repo, envs, lambda env: every_state().get(env), env_vars)
    return [DriftedResource(unit=f"{o.env}/{o.layer}", env=o.env, layer=o.layer, address=o.address, type=o.type,
                            category=Category.UNMANAGED, deleted=False,
                            changes=(AttributeChange("exists", ABSENT, o.detail),), hint=o.hint)
            for o in objects if f"{o.env}/{o.layer}" in selected], problems
