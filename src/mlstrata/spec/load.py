"""Load a platform spec: read the YAML (with positions), validate the models, run the spec's checks and,
when the caller passes them, its target's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, has_errors
from mlstrata.repo import DEFAULT_SPEC
from mlstrata.spec.checks import TargetChecks, check_platform
from mlstrata.spec.errors import pydantic_diagnostics
from mlstrata.spec.models import Platform
from mlstrata.spec.source import Source, diagnostics_at, parse_yaml, read_yaml


@dataclass(frozen=True)
class LoadedSpec:
    platform: Platform
    source: Source
    warnings: list[Diagnostic]


def load_source(source: Source, targets: Mapping[str, TargetChecks] | None = None) -> LoadedSpec:
    """Validate parsed YAML; raise DiagnosticsError with every problem found. Pass `targets`
    (`mlstrata.targets.registry.TARGETS`) for the full check; without it only the spec's own rules run."""
    if not isinstance(source.data, dict):
        raise DiagnosticsError([diagnostics_at(source, (), "the spec must be a YAML mapping",
                                               "Start from `mlstrata init`.", code="spec.not_mapping")])
    try:
        platform = Platform.model_validate(source.data)
    except ValidationError as exc:
        raise DiagnosticsError(pydantic_diagnostics(exc, source, Platform)) from None
    diagnostics = check_platform(platform, source, targets)
    if has_errors(diagnostics):
        raise DiagnosticsError([d for d in diagnostics if d.is_error])
    return LoadedSpec(platform=platform, source=source, warnings=diagnostics)


def load_spec(path: Path, targets: Mapping[str, TargetChecks] | None = None) -> LoadedSpec:
    """Read, parse and validate a spec file (with `targets`: its target's checks too)."""
    return load_source(read_yaml(path), targets)


def load_text(text: str, file: str = DEFAULT_SPEC, targets: Mapping[str, TargetChecks] | None = None) -> LoadedSpec:
    return load_source(parse_yaml(text, file), targets)
