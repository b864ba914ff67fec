"""The order units are planned and applied in: base before platform, environments along the promotion path."""

from __future__ import annotations

from dataclasses import dataclass

from mlstrata.spec.models import LAYERS, Platform


def environment_order(platform: Platform) -> list[str]:
    """Environments in promotion order: the registry's stages in order (dev -> staging -> prod); environments
    off the path keep their spec order, unprotected ones before the path and protected ones after it."""
    declared = list(platform.environments)
    path = [s for s in (platform.model_registry.stages if platform.model_registry else []) if s in declared]
    if not path:
        path = [e for e in declared if not platform.environments[e].protect]
        path += [e for e in declared if platform.environments[e].protect]
        return path
    off = [e for e in declared if e not in path]
    before = [e for e in off if not platform.environments[e].protect]
    after = [e for e in off if platform.environments[e].protect]
    return [*before, *path, *after]


@dataclass(frozen=True)
class UnitRef:
    """One environment x layer of the spec, with what CI needs to run it."""

    env: str
    layer: str
    protected: bool
    region: str
    account: str | None
    ci_role: str | None
    plan_role: str | None

    @property
    def id(self) -> str:
        return f"{self.env}/{self.layer}"

    @property
    def key(self) -> str:
        """`<env>-<layer>`: safe in job, artifact and concurrency-group names."""
        return f"{self.env}-{self.layer}"


def unit_refs(platform: Platform) -> list[UnitRef]:
    """Every unit of the spec in dependency order."""
    out = []
    for env in environment_order(platform):
        spec = platform.environments[env]
        for layer in LAYERS:
            out.append(UnitRef(env, layer, spec.protect, spec.region or platform.region, spec.account,
                               spec.ci_role, spec.plan_role))
    return out
