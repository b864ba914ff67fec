"""Registered models in a registry: read with SQL on MLflow's tables, written as MLflow writes them (`mlflow_rows`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from mlstrata.provider.store import mlflow_api, mlflow_rows
from mlstrata.provider.store.database import Database, PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout
from mlstrata.provider.store.registry import registry_databases, require_databases

# MLflow 3 scopes registry rows by workspace; a single-tenant server uses this one.
WORKSPACE = "default"


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: its registry, name, description and tags."""

    registry: str
    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    versions: int = 0  # model versions registered (read only: MLflow clients register them, not Terraform)


def workspace_scope(db: Database, table: str) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause (and its parameter) that keeps a query to MLflow's default workspace, when the table has one."""
    if "workspace" in db.columns(table):
        return " AND workspace = ?", (WORKSPACE,)
    return "", ()


def fetch_model(db: Database, registry: str, name: str) -> RegisteredModel | None:
    """The model `name` as stored in the tracking database `db`."""
    where, extra = workspace_scope(db, "registered_models")
    rows = db.query(f"SELECT description FROM registered_models WHERE name = ?{where}", (name, *extra))
    if not rows:
        return None
    where, extra = workspace_scope(db, "registered_model_tags")
    tags = db.query(f"SELECT key, value FROM registered_model_tags WHERE name = ?{where}", (name, *extra))
    return RegisteredModel(
        registry=registry,
        name=name,
        description=rows[0][0] or "",
        tags={str(k): str(v or "") for k, v in sorted(tags)},
        versions=count_versions(db, name),
    )


# MLflow's SQL store marks a deleted version with this stage instead of removing its row at once
DELETED_STAGE = "Deleted_Internal"


def count_versions(db: Database, name: str) -> int:
    """How many versions of model `name` the registry holds (deleted ones not counted)."""
    if "model_versions" not in db.tables():
        return 0
    where, extra = workspace_scope(db, "model_versions")
    rows = db.query(f"SELECT COUNT(*) FROM model_versions WHERE name = ? AND current_stage <> ?{where}",
                    (name, DELETED_STAGE, *extra))
    return int(rows[0][0]) if rows else 0


def read_model(layout: Layout, server: PgServer | None, registry: str, name: str) -> RegisteredModel | None:
    """The registered model as it is, or None when it (or its registry) is gone."""
    dbs = registry_databases(layout, registry, server)
    if dbs is None:
        return None
    return fetch_model(dbs[0], registry, name)


def _sync_tags(db: Database, writer: mlflow_rows.ModelWriter, name: str, old: dict[str, str],
               new: dict[str, str]) -> None:
    for key in sorted(set(old) - set(new)):
        mlflow_api.call(db, f"delete tag {key!r}", partial(writer.delete_tag, name, key))
    for key, value in sorted(new.items()):
        if old.get(key) != value:
            mlflow_api.call(db, f"set tag {key!r}", partial(writer.set_tag, name, key, value))


def apply_model(layout: Layout, server: PgServer | None, model: RegisteredModel, old_name: str = "") -> RegisteredModel:
    """Create, rename or update a registered model so it matches `model`.

    A model that already exists under `model.name` is adopted (its description and tags are set).
    """
    db, _auth = require_databases(layout, model.registry, server)
    writer = mlflow_api.model_writer(db)
    if old_name and old_name != model.name and fetch_model(db, model.registry, old_name) is not None:
        mlflow_api.call(db, "rename the registered model", lambda: writer.rename(old_name, model.name))
    current = fetch_model(db, model.registry, model.name)
    if current is None:
        tags = dict(sorted(model.tags.items()))
        mlflow_api.call(db, "create the registered model", lambda: writer.create(model.name, model.description, tags))
    else:
        if current.description != model.description:
            mlflow_api.call(
                db, "update the description", lambda: writer.set_description(model.name, model.description))
        _sync_tags(db, writer, model.name, current.tags, model.tags)
    found = fetch_model(db, model.registry, model.name)
    assert found is not None
    return found


def delete_model(layout: Layout, server: PgServer | None, registry: str, name: str,
                 planned_versions: int | None = None) -> None:
    """Delete a registered model with its versions; a missing one is fine. With `planned_versions` (what the
    reviewed plan saw), a model that has gained versions since is refused: nobody reviewed losing those."""
    dbs = registry_databases(layout, registry, server)
    found = None if dbs is None else fetch_model(dbs[0], registry, name)
    if dbs is None or found is None:
        return
    if planned_versions is not None and found.versions > planned_versions:
        raise StoreError(
            f"registered model {name!r} has {found.versions} version(s) now, {planned_versions} when the plan was "
            "made: not deleted",
            detail="The review gate judged deleting it with the versions the plan saw; versions registered since "
                   "would be lost without review.",
            hint="Plan again (`mlstrata plan`) and review it: deleting a model with versions is blocking.",
            path="name")
    writer = mlflow_api.model_writer(dbs[0])
    mlflow_api.call(dbs[0], "delete the registered model", lambda: writer.delete(name))
