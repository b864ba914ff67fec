"""What a target (aws, gcp, azure, local) provides: spec checks, rendering, and what a rendered repository
needs before Terraform runs in it (workspace hooks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from mlstrata.diagnostics import Diagnostic
from mlstrata.spec.models import Layer, Platform
from mlstrata.spec.resolve import ResolvedEnv
from mlstrata.spec.source import Source


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
