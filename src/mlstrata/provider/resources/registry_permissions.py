"""mlstrata_registry_permissions: the full set of per-user grants on one registered model.

One resource owns every direct grant on its model, so a grant made by hand (through MLflow's
API or auth store) shows up as drift here and the next apply revokes it. Grants through named
MLflow roles are reported in `role_grants` (read-only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Map,
    ResourceBase,
    State,
    StoreModule,
    String,
    attribute,
    known,
    output,
    split_id,
)

if TYPE_CHECKING:
    from mlstrata.provider.store import permissions as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.permissions")


class RegistryPermissions(ResourceBase):
    name = "registry_permissions"
    description = (
        "Authoritative per-user permissions (READ, USE, EDIT, MANAGE, DENY) on one "
        "registered model; grants not listed are revoked."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "<registry_id>/<model_name>."),
        attribute("registry_id", String(), "id of the mlstrata_model_registry.", required=True, replace=True),
        attribute("model_name", String(), "Registered model name.", required=True, replace=True),
        attribute("grants", Map(String()), "Service account name -> permission.", required=True),
        output("role_grants", Map(String()), "Grants on this model through named MLflow roles (read-only)."),
    ]

    def check(self, config: State) -> None:
        grants = config.get("grants")
        if known(grants) and grants is not None:
            store.check_grants({k: v for k, v in grants.items() if known(v)})

    def _state(self, found: store.ModelGrants) -> State:
        return self.state(
            id=f"{found.registry}/{found.model_name}",
            registry_id=found.registry,
            model_name=found.model_name,
            grants=found.grants,
            role_grants=found.role_grants,
        )

    def _apply(self, planned: State) -> State:
        found = store.apply_grants(
            self.layout,
            self.server,
            str(planned["registry_id"]),
            str(planned["model_name"]),
            dict(planned["grants"] or {}),
        )
        return self._state(found)

    def do_create(self, planned: State) -> State:
        return self._apply(planned)

    def do_read(self, current: State) -> State | None:
        found = store.read_grants(self.layout, self.server, str(current["registry_id"]), str(current["model_name"]))
        return None if found is None else self._state(found)

    def do_delete(self, current: State) -> None:
        store.delete_grants(self.layout, self.server, str(current["registry_id"]), str(current["model_name"]))

    def do_import(self, import_id: str) -> State | None:
        registry, model_name = split_id(import_id, "model name")
        found = store.read_grants(self.layout, self.server, registry, model_name)
        return None if found is None else self._state(found)
