"""MLflow's own stores, imported lazily: importing MLflow costs seconds, so only writes pay it.

Terraform starts the provider several times per plan and apply; reads use plain SQL (see
`database`), and this module is touched only when a registry, model, user or permission is
written. One lock serialises the first import (the plugin serves calls on a thread pool) and
the store caches.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from mlstrata.provider.store.database import Database
from mlstrata.provider.store.errors import StoreError

T = TypeVar("T")
_lock = threading.RLock()
_registry_stores: dict[str, Any] = {}
_auth_stores: dict[str, Any] = {}


def _module(name: str) -> ModuleType:
    with _lock:
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
    whose artifact location is under `artifact_root`.
    """
    tracking = _module("mlflow.store.tracking.sqlalchemy_store")

    def init() -> None:
        store = tracking.SqlAlchemyStore(db.sqlalchemy_url(), artifact_root)
        store.engine.dispose()

    call(db, "create the registry database schema", init)


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
