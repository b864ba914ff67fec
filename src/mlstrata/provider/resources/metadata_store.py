"""mlstrata_metadata_store: a database for pipeline metadata (SQLite file or PostgreSQL database)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import Bool, ResourceBase, State, StoreModule, String, attribute, known, output
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import check_name

if TYPE_CHECKING:
    from mlstrata.provider.store import metadata as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.metadata")


def _config(values: State) -> store.MetadataStoreConfig:
    backend = str(values.get("backend") or "sqlite")
    database = values.get("database")
    if backend == "postgres" and (not known(database) or not database):
        database = store.default_database(str(values["name"]))
    return store.MetadataStoreConfig(
        name=str(values["name"]), backend=backend, database=str(database) if backend == "postgres" else ""
    )


class MetadataStore(ResourceBase):
    name = "metadata_store"
    description = "A database for pipeline metadata: <root>/metadata/<name>.sqlite, or a PostgreSQL database."
    schema_version = 2  # 2: force_destroy
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The store name."),
        attribute("name", String(), "Store name.", required=True, replace=True),
        attribute("backend", String(), "sqlite or postgres.", computed=True, default="sqlite", replace=True),
        attribute("database", String(), "PostgreSQL database name (postgres backend).", computed=True, replace=True),
        attribute(
            "force_destroy",
            Bool(),
            "Delete the store even when it holds pipeline metadata (tables besides its marker); false refuses, "
            "as a protected environment's store must.",
            default=False,
        ),
        output("uri", String(), "SQLAlchemy URI of the database (no password)."),
        output("path", String(), "SQLite file path ('' for PostgreSQL)."),
    ]

    def check(self, config: State) -> None:
        name = config.get("name")
        if known(name) and name is not None:
            check_name("metadata store", str(name))
        backend = config.get("backend")
        if known(backend) and backend is not None and backend not in store.BACKENDS:
            raise StoreError(f"unknown backend {backend!r}", hint="Use 'sqlite' or 'postgres'.", path="backend")

    def _state(self, found: store.MetadataStore, force_destroy: bool) -> State:
        return self.state(
            id=found.config.name,
            name=found.config.name,
            backend=found.config.backend,
            database=found.config.database,
            force_destroy=force_destroy,
            uri=found.uri,
            path=found.path,
        )

    def upgrade(self, ctx: Any, version: int, old: State) -> State:
        """Schema 1 had no force_destroy and always deleted: an old state reads as protected (false), the safe
        side, until the next apply writes what the configuration says."""
        upgraded = super().upgrade(ctx, version, old)
        if version < 2 and upgraded.get("force_destroy") is None:
            upgraded["force_destroy"] = False
        return upgraded

    def do_create(self, planned: State) -> State:
        found = store.apply_metadata_store(self.layout, _config(planned), self.server)
        return self._state(found, bool(planned["force_destroy"]))

    def do_read(self, current: State) -> State | None:
        found = store.read_metadata_store(self.layout, _config(current), self.server)
        return None if found is None else self._state(found, bool(current["force_destroy"]))

    def do_delete(self, current: State) -> None:
        store.delete_metadata_store(self.layout, _config(current), self.server, force=bool(current["force_destroy"]))

    def do_import(self, import_id: str) -> State | None:
        name, sep, database = import_id.partition(":")
        config = store.MetadataStoreConfig(name=name, backend="postgres" if sep else "sqlite", database=database)
        found = store.read_metadata_store(self.layout, config, self.server)
        return None if found is None else self._state(found, False)
