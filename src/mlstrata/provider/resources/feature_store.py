"""mlstrata_feature_store: a Feast repository (SQLite online store, Parquet offline store, file registry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Bool,
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
    from mlstrata.provider.store import feature_store as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.feature_store")


def _config(values: State) -> store.FeatureStoreConfig:
    return store.FeatureStoreConfig(
        name=str(values["name"]),
        project=str(values["project"]),
        online_store=str(values.get("online_store") or "sqlite"),
        offline_store=str(values.get("offline_store") or "file"),
    )


class FeatureStore(ResourceBase):
    name = "feature_store"
    description = (
        "A Feast feature repository: feature_store.yaml (owned here: a hand edit is drift) for a SQLite online "
        "store, a file (Parquet) offline store and a file registry. Feature definitions are a release: put them "
        "in repo_path and run `feast apply` there (it creates the registry and online tables)."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The feature store name."),
        attribute("name", String(), "Feature store name (its folder).", required=True, replace=True),
        attribute("project", String(), "Feast project (letters, digits, '_').", required=True),
        attribute("online_store", String(), "Online store type: sqlite.", default="sqlite"),
        attribute("offline_store", String(), "Offline store type: file (Parquet).", default="file"),
        attribute("config_intact", Bool(), "Reads false when feature_store.yaml was changed outside Terraform; "
                  "the next apply rewrites it.", default=True),
        output("repo_path", String(), "The Feast repository (run `feast` commands here)."),
        output("registry_path", String(), "Feast registry file."),
        output("online_store_path", String(), "SQLite online store file."),
        output("offline_store_path", String(), "Folder for the offline store's Parquet files."),
    ]

    def check(self, config: State) -> None:
        values = {k: config.get(k) for k in ("name", "project", "online_store", "offline_store")}
        if known(values["name"]) and values["name"] is not None:
            check_name("feature store", str(values["name"]))
        if all(known(v) for v in values.values()) and values["name"] and values["project"]:
            store.check_config(_config(values))

    def _state(self, found: store.FeatureStore) -> State:
        config = found.config
        return self.state(
            id=config.name, name=config.name, project=config.project, online_store=config.online_store,
            offline_store=config.offline_store, config_intact=found.config_intact, repo_path=str(found.repo_path),
            registry_path=str(found.registry_path), online_store_path=str(found.online_store_path),
            offline_store_path=str(found.offline_store_path),
        )

    def plan_update(self, prior: State, planned: State) -> State:
        for key in ("repo_path", "registry_path", "online_store_path", "offline_store_path"):
            planned[key] = prior.get(key, Unknown)
        return planned

    def do_create(self, planned: State) -> State:
        return self._state(store.apply_feature_store(self.layout, _config(planned)))

    def do_read(self, current: State) -> State | None:
        found = store.read_feature_store(self.layout, str(current["name"]))
        return None if found is None else self._state(found)

    def do_delete(self, current: State) -> None:
        store.delete_feature_store(self.layout, str(current["name"]))

    def do_import(self, import_id: str) -> State | None:
        found = store.read_feature_store(self.layout, import_id)
        return None if found is None else self._state(found)
