"""Per-environment resolution: one concrete platform per environment, overrides applied."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from mlstrata.spec.models import (
    EnvironmentSpec,
    GpuPoolShape,
    GpuPoolSpec,
    Platform,
    ServingEndpointShape,
    ServingEndpointSpec,
    TpuPoolShape,
    TpuPoolSpec,
)
from mlstrata.targets.offered import offers


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; lists and scalars in `override` replace the base value."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def pool_shape_data(pool: GpuPoolSpec | TpuPoolSpec | ServingEndpointSpec, raw_pool: dict[str, Any] | None,
                    env: str) -> dict[str, Any]:
    """The raw (unvalidated) shape of `pool` (a pool or endpoint class) in `env`: declared keys plus that env's
    override."""
    if raw_pool is not None:
        base = {k: v for k, v in raw_pool.items() if k != "overrides"}
    else:
        base = pool.model_dump(exclude={"overrides"}, exclude_defaults=True)
    override = pool.overrides.get(env, {})
    return deep_merge(base, dict(override))


@dataclass(frozen=True)
class ResolvedEnv:
    """Everything about one environment after overrides: what render and analysis read."""

    name: str
    spec: EnvironmentSpec
    region: str
    gpu_pools: dict[str, GpuPoolShape]
    promoters: dict[str, list[str]]  # registry stage -> principals, "*" expanded
    tpu_pools: dict[str, TpuPoolShape] = field(default_factory=dict)
    serving: dict[str, ServingEndpointShape] = field(default_factory=dict)
    """Endpoint classes deployed here, after overrides; `stage` is filled in (the environment's own by default;
    a class is not deployed in an environment off the promotion path that names no stage)."""

    @property
    def protect(self) -> bool:
        return self.spec.protect


def serving_engine(platform: Platform) -> str:
    """The serving engine: the declared one, else the target's default."""
    declared = platform.serving.engine if platform.serving is not None else None
    return declared or offers()[platform.target].serving_engines[0]


def online_store(platform: Platform) -> str:
    """The feature store's online store kind: the declared one, else the target's default."""
    declared = platform.feature_store.online_store if platform.feature_store is not None else None
    return declared or offers()[platform.target].online_stores[0]


def endpoint_shape(endpoint: ServingEndpointSpec, raw: dict[str, Any] | None, env: str) -> ServingEndpointShape:
    """One endpoint class in `env`: overrides applied, `stage` defaulting to the environment itself."""
    data = pool_shape_data(endpoint, raw, env)
    data.setdefault("stage", env)
    if data["stage"] is None:
        data["stage"] = env
    return ServingEndpointShape.model_validate(data)


def expand_promoters(platform: Platform) -> dict[str, list[str]]:
    registry = platform.model_registry
    if registry is None:
        return {}
    everywhere = registry.promoters_by_stage.get("*", [])
    return {
        stage: sorted({*everywhere, *registry.promoters_by_stage.get(stage, [])})
        for stage in registry.stages
    }


def registry_readers(platform: Platform, env: ResolvedEnv) -> list[str]:
    """Who reads `env`'s registry stage: the declared readers and the next stage's promoters, who promote by
    reading a version here and registering it there (possibly from another account or subscription). A
    principal that also promotes into this stage stays a reader: a stage's write grants do not always include
    reading (SageMaker model package group promoters may only create and update packages)."""
    registry = platform.model_registry
    assert registry is not None and env.name in registry.stages
    stages = registry.stages
    index = stages.index(env.name)
    next_promoters = env.promoters.get(stages[index + 1], []) if index + 1 < len(stages) else []
    return sorted({*registry.readers, *next_promoters})


def resolve(platform: Platform, raw: dict[str, Any] | None = None) -> dict[str, ResolvedEnv]:
    """Resolve every environment. Assumes the spec passed `spec.checks` (overrides are valid)."""
    raw_pools = (raw or {}).get("gpu_pools") or {}
    raw_tpu = (raw or {}).get("tpu_pools") or {}
    raw_endpoints = ((raw or {}).get("serving") or {}).get("endpoints") or {}
    promoters = expand_promoters(platform)
    out: dict[str, ResolvedEnv] = {}
    for env_name, env in platform.environments.items():
        pools = {
            name: GpuPoolShape.model_validate(pool_shape_data(pool, raw_pools.get(name), env_name))
            for name, pool in platform.gpu_pools.items()
        }
        tpu = {
            name: TpuPoolShape.model_validate(pool_shape_data(pool, raw_tpu.get(name), env_name))
            for name, pool in platform.tpu_pools.items()
        }
        # An endpoint class lives where its registry stage does: not in environments off the promotion path
        # (unless an override names a stage there; `spec.checks` warns about the others).
        shapes = {name: endpoint_shape(endpoint, raw_endpoints.get(name), env_name)
                  for name, endpoint in (platform.serving.endpoints.items() if platform.serving else ())}
        stages = platform.model_registry.stages if platform.model_registry else []
        serving = {name: shape for name, shape in shapes.items() if shape.stage in stages}
        out[env_name] = ResolvedEnv(
            name=env_name,
            spec=env,
            region=env.region or platform.region,
            gpu_pools=pools,
            promoters=promoters,
            tpu_pools=tpu,
            serving=serving,
        )
    return out
