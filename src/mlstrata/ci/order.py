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
    # the label (GitHub) / tag (GitLab) of the self-hosted runner the unit's jobs run on: a protected Azure
    # environment's private Key Vault and API server are only reachable from its runner (bootstrap/ci_runner)
    runner: str | None = None

    @property
    def id(self) -> str:
        return f"{self.env}/{self.layer}"

    @property
    def key(self) -> str:
        """`<env>-<layer>`: safe in job, artifact and concurrency-group names."""
        return f"{self.env}-{self.layer}"


def runner_label(platform: Platform, env: str) -> str | None:
    """The self-hosted CI runner an environment's jobs run on, or None for the CI engine's hosted runners."""
    if platform.target == "azure" and platform.environments[env].protect:
        from mlstrata.targets.azure.catalog import ci_runner_label

        return ci_runner_label(platform.platform, env)
    return None


def runner_envs(platform: Platform) -> list[str]:
    """Environments with a self-hosted CI runner, in pipeline order."""
    return [env for env in environment_order(platform) if runner_label(platform, env)]


def unit_refs(platform: Platform) -> list[UnitRef]:
    """Every unit of the spec in dependency order."""
    out = []
    for env in environment_order(platform):
        spec = platform.environments[env]
        for layer in LAYERS:
            out.append(UnitRef(env, layer, spec.protect, spec.region or platform.region, spec.account,
                               spec.ci_role, spec.plan_role, runner_label(platform, env)))
    return out
