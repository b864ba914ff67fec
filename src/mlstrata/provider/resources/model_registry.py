"""mlstrata_model_registry: a real MLflow registry (SQLite or PostgreSQL) with basic-auth."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Number,
    ResourceBase,
    State,
    StoreModule,
    String,
    Unknown,
    attribute,
    known,
    output,
)
from mlstrata.provider.store.layout import check_name

if TYPE_CHECKING:
    from mlstrata.provider.store import registry as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.registry")

_REPAIR = ("schema_revision", "auth_schema_revision", "admin_password_file")
_DERIVED = ("artifact_root", "ui_command", "tracking_uri", "auth_db_uri")


def _config(values: State) -> store.RegistryConfig:
    backend = str(values["backend"])
    database = values.get("database")
    if backend == "postgres" and (not known(database) or not database):
        database = store.default_database(str(values["name"]))
    return store.RegistryConfig(
        name=str(values["name"]),
        artifact_bucket=str(values["artifact_bucket"]),
        backend=backend,
        database=str(database) if backend == "postgres" else "",
        admin_username=str(values["admin_username"]),
        default_permission=str(values["default_permission"]),
        port=int(values["port"]),
    )


class ModelRegistry(ResourceBase):
    name = "model_registry"
    description = (
        "An MLflow model registry: tracking/registry database created by MLflow's migrations "
        "(SQLite under root, or PostgreSQL), a basic-auth database with an admin user, and an "
        "artifact root in an artifact bucket."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The registry name; other resources take it as registry_id."),
        attribute("name", String(), "Registry name (one per environment).", required=True, replace=True),
        attribute("artifact_bucket", String(), "Name of the artifact bucket for artifacts.", required=True),
        attribute("backend", String(), "sqlite or postgres.", computed=True, default="sqlite", replace=True),
        attribute("database", String(), "PostgreSQL database name (postgres backend).", computed=True, replace=True),
        attribute(
            "admin_username", String(), "The basic-auth admin user.", computed=True, default="admin", replace=True
        ),
        attribute(
            "default_permission",
            String(),
            "Permission users get on resources without a grant.",
            default="READ",
        ),
        attribute("port", Number(), "Port of the UI command.", default=5000),
        output("tracking_uri", String(), "MLflow tracking/registry URI (no password)."),
        output("auth_db_uri", String(), "MLflow basic-auth database URI (no password)."),
        output("artifact_root", String(), "file:// URI where the registry's artifacts go."),
        output("ui_command", String(), "Command that serves this registry's MLflow UI with basic-auth."),
        output("admin_password_file", String(), "File (0600) holding the admin password."),
        output("schema_revision", String(), "Alembic revision of the tracking schema."),
        output("auth_schema_revision", String(), "Alembic revision of the basic-auth schema; empty while the "
               "basic-auth set-up is incomplete (no schema, or no mlstrata auth hook in its configuration)."),
    ]

    def check(self, config: State) -> None:
        name = config.get("name")
        if known(name) and name is not None:
            check_name("registry", str(name))
        backend = config.get("backend")
        if known(backend) and backend not in (None, *store.BACKENDS):
            store.check_config(store.RegistryConfig(name="x", artifact_bucket="x", backend=str(backend)), None)
        permission = config.get("default_permission")
        if known(permission) and permission is not None and permission not in store.DEFAULT_PERMISSIONS:
            store.check_config(
                store.RegistryConfig(name="x", artifact_bucket="x", default_permission=str(permission)), None
            )

    def _state(self, found: store.Registry) -> State:
        config = found.config
        return self.state(
            id=config.name,
            name=config.name,
            artifact_bucket=config.artifact_bucket,
            backend=config.backend,
            database=config.database,
            admin_username=config.admin_username,
            default_permission=config.default_permission,
            port=config.port,
            tracking_uri=found.tracking_uri,
            auth_db_uri=found.auth_db_uri,
            artifact_root=found.artifact_root,
            ui_command=found.ui_command,
            admin_password_file=found.admin_password_file,
            schema_revision=found.schema_revision,
            # empty while the basic-auth set-up is incomplete (no schema, or a configuration without mlstrata's auth
            # hook): the plan then repairs it (a new attribute would change the state's schema version, and
            # `terraform show -json` refuses older states until the next apply)
            auth_schema_revision=found.auth_schema_revision if found.auth_hooked else "",
        )

    def plan_update(self, prior: State, planned: State) -> State:
        if any(planned.get(k) != prior.get(k) for k in ("artifact_bucket", "port")):
            for key in _DERIVED:
                planned[key] = Unknown
        # A missing schema, admin password or auth hook (deleted outside Terraform, or a registry made before the
        # hook existed: auth_schema_revision is empty then) is repaired on apply.
        if not all(prior.get(k) for k in _REPAIR):
            for key in _REPAIR:
                planned[key] = Unknown
        return planned

    def do_create(self, planned: State) -> State:
        return self._state(store.apply_registry(self.layout, _config(planned), self.server))

    def do_read(self, current: State) -> State | None:
        found = store.read_registry(self.layout, str(current["name"]), self.server)
        return None if found is None else self._state(found)

    def do_delete(self, current: State) -> None:
        store.delete_registry(self.layout, str(current["name"]), self.server)

    def do_import(self, import_id: str) -> State | None:
        found = store.read_registry(self.layout, import_id, self.server)
        return None if found is None else self._state(found)
