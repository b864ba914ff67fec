"""MLflow's own stores and migrations, imported lazily: importing MLflow costs seconds (~4.8 s of CPU).

Terraform starts the provider several times per plan and apply; reads use plain SQL (see `database`), and
writes use `mlflow_rows` (plain SQL) on the schema revisions it was checked against. MLflow itself is imported
only to make the template databases once per MLflow version (its own migrations), and to write a database at
any other revision. One lock serialises the first import (the plugin serves calls on a thread pool) and the
store caches.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from mlstrata.provider.store import mlflow_rows
from mlstrata.provider.store.database import Database
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import default_cache_dir

T = TypeVar("T")
_lock = threading.RLock()
_registry_stores: dict[str, Any] = {}
_auth_stores: dict[str, Any] = {}


def _module(name: str) -> ModuleType:
    with _lock:
        # Importing MLflow starts its usage telemetry unless told not to: a thread that asks MLflow's servers for
        # a configuration, and an installation id written under the user's home (MLflow 3.x, `mlflow.telemetry`;
        # opt-outs MLFLOW_DISABLE_TELEMETRY or DO_NOT_TRACK, https://mlflow.org/docs/latest/community/usage-tracking).
        # The provider uses MLflow as a library to write the user's own databases: it sends nothing anywhere, and
        # says so here. A user's explicit MLFLOW_DISABLE_TELEMETRY wins (setdefault).
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        return importlib.import_module(name)


def error_code(exc: BaseException) -> str:
    """MLflow's error code of an exception (`RESOURCE_ALREADY_EXISTS`, ...), or ''."""
    return str(getattr(exc, "error_code", ""))


def call(db: Database, what: str, action: Callable[[], T]) -> T:
    """Run an MLflow store call; turn its failures into a StoreError without credentials."""
    try:
        return action()
    except StoreError:
        raise
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise StoreError(f"MLflow failed to {what}", detail=db.scrub(str(message))[:2000]) from exc


def initialize_tracking_db(db: Database, artifact_root: str) -> None:
    """Create or upgrade the tracking and registry schema with MLflow's own migrations.

    MLflow's tracking store runs its Alembic migrations and creates the default experiment,
    whose artifact location is under `artifact_root`. A new SQLite database starts as a copy of
    a database MLflow migrated once for this MLflow version (see `tracking_template`): the store
    then finds every table at the head revision, runs no migration, and only adds the experiment.
    A copy at the revision `mlflow_rows` was checked against gets that experiment as MLflow writes it,
    without importing MLflow at all.
    """
    if db.path is not None and not db.path.exists():
        template = cached_template(TRACKING, mlflow_rows.TRACKING_REVISION) or call(
            db, "create the registry database schema", tracking_template)
        _copy_new(template, db.path)
        if mlflow_rows.revision(db, VERSION_TABLES[TRACKING]) == mlflow_rows.TRACKING_REVISION:
            call(db, "create the default experiment", lambda: mlflow_rows.add_default_experiment(db, artifact_root))
            return
    tracking = _module("mlflow.store.tracking.sqlalchemy_store")

    def init() -> None:
        store = tracking.SqlAlchemyStore(db.sqlalchemy_url(), artifact_root)
        store.engine.dispose()

    call(db, "create the registry database schema", init)


def initialize_auth_db(db: Database) -> None:
    """A new SQLite basic-auth database starts as a copy of one MLflow's auth migrations made once for this
    MLflow version (see `auth_template`); MLflow's own store creates or migrates any other."""
    if db.path is not None and not db.path.exists():
        template = cached_template(AUTH, mlflow_rows.AUTH_REVISION) or call(
            db, "create the basic-auth database schema", auth_template)
        _copy_new(template, db.path)


