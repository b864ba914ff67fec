"""MLflow's registry and basic-auth rows written with plain SQL, on the schema revisions this was checked against.

Importing MLflow's stores costs ~4.8 s of CPU in every provider process that writes a model, user or grant
(Terraform starts the provider for each plan and apply). On a database at `TRACKING_REVISION` /
`AUTH_REVISION` (MLflow 3.17.2's heads) the provider writes the rows MLflow's own stores write, statement for
statement (tests/provider/test_provider_mlflow_rows.py writes the same objects both ways and compares every
row, and has MLflow read them back); on any other revision it writes through MLflow's stores (`mlflow_api`).
Validation is MLflow's own rules for what the provider writes (names, tag keys and lengths, grantable
permissions, password length), so a value MLflow would refuse is refused here too.
"""

from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from mlstrata.provider.store.database import Database, Row, run

# The heads of MLflow 3.17.2's migrations (mlflow/store/db_migrations, mlflow/server/auth/db/migrations); a test
# fails when the installed MLflow's heads differ, so a new MLflow is checked before its rows are written here.
TRACKING_REVISION = "dc11669786a5"
AUTH_REVISION = "f1a2b3c4d5e6"
WORKSPACE = "default"  # MLflow's DEFAULT_WORKSPACE_NAME: a single-tenant server keeps every row there
REGISTERED_MODEL = "registered_model"  # MLflow's RESOURCE_TYPE_REGISTERED_MODEL
GRANTABLE = ("READ", "USE", "EDIT", "MANAGE", "DENY")  # MLflow's RESOURCE_GRANTABLE_PERMISSIONS
MIN_PASSWORD = 12  # mlflow.utils.validation._validate_password
MAX_TAG_KEY = 250  # MAX_MODEL_REGISTRY_TAG_KEY_LENGTH
MAX_TAG_VALUE = 100_000  # MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH
# Pre-RBAC grant tables MLflow 3.17 keeps (non-cascading keys to users.id): a deleted user's rows go first
LEGACY_GRANT_TABLES = (
    "experiment_permissions", "registered_model_permissions", "scorer_permissions", "gateway_secret_permissions",
    "gateway_endpoint_permissions", "gateway_model_definition_permissions", "workspace_permissions",
)  # fmt: skip
_TAG_KEY = re.compile(r"^[/\w.\- :]*$")  # validate_param_and_metric_name (POSIX)


class RowError(Exception):
    """A write MLflow's store would refuse, with MLflow's message."""


def revision(db: Database, table: str) -> str:
    """The Alembic revision stamped in `table` of `db`, or ''."""
    try:
        rows = db.query(f"SELECT version_num FROM {table}")
    except Exception:
        return ""
    return str(rows[0][0]) if len(rows) == 1 else ""


def now_ms() -> int:
    """MLflow's get_current_time_millis."""
    return int(time.time() * 1000)


def _path_not_unique(name: str) -> bool:
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith("..") or norm.startswith("/")


def check_model_name(name: str) -> None:
    """mlflow.utils.validation._validate_model_name."""
    if name.strip() == "":
        raise RowError("Missing value for required parameter 'name'.")
    if "/" in name or ":" in name:
        raise RowError(f"Invalid model name '{name}'. Names cannot contain '/' or ':'.")
    if _path_not_unique(name):
        raise RowError(f"Invalid value '{name}' for parameter 'name': names must be unique paths")


def check_tag(key: str, value: str) -> None:
    """mlflow.utils.validation._validate_registered_model_tag."""
    if not _TAG_KEY.match(key) or _path_not_unique(key):
        raise RowError(f"Invalid value '{key}' for parameter 'key': names may only contain alphanumerics, "
                       "underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)")
    if len(key) > MAX_TAG_KEY:
        raise RowError(f"'key' exceeds the maximum length of {MAX_TAG_KEY} characters")
    if len(value) > MAX_TAG_VALUE:
        raise RowError(f"'value' exceeds the maximum length of {MAX_TAG_VALUE} characters")


class _Tx:
    """The statements of one transaction."""

    def __init__(self, conn: Any, backend: str) -> None:
        self.conn, self.backend = conn, backend

    def __call__(self, sql: str, *params: object) -> list[Row]:
        return run(self.conn, self.backend, sql, params)


@contextmanager
def _transaction(db: Database) -> Iterator[_Tx]:
    with db.transaction() as conn:
        yield _Tx(conn, db.backend)


class ModelWriter(Protocol):
    """What the provider writes in a registry's tracking database."""

    def create(self, name: str, description: str, tags: dict[str, str]) -> None: ...
    def set_description(self, name: str, description: str) -> None: ...
    def set_tag(self, name: str, key: str, value: str) -> None: ...
    def delete_tag(self, name: str, key: str) -> None: ...
    def rename(self, name: str, new_name: str) -> None: ...
    def delete(self, name: str) -> None: ...


