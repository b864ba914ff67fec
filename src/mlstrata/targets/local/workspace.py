"""What Terraform runs on a rendered local-target repository need: the PostgreSQL DSN in the provider's
environment, and mlstrata's own provider installed in a filesystem mirror beside the repository. The run
hooks of `mlstrata.targets.runs`: this module imports no spec models at run time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mlstrata.diagnostics import Diagnostic, Severity, Where, error
from mlstrata.provider import ADDRESS, HOSTNAME, POSTGRES_DSN_ENV
from mlstrata.provider.install import cli_config_block, install_provider
from mlstrata.repo import CLI_CONFIG, PLUGINS_DIR
from mlstrata.targets.runs import RunVariable, StatesOf, UnmanagedObject

if TYPE_CHECKING:
    from mlstrata.spec.models import Platform
    from mlstrata.spec.source import Source


def uses_postgres(platform: Platform) -> bool:
    return platform.local is not None and platform.local.postgres_dsn_env is not None


def run_variables(platform: Platform, source: Source) -> list[RunVariable]:
    """The provider's DSN (`MLSTRATA_POSTGRES_DSN`) from the variable the spec names, when the platform uses
    PostgreSQL. It goes to the provider's environment, never into a Terraform variable: Terraform stores
    variables in plain text in saved plans and in `show -json`."""
    if not uses_postgres(platform) or platform.local is None:
        return []
    name = platform.local.postgres_dsn_env or ""
    return [RunVariable(name, POSTGRES_DSN_ENV, source.where(("local", "postgres_dsn_env")),
                        hint=f"Export {name}=postgresql://user:pass@host:port/postgres.", code="cli.pg_dsn")]


def cli_config_blocks(repo: Path) -> tuple[str, ...]:
    """The `provider_installation` block pointing Terraform at the mirror under `.mlstrata/plugins`."""
    return (cli_config_block((repo / PLUGINS_DIR).resolve()),)


def install_providers(repo: Path) -> list[Diagnostic]:
    """Install the provider under the repository's `.mlstrata/plugins` and write the CLI configuration
    that points Terraform at it (also for people who run plain `terraform` in a unit folder)."""
    try:
        install_provider((repo / PLUGINS_DIR).resolve())
        (repo / CLI_CONFIG).write_text("\n".join(cli_config_blocks(repo)) + "\n", encoding="utf-8")
    except OSError as exc:
        return [error(f"cannot install the mlstrata provider into {repo / PLUGINS_DIR}: {exc.strerror or exc}",
                      where=Where(str(repo / PLUGINS_DIR)),
                      hint="Make the rendered repository writable (or render it where you can write) and run "
                      "again.", code="cli.provider_install")]
    return []


def routine_warning(d: Diagnostic) -> bool:
    """Terraform warns on every `init` that a filesystem mirror gives lock-file checksums for this
    platform only; for mlstrata's own local provider that is the expected state."""
    return (d.severity is Severity.WARNING and d.summary.startswith("Incomplete lock file information")
            and f"{HOSTNAME}/" in d.detail)


def served_providers() -> tuple[str, ...]:
    """mlstrata's own provider: one process per unit operation instead of one per Terraform step (its
    start-up, a Python interpreter with gRPC, is most of a no-op plan's time)."""
    return (ADDRESS,)


def unmanaged(repo: Path, envs: Sequence[str], states: StatesOf,
              environ: Mapping[str, str]) -> tuple[list[UnmanagedObject], list[Diagnostic]]:
    """The platforms' objects in no state: `mlstrata.targets.local.unmanaged` (it reads the provider's store,
    which only `drift` needs)."""
    from mlstrata.targets.local.unmanaged import unmanaged_objects

    return unmanaged_objects(repo, envs, states, environ)
