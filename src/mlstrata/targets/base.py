"""What a target (aws, gcp, azure, local) provides: spec checks, rendering, what a rendered repository
needs before Terraform runs in it (workspace hooks), and where governed change keeps its records (journal,
rollback hooks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from mlstrata.diagnostics import Diagnostic
from mlstrata.spec.models import Layer, Platform
from mlstrata.spec.resolve import ResolvedEnv
from mlstrata.spec.source import Source

if TYPE_CHECKING:  # the journal's stores load only when a journal is written or read
    from mlstrata.governance.journal import JournalStore


@dataclass(frozen=True)
class UnitFiles:
    """The files of one root (environment x layer), relative to the unit directory."""

    env: str
    layer: Layer
    files: dict[str, str]


class Target(Protocol):
    name: str
    modules_package: str  # package-data folder holding this target's modules
    owned_by_layer: ClassVar[dict[Layer, list[str]]]  # what each layer owns, for the rendered README

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]:
        """Target-specific validation (instance types, images, regions, principals)."""
        ...

    def render_unit(self, platform: Platform, env: ResolvedEnv, layer: Layer) -> UnitFiles:
        """The root configuration of one environment x layer."""
        ...

    def render_bootstrap(self, platform: Platform) -> dict[str, str]:
        """Roots that must exist before the units (e.g. the state bucket), by relative path."""
        ...

    # ---- workspace hooks: what Terraform runs in the rendered repository need ------------------

    def run_environment(self, platform: Platform, source: Source,
                        environ: Mapping[str, str]) -> tuple[dict[str, str], list[Diagnostic]]:
        """Environment variables for Terraform runs of this target, read from `environ` (the user's
        environment), or the diagnostics saying what is missing."""
        ...

    def prepare_repo(self, repo: Path) -> tuple[str, ...]:
        """Make the rendered repository runnable (e.g. install a provider next to it); the Terraform CLI
        configuration blocks that runs need (empty when none)."""
        ...

    # ---- governance hooks: the journal beside each unit's state, rollback's scratch units ---------------

    def journal(self, platform: Platform, repo: Path, env: str, layer: str,
                environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
        """The journal of one unit, beside its state (`environ`: the unit's Terraform environment), or the
        diagnostics saying why it cannot be reached."""
        ...

    def rollback_override(self, platform: Platform, repo: Path, env: str, layer: str,
                          rendered: Mapping[str, str]) -> str | None:
        """A Terraform override file (`*_override.tf`) that points a unit rendered into rollback's scratch
        tree back at the real repository's state (and whatever else the target keeps beside it); None when
        rollback is not implemented for the target. `rendered`: the scratch unit's files by path."""
        ...


class JournalInRepository:
    """Governance hooks of a target whose state backend cannot hold the journal yet (gcs, azurerm): the
    journal is kept in the rendered repository (with a warning saying so), and rollback is not implemented."""

    def journal(self, platform: Platform, repo: Path, env: str, layer: str,
                environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
        from mlstrata.governance.journal import repo_journal

        return repo_journal(repo, env, layer, platform.state.backend)

    def rollback_override(self, platform: Platform, repo: Path, env: str, layer: str,
                          rendered: Mapping[str, str]) -> str | None:
        return None  # the scratch units would need the backend's own settings: not written yet