def _copy_new(source: Path, target: Path) -> None:
    """Copy `source` to a `target` that does not exist yet, never leaving a partial file there.

    The copy gets the mode a database MLflow creates itself gets (0666 less the umask: 0644 under the usual
    022), as every other file of a registry: it holds no secret (users' password hashes are in `auth.db`,
    which MLflow creates), and a mode of its own would make the two paths to a new registry differ."""
    fd, tmp = _create_beside(target)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)  # into the file made above: its mode stays
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass  # made meanwhile: MLflow opens (and if need be migrates) that one, never overwritten
        except OSError:
            os.replace(tmp, target)  # a file system without hard links
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _create_beside(target: Path) -> tuple[int, Path]:
    """A new empty file in `target`'s folder, created as any program creates a file (mode 0666 less the umask;
    tempfile.mkstemp's are 0600, and reading the umask means setting it, process-wide, under the plugin's
    threads), open for writing."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _sqlite_revision(path: Path, table: str = "alembic_version") -> str:
    """The Alembic revision (in `table`) of a sound SQLite database at `path`, or '' (missing, damaged, not
    stamped)."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return ""
    try:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            return ""
        rows = conn.execute(f"SELECT version_num FROM {table}").fetchall()
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    return str(rows[0][0]) if len(rows) == 1 else ""


TRACKING, AUTH = "tracking", "auth"
VERSION_TABLES = {TRACKING: "alembic_version", AUTH: "alembic_version_auth"}


def mlflow_version() -> str:
    """The installed MLflow's version, read from its package metadata (importing MLflow costs seconds)."""
    from importlib.metadata import version

    return version("mlflow")