class AuthWriter(Protocol):
    """What the provider writes in a registry's basic-auth database."""

    def create_user(self, username: str, password: str, is_admin: bool) -> None: ...
    def set_password(self, username: str, password: str) -> None: ...
    def set_admin(self, username: str, is_admin: bool) -> None: ...
    def delete_user(self, username: str) -> None: ...
    def grant(self, model: str, username: str, permission: str) -> None: ...
    def change_grant(self, model: str, username: str, permission: str) -> None: ...
    def revoke(self, model: str, username: str) -> None: ...


class ModelRows:
    """MLflow's SqlAlchemyStore (model registry) writes, as SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _exists(self, tx: _Tx, name: str) -> None:
        if not tx("SELECT 1 FROM registered_models WHERE workspace = ? AND name = ?", WORKSPACE, name):
            raise RowError(f"Registered Model with name={name} not found")

    def create(self, name: str, description: str, tags: dict[str, str]) -> None:
        check_model_name(name)
        for key, value in tags.items():
            check_tag(key, value)
        with _transaction(self.db) as tx:
            if tx("SELECT 1 FROM registered_models WHERE workspace = ? AND name = ?", WORKSPACE, name):
                raise RowError(f"Registered Model (name={name}) already exists.")
            created = now_ms()
            tx("INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace)"
               " VALUES (?, ?, ?, ?, ?)", name, created, created, description, WORKSPACE)
            for key, value in tags.items():
                tx("INSERT INTO registered_model_tags (key, value, name, workspace) VALUES (?, ?, ?, ?)",
                   key, value, name, WORKSPACE)

    def set_description(self, name: str, description: str) -> None:
        with _transaction(self.db) as tx:
            self._exists(tx, name)
            tx("UPDATE registered_models SET description = ?, last_updated_time = ? WHERE workspace = ? AND name = ?",
               description, now_ms(), WORKSPACE, name)

    def set_tag(self, name: str, key: str, value: str) -> None:
        check_model_name(name)
        check_tag(key, value)
        with _transaction(self.db) as tx:  # MLflow merges the row and leaves last_updated_time alone
            self._exists(tx, name)
            tx("DELETE FROM registered_model_tags WHERE workspace = ? AND name = ? AND key = ?", WORKSPACE, name, key)
            tx("INSERT INTO registered_model_tags (key, value, name, workspace) VALUES (?, ?, ?, ?)",
               key, value, name, WORKSPACE)

    def delete_tag(self, name: str, key: str) -> None:
        check_model_name(name)
        with _transaction(self.db) as tx:
            self._exists(tx, name)
            tx("DELETE FROM registered_model_tags WHERE workspace = ? AND name = ? AND key = ?", WORKSPACE, name, key)

    def rename(self, name: str, new_name: str) -> None:
        check_model_name(new_name)
        with _transaction(self.db) as tx:
            self._exists(tx, name)
            if tx("SELECT 1 FROM registered_models WHERE workspace = ? AND name = ?", WORKSPACE, new_name):
                raise RowError(f"Registered Model (name={new_name}) already exists.")
            updated = now_ms()
            # the schema's ON UPDATE CASCADE keys carry the name to versions, tags, aliases and version tags
            tx("UPDATE registered_models SET name = ?, last_updated_time = ? WHERE workspace = ? AND name = ?",
               new_name, updated, WORKSPACE, name)
            tx("UPDATE model_versions SET last_updated_time = ? WHERE workspace = ? AND name = ?",
               updated, WORKSPACE, new_name)

    def delete(self, name: str) -> None:
        with _transaction(self.db) as tx:  # MLflow's ORM cascades: version tags, versions, tags, aliases
            self._exists(tx, name)
            for table in ("model_version_tags", "model_versions", "registered_model_tags", "registered_model_aliases",
                          "registered_models"):
                tx(f"DELETE FROM {table} WHERE workspace = ? AND name = ?", WORKSPACE, name)


def add_default_experiment(db: Database, artifact_root: str) -> None:
    """The experiment 0 MLflow's tracking store adds to a database without one (`_create_default_experiment`),
    its artifacts under `artifact_root`/0."""
    with _transaction(db) as tx:
        if tx("SELECT 1 FROM experiments WHERE experiment_id = 0"):
            return
        created = now_ms()
        tx("INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time,"
           " last_update_time, workspace) VALUES (0, 'Default', ?, 'active', ?, ?, ?)",
           artifact_root.rstrip("/") + "/0", created, created, WORKSPACE)


def password_hash(password: str) -> str:
    """The hash MLflow's basic-auth stores (werkzeug's default: scrypt), after MLflow's length rule."""
    if len(password) < MIN_PASSWORD:
        raise RowError(f"Password must be at least {MIN_PASSWORD} characters.")
    from werkzeug.security import generate_password_hash

    return str(generate_password_hash(password))


def user_role(user_id: int) -> str:
    """The hidden per-user role MLflow 3.17 keeps a user's direct grants on."""
    return f"__user_{user_id}__"


