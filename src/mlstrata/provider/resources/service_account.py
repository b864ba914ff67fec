"""mlstrata_service_account: an MLflow basic-auth user with a generated password in a 0600 file.

The password is not an attribute and never enters Terraform state: state holds the path of the
file only; MLflow's auth database holds the hash. Bump `password_version` to rotate it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Bool,
    Number,
    ResourceBase,
    State,
    StoreModule,
    String,
    Unknown,
    attribute,
    known,
    output,
    split_id,
)
from mlstrata.provider.store.layout import check_username

if TYPE_CHECKING:
    from mlstrata.provider.store import accounts as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.accounts")


class ServiceAccount(ResourceBase):
    name = "service_account"
    description = (
        "A basic-auth user of an MLflow registry. Its generated password is written with mode "
        "0600 under the provider's secrets_dir; only the file's path is in state."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "<registry_id>/<name>."),
        attribute("registry_id", String(), "id of the mlstrata_model_registry.", required=True, replace=True),
        attribute("name", String(), "User name.", required=True, replace=True),
        attribute("is_admin", Bool(), "MLflow admin (bypasses permissions).", default=False),
        attribute("password_version", Number(), "Change to rotate the password.", default=1),
        output("password_file", String(), "File (0600) holding the password; '' when it must be reset."),
    ]

    def check(self, config: State) -> None:
        name = config.get("name")
        if known(name) and name is not None:
            check_username(str(name))

    def _state(self, found: store.ServiceAccount, password_version: object) -> State:
        return self.state(
            id=f"{found.registry}/{found.username}",
            registry_id=found.registry,
            name=found.username,
            is_admin=found.is_admin,
            password_version=password_version,
            password_file=found.password_file,
        )

    def plan_update(self, prior: State, planned: State) -> State:
        if not prior.get("password_file"):
            planned["password_file"] = Unknown
        return planned

    def do_create(self, planned: State) -> State:
        found = store.apply_account(
            self.layout, self.server, str(planned["registry_id"]), str(planned["name"]), bool(planned["is_admin"])
        )
        return self._state(found, planned["password_version"])

    def do_read(self, current: State) -> State | None:
        found = store.read_account(self.layout, self.server, str(current["registry_id"]), str(current["name"]))
        return None if found is None else self._state(found, current.get("password_version"))

    def do_update(self, current: State, planned: State) -> State:
        rotate = planned["password_version"] != current.get("password_version")
        found = store.apply_account(
            self.layout,
            self.server,
            str(planned["registry_id"]),
            str(planned["name"]),
            bool(planned["is_admin"]),
            rotate=rotate,
        )
        return self._state(found, planned["password_version"])

    def do_delete(self, current: State) -> None:
        store.delete_account(self.layout, self.server, str(current["registry_id"]), str(current["name"]))

    def do_import(self, import_id: str) -> State | None:
        registry, username = split_id(import_id, "user name")
        found = store.read_account(self.layout, self.server, registry, username)
        return None if found is None else self._state(found, 1)
