"""mlstrata_registered_model: a registered model (description, tags) in a registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Map,
    Number,
    ResourceBase,
    State,
    StoreModule,
    String,
    attribute,
    output,
    split_id,
)

if TYPE_CHECKING:
    from mlstrata.provider.store import models as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.models")


def _model(values: State) -> store.RegisteredModel:
    return store.RegisteredModel(
        registry=str(values["registry_id"]),
        name=str(values["name"]),
        description=str(values.get("description") or ""),
        tags=dict(values.get("tags") or {}),
    )


class RegisteredModel(ResourceBase):
    name = "registered_model"
    description = "A registered model in an MLflow registry. Renaming keeps its versions (MLflow rename)."
    schema_version = 2  # 2: version_count
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "<registry_id>/<name>."),
        attribute("registry_id", String(), "id of the mlstrata_model_registry.", required=True, replace=True),
        attribute("name", String(), "Registered model name.", required=True),
        attribute("description", String(), "Description.", default=""),
        attribute("tags", Map(String()), "Tags.", default={}),
        output("version_count", Number(), "Model versions registered in MLflow (read, never set: the review gate "
               "blocks deleting a model that has versions; a model without any is a plain delete).", default=0),
    ]

    def _state(self, found: store.RegisteredModel) -> State:
        return self.state(
            id=f"{found.registry}/{found.name}",
            registry_id=found.registry,
            name=found.name,
            description=found.description,
            tags=dict(sorted(found.tags.items())),
            version_count=found.versions,
        )

    def plan_update(self, prior: State, planned: State) -> State:
        planned["id"] = f"{planned['registry_id']}/{planned['name']}"
        planned["version_count"] = prior.get("version_count") or 0  # as refreshed: versions are not configuration
        return planned

    def do_create(self, planned: State) -> State:
        return self._state(store.apply_model(self.layout, self.server, _model(planned)))

    def do_read(self, current: State) -> State | None:
        found = store.read_model(self.layout, self.server, str(current["registry_id"]), str(current["name"]))
        return None if found is None else self._state(found)

    def do_update(self, current: State, planned: State) -> State:
        model = _model(planned)
        return self._state(store.apply_model(self.layout, self.server, model, old_name=str(current["name"])))

    def do_delete(self, current: State) -> None:
        try:
            planned: int | None = int(current["version_count"])
        except (KeyError, TypeError, ValueError):  # a state written before the attribute existed
            planned = None
        store.delete_model(self.layout, self.server, str(current["registry_id"]), str(current["name"]), planned)

    def do_import(self, import_id: str) -> State | None:
        registry, name = split_id(import_id, "model name")
        found = store.read_model(self.layout, self.server, registry, name)
        return None if found is None else self._state(found)
