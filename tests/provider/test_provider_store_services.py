"""Serving endpoints and feature stores at the store level, on a real MLflow registry (no server started here:
the e2e test in tests/e2e/test_services_local.py serves and scores a real model)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from provider_harness import registry_layout

from mlstrata.provider.store import feature_store as features
from mlstrata.provider.store import serving
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout

# a real MLflow registry per module: importing MLflow and running its migrations cost ~8 s CPU
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return registry_layout(tmp_path_factory.mktemp("store-services"))


def _register_version(layout: Layout, model: str, alias: str = "") -> str:
    store = importlib.import_module("mlflow.store.model_registry.sqlalchemy_store").SqlAlchemyStore(
        f"sqlite:///{layout.registry_dir('dev') / 'mlflow.db'}")
    try:
        store.get_registered_model(model)
    except Exception:
        store.create_registered_model(model)
    version = str(store.create_model_version(model, source=str(layout.root / "nowhere")).version)
    if alias:
        store.set_registered_model_alias(model, alias, version)
    store.engine.dispose()
    return version


def test_an_endpoint_without_a_version_waits_and_asks_to_start_once_one_is_registered(layout: Layout) -> None:
    config = serving.EndpointConfig(name="dev-api", registry="dev", model="scorer")
    made = serving.apply_endpoint(layout, None, config, running=True)
    assert (made.version, made.pid, made.status, made.running) == ("", 0, "waiting for a model version", True)
    found = serving.read_endpoint(layout, None, "dev-api")
    assert found is not None and found.running and found.status == "waiting for a model version"
    version = _register_version(layout, "scorer")
    found = serving.read_endpoint(layout, None, "dev-api")
    assert found is not None and not found.running, "a registered version must read as not yet served"
    # a server that is gone (its pid exited) reads as not running either
    gone = subprocess.Popen(["true"])
    gone_start = serving.process_start(gone.pid)
    gone.wait()
    record = layout.root / "serving" / "dev-api" / serving.CONFIG_FILE
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "version": version, "port": 1, "pid": gone.pid, "pid_start": gone_start}))
    found = serving.read_endpoint(layout, None, "dev-api")
    assert found is not None and not found.running and found.status == "stopped" and found.url == ""
    # an alias selects its version, not the newest
    newest = _register_version(layout, "scorer")
    assert newest != version
    assert serving.selected_version(layout, None, config) == newest
    _register_version(layout, "scorer", alias="champion")
    with_alias = serving.EndpointConfig(name="dev-api", registry="dev", model="scorer", alias="champion")
    assert serving.selected_version(layout, None, with_alias) == str(int(newest) + 1)
    serving.delete_endpoint(layout, "dev-api")
    assert serving.read_endpoint(layout, None, "dev-api") is None


def test_an_endpoint_kept_stopped_reads_as_stopped(layout: Layout) -> None:
    config = serving.EndpointConfig(name="dev-stopped", registry="dev", model="scorer")
    serving.apply_endpoint(layout, None, config, running=False)
    found = serving.read_endpoint(layout, None, "dev-stopped")
    assert found is not None and not found.running and found.pid == 0
    serving.delete_endpoint(layout, "dev-stopped")


def test_an_endpoint_on_a_missing_registry_is_an_error(layout: Layout) -> None:
    config = serving.EndpointConfig(name="dev-api", registry="nope", model="scorer")
    with pytest.raises(StoreError, match="model registry 'nope' does not exist"):
        serving.apply_endpoint(layout, None, config, running=True)
    with pytest.raises(StoreError, match="invalid endpoint name"):
        serving.check_config(serving.EndpointConfig(name="../x", registry="dev", model="m"))


def test_stop_never_signals_a_process_that_is_not_the_recorded_server(tmp_path: Path) -> None:
    """A reused pid (another process now) has another start time: stop leaves it alone."""
    other = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        started = serving.process_start(other.pid)
        assert started > 0
        (tmp_path / serving.CONFIG_FILE).write_text(json.dumps({"pid": other.pid, "pid_start": started + 1}))
        serving.stop_server(tmp_path)
        assert other.poll() is None, "stop signalled a process that is not the server"
        (tmp_path / serving.CONFIG_FILE).write_text(json.dumps({"pid": other.pid, "pid_start": started}))
        serving.stop_server(tmp_path)
        assert other.wait() == -signal.SIGTERM
    finally:
        if other.poll() is None:
            os.kill(other.pid, signal.SIGKILL)
            other.wait()


def test_a_zombie_is_not_a_live_server() -> None:
    child = subprocess.Popen(["true"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: a zombie
    assert serving.process_start(child.pid) == 0
    child.wait()


def test_feature_store_config_round_trips_and_a_hand_edit_reads_as_drift(layout: Layout) -> None:
    config = features.FeatureStoreConfig(name="dev-features", project="quickstart_dev")
    made = features.apply_feature_store(layout, config)
    text = (made.repo_path / features.CONFIG_FILE).read_text()
    assert "type: sqlite" in text and "type: file" in text and "project: quickstart_dev" in text
    assert made.offline_store_path.is_dir()
    found = features.read_feature_store(layout, "dev-features")
    assert found is not None and found.config == config and found.config_intact
    (made.repo_path / features.CONFIG_FILE).write_text(text.replace("type: sqlite", "type: redis"))
    found = features.read_feature_store(layout, "dev-features")
    assert found is not None and found.config.online_store == "redis"  # drift on online_store itself
    (made.repo_path / features.CONFIG_FILE).write_text(text.replace("path: data/online_store.db", "path: x.db"))
    found = features.read_feature_store(layout, "dev-features")
    assert found is not None and found.config == config and not found.config_intact
    features.apply_feature_store(layout, config)
    found = features.read_feature_store(layout, "dev-features")
    assert found is not None and found.config_intact
    features.delete_feature_store(layout, "dev-features")
    assert features.read_feature_store(layout, "dev-features") is None and not made.repo_path.exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"project": "has-dash"}, "invalid Feast project name"),
    ({"online_store": "redis"}, "online store 'redis' is not available locally"),
    ({"offline_store": "bigquery"}, "offline store 'bigquery' is not available locally"),
])
def test_feature_store_rejects_what_it_cannot_run(change: dict[str, str], message: str) -> None:
    values = {"name": "f", "project": "p", **change}
    with pytest.raises(StoreError, match=message):
        features.check_config(features.FeatureStoreConfig(**values))
