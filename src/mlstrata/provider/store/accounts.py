"""Service accounts: MLflow basic-auth users whose generated passwords live in 0600 files.

The password is never returned, logged or put in Terraform state: it goes to
`<secrets_dir>/<root-hash>/registries/<registry>/<user>.password`, and MLflow's auth database
keeps only its hash. A rotation writes `<file>.new` first, updates MLflow, then renames it, so a
crash in between leaves a `.new` file that `read_account` reports as "needs repair".
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mlstrata.provider.store import files, mlflow_api
from mlstrata.provider.store.database import Database, PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_username
from mlstrata.provider.store.registry import read_config, registry_databases, require_databases


@dataclass(frozen=True)
class ServiceAccount:
    """A service account as found; `password_file` is '' when its password needs to be (re)set."""

    registry: str
    username: str
    is_admin: bool
    password_file: str


def _user_row(auth_db: Database, username: str) -> tuple[object, ...] | None:
    if not auth_db.exists():
        return None
    rows = auth_db.query("SELECT is_admin FROM users WHERE username = ?", (username,))
    return rows[0] if rows else None


def _usable_password_file(path: Path) -> str:
    pending = path.with_name(path.name + ".new")
    return str(path) if path.is_file() and not pending.exists() else ""


def read_account(layout: Layout, server: PgServer | None, registry: str, username: str) -> ServiceAccount | None:
    """The account as it is in MLflow's auth database, or None when the user (or registry) is gone."""
    check_username(username)
    dbs = registry_databases(layout, registry, server)
    if dbs is None:
        return None
    row = _user_row(dbs[1], username)
    if row is None:
        return None
    return ServiceAccount(
        registry=registry,
        username=username,
        is_admin=bool(row[0]),
        password_file=_usable_password_file(layout.password_file(registry, username)),
    )


def _set_password(
    layout: Layout, auth_db: Database, registry: str, username: str, is_admin: bool, create: bool
) -> None:
    writer = mlflow_api.auth_writer(auth_db)
    target = layout.password_file(registry, username)
    pending = target.with_name(target.name + ".new")
    password = secrets.token_urlsafe(24)
    files.write_secret(pending, password)
    if create:
        mlflow_api.call(auth_db, "create the user", lambda: writer.create_user(username, password, is_admin))
    else:
        mlflow_api.call(auth_db, "set the user's password", lambda: writer.set_password(username, password))
    os.replace(pending, target)


def apply_account(
    layout: Layout,
    server: PgServer | None,
    registry: str,
    username: str,
    is_admin: bool = False,
    rotate: bool = False,
) -> ServiceAccount:
    """Create or update a service account; `rotate` sets a new password.

    An existing MLflow user of that name is adopted and given a new password, except the
    registry's own admin user, which the registry manages.
    """
    check_username(username)
    _tracking, auth_db = require_databases(layout, registry, server)
    config = read_config(layout, registry)
    if config is not None and config.admin_username == username:
        raise StoreError(
            f"{username!r} is the admin user of registry {registry!r}",
            hint="Pick another name for the service account; the registry manages its admin.",
            path="name",
        )
    row = _user_row(auth_db, username)
    if row is None:
        _set_password(layout, auth_db, registry, username, is_admin, create=True)
    else:
        if rotate or not _usable_password_file(layout.password_file(registry, username)):
            _set_password(layout, auth_db, registry, username, is_admin, create=False)
        if bool(row[0]) != is_admin:
            writer = mlflow_api.auth_writer(auth_db)
            mlflow_api.call(auth_db, "set is_admin", lambda: writer.set_admin(username, is_admin))
    found = read_account(layout, server, registry, username)
    assert found is not None
    return found


def delete_account(layout: Layout, server: PgServer | None, registry: str, username: str) -> None:
    """Delete the MLflow user (with its grants) and its password file."""
    check_username(username)
    dbs = registry_databases(layout, registry, server)
    if dbs is not None and _user_row(dbs[1], username) is not None:
        writer = mlflow_api.auth_writer(dbs[1])
        mlflow_api.call(dbs[1], "delete the user", lambda: writer.delete_user(username))
    target = layout.password_file(registry, username)
    files.remove_tree(target)
    files.remove_tree(target.with_name(target.name + ".new"))
    files.prune_empty_parents(target.parent, layout.secrets_dir)
