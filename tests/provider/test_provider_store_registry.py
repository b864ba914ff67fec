"""Registries, models, service accounts and permissions at the store level, on real MLflow stores."""

from __future__ import annotations

import importlib
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from provider_harness import registry_layout

from mlstrata.provider.store import accounts, metadata, models, permissions, registry
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout

# a real MLflow registry per module: importing MLflow and running its migrations cost ~8 s CPU
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return registry_layout(tmp_path_factory.mktemp("store-registry"))


def _auth_store(layout: Layout) -> Any:
    mod = importlib.import_module("mlflow.server.auth.sqlalchemy_store")
    store = mod.SqlAlchemyStore()
    store.init_db(f"sqlite:///{layout.registry_dir('dev') / 'auth.db'}")
    return store


def test_registry_is_a_real_mlflow_registry(layout: Layout) -> None:
    found = registry.read_registry(layout, "dev", None)
    assert found is not None and found.healthy
    assert found.tracking_uri == f"sqlite:///{layout.root}/registries/dev/mlflow.db"
    assert found.artifact_root == (layout.root / "buckets/art/objects/mlflow/dev").as_uri()
    assert found.ui_command.startswith('MLFLOW_FLASK_SERVER_SECRET_KEY="$(cat ')
    assert f"{sys.executable} -m mlflow server --app-name basic-auth --backend-store-uri sqlite:///" in found.ui_command
    mlflow = importlib.import_module("mlflow")
    client = mlflow.MlflowClient(tracking_uri=found.tracking_uri, registry_uri=found.tracking_uri)
    assert client.get_experiment("0").artifact_location == found.artifact_root + "/0"
    admin = Path(found.admin_password_file)
    assert stat.S_IMODE(admin.stat().st_mode) == 0o600
    assert stat.S_IMODE(admin.parent.stat().st_mode) == 0o700
    assert _auth_store(layout).authenticate_user("admin", admin.read_text().strip())


def test_registry_apply_is_idempotent_and_repairs(layout: Layout) -> None:
    before = registry.read_registry(layout, "dev", None)
    assert before is not None
    Path(before.admin_password_file).unlink()
    broken = registry.read_registry(layout, "dev", None)
    assert broken is not None and not broken.healthy
    again = registry.apply_registry(layout, before.config, None)
    assert again.healthy and again.schema_revision == before.schema_revision
    assert _auth_store(layout).authenticate_user("admin", Path(again.admin_password_file).read_text().strip())


def test_registered_model_create_update_rename_delete(layout: Layout) -> None:
    model = models.RegisteredModel("dev", "churn", "Churn model", {"team": "ds", "tier": "1"})
    assert models.apply_model(layout, None, model) == model
    changed = models.RegisteredModel("dev", "churn", "Better churn", {"team": "ml"})
    assert models.apply_model(layout, None, changed) == changed
    renamed = models.RegisteredModel("dev", "churn-v2", "Better churn", {"team": "ml"})
    assert models.apply_model(layout, None, renamed, old_name="churn") == renamed
    assert models.read_model(layout, None, "dev", "churn") is None
    mlflow = importlib.import_module("mlflow")
    uri = f"sqlite:///{layout.root}/registries/dev/mlflow.db"
    seen = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri).get_registered_model("churn-v2")
    assert (seen.description, seen.tags) == ("Better churn", {"team": "ml"})
    models.delete_model(layout, None, "dev", "churn-v2")
    assert models.read_model(layout, None, "dev", "churn-v2") is None
    assert models.read_model(layout, None, "gone", "churn-v2") is None


