"""MLflow model registries: one per environment, with MLflow's basic-auth store beside it.

A registry named N lives in `<root>/registries/N/`:

- `registry.json`: backend, database, artifact bucket, UI port;
- `mlflow.db` and `auth.db` (SQLite backend) — with the PostgreSQL backend these are the
  databases `<database>` and `<database>_auth` on the provider's `postgres_dsn` server;
- `basic_auth.ini`: MLflow's basic-auth configuration (no secrets; the admin user is created by
  the provider, its password is in `<secrets_dir>/.../registries/N/<admin>.password`).

Schemas are created by MLflow's own migrations (new SQLite databases copy a database MLflow migrated once);
reads use plain SQL on MLflow's tables, writes `mlflow_rows` on the schema revisions it was checked against.
"""

from __future__ import annotations

import configparser
import io
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from mlstrata.provider.mlflow_auth import HOOK as AUTH_HOOK
from mlstrata.provider.store import files, mlflow_api, mlflow_rows
from mlstrata.provider.store.bucket import META_FILE as BUCKET_META_FILE
from mlstrata.provider.store.database import Database, PgServer, check_database_name
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_username

CONFIG_FILE = "registry.json"
AUTH_INI = "basic_auth.ini"
BACKENDS = ("sqlite", "postgres")
DEFAULT_PERMISSIONS = ("READ", "USE", "EDIT", "MANAGE", "NO_PERMISSIONS")
ARTIFACT_PREFIX = "mlflow"


def default_database(name: str) -> str:
    """The PostgreSQL database a registry uses when none is given."""
    return "mlstrata_registry_" + name.replace("-", "_").replace(".", "_")


@dataclass(frozen=True)
class RegistryConfig:
    """What a registry should be."""

    name: str
    artifact_bucket: str
    backend: str = "sqlite"
    database: str = ""
    admin_username: str = "admin"
    default_permission: str = "READ"
    port: int = 5000

    def to_json(self) -> dict[str, object]:
        return {
            "format": 1,
            "name": self.name,
            "backend": self.backend,
            "database": self.database,
            "artifact_bucket": self.artifact_bucket,
            "port": self.port,
        }


@dataclass(frozen=True)
class Registry:
    """A registry as found: its configuration, databases and the facts read from them."""

    config: RegistryConfig
    tracking_db: Database
    auth_db: Database
    artifact_root: str
    ini_path: Path
    secret_key_file: Path
    schema_revision: str
    auth_schema_revision: str
    admin_password_file: str
    auth_hooked: bool = True

    @property
    def tracking_uri(self) -> str:
        return self.tracking_db.public_uri()

    @property
    def auth_db_uri(self) -> str:
        return self.auth_db.public_uri()

    @property
    def ui_command(self) -> str:
        """The command that serves this registry's MLflow UI and API with basic-auth.

        Run it in a POSIX shell: it reads the server's secret key from its 0600 file and starts MLflow
        with the provider's own interpreter. One worker
        is plenty for a local UI and starts several times faster than MLflow's default of four.
        """
        # The interpreter that runs the provider has MLflow; a bare `mlflow` is often not on PATH (the
        # README's first command runs mlstrata from a virtual environment that is not activated).
        argv = [
            sys.executable, "-m", "mlflow", "server", "--app-name", "basic-auth",
            "--backend-store-uri", self.tracking_uri,
            "--artifacts-destination", self.artifact_root,
            "--host", "127.0.0.1", "--port", str(self.config.port), "--workers", "1",
        ]  # fmt: skip
        key = shlex.quote(str(self.secret_key_file))
        ini = shlex.quote(str(self.ini_path))
        return f'MLFLOW_FLASK_SERVER_SECRET_KEY="$(cat {key})" MLFLOW_AUTH_CONFIG_PATH={ini} {shlex.join(argv)}'

    @property
    def healthy(self) -> bool:
        """Both schemas exist, the admin user has its password file, the server its secret key, and the
        basic-auth configuration names mlstrata's auth hook (readers cannot create models)."""
        return bool(self.schema_revision and self.auth_schema_revision and self.admin_password_file
                    and self.auth_hooked)


