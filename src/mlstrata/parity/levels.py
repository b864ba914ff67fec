"""The three things parity compares, each as a flat `key -> value` mapping per environment.

Keys name their component first so the matrix can group them: spec keys are spec paths
(`gpu_pools.training.scaling.max`); config and state keys are `<layer>:<address>[.<attribute>]`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from mlstrata.diagnostics import Diagnostic, Where, error
from mlstrata.hcl import UNKNOWN, parse_file
from mlstrata.parity.compare import (
    ALLOWED,
    LEVELS,
    Difference,
    ParityReport,
    classify,
    compare,
    flatten,
    normalize,
    without_account,
    without_region,
)
from mlstrata.plan.state import resources as state_resources
from mlstrata.repo import unit_dir
from mlstrata.spec.models import LAYERS, Platform
from mlstrata.spec.resolve import ResolvedEnv
from mlstrata.targets.aws.state import deploy_role
from mlstrata.targets.azure import catalog as azure_catalog
from mlstrata.targets.resources import OBSERVED

PRESENT = "(present)"

# Module call name prefixes (both targets) -> spec component.
_MODULE_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("gpu_pool_", "gpu_pools."),
    ("tpu_pool_", "tpu_pools."),
    ("artifacts_", "artifact_stores."),
    ("model_registry", "model_registry"),
    ("registry_", "model_registry"),
    ("metadata_store", "pipelines"),
    ("pipeline_", "pipelines"),
    ("network", "network"),
    ("cluster", "cluster"),
    ("kms", "encryption"),
    ("access_logs", "encryption"),
    ("observability", "observability"),
    ("serving_identity_", "serving"),
    ("serving_endpoint_", "serving"),
    ("kserve", "serving"),
    ("feature_store", "feature_store"),
    ("workflow_orchestrator", "pipelines"),
)


def spec_component(key: str) -> str:
    """`gpu_pools.training.scaling.max` -> `gpu_pools.training`; `environment.protect` -> `environment`."""
    parts = key.split(".")
    return ".".join(parts[:2]) if parts[0] in ("gpu_pools", "tpu_pools", "artifact_stores") else parts[0]


def address_component(key: str) -> str:
    """The spec component a rendered module call or resource belongs to (`module.gpu_pool_training...`)."""
    address = key.split(":", 1)[-1]
    if not address.startswith("module."):
        return "other"
    module = address.split(".")[1].split("[", 1)[0]
    for prefix, component in _MODULE_COMPONENTS:
        if module.startswith(prefix):
            return component + module[len(prefix):] if component.endswith(".") else component
    return module


# --------------------------------------------------------------------------- level 1: the spec


def spec_values(platform: Platform, env: ResolvedEnv) -> dict[str, Any]:
    """The resolved spec of one environment, flat, with the env's name normalized away."""
    data: dict[str, Any] = {
        "environment": env.spec.model_dump(mode="json") | {"region": env.region},
        "gpu_pools": {name: pool.model_dump(mode="json") for name, pool in env.gpu_pools.items()},
    }
    if env.tpu_pools:
        data["tpu_pools"] = {name: pool.model_dump(mode="json") for name, pool in env.tpu_pools.items()}
    if env.serving:
        data["serving"] = {"endpoints": {name: shape.model_dump(mode="json") for name, shape in env.serving.items()}}
    # feature_store has no per-environment overrides: the spec cannot differ there, only what is rendered can
    registry = platform.model_registry
    if registry is not None and env.name in env.promoters:
        data["model_registry"] = {"promoters": env.promoters[env.name]}
        # A stage's registry is read by the next stage's promoters (they copy versions forward): a
        # declared difference of the stage's place in `model_registry.stages`.
        stages = list(registry.stages)
        if env.name in stages:
            after = stages[stages.index(env.name) + 1:]
            data["model_registry"]["next_stage_promoters"] = env.promoters.get(after[0], []) if after else []
    return flatten(normalize(data, env.name))


# --------------------------------------------------------------------------- level 2: rendered config