def _template_path(kind: str, head: str, cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / "mlflow" / mlflow_version() / f"{kind}-{head}.db"


def cached_template(kind: str, head: str, cache_dir: Path | None = None) -> Path | None:
    """The template database of `kind` at revision `head` for the installed MLflow, when one was made before;
    found without importing MLflow."""
    path = _template_path(kind, head, cache_dir)
    return path if _sqlite_revision(path, VERSION_TABLES[kind]) == head else None


def _template(kind: str, head: str, migrate: Callable[[Any], None], cache_dir: Path | None) -> Path:
    """The template of `kind` at `head`: found, or made by `migrate` (MLflow's own migrations on an engine)."""
    with _lock:
        path = _template_path(kind, head, cache_dir)
        if _sqlite_revision(path, VERSION_TABLES[kind]) == head:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.unlink(tmp)  # SQLite makes the file
        try:
            engine = _module("mlflow.store.db.utils").create_sqlalchemy_engine_with_retry(f"sqlite:///{tmp}")
            try:
                migrate(engine)
            finally:
                engine.dispose()
            found = _sqlite_revision(Path(tmp), VERSION_TABLES[kind])
            if found != head:
                raise StoreError(
                    f"MLflow's migrations left the template database at revision {found!r}, not {head!r}",
                    hint=f"Remove {path.parent} and retry; report it if it happens again.",
                )
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return path


def tracking_template(cache_dir: Path | None = None) -> Path:
    """An empty SQLite tracking/registry database that MLflow's own migrations brought to their head.

    Migrating a new database costs ~1-1.5 s of CPU per registry; this one is made once per MLflow version
    and head revision, under `$XDG_CACHE_HOME/mlstrata/mlflow/<version>/tracking-<head>.db`, and copied.
    It holds no experiment: the default one, with the registry's own artifact location, is added to each
    copy. A template that is missing, damaged or at another revision is made again.
    """
    utils = _module("mlflow.store.db.utils")
    # what MLflow's SqlAlchemyStore runs on a database without its tables
    return _template(TRACKING, str(utils._get_latest_schema_revision()), utils._initialize_tables, cache_dir)


def auth_template(cache_dir: Path | None = None) -> Path:
    """An empty SQLite basic-auth database at the head of MLflow's auth migrations (what the auth store's
    `init_db` runs), made once per MLflow version under `.../mlflow/<version>/auth-<head>.db`, and copied."""
    utils = _module("mlflow.server.auth.db.utils")
    script = _module("alembic.script").ScriptDirectory.from_config(utils._get_alembic_config(""))
    return _template(AUTH, str(script.get_current_head()), lambda engine: utils.migrate_if_needed(engine, "head"),
                     cache_dir)


def registry_store(db: Database) -> Any:
    """MLflow's model-registry store on `db` (cached per database)."""
    url = db.sqlalchemy_url()
    with _lock:
        if url not in _registry_stores:
            mod = _module("mlflow.store.model_registry.sqlalchemy_store")
            _registry_stores[url] = call(db, "open the model registry", lambda: mod.SqlAlchemyStore(url))
        return _registry_stores[url]


def auth_store(db: Database) -> Any:
    """MLflow's basic-auth store on `db`, migrated to the current schema (cached per database)."""
    url = db.sqlalchemy_url()
    with _lock:
        if url not in _auth_stores:
            mod = _module("mlflow.server.auth.sqlalchemy_store")
            store = mod.SqlAlchemyStore()
            call(db, "create the basic-auth database schema", lambda: store.init_db(url))
            _auth_stores[url] = store
        return _auth_stores[url]


def registered_model_tag(key: str, value: str) -> Any:
    """An MLflow `RegisteredModelTag`."""
    return _module("mlflow.entities.model_registry").RegisteredModelTag(key, value)


class ModelStore:
    """`mlflow_rows.ModelWriter` through MLflow's own model-registry store (a schema revision not checked there)."""

    def __init__(self, db: Database) -> None:
        self.store = registry_store(db)

    def create(self, name: str, description: str, tags: dict[str, str]) -> None:
        self.store.create_registered_model(
            name, tags=[registered_model_tag(k, v) for k, v in tags.items()], description=description)

    def set_description(self, name: str, description: str) -> None:
        self.store.update_registered_model(name, description)

    def set_tag(self, name: str, key: str, value: str) -> None:
        self.store.set_registered_model_tag(name, registered_model_tag(key, value))

    def delete_tag(self, name: str, key: str) -> None:
        self.store.delete_registered_model_tag(name, key)

    def rename(self, name: str, new_name: str) -> None:
        self.store.rename_registered_model(name, new_name)

    def delete(self, name: str) -> None:
        self.store.delete_registered_model(name)


class AuthStore:
    """`mlflow_rows.AuthWriter` through MLflow's own basic-auth store, which migrates the schema to its head."""

    def __init__(self, db: Database) -> None:
        self.store = auth_store(db)

    def create_user(self, username: str, password: str, is_admin: bool) -> None:
        self.store.create_user(username, password, is_admin=is_admin)

    def set_password(self, username: str, password: str) -> None:
        self.store.update_user(username, password=password)

    def set_admin(self, username: str, is_admin: bool) -> None:
        self.store.update_user(username, is_admin=is_admin)

    def delete_user(self, username: str) -> None:
        self.store.delete_user(username)

    def grant(self, model: str, username: str, permission: str) -> None:
        self.store.create_registered_model_permission(model, username, permission)

    def change_grant(self, model: str, username: str, permission: str) -> None:
        self.store.update_registered_model_permission(model, username, permission)

    def revoke(self, model: str, username: str) -> None:
        self.store.delete_registered_model_permission(model, username)


def forget(db: Database) -> None:
    """Drop cached stores of `db` (before it is deleted) and close their connections."""
    url = db.sqlalchemy_url()
    with _lock:
        for cache in (_registry_stores, _auth_stores):
            store = cache.pop(url, None)
            engine = getattr(store, "engine", None)
            if engine is not None:
                engine.dispose()


def model_writer(db: Database) -> mlflow_rows.ModelWriter:
    """SQL on the revision checked here, MLflow's own store on any other."""
    if mlflow_rows.revision(db, "alembic_version") == mlflow_rows.TRACKING_REVISION:
        return mlflow_rows.ModelRows(db)
    return ModelStore(db)


def auth_writer(db: Database) -> mlflow_rows.AuthWriter:
    """SQL on the revision checked here, MLflow's own store (which migrates the schema first) on any other."""
    if mlflow_rows.revision(db, "alembic_version_auth") == mlflow_rows.AUTH_REVISION:
        return mlflow_rows.AuthRows(db)
    return AuthStore(db)