def check_config(config: RegistryConfig, server: PgServer | None) -> None:
    """Reject a configuration the store cannot build."""
    if config.backend not in BACKENDS:
        raise StoreError(f"unknown backend {config.backend!r}", hint="Use 'sqlite' or 'postgres'.", path="backend")
    if config.default_permission not in DEFAULT_PERMISSIONS:
        raise StoreError(
            f"unknown default_permission {config.default_permission!r}",
            hint="Use one of " + ", ".join(DEFAULT_PERMISSIONS) + ".",
            path="default_permission",
        )
    check_username(config.admin_username, "admin_username")
    if config.backend == "postgres":
        check_database_name(config.database)
        check_database_name(config.database + "_auth")
        if server is None:
            raise StoreError(
                f"registry {config.name!r} uses the postgres backend but the provider has no postgres_dsn",
                hint='Set postgres_dsn in the provider block, or use backend = "sqlite".',
                path="backend",
            )


def artifact_dir(layout: Layout, config: RegistryConfig) -> Path:
    """The folder where this registry's artifacts go: a prefix of its artifact bucket."""
    return layout.bucket_dir(config.artifact_bucket) / "objects" / ARTIFACT_PREFIX / config.name


def databases(layout: Layout, config: RegistryConfig, server: PgServer | None) -> tuple[Database, Database]:
    """The tracking/registry database and the basic-auth database of a registry."""
    if config.backend == "postgres":
        assert server is not None
        return Database.postgres(server, config.database), Database.postgres(server, config.database + "_auth")
    folder = layout.registry_dir(config.name)
    return Database.sqlite(folder / "mlflow.db"), Database.sqlite(folder / "auth.db")


def _ini_text(config: RegistryConfig, auth_db: Database) -> str:
    parser = configparser.ConfigParser()
    parser["mlflow"] = {
        "default_permission": config.default_permission,
        "database_uri": auth_db.public_uri(),
        "admin_username": config.admin_username,
        # basic-auth plus "readers cannot create models" (see mlstrata.provider.mlflow_auth)
        "authorization_function": AUTH_HOOK,
    }
    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


def _read_ini(path: Path) -> tuple[str, str] | None:
    parser = configparser.ConfigParser()
    if not parser.read(path) or "mlflow" not in parser:
        return None
    section = parser["mlflow"]
    return section.get("admin_username", ""), section.get("default_permission", "")


def _auth_hooked(path: Path) -> bool:
    """Whether the registry's basic-auth configuration names mlstrata's auth hook."""
    parser = configparser.ConfigParser()
    return bool(parser.read(path)) and parser.get("mlflow", "authorization_function", fallback="") == AUTH_HOOK


def _has_user(db: Database, username: str) -> bool:
    try:
        return bool(db.query("SELECT 1 FROM users WHERE username = ?", (username,)))
    except Exception:
        return False


def secret_key_file(layout: Layout, name: str) -> Path:
    """The Flask secret key (CSRF protection) the basic-auth server needs; mode 0600."""
    return layout.registry_secrets(name) / "flask_secret_key"


def _ensure_admin(layout: Layout, config: RegistryConfig, auth_db: Database) -> None:
    key_file = secret_key_file(layout, config.name)
    if not key_file.is_file():
        files.write_secret(key_file, secrets.token_hex(32))
    mlflow_api.initialize_auth_db(auth_db)
    writer = mlflow_api.auth_writer(auth_db)  # MLflow's own store migrates a schema not at the checked head
    password_file = layout.password_file(config.name, config.admin_username)
    has_user = _has_user(auth_db, config.admin_username)
    if has_user and password_file.is_file():
        return
    password = secrets.token_urlsafe(24)
    files.write_secret(password_file, password)
    admin = config.admin_username
    if has_user:
        mlflow_api.call(auth_db, "reset the admin password", lambda: writer.set_password(admin, password))
        mlflow_api.call(auth_db, "reset the admin password", lambda: writer.set_admin(admin, True))
    else:
        mlflow_api.call(auth_db, "create the admin user", lambda: writer.create_user(admin, password, True))


def apply_registry(layout: Layout, config: RegistryConfig, server: PgServer | None) -> Registry:
    """Create or update a registry so it matches `config`; existing databases are kept and migrated."""
    check_config(config, server)
    bucket = layout.bucket_dir(config.artifact_bucket)
    if not (bucket / BUCKET_META_FILE).is_file():
        raise StoreError(
            f"artifact bucket {config.artifact_bucket!r} does not exist",
            hint="Create it with mlstrata_artifact_bucket and reference its name.",
            path="artifact_bucket",
        )
    folder = layout.registry_dir(config.name)
    folder.mkdir(parents=True, exist_ok=True)
    tracking_db, auth_db = databases(layout, config, server)
    if server is not None and config.backend == "postgres":
        server.create_database(tracking_db.name)
        server.create_database(auth_db.name)
    artifacts = artifact_dir(layout, config)
    artifacts.mkdir(parents=True, exist_ok=True)
    if not mlflow_rows.revision(tracking_db, "alembic_version"):
        mlflow_api.initialize_tracking_db(tracking_db, artifacts.as_uri())
    _ensure_admin(layout, config, auth_db)
    files.write_atomic(folder / AUTH_INI, _ini_text(config, auth_db).encode())
    files.write_json(folder / CONFIG_FILE, config.to_json())
    found = read_registry(layout, config.name, server)
    if found is None:
        raise StoreError(f"registry {config.name!r} vanished while it was being created")
    return found


