"""What Terraform runs in a rendered repository need from its target, importable without the target itself
(its renderers and the spec's models): the variables read from the user's environment, the Terraform CLI
configuration blocks, the providers to install, the warnings that are routine there, and what exists on the
platform outside every state (drift's unmanaged objects).

A command whose rendered tree is current (`mlstrata.render.stamp`) opens it from the target's name alone,
so these hooks are registered here by module name, one line per target that needs any; the others run
with the registry's providers, nothing installed and nothing read from the environment by mlstrata.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from mlstrata.diagnostics import Diagnostic, Where, error

RUN_HOOKS: dict[str, str] = {
    "local": "mlstrata.targets.local.workspace",
}

# (layer, `terraform show -json` of its state) of every layer of an environment, None when one cannot be read
StatesOf = Callable[[str], Sequence[tuple[str, Mapping[str, Any]]] | None]


@dataclass(frozen=True)
class UnmanagedObject:
    """An object of an environment's platform that exists but that no Terraform state manages, under the layer
    whose state would manage it: `address` is the resource it would be imported as, `hint` how to resolve it."""

    env: str
    layer: str
    type: str
    address: str
    detail: str
    hint: str


class RunHooks(Protocol):
    def cli_config_blocks(self, repo: Path) -> tuple[str, ...]:
        """The Terraform CLI configuration blocks that runs in the rendered repository need (empty when
        none). Reads and writes nothing."""
        ...

    def install_providers(self, repo: Path) -> list[Diagnostic]:
        """Put the providers that do not come from a registry where those blocks point (e.g. mlstrata's
        own provider beside the repository), or the diagnostics saying why that failed. The one step of a
        run that writes into the repository before Terraform starts."""
        ...

    def routine_warning(self, d: Diagnostic) -> bool:
        """A warning Terraform gives on every run of this target that is expected, not something to act on."""
        ...

    def served_providers(self) -> tuple[str, ...]:
        """Providers (by source address) that mlstrata's engine may start once per unit operation and let each
        of its Terraform runs reattach (`mlstrata.engine.served`): providers that serve `--reattach`."""
        ...

    def unmanaged(self, repo: Path, envs: Sequence[str], states: StatesOf,
                  environ: Mapping[str, str]) -> tuple[list[UnmanagedObject], list[Diagnostic]]:
        """What exists on the platforms of `envs` that no state manages (`states(env)`: every layer's state, read
        when first asked for; `environ`: the runs' Terraform environment), or a diagnostic saying why it could not
        be listed. Nothing for a target whose platform mlstrata does not list (its states are then not read)."""
        ...


class RegistryRuns:
    """The run hooks of a target whose providers all come from the Terraform registry."""

    def cli_config_blocks(self, repo: Path) -> tuple[str, ...]:
        return ()

    def install_providers(self, repo: Path) -> list[Diagnostic]:
        return []

    def routine_warning(self, d: Diagnostic) -> bool:
        return False

    def served_providers(self) -> tuple[str, ...]:
        return ()

    def unmanaged(self, repo: Path, envs: Sequence[str], states: StatesOf,
                  environ: Mapping[str, str]) -> tuple[list[UnmanagedObject], list[Diagnostic]]:
        return [], []  # the clouds' own APIs are not asked what exists outside Terraform


def run_hooks(target: str) -> RunHooks:
    """The run hooks of `target` (by name)."""
    module = RUN_HOOKS.get(target)
    return RegistryRuns() if module is None else cast(RunHooks, importlib.import_module(module))


def routine_warning(d: Diagnostic) -> bool:
    """A warning Terraform gives on every run of some target that is expected there, not something to act on."""
    return any(run_hooks(name).routine_warning(d) for name in RUN_HOOKS)


@dataclass(frozen=True)
class RunVariable:
    """A variable Terraform runs need from the user's environment: `name` is read there (the spec names it)
    and passed to Terraform and its providers as `to`; never written into a file. `where` is the spec's key
    naming it."""

    name: str
    to: str
    where: Where | None
    hint: str
    code: str

    def to_dict(self) -> dict[str, object]:
        where = None if self.where is None else [self.where.file, self.where.line, self.where.column]
        return {"name": self.name, "to": self.to, "where": where, "hint": self.hint, "code": self.code}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunVariable:
        where = data.get("where")
        place = None
        if isinstance(where, list) and len(where) == 3:
            place = Where(str(where[0]), int(where[1]), int(where[2]))
        return cls(name=str(data["name"]), to=str(data["to"]), where=place, hint=str(data.get("hint", "")),
                   code=str(data.get("code", "")))


def run_environment(variables: Sequence[RunVariable],
                    environ: Mapping[str, str]) -> tuple[dict[str, str], list[Diagnostic]]:
    """The environment Terraform runs get from `variables`, read from `environ`; a diagnostic per variable
    that is not set."""
    found: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for variable in variables:
        value = environ.get(variable.name)
        if value:
            found[variable.to] = value
        else:
            problems.append(error(f"${variable.name} is not set", where=variable.where, hint=variable.hint,
                                  code=variable.code))
    return found, problems
