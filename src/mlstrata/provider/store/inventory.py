"""Everything that exists under one environment's `root`, whoever made it: buckets, registries with their
users, models and per-user grants, metadata stores, GPU pools. Plain reads (folders, SQL), no MLflow.

`mlstrata drift` compares this with what Terraform manages to report objects nobody declared ("unmanaged"):
Terraform only sees the objects in its state, so a model or user made by hand would otherwise never show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlstrata.provider.store.bucket import META_FILE as BUCKET_META_FILE
from mlstrata.provider.store.database import Database, PgServer
from mlstrata.provider.store.layout import Layout
from mlstrata.provider.store.models import WORKSPACE, workspace_scope
from mlstrata.provider.store.registry import CONFIG_FILE, read_config, registry_databases

_USER_ROLE = re.compile(r"^__user_(\d+)__$")


@dataclass(frozen=True)
class RegistryInventory:
    """One registry's users (name -> is admin), models, and direct per-user grants (model -> user -> permission)."""

    name: str
    users: dict[str, bool] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    grants: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Inventory:
    """What exists under one root."""

    buckets: tuple[str, ...] = ()
    registries: tuple[RegistryInventory, ...] = ()
    metadata_stores: tuple[str, ...] = ()
    gpu_pools: tuple[str, ...] = ()


def read_inventory(layout: Layout, server: PgServer | None) -> Inventory:
    """List what exists under `layout.root` (a registry on PostgreSQL is listed only when `server` is given)."""
    buckets = [p.name for p in _dirs(layout.buckets) if (p / BUCKET_META_FILE).is_file()]
    registries = []
    for folder in _dirs(layout.registries):
        if not (folder / CONFIG_FILE).is_file():
            continue
        config = read_config(layout, folder.name)
        if config is None or (config.backend == "postgres" and server is None):
            continue
        dbs = registry_databases(layout, folder.name, server)
        registries.append(_registry(folder.name, dbs) if dbs is not None else RegistryInventory(folder.name))
    stores = sorted(p.stem for p in layout.metadata_stores.glob("*.sqlite")) if layout.metadata_stores.is_dir() else []
    pools = sorted(p.stem for p in layout.gpu_pools.glob("*.json")) if layout.gpu_pools.is_dir() else []
    return Inventory(tuple(sorted(buckets)), tuple(registries), tuple(stores), tuple(pools))


def _dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _registry(name: str, dbs: tuple[Database, Database]) -> RegistryInventory:
    tracking, auth = dbs
    where, extra = workspace_scope(tracking, "registered_models")
    models = tuple(sorted(str(r[0]) for r in tracking.query(f"SELECT name FROM registered_models WHERE 1 = 1{where}",
                                                           extra)))
    if not auth.exists() or "users" not in auth.tables():
        return RegistryInventory(name, models=models)
    users = {int(uid): (str(username), bool(admin))
             for uid, username, admin in auth.query("SELECT id, username, is_admin FROM users")}
    grants: dict[str, dict[str, str]] = {}
    if "roles" in auth.tables():
        rows = auth.query(
            "SELECT r.name, rp.resource_pattern, rp.permission FROM role_permissions rp JOIN roles r"
            " ON r.id = rp.role_id WHERE rp.resource_type = ? AND r.workspace = ?",
            ("registered_model", WORKSPACE),
        )
        for role, model, permission in rows:
            match = _USER_ROLE.fullmatch(str(role))
            if match and int(match.group(1)) in users:
                grants.setdefault(str(model), {})[users[int(match.group(1))][0]] = str(permission)
    return RegistryInventory(
        name,
        users=dict(sorted(users.values())),
        models=models,
        grants={m: dict(sorted(g.items())) for m, g in sorted(grants.items())},
    )
