"""Objects of a local platform that exist but that no Terraform state manages: a model, a user or a bucket made by
hand, a grant on a model nobody owns the grants of. Terraform never sees them (they are in no state), so `drift`
asks the platform itself (`provider.store.inventory`) and compares with the states of every layer of the
environment.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.provider import POSTGRES_DSN_ENV
from mlstrata.provider.store.database import PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.inventory import read_inventory
from mlstrata.provider.store.layout import Layout, default_secrets_dir
from mlstrata.repo import unit_path
from mlstrata.targets.local.state import platform_root
from mlstrata.targets.runs import StatesOf, UnmanagedObject

# the layer that owns each kind when no state holds one yet (targets/local/render.py puts them there)
DEFAULT_LAYER = {
    "mlstrata_artifact_bucket": "base",
    "mlstrata_model_registry": "base",
    "mlstrata_registered_model": "base",
    "mlstrata_service_account": "base",
    "mlstrata_gpu_pool": "base",
    "mlstrata_registry_permissions": "platform",
    "mlstrata_metadata_store": "platform",
}
SPEC_KEY = {
    "mlstrata_artifact_bucket": "artifact_stores",
    "mlstrata_model_registry": "model_registry",
    "mlstrata_registered_model": "model_registry.models",
    "mlstrata_service_account": "model_registry.promoters / readers, or pipelines.service_account",
    "mlstrata_gpu_pool": "gpu_pools",
    "mlstrata_registry_permissions": "model_registry (its models' grants)",
    "mlstrata_metadata_store": "pipelines.metadata_store",
}


def unmanaged_objects(repo: Path, envs: Sequence[str], states: StatesOf,
                      environ: Mapping[str, str]) -> tuple[list[UnmanagedObject], list[Diagnostic]]:
    """`find_unmanaged` of each environment whose every state could be read (what an unreadable state manages is
    unknown, so nothing there is called unmanaged); a warning instead when the platform cannot be listed."""
    found: list[UnmanagedObject] = []
    try:
        for env in envs:
            read = states(env)
            if read is not None:
                found += find_unmanaged(repo.resolve(), env, read, environ.get(POSTGRES_DSN_ENV))
    except (StoreError, OSError, sqlite3.Error) as exc:
        return [], [Diagnostic(Severity.WARNING, f"could not list what exists outside Terraform: {exc}",
                               hint="drift of the managed resources above is complete; unmanaged "
                               "objects were not looked for", code="drift.unmanaged")]
    return found, []


def managed_resources(doc: Mapping[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(type, attributes) of each managed resource in `terraform show -json` of a state."""
    stack = [((doc.get("values") or {}).get("root_module") or {})]
    while stack:
        module = stack.pop()
        stack += list(module.get("child_modules") or [])
        for resource in module.get("resources") or []:
            if resource.get("mode") == "managed":
                yield str(resource.get("type", "")), dict(resource.get("values") or {})


def find_unmanaged(repo: Path, env: str, states: Sequence[tuple[str, Mapping[str, Any]]],
                   dsn: str | None) -> list[UnmanagedObject]:
    """What exists under `<repo>/.mlstrata/platform/<env>` and is in none of `states` ((layer, state JSON) of
    every layer of the environment)."""
    owner = dict(DEFAULT_LAYER)
    have: dict[str, set[tuple[str, ...]]] = {t: set() for t in DEFAULT_LAYER}
    admins: set[tuple[str, str]] = set()
    for layer, doc in states:
        for type_, values in managed_resources(doc):
            if type_ not in have:
                continue
            owner[type_] = layer
            if type_ == "mlstrata_registered_model" or type_ == "mlstrata_service_account":
                have[type_].add((str(values.get("registry_id")), str(values.get("name"))))
            elif type_ == "mlstrata_registry_permissions":
                have[type_].add((str(values.get("registry_id")), str(values.get("model_name"))))
            else:
                have[type_].add((str(values.get("name")),))
            if type_ == "mlstrata_model_registry":
                admins.add((str(values.get("name")), str(values.get("admin_username") or "admin")))
    root = repo / platform_root(env)
    if not root.is_dir():
        return []
    try:
        server = PgServer.parse(dsn) if dsn else None
    except StoreError:
        server = None
    inventory = read_inventory(Layout(root, default_secrets_dir()), server)
    found: list[UnmanagedObject] = []

    def add(type_: str, import_id: str, detail: str) -> None:
        layer = owner[type_]
        found.append(UnmanagedObject(
            env, layer, type_, f'{type_} "{import_id}"', detail,
            hint=(f"import it (declare it in platform.yaml under {SPEC_KEY[type_]}, render, then in "
                  f"{unit_path(env, layer)}: `terraform import <address> {import_id}`), or delete it")))

    for bucket in inventory.buckets:
        if (bucket,) not in have["mlstrata_artifact_bucket"]:
            add("mlstrata_artifact_bucket", bucket, f"bucket {bucket}")
    for pool in inventory.gpu_pools:
        if (pool,) not in have["mlstrata_gpu_pool"]:
            add("mlstrata_gpu_pool", pool, f"GPU pool {pool}")
    for store in inventory.metadata_stores:
        if (store,) not in have["mlstrata_metadata_store"]:
            add("mlstrata_metadata_store", store, f"metadata store {store}")
    for registry in inventory.registries:
        name = registry.name
        if (name,) not in have["mlstrata_model_registry"]:
            add("mlstrata_model_registry", name, f"MLflow registry {name}")
            continue
        for user, is_admin in registry.users.items():
            if (name, user) not in have["mlstrata_service_account"] and (name, user) not in admins:
                add("mlstrata_service_account", f"{name}/{user}",
                    f"user {user} of registry {name}" + (" (an admin)" if is_admin else ""))
        for model in registry.models:
            grants = ", ".join(f"{u}={p}" for u, p in registry.grants.get(model, {}).items())
            if (name, model) not in have["mlstrata_registered_model"]:
                add("mlstrata_registered_model", f"{name}/{model}",
                    f"model {model} in registry {name}" + (f" (grants: {grants})" if grants else ""))
            elif grants and (name, model) not in have["mlstrata_registry_permissions"]:
                add("mlstrata_registry_permissions", f"{name}/{model}", f"grants on model {model}: {grants}")
    return found