class AuthRows:
    """MLflow's basic-auth SqlAlchemyStore writes, as SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _user_id(tx: _Tx, username: str) -> int:
        rows = tx("SELECT id FROM users WHERE username = ?", username)
        if not rows:
            raise RowError(f"User with username={username} not found")
        return int(rows[0][0])

    def create_user(self, username: str, password: str, is_admin: bool) -> None:
        if not username:
            raise RowError("Username cannot be empty.")
        pwhash = password_hash(password)
        with _transaction(self.db) as tx:
            if tx("SELECT 1 FROM users WHERE username = ?", username):
                raise RowError(f"User (username={username}) already exists.")
            tx("INSERT INTO users (username, password_hash, is_admin) VALUES (?, ?, ?)", username, pwhash, is_admin)

    def set_password(self, username: str, password: str) -> None:
        pwhash = password_hash(password)
        with _transaction(self.db) as tx:
            self._user_id(tx, username)
            tx("UPDATE users SET password_hash = ? WHERE username = ?", pwhash, username)

    def set_admin(self, username: str, is_admin: bool) -> None:
        with _transaction(self.db) as tx:
            self._user_id(tx, username)
            tx("UPDATE users SET is_admin = ? WHERE username = ?", is_admin, username)

    def delete_user(self, username: str) -> None:
        with _transaction(self.db) as tx:
            user_id = self._user_id(tx, username)
            for (role_id,) in tx("SELECT id FROM roles WHERE name = ?", user_role(user_id)):
                tx("DELETE FROM role_permissions WHERE role_id = ?", role_id)
                tx("DELETE FROM user_role_assignments WHERE role_id = ?", role_id)
                tx("DELETE FROM roles WHERE id = ?", role_id)
            for table in LEGACY_GRANT_TABLES:
                tx(f"DELETE FROM {table} WHERE user_id = ?", user_id)
            tx("DELETE FROM user_role_assignments WHERE user_id = ?", user_id)
            tx("DELETE FROM users WHERE id = ?", user_id)

    @staticmethod
    def _grant_row(tx: _Tx, model: str, username: str) -> int | None:
        user_id = AuthRows._user_id(tx, username)
        rows = tx("SELECT rp.id FROM role_permissions rp JOIN roles r ON r.id = rp.role_id WHERE r.workspace = ?"
                  " AND r.name = ? AND rp.resource_type = ? AND rp.resource_pattern = ?",
                  WORKSPACE, user_role(user_id), REGISTERED_MODEL, model)
        return int(rows[0][0]) if rows else None

    def _found_grant(self, tx: _Tx, model: str, username: str) -> int:
        found = self._grant_row(tx, model, username)
        if found is None:
            raise RowError(f"Registered model permission with workspace={WORKSPACE}, name={model} and "
                           f"username={username} not found")
        return found

    def grant(self, model: str, username: str, permission: str) -> None:
        if permission not in GRANTABLE:
            raise RowError(f"Invalid permission '{permission}' for resource_type='{REGISTERED_MODEL}'. "
                           f"Resource-level grants accept only: {tuple(sorted(GRANTABLE))}.")
        with _transaction(self.db) as tx:
            user_id = self._user_id(tx, username)
            name = user_role(user_id)
            # grants to one user on two models can run at once (PostgreSQL): the first to commit makes the role
            tx("INSERT INTO roles (name, workspace, description) VALUES (?, ?, NULL) ON CONFLICT DO NOTHING",
               name, WORKSPACE)
            role_id = int(tx("SELECT id FROM roles WHERE workspace = ? AND name = ?", WORKSPACE, name)[0][0])
            other = tx("SELECT user_id FROM user_role_assignments WHERE role_id = ? AND user_id <> ?", role_id, user_id)
            if other:
                raise RowError(f"Role {name!r} in workspace {WORKSPACE!r} collides with the reserved '__user_<id>__' "
                               f"synthetic namespace but is already assigned to user_id={other[0][0]}.")
            tx("INSERT INTO user_role_assignments (user_id, role_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
               user_id, role_id)
            if tx("SELECT 1 FROM role_permissions WHERE role_id = ? AND resource_type = ? AND resource_pattern = ?",
                  role_id, REGISTERED_MODEL, model):
                raise RowError(f"Registered model permission with workspace={WORKSPACE}, name={model} and "
                               f"username={username} already exists.")
            tx("INSERT INTO role_permissions (role_id, resource_type, resource_pattern, permission)"
               " VALUES (?, ?, ?, ?)", role_id, REGISTERED_MODEL, model, permission)

    def change_grant(self, model: str, username: str, permission: str) -> None:
        if permission not in GRANTABLE:
            raise RowError(f"Invalid permission '{permission}' for resource_type='{REGISTERED_MODEL}'.")
        with _transaction(self.db) as tx:
            tx("UPDATE role_permissions SET permission = ? WHERE id = ?", permission,
               self._found_grant(tx, model, username))

    def revoke(self, model: str, username: str) -> None:
        with _transaction(self.db) as tx:
            tx("DELETE FROM role_permissions WHERE id = ?", self._found_grant(tx, model, username))
