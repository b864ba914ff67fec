"""Per-registered-model permissions in MLflow's basic-auth store, owned as one set per model.

MLflow 3 keeps a user's direct grants as rows of a hidden per-user role `__user_<id>__`; the
grants on one model are read with SQL from `role_permissions`, `roles` and `users`. Grants
through named roles are reported apart (`role_grants`) and never changed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

from mlstrata.provider.store import mlflow_api, mlflow_rows
from mlstrata.provider.store.database import Database, PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout
from mlstrata.provider.store.registry import registry_databases, require_databases

GRANTABLE = mlflow_rows.GRANTABLE
RESOURCE_TYPE = mlflow_rows.REGISTERED_MODEL
WORKSPACE = mlflow_rows.WORKSPACE
_USER_ROLE = re.compile(r"^__user_(\d+)__$")


@dataclass(frozen=True)
class ModelGrants:
    """Who holds which permission on one registered model."""

    registry: str
    model_name: str
    grants: dict[str, str] = field(default_factory=dict)
    role_grants: dict[str, str] = field(default_factory=dict)


def check_grants(grants: dict[str, str]) -> None:
    """Reject permission names MLflow does not know."""
    for user, permission in sorted(grants.items()):
        if permission not in GRANTABLE:
            raise StoreError(
                f"unknown permission {permission!r} for {user!r}",
                hint="Use one of " + ", ".join(GRANTABLE) + " (READ / EDIT / MANAGE are the usual).",
                path="grants",
            )


def fetch_grants(auth_db: Database, registry: str, model_name: str) -> ModelGrants:
    """All grants on `model_name`, split into per-user grants and named-role grants."""
    if "roles" not in auth_db.tables():
        raise StoreError(
            f"the basic-auth database of registry {registry!r} has no roles table",
            hint="Run `terraform apply` on the registry to migrate its auth schema.",
        )
    rows = auth_db.query(
        "SELECT r.name, rp.permission FROM role_permissions rp JOIN roles r ON r.id = rp.role_id"
        " WHERE rp.resource_type = ? AND rp.resource_pattern = ? AND r.workspace = ?",
        (RESOURCE_TYPE, model_name, WORKSPACE),
    )
    users = {int(uid): str(name) for uid, name in auth_db.query("SELECT id, username FROM users")}
    grants: dict[str, str] = {}
    role_grants: dict[str, str] = {}
    for role, permission in rows:
        match = _USER_ROLE.fullmatch(str(role))
        if match and int(match.group(1)) in users:
            grants[users[int(match.group(1))]] = str(permission)
        elif not match:
            role_grants[str(role)] = str(permission)
    return ModelGrants(registry, model_name, dict(sorted(grants.items())), dict(sorted(role_grants.items())))


def read_grants(layout: Layout, server: PgServer | None, registry: str, model_name: str) -> ModelGrants | None:
    """The grants on a model, or None when the registry or its auth database is gone."""
    dbs = registry_databases(layout, registry, server)
    if dbs is None or not dbs[1].exists():
        return None
    return fetch_grants(dbs[1], registry, model_name)


def apply_grants(
    layout: Layout, server: PgServer | None, registry: str, model_name: str, wanted: dict[str, str]
) -> ModelGrants:
    """Make the per-user grants on `model_name` exactly `wanted`: add, change and revoke."""
    check_grants(wanted)
    _tracking, auth_db = require_databases(layout, registry, server)
    writer = mlflow_api.auth_writer(auth_db)
    current = fetch_grants(auth_db, registry, model_name).grants
    for user in sorted(set(current) - set(wanted)):
        mlflow_api.call(auth_db, f"revoke {user!r}'s permission", partial(writer.revoke, model_name, user))
    for user, permission in sorted(wanted.items()):
        if user not in current:
            mlflow_api.call(
                auth_db, f"grant {permission} to {user!r} (does the service account exist?)",
                partial(writer.grant, model_name, user, permission),
            )  # fmt: skip
        elif current[user] != permission:
            mlflow_api.call(
                auth_db, f"change {user!r}'s permission", partial(writer.change_grant, model_name, user, permission))
    return fetch_grants(auth_db, registry, model_name)


def delete_grants(layout: Layout, server: PgServer | None, registry: str, model_name: str) -> None:
    """Revoke every per-user grant on `model_name`."""
    dbs = registry_databases(layout, registry, server)
    if dbs is None or not dbs[1].exists():
        return
    if fetch_grants(dbs[1], registry, model_name).grants:
        apply_grants(layout, server, registry, model_name, {})