def test_service_account_password_lives_only_in_a_0600_file(layout: Layout) -> None:
    account = accounts.apply_account(layout, None, "dev", "ci")
    path = Path(account.password_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 24
    for stored in (layout.root / "registries/dev").iterdir():
        assert password.encode() not in stored.read_bytes()
    auth = _auth_store(layout)
    assert auth.authenticate_user("ci", password)
    rotated = accounts.apply_account(layout, None, "dev", "ci", rotate=True)
    new_password = Path(rotated.password_file).read_text().strip()
    assert new_password != password and auth.authenticate_user("ci", new_password)
    assert not auth.authenticate_user("ci", password)
    assert accounts.apply_account(layout, None, "dev", "ci", is_admin=True).is_admin


def test_service_account_cannot_take_over_the_registry_admin(layout: Layout) -> None:
    with pytest.raises(StoreError, match="admin user of registry"):
        accounts.apply_account(layout, None, "dev", "admin")


def test_interrupted_rotation_is_reported_for_repair(layout: Layout) -> None:
    account = accounts.apply_account(layout, None, "dev", "etl")
    pending = Path(account.password_file + ".new")
    pending.write_text("half-written\n")
    found = accounts.read_account(layout, None, "dev", "etl")
    assert found is not None and found.password_file == ""
    repaired = accounts.apply_account(layout, None, "dev", "etl")
    assert repaired.password_file == account.password_file and not pending.exists()
    assert _auth_store(layout).authenticate_user("etl", Path(repaired.password_file).read_text().strip())


def test_permissions_are_owned_as_a_set(layout: Layout) -> None:
    accounts.apply_account(layout, None, "dev", "reader")
    accounts.apply_account(layout, None, "dev", "promoter")
    models.apply_model(layout, None, models.RegisteredModel("dev", "fraud"))
    wanted = {"reader": "READ", "promoter": "MANAGE"}
    assert permissions.apply_grants(layout, None, "dev", "fraud", wanted).grants == wanted
    auth = _auth_store(layout)
    assert auth.get_registered_model_permission("fraud", "promoter").permission == "MANAGE"
    # A grant made by hand through MLflow's auth store is visible...
    accounts.apply_account(layout, None, "dev", "intruder")
    auth.create_registered_model_permission("fraud", "intruder", "EDIT")
    seen = permissions.read_grants(layout, None, "dev", "fraud")
    assert seen is not None and seen.grants == {**wanted, "intruder": "EDIT"}
    # ... and the next apply revokes it.
    assert permissions.apply_grants(layout, None, "dev", "fraud", wanted).grants == wanted
    changed = permissions.apply_grants(layout, None, "dev", "fraud", {"reader": "EDIT"})
    assert changed.grants == {"reader": "EDIT"}
    permissions.delete_grants(layout, None, "dev", "fraud")
    again = permissions.read_grants(layout, None, "dev", "fraud")
    assert again is not None and again.grants == {}


def test_grant_to_unknown_user_names_the_problem(layout: Layout) -> None:
    with pytest.raises(StoreError) as caught:
        permissions.apply_grants(layout, None, "dev", "fraud", {"nobody": "READ"})
    assert "does the service account exist" in caught.value.diagnostics[0].summary
    with pytest.raises(StoreError, match="unknown permission"):
        permissions.check_grants({"x": "OWNER"})


def test_metadata_store_sqlite_round_trip(layout: Layout) -> None:
    config = metadata.MetadataStoreConfig("pipelines")
    made = metadata.apply_metadata_store(layout, config, None)
    assert made.uri == f"sqlite:///{layout.root}/metadata/pipelines.sqlite"
    assert metadata.read_metadata_store(layout, config, None) == made
    metadata.delete_metadata_store(layout, config, None)
    assert metadata.read_metadata_store(layout, config, None) is None
    assert not (layout.root / "metadata").exists()


def test_delete_registry_removes_databases_artifacts_and_secrets(layout: Layout) -> None:
    registry.delete_registry(layout, "dev", None)
    assert registry.read_registry(layout, "dev", None) is None
    assert not (layout.root / "registries").exists()
    assert not (layout.root / "buckets/art/objects/mlflow").exists()
    assert list(layout.secrets_dir.rglob("*")) == []
