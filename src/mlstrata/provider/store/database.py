"""Databases the store reads with plain SQL: SQLite files and PostgreSQL databases.

Reads go through `sqlite3` or `psycopg` directly (cheap to import); MLflow is only imported by
the operations that write through its own stores (see `mlflow_api`).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from mlstrata.provider.store.errors import StoreError

DB_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
Row = tuple[Any, ...]


def check_database_name(name: str, attribute: str = "database") -> None:
    """Reject PostgreSQL database names that would need quoting."""
    if not DB_NAME_PATTERN.fullmatch(name):
        raise StoreError(
            f"invalid database name {name!r}",
            detail="Database names are 1-63 characters: lower-case letters, digits and '_'.",
            hint="Choose a name like 'mlstrata_registry_dev'.",
            path=attribute,
        )


@dataclass(frozen=True)
class PgServer:
    """A PostgreSQL server reached with the provider's `postgres_dsn` (a URL)."""

    user: str
    password: str
    host: str
    port: int
    maintenance_db: str
    query: str

    @classmethod
    def parse(cls, dsn: str) -> PgServer:
        """Parse `postgresql://user[:password]@host[:port]/db[?params]`."""
        parts = urlsplit(dsn)
        if parts.scheme not in {"postgres", "postgresql"} or not parts.hostname:
            raise StoreError(
                "postgres_dsn is not a postgresql:// URL",
                hint='Write it as "postgresql://USER:PASSWORD@HOST:PORT/postgres".',
                path="postgres_dsn",
            )
        return cls(
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname,
            port=parts.port or 5432,
            maintenance_db=parts.path.lstrip("/") or "postgres",
            query=parts.query,
        )

    def url(self, database: str, *, scheme: str = "postgresql", secret: bool = False) -> str:
        """URL of `database`; the password is only included when `secret` is true."""
        auth = quote(self.user, safe="")
        if secret and self.password:
            auth += ":" + quote(self.password, safe="")
        netloc = f"{auth}@{self.host}:{self.port}" if auth else f"{self.host}:{self.port}"
        return urlunsplit((scheme, netloc, "/" + database, self.query, ""))

    def scrub(self, text: str) -> str:
        """`text` with the password replaced, for messages that may echo connection strings."""
        if not self.password:
            return text
        return text.replace(quote(self.password, safe=""), "***").replace(self.password, "***")

    @contextlib.contextmanager
    def connect(self, database: str | None = None) -> Iterator[Any]:
        """An autocommit psycopg connection to `database` (default: the maintenance database)."""
        import psycopg

        try:
            conn = psycopg.connect(
                self.url(database or self.maintenance_db, secret=True), autocommit=True, connect_timeout=10
            )
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.host}:{self.port}",
                detail=self.scrub(str(exc)),
                hint="Check the provider's postgres_dsn and that the server is running.",
            ) from exc
        try:
            yield conn
        finally:
            conn.close()

    def database_exists(self, name: str) -> bool:
        with self.connect() as conn:
            rows = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
        return bool(rows)

    def create_database(self, name: str) -> None:
        """Create `name` unless it exists."""
        from psycopg import sql

        check_database_name(name)
        if self.database_exists(name):
            return
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        """Drop `name` (closing other sessions on it) if it exists."""
        from psycopg import sql

        check_database_name(name)
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass(frozen=True)
class Database:
    """One database: a SQLite file (`path`) or a database on a PostgreSQL server."""

    path: Path | None = None
    server: PgServer | None = None
    name: str = ""

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        return cls(path=path)

    @classmethod
    def postgres(cls, server: PgServer, name: str) -> Database:
        check_database_name(name)
        return cls(server=server, name=name)

    @property
    def backend(self) -> str:
        return "sqlite" if self.path is not None else "postgres"

    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL with credentials: for MLflow's stores, never for state or output."""
        if self.path is not None:
            return f"sqlite:///{self.path}"
        assert self.server is not None
        return self.server.url(self.name, scheme="postgresql+psycopg", secret=True)

    def public_uri(self) -> str:
        """The SQLAlchemy URI to show: no password (libpq takes it from PGPASSWORD or ~/.pgpass).

        PostgreSQL URIs name the psycopg (3) driver, the one installed with mlstrata.
        """
        if self.path is not None:
            return f"sqlite:///{self.path}"
        assert self.server is not None
        return self.server.url(self.name, scheme="postgresql+psycopg")

    def exists(self) -> bool:
        if self.path is not None:
            return self.path.is_file()
        assert self.server is not None
        return self.server.database_exists(self.name)

    def scrub(self, text: str) -> str:
        return self.server.scrub(text) if self.server is not None else text

    @contextlib.contextmanager
    def connect(self, readonly: bool = True) -> Iterator[Any]:
        """A DB-API connection; SQLite opens read-only (never creating the file) unless asked."""
        if self.path is not None:
            mode = "ro" if readonly else "rwc"
            try:
                conn = sqlite3.connect(f"{self.path.as_uri()}?mode={mode}", uri=True, timeout=30)
            except sqlite3.OperationalError as exc:
                raise StoreError(f"cannot open {self.path}", detail=str(exc)) from exc
            try:
                with conn:
                    yield conn
            finally:
                conn.close()
            return
        assert self.server is not None
        with self.server.connect(self.name) as conn:
            yield conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A writable connection whose statements commit together, or not at all. SQLite enforces foreign keys
        (their ON UPDATE / ON DELETE rules), as MLflow's own engine does on every connection, and takes the write
        lock first (BEGIN IMMEDIATE): the plugin's threads write in turn, each seeing the rows the last one left."""
        if self.path is not None:
            try:
                conn = sqlite3.connect(f"{self.path.as_uri()}?mode=rw", uri=True, timeout=30, isolation_level=None)
            except sqlite3.OperationalError as exc:
                raise StoreError(f"cannot open {self.path}", detail=str(exc)) from exc
            try:
                conn.execute("PRAGMA foreign_keys = ON")  # outside a transaction: SQLite ignores it inside one
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.close()
            return
        assert self.server is not None
        with self.server.connect(self.name) as conn, conn.transaction():
            yield conn

    def query(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """Run one statement with `?` placeholders and return its rows."""
        with self.connect() as conn:
            return run(conn, self.backend, sql, params)

    def tables(self) -> set[str]:
        if self.path is not None:
            return {r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {r[0] for r in self.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def columns(self, table: str) -> set[str]:
        """Column names of `table` (empty when it does not exist)."""
        if self.path is not None:
            return {r[1] for r in self.query(f"PRAGMA table_info({table})")}
        return {
            r[0]
            for r in self.query(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
        }


def run(conn: Any, backend: str, sql: str, params: Sequence[object] = ()) -> list[Row]:
    """Execute `sql` (with `?` placeholders) on a DB-API connection of `backend`."""
    statement = sql.replace("?", "%s") if backend == "postgres" else sql
    cursor = conn.execute(statement, tuple(params))
    if cursor.description is None:
        return []
    return [tuple(r) for r in cursor.fetchall()]