def read_config(layout: Layout, name: str) -> RegistryConfig | None:
    """The stored configuration of registry `name`, or None when there is none."""
    folder = layout.registry_dir(name)
    try:
        data = files.read_json(folder / CONFIG_FILE)
    except ValueError as exc:
        raise StoreError(f"{folder / CONFIG_FILE} is not valid JSON", detail=str(exc)) from exc
    if data is None:
        return None
    ini = _read_ini(folder / AUTH_INI) or ("", "")
    return RegistryConfig(
        name=name,
        artifact_bucket=str(data.get("artifact_bucket", "")),
        backend=str(data.get("backend", "sqlite")),
        database=str(data.get("database", "")),
        admin_username=ini[0],
        default_permission=ini[1],
        port=int(data.get("port", 5000)),
    )


def read_registry(layout: Layout, name: str, server: PgServer | None) -> Registry | None:
    """The registry as it is, or None when its configuration or tracking database is gone."""
    config = read_config(layout, name)
    if config is None:
        return None
    if config.backend == "postgres" and server is None:
        raise StoreError(
            f"registry {name!r} uses PostgreSQL but the provider has no postgres_dsn",
            hint="Set postgres_dsn in the provider block.",
        )
    tracking_db, auth_db = databases(layout, config, server)
    if not tracking_db.exists():
        return None
    auth_exists = auth_db.exists()
    admin_file = layout.password_file(name, config.admin_username) if config.admin_username else None
    key_file = secret_key_file(layout, name)
    admin_ok = (
        admin_file is not None
        and admin_file.is_file()
        and key_file.is_file()
        and auth_exists
        and _has_user(auth_db, config.admin_username)
    )
    return Registry(
        config=config,
        tracking_db=tracking_db,
        auth_db=auth_db,
        artifact_root=artifact_dir(layout, config).as_uri(),
        ini_path=layout.registry_dir(name) / AUTH_INI,
        secret_key_file=key_file,
        schema_revision=mlflow_rows.revision(tracking_db, "alembic_version"),
        auth_schema_revision=mlflow_rows.revision(auth_db, "alembic_version_auth") if auth_exists else "",
        admin_password_file=str(admin_file) if admin_ok and admin_file is not None else "",
        auth_hooked=_auth_hooked(layout.registry_dir(name) / AUTH_INI),
    )


def registry_databases(layout: Layout, name: str, server: PgServer | None) -> tuple[Database, Database] | None:
    """The tracking and auth databases of registry `name`, or None when the registry is gone."""
    config = read_config(layout, name)
    if config is None or (config.backend == "postgres" and server is None):
        return None
    tracking_db, auth_db = databases(layout, config, server)
    return (tracking_db, auth_db) if tracking_db.exists() else None


def require_databases(layout: Layout, name: str, server: PgServer | None) -> tuple[Database, Database]:
    """Like `registry_databases`, for writes: a missing registry is an error."""
    found = registry_databases(layout, name, server)
    if found is None:
        raise StoreError(
            f"model registry {name!r} does not exist",
            hint="Create it with mlstrata_model_registry and reference its id.",
            path="registry_id",
        )
    return found


def delete_registry(layout: Layout, name: str, server: PgServer | None) -> None:
    """Delete a registry: its databases, artifacts, configuration and secrets."""
    config = read_config(layout, name)
    if config is not None:
        tracking_db, auth_db = databases(layout, config, server)
        for db in (tracking_db, auth_db):
            mlflow_api.forget(db)
        if config.backend == "postgres" and server is not None:
            server.drop_database(tracking_db.name)
            server.drop_database(auth_db.name)
        artifacts = artifact_dir(layout, config)
        files.remove_tree(artifacts)
        files.prune_empty_parents(artifacts.parent, layout.bucket_dir(config.artifact_bucket) / "objects")
    files.remove_tree(layout.registry_dir(name))
    files.prune_empty_parents(layout.registries, layout.root)
    files.remove_tree(layout.registry_secrets(name))
    files.prune_empty_parents(layout.registry_secrets(name).parent, layout.secrets_dir)
