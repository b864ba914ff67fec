"""MLflow's own stores, imported lazily: importing MLflow costs seconds, so only writes pay it.

Terraform starts the provider several times per plan and apply; reads use plain SQL (see
`database`), and this module is touched only when a registry, model, user or permission is
written. One lock serialises the first import (the plugin serves calls on a thread pool) and
the store caches.
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
    """
    tracking = _module("mlflow.store.tracking.sqlalchemy_store")

    def init() -> None:
        if db.path is not None and not db.path.exists():
            _copy_new(tracking_template(), db.path)
        store = tracking.SqlAlchemyStore(db.sqlalchemy_url(), artifact_root)
        store.engine.dispose()

    call(db, "create the registry database schema", init)


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


def _sqlite_revision(path: Path) -> str:
    """The Alembic revision of a sound SQLite database at `path`, or '' (missing, damaged, not stamped)."""
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return ""
    try:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            return ""
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return ""
    finally:
        conn.close()
    return str(rows[0][0]) if len(rows) == 1 else ""


def tracking_template(cache_dir: Path | None = None) -> Path:
    """An empty SQLite tracking/registry database that MLflow's own migrations brought to their head.

    Migrating a new database costs ~1-1.5 s of CPU per registry; this one is made once per MLflow version
    and head revision, under `$XDG_CACHE_HOME/mlstrata/mlflow/<version>/tracking-<head>.db`, and copied.
    It holds no experiment: MLflow adds the default one, with the registry's own artifact location, when
    it opens the copy. A template that is missing, damaged or at another revision is made again.
    """
    utils = _module("mlflow.store.db.utils")
    version = str(_module("mlflow.version").VERSION)
    with _lock:
        head = str(utils._get_latest_schema_revision())
        folder = (cache_dir or default_cache_dir()) / "mlflow" / version
        path = folder / f"tracking-{head}.db"
        if _sqlite_revision(path) == head:
            return path
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(tmp)  # SQLite makes the file
        try:
            engine = utils.create_sqlalchemy_engine_with_retry(f"sqlite:///{tmp}")
            try:
                # what MLflow's SqlAlchemyStore runs on a database without its tables
                utils._initialize_tables(engine)
            finally:
                engine.dispose()
            found = _sqlite_revision(Path(tmp))
            if found != head:
                raise StoreError(
                    f"MLflow's migrations left the template database at revision {found!r}, not {head!r}",
                    hint=f"Remove {folder} and retry; report it if it happens again.",
                )
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        return path


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


def forget(db: Database) -> None:
    """Drop cached stores of `db` (before it is deleted) and close their connections."""
    url = db.sqlalchemy_url()
    with _lock:
        for cache in (_registry_stores, _auth_stores):
            store = cache.pop(url, None)
            engine = getattr(store, "engine", None)
            if engine is not None:
                engine.dispose()
