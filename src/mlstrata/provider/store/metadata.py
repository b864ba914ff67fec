"""Pipeline metadata stores: a SQLite file under root, or a database on the PostgreSQL server.

The store is an empty database plus a one-table marker (`mlstrata_store_info`) naming it, so a
file or database that merely has the same path or name is not mistaken for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlstrata.provider.store import files
from mlstrata.provider.store.database import Database, PgServer, check_database_name, run
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_name

INFO_TABLE = "mlstrata_store_info"
BACKENDS = ("sqlite", "postgres")


def default_database(name: str) -> str:
    """The PostgreSQL database a metadata store uses when none is given."""
    return "mlstrata_metadata_" + name.replace("-", "_").replace(".", "_")


@dataclass(frozen=True)
class MetadataStoreConfig:
    """What a metadata store should be."""

    name: str
    backend: str = "sqlite"
    database: str = ""


@dataclass(frozen=True)
class MetadataStore:
    """A metadata store as found."""

    config: MetadataStoreConfig
    db: Database

    @property
    def uri(self) -> str:
        return self.db.public_uri()

    @property
    def path(self) -> str:
        return str(self.db.path) if self.db.path is not None else ""


def store_database(layout: Layout, config: MetadataStoreConfig, server: PgServer | None) -> Database:
    """Where the store's data lives."""
    check_name("metadata store", config.name)
    if config.backend not in BACKENDS:
        raise StoreError(f"unknown backend {config.backend!r}", hint="Use 'sqlite' or 'postgres'.", path="backend")
    if config.backend == "sqlite":
        return Database.sqlite(layout.metadata_stores / f"{config.name}.sqlite")
    check_database_name(config.database)
    if server is None:
        raise StoreError(
            f"metadata store {config.name!r} uses the postgres backend but the provider has no postgres_dsn",
            hint='Set postgres_dsn in the provider block, or use backend = "sqlite".',
            path="backend",
        )
    return Database.postgres(server, config.database)


def apply_metadata_store(layout: Layout, config: MetadataStoreConfig, server: PgServer | None) -> MetadataStore:
    """Create the store (or adopt an existing database) and mark it as this store."""
    db = store_database(layout, config, server)
    if db.path is not None:
        db.path.parent.mkdir(parents=True, exist_ok=True)
    elif server is not None:
        server.create_database(db.name)
    with db.connect(readonly=False) as conn:
        run(conn, db.backend, f"CREATE TABLE IF NOT EXISTS {INFO_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
        run(conn, db.backend, f"DELETE FROM {INFO_TABLE} WHERE key = ?", ("name",))
        run(conn, db.backend, f"INSERT INTO {INFO_TABLE} (key, value) VALUES (?, ?)", ("name", config.name))
    return MetadataStore(config, db)


def read_metadata_store(layout: Layout, config: MetadataStoreConfig, server: PgServer | None) -> MetadataStore | None:
    """The store as it is, or None when its database or marker is gone."""
    db = store_database(layout, config, server)
    if not db.exists() or INFO_TABLE not in db.tables():
        return None
    rows = db.query(f"SELECT value FROM {INFO_TABLE} WHERE key = ?", ("name",))
    if not rows or rows[0][0] != config.name:
        return None
    return MetadataStore(config, db)


def held_tables(db: Database) -> list[str]:
    """Tables other than the store's marker: pipeline metadata written into the store."""
    return sorted(db.tables() - {INFO_TABLE}) if db.exists() else []


def delete_metadata_store(
    layout: Layout, config: MetadataStoreConfig, server: PgServer | None, force: bool = False
) -> None:
    """Delete the store's database (SQLite file with its journal files, or the PostgreSQL database); one that
    holds pipeline metadata (any table besides the marker) needs `force`."""
    db = store_database(layout, config, server)
    held = held_tables(db)
    if held and not force:
        raise StoreError(
            f"metadata store {config.name!r} holds pipeline metadata ({len(held)} table(s)) and is protected",
            detail=f"Tables: {', '.join(held[:5])}{' …' if len(held) > 5 else ''}",
            hint="Its environment has `protect: true` (force_destroy = false). Back the data up, then set protect: "
            "false for the environment and apply before destroying, or drop the tables by hand.",
        )
    if db.path is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            files.remove_tree(db.path.with_name(db.path.name + suffix))
        files.prune_empty_parents(layout.metadata_stores, layout.root)
    elif server is not None:
        server.drop_database(db.name)