def config_values(repo: Path, env: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Module calls and resources of the env's rendered units, with their literal inputs."""
    out: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for layer in LAYERS:
        folder = unit_dir(repo, env, layer)
        for path in sorted(folder.glob("*.tf")):
            parsed = parse_file(path)
            diags += parsed.errors
            for block in parsed.body.blocks:
                if block.type == "module" and block.labels:
                    address = f"module.{block.labels[0]}"
                elif block.type == "resource" and len(block.labels) == 2:
                    address = ".".join(block.labels)
                else:
                    continue
                out[f"{layer}:{address}"] = PRESENT
                for name, attr in block.body.attributes.items():
                    if name in ("source", "providers", "depends_on"):
                        continue
                    value = attr.partial_value if attr.value is UNKNOWN else attr.value
                    shown = attr.expr_text if value is UNKNOWN else _known(value, attr.expr_text)
                    out.update(flatten(normalize(shown, env), f"{layer}:{address}.{name}"))
    return out, diags


def _known(value: Any, text: str) -> Any:
    """Literal parts of a value; a non-literal part is shown as the whole expression's text."""
    if value is UNKNOWN:
        return text
    if isinstance(value, dict):
        return {k: _known(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v, text) for v in value]
    return value


# --------------------------------------------------------------------------- level 3: real resources


def state_values(doc: Mapping[str, Any], layer: str, env: str) -> dict[str, Any]:
    """Managed resources and their (non-sensitive) attributes from `terraform show -json` of a state
    (`values`) or of a refresh-only plan (`prior_state.values`, the refreshed objects)."""
    out: dict[str, Any] = {}
    for resource in state_resources(doc):
        if resource.get("mode") != "managed":
            continue
        address = str(resource["address"])
        attrs = {k: v for k, v in (resource.get("values") or {}).items()
                 if k not in OBSERVED.get(str(resource.get("type")), ())}  # e.g. how many model versions
        hidden = resource.get("sensitive_values") or {}
        for name, mark in hidden.items():
            if mark is True:
                attrs.pop(name, None)
        key = f"{layer}:{normalize(address, env)}"
        out[key] = PRESENT
        out.update(flatten(normalize(attrs, env), key))
    return out


def read_state_doc(path: Path) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        return None, [error("cannot read state JSON", detail=str(exc), where=Where(str(path)), code="parity.state")]
    return (doc if isinstance(doc, dict) else None), []


# --------------------------------------------------------------------------- all levels


def parity_report(platform: Platform, resolved: Mapping[str, ResolvedEnv], envs: Sequence[str], repo: Path,
                  states: Mapping[str, Mapping[str, Any]] | None,
                  diagnostics: Sequence[Diagnostic] = ()) -> ParityReport:
    """Compare `envs` at every level available (`states`: env -> flat state values, None to skip)."""
    diags = list(diagnostics)
    spec = compare("spec", {e: spec_values(platform, resolved[e]) for e in envs}, spec_component)
    spec = classify(spec, platform.parity.allow, [])
    config_per_env = {}
    for env in envs:
        values, found = config_values(repo, env)
        config_per_env[env] = _per_env_identity(platform, resolved[env], values)
        diags += found
    differences = list(spec)
    differences += classify(compare("config", config_per_env, address_component), platform.parity.allow, spec)
    levels: tuple[str, ...] = LEVELS[:2]
    if states is not None:
        states = {env: _per_env_identity(platform, resolved[env], values) for env, values in states.items()}
        differences += classify(compare("state", states, address_component), platform.parity.allow, spec)
        levels = LEVELS
    order = {level: i for i, level in enumerate(LEVELS)}
    differences.sort(key=lambda d: (order[d.level], d.component, d.key))
    return ParityReport(tuple(envs), tuple(differences), levels, tuple(diags))


def _per_env_identity(platform: Platform, env: ResolvedEnv, values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat values with what the spec gives each environment as its own (region, account, deploy role)
    replaced by placeholders."""
    # The values already carry `<env>` for the env's name: so do the strings they are matched with.
    role = normalize(deploy_role(platform, env.spec), env.name) if platform.target == "aws" else None
    admins = [normalize(a, env.name) for a in env.spec.cluster_admins]
    out = without_account(without_region(values, env.region), env.spec.account, role, admins)
    return _azure_names(platform, env, out) if platform.target == "azure" else out


def _azure_names(platform: Platform, env: ResolvedEnv, values: dict[str, Any]) -> dict[str, Any]:
    """Azure's globally unique names carry the env's name shortened (and without separators) and a hash
    of platform, env and subscription (targets/azure/catalog.py): each name the target derives for this
    env becomes a placeholder, like `<env>`; any other name (one edited by hand) stays compared."""
    account, name = env.spec.account or "", platform.platform
    derived = {f"<storage:{purpose}>": azure_catalog.storage_account_name(name, env.name, purpose, account)
               for purpose in [*platform.artifact_stores, "registry", "features"]}
    derived["<key-vault>"] = azure_catalog.key_vault_name(name, env.name, account)
    derived["<container-registry>"] = azure_catalog.container_registry_name(name, env.name, account)
    derived["<redis-cache>"] = azure_catalog.redis_cache_name(name, env.name, account)
    derived["<servicebus-namespace>"] = azure_catalog.servicebus_namespace_name(name, env.name, account)
    derived["<postgres-server>"] = azure_catalog.postgres_server_name(name, env.name, account)
    names = {normalize(value, env.name): placeholder for placeholder, value in derived.items()}

    def replaced(value: str) -> str:
        # whole values (a storage account's name) and values built from them (its blob endpoint URL)
        for derived_name, placeholder in names.items():
            value = value.replace(derived_name, placeholder)
        return value

    return {key: replaced(value) if isinstance(value, str) else value for key, value in values.items()}


def allowed_patterns_used(report: ParityReport) -> list[str]:
    """The parity.allow patterns that matched something (the others may be stale)."""
    return sorted({d.reason.removeprefix("parity.allow: ") for d in report.differences
                   if d.status == ALLOWED and d.reason.startswith("parity.allow: ")})


__all__ = ["Difference", "address_component", "config_values", "parity_report", "spec_component",
           "spec_values", "state_values"]
