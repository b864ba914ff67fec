"""Feast feature stores: a feature repository with a SQLite online store, a file (Parquet) offline store and
a file registry, all under `<root>/feature_stores/N/`:

- `feature_store.yaml`: Feast's repository configuration, owned by the provider (a hand edit reads back as
  drift and the next apply rewrites it);
- `data/`: `registry.db`, `online_store.db`, and `offline/` for the Parquet files of the offline store;
- feature definitions (`*.py` in the folder) are a release, not infrastructure: `feast apply` in the folder
  creates the registry and online tables and registers them, `feast materialize` fills the online store.

The provider never imports or runs Feast: `import feast` alone takes 5-25 s, and Terraform starts the provider
three or four times per run; Feast reads the configuration the provider writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlstrata.provider.store import files
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_name

CONFIG_FILE = "feature_store.yaml"
ONLINE_STORES = ("sqlite",)
OFFLINE_STORES = ("file",)
PROJECT = re.compile(r"^[A-Za-z0-9_]{1,63}$")


@dataclass(frozen=True)
class FeatureStoreConfig:
    """What a feature store should be."""

    name: str
    project: str
    online_store: str = "sqlite"
    offline_store: str = "file"


@dataclass(frozen=True)
class FeatureStore:
    """A feature store as found: its configuration file's settings and where its parts live."""

    config: FeatureStoreConfig
    repo_path: Path
    config_intact: bool = True  # the file is exactly what the provider writes for `config`

    @property
    def registry_path(self) -> Path:
        return self.repo_path / "data" / "registry.db"

    @property
    def online_store_path(self) -> Path:
        return self.repo_path / "data" / "online_store.db"

    @property
    def offline_store_path(self) -> Path:
        return self.repo_path / "data" / "offline"


def check_config(config: FeatureStoreConfig) -> None:
    check_name("feature store", config.name)
    if not PROJECT.fullmatch(config.project):
        raise StoreError(f"invalid Feast project name {config.project!r}",
                         hint="Feast project names are letters, digits and '_' (up to 63).", path="project")
    if config.online_store not in ONLINE_STORES:
        raise StoreError(f"online store {config.online_store!r} is not available locally",
                         hint="The local provider runs Feast's sqlite online store.", path="online_store")
    if config.offline_store not in OFFLINE_STORES:
        raise StoreError(f"offline store {config.offline_store!r} is not available locally",
                         hint="The local provider runs Feast's file (Parquet) offline store.", path="offline_store")


def _folder(layout: Layout, name: str) -> Path:
    check_name("feature store", name)
    return layout.root / "feature_stores" / name


def config_text(config: FeatureStoreConfig) -> str:
    """Feast's `feature_store.yaml` for `config` (paths relative to the repository)."""
    return (
        "# Written by the mlstrata provider (mlstrata_feature_store); changes here are drift.\n"
        f"project: {config.project}\n"
        "provider: local\n"
        "registry: data/registry.db\n"
        "online_store:\n"
        f"  type: {config.online_store}\n"
        "  path: data/online_store.db\n"
        "offline_store:\n"
        f"  type: {config.offline_store}\n"
        "entity_key_serialization_version: 3\n"
    )


def _setting(data: object, *path: str) -> str:
    for key in path:
        if not isinstance(data, dict):
            return ""
        data = data.get(key)
    return str(data) if isinstance(data, str | int) else ""


def read_feature_store(layout: Layout, name: str) -> FeatureStore | None:
    """The store as its files say, or None when its configuration is gone."""
    repo = _folder(layout, name)
    try:
        text = (repo / CONFIG_FILE).read_text()
    except FileNotFoundError:
        return None
    # ruamel.yaml is imported here: every provider start would pay for it otherwise
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError:
        data = None  # unreadable by hand: every setting reads as changed
    config = FeatureStoreConfig(name=name, project=_setting(data, "project"),
                                online_store=_setting(data, "online_store", "type"),
                                offline_store=_setting(data, "offline_store", "type"))
    return FeatureStore(config, repo, config_intact=text == config_text(config))


def apply_feature_store(layout: Layout, config: FeatureStoreConfig) -> FeatureStore:
    """Write the repository's configuration and folders (what `feast apply` then works in)."""
    check_config(config)
    store = FeatureStore(config, _folder(layout, config.name))
    store.offline_store_path.mkdir(parents=True, exist_ok=True)
    files.write_atomic(store.repo_path / CONFIG_FILE, config_text(config).encode())
    return store


def delete_feature_store(layout: Layout, name: str) -> None:
    """Remove the repository: configuration, registry, online store and offline files."""
    files.remove_tree(_folder(layout, name))
