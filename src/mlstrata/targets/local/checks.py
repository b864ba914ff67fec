"""Checks of a spec for the local target: GPU types a pool stands in for, capacity, service account names."""

from __future__ import annotations

import re

from mlstrata.diagnostics import Diagnostic
from mlstrata.spec.models import Platform
from mlstrata.spec.principals import principal_places
from mlstrata.spec.source import KeyPath, Source, diagnostics_at
from mlstrata.targets.aws.instance_types import check_pool_types
from mlstrata.targets.naming import check_principal_names

ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")


def check(platform: Platform, source: Source) -> list[Diagnostic]:
    """GPU instance types a pool stands in for, capacity types, service account names."""
    # On the local target, instance_types name the cloud GPU type a pool stands in for (cost, parity).
    out = check_pool_types(platform, source, "local.instance_type")
    for name, pool in platform.gpu_pools.items():
        for base, capacity in [(("gpu_pools", name, "capacity"), pool.capacity)]:
            if capacity == "capacity_block":
                out.append(diagnostics_at(source, base, "capacity blocks do not exist on the local target",
                                          "Use on_demand or spot.", code="local.capacity"))
    out += _check_endpoint_stages(platform, source)
    # no cluster on the local target: its admins are nobody's MLflow user
    places = [(path, names) for path, names in principal_places(platform, source) if path != ("cluster", "admins")]
    out += check_principal_names(
        source, places, lambda p: bool(ACCOUNT.match(p)), "`{principal}` is not a service account name",
        "On the local target principals are MLflow user names: letters, digits, '_', '.', '@', '-'.",
        code="local.principal")
    return out


def _check_endpoint_stages(platform: Platform, source: Source) -> list[Diagnostic]:
    """Each environment's platform lives under its own root: an endpoint reads that environment's registry."""
    out: list[Diagnostic] = []
    if platform.serving is None:
        return out
    for name, endpoint in platform.serving.endpoints.items():
        for env in platform.environments:
            override = endpoint.overrides.get(env, {})
            stage = override.get("stage", endpoint.stage) if isinstance(override, dict) else endpoint.stage
            if stage is None or stage == env:
                continue
            where = ("overrides", env) if "stage" in override else ()
            path: KeyPath = ("serving", "endpoints", name, *where, "stage")
            diag = diagnostics_at(source, path, f"on the local target an endpoint in `{env}` reads `{env}`'s "
                                  f"registry, not `{stage}`'s",
                                  "Remove `stage` (each environment serves from its own registry).",
                                  code="local.serving_stage")
            if diag not in out:
                out.append(diag)
    return out

