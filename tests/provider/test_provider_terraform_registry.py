"""The whole local platform under real Terraform: MLflow registry, models, accounts, permissions.

The tests share one applied unit and run in file order; the last one destroys it.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from provider_harness import ProviderInstall, Unit, make_unit, wait_gone
from support.ports import free_port

PLATFORM = """
resource "mlstrata_artifact_bucket" "art" {
  name       = "artifacts"
  versioning = true
  access     = { trainer = "WRITE" }
}
resource "mlstrata_model_registry" "reg" {
  name            = "dev"
  artifact_bucket = mlstrata_artifact_bucket.art.name
}
resource "mlstrata_service_account" "trainer" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "trainer"
}
resource "mlstrata_service_account" "promoter" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "promoter"
}
resource "mlstrata_service_account" "reader" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "reader"
}
resource "mlstrata_registered_model" "churn" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "churn"
  description = "%(description)s"
  tags        = { team = "ds" }
}
resource "mlstrata_registry_permissions" "churn" {
  registry_id = mlstrata_model_registry.reg.id
  model_name  = mlstrata_registered_model.churn.name
  grants = {
    (mlstrata_service_account.trainer.name)  = "EDIT"
    (mlstrata_service_account.promoter.name) = "MANAGE"
    (mlstrata_service_account.reader.name)   = "READ"
  }
}
resource "mlstrata_metadata_store" "meta" {
  name = "pipelines"
}
resource "mlstrata_gpu_pool" "train" {
  name = "train"
  min  = 0
  max  = 2
}
output "ui_command" { value = mlstrata_model_registry.reg.ui_command }
output "tracking_uri" { value = mlstrata_model_registry.reg.tracking_uri }
output "trainer_password_file" { value = mlstrata_service_account.trainer.password_file }
output "promoter_password_file" { value = mlstrata_service_account.promoter.password_file }
output "reader_password_file" { value = mlstrata_service_account.reader.password_file }
output "admin_password_file" { value = mlstrata_model_registry.reg.admin_password_file }
"""


def _platform(description: str = "Churn model") -> str:
    return PLATFORM % {"description": description}


_FIRST_APPLY_LOG: list[str] = []


@pytest.fixture(scope="module")
def platform(provider_install: ProviderInstall, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Unit]:
    unit = make_unit(provider_install, tmp_path_factory.mktemp("registry-platform"))
    unit.write(_platform())
    unit.init()
    # Terraform's debug log of the first apply, which writes through MLflow (see the test on the providers' exits)
    applied = unit.apply(env={"TF_LOG": "DEBUG"})
    _FIRST_APPLY_LOG.append(applied.stdout + applied.stderr)
    yield unit
    timings = {k: [round(v, 2) for v in vs] for k, vs in unit.timings.items()}
    print(f"\nterraform timings (s) for the platform unit: {json.dumps(timings)}")


def _client(unit: Unit) -> Any:
    uri = unit.output("tracking_uri")
    return importlib.import_module("mlflow").MlflowClient(tracking_uri=uri, registry_uri=uri)


def _auth(unit: Unit) -> Any:
    store = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    store.init_db(f"sqlite:///{unit.root}/registries/dev/auth.db")
    return store


def _password(unit: Unit, output: str) -> str:
    return Path(unit.output(output)).read_text().strip()


def test_second_plan_is_a_no_op(platform: Unit) -> None:
    rc, out = platform.plan_rc()
    assert rc == 0, out


def test_providers_that_wrote_through_mlflow_exit_when_terraform_stops_them(platform: Unit) -> None:
    """go-plugin waits 2 s for a provider it stopped to exit, then kills it and logs "plugin failed to exit
    gracefully"; a provider that had loaded MLflow took that long to tear its interpreter down (7-15 s on a busy
    machine), so each apply writing a registry, model, user or grant waited 2 s (`mlstrata.provider.__main__`)."""
    (log,) = _FIRST_APPLY_LOG
    assert "mlstrata_registry_permissions.churn: Creation complete" in log  # the apply wrote through MLflow
    started = log.count("provider: plugin started")
    assert started >= 3 and log.count("provider: plugin exited") == started
    assert "plugin failed to exit gracefully" not in log and 'error="signal: killed"' not in log


def test_mlflow_sees_the_model_users_and_permissions(platform: Unit) -> None:
    model = _client(platform).get_registered_model("churn")
    assert (model.description, model.tags) == ("Churn model", {"team": "ds"})
    auth = _auth(platform)
    assert auth.get_registered_model_permission("churn", "trainer").permission == "EDIT"
    assert auth.get_registered_model_permission("churn", "promoter").permission == "MANAGE"
    assert auth.authenticate_user("promoter", _password(platform, "promoter_password_file"))
    assert auth.get_user("admin").is_admin


def test_no_secret_reaches_state_outputs_or_the_platform_folder(platform: Unit) -> None:
    secrets = [_password(platform, name) for name in ("trainer_password_file", "promoter_password_file")]
    secrets.append(_password(platform, "admin_password_file"))
    visible = (platform.path / "terraform.tfstate").read_text() + platform.run("output", "-json").stdout
    visible += platform.run("show").stdout
    for path in platform.root.rglob("*"):
        if path.is_file() and path.suffix not in {".db"}:
            visible += path.read_text(errors="replace")
    for secret in secrets:
        assert secret not in visible
    assert str(platform.secrets) not in str(platform.root)


def test_permission_granted_by_hand_is_drift_and_apply_revokes_it(platform: Unit) -> None:
    auth = _auth(platform)
    auth.create_user("mallory", "mallory-password-123")
    auth.create_registered_model_permission("churn", "mallory", "MANAGE")
    rc, out = platform.plan_rc("-refresh-only")
    assert rc == 2, out
    assert re.search(r'\+ "mallory"\s+= "MANAGE"', out) and "mlstrata_registry_permissions.churn" in out
    rc, out = platform.plan_rc()
    assert rc == 2 and re.search(r'- "mallory"\s+= "MANAGE" -> null', out)
    platform.apply()
    users = {p.name: p.permission for p in auth.list_registered_model_permissions("mallory")}
    assert users == {}
    assert platform.plan_rc()[0] == 0


def test_update_in_place_reaches_mlflow(platform: Unit) -> None:
    platform.write(_platform("Churn model, v2 features"))
    rc, out = platform.plan_rc()
    assert rc == 2 and "update in-place" in out and "must be replaced" not in out
    platform.apply()
    assert _client(platform).get_registered_model("churn").description == "Churn model, v2 features"


def test_import_after_state_rm(platform: Unit) -> None:
    for address, import_id in (
        ("mlstrata_registered_model.churn", "dev/churn"),
        ("mlstrata_registry_permissions.churn", "dev/churn"),
        ("mlstrata_model_registry.reg", "dev"),
    ):
        platform.run("state", "rm", address)
        platform.run("import", "-input=false", address, import_id)
    rc, out = platform.plan_rc()
    assert rc == 0, out


def test_model_deleted_outside_is_recreated(platform: Unit) -> None:
    _client(platform).delete_registered_model("churn")
    rc, out = platform.plan_rc()
    assert rc == 2 and "mlstrata_registered_model.churn will be created" in out
    platform.apply()
    assert _client(platform).get_registered_model("churn").tags == {"team": "ds"}
    assert platform.plan_rc()[0] == 0


# No fixed short timeouts: on a busy 2-core machine MLflow's first authenticated request (lazy imports,
# the auth database) has taken longer than 10 s. Poll with generous deadlines instead.
REQUEST_TIMEOUT_S = 180
SERVER_UP_DEADLINE_S = 300


def _request(url: str, user: str | None, password: str, method: str = "GET", body: bytes | None = None) -> int:
    request = urllib.request.Request(url, method=method, data=body, headers={"Content-Type": "application/json"})
    if user is not None:
        request.add_header("Authorization", "Basic " + b64encode(f"{user}:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return 0  # not listening (or answering) yet


def test_ui_command_serves_the_registry_with_basic_auth(platform: Unit) -> None:
    port = free_port()
    command = platform.output("ui_command").replace("--port 5000 ", f"--port {port} ")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(
        ["sh", "-c", command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_UP_DEADLINE_S
        while _request(f"{base}/health", None, "") != 200:
            assert server.poll() is None, server.stderr.read().decode()[-2000:] if server.stderr else ""
            assert time.monotonic() < deadline, "mlflow server did not come up"
            time.sleep(0.5)
        get = f"{base}/api/2.0/mlflow/registered-models/get?name=churn"
        trainer = _password(platform, "trainer_password_file")
        assert _request(get, None, "") == 401
        assert _request(get, "trainer", "wrong-password") == 401
        assert _request(get, "trainer", trainer) == 200
        update = f"{base}/api/2.0/mlflow/registered-models/update"
        body = json.dumps({"name": "churn", "description": "by trainer"}).encode()
        assert _request(update, "trainer", trainer, "PATCH", body) == 200
        delete = f"{base}/api/2.0/mlflow/registered-models/delete"
        assert _request(delete, "trainer", trainer, "DELETE", json.dumps({"name": "churn"}).encode()) == 403
        # readers cannot create models (issue 18: MLflow alone lets them, and makes them MANAGE it); a user who
        # may write to a model of this registry can, through the REST API and the UI's ajax API alike
        reader = _password(platform, "reader_password_file")
        assert _request(get, "reader", reader) == 200
        for api in ("api", "ajax-api"):
            create = f"{base}/{api}/2.0/mlflow/registered-models/create"
            assert _request(create, "reader", reader, "POST", json.dumps({"name": f"sneaky-{api}"}).encode()) == 403
        create = f"{base}/api/2.0/mlflow/registered-models/create"
        promoter = _password(platform, "promoter_password_file")
        assert _request(create, "promoter", promoter, "POST", json.dumps({"name": "scratch"}).encode()) == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        wait_gone(server.pid)
    names = {m.name for m in _client(platform).search_registered_models()}
    assert names == {"churn", "scratch"}, "no model made by a reader"
    assert {p.name for p in _auth(platform).list_registered_model_permissions("reader")} == {"churn"}
    _client(platform).delete_registered_model("scratch")
    # The description changed through MLflow is drift that the next apply reverts.
    rc, out = platform.plan_rc("-refresh-only")
    assert rc == 2 and "by trainer" in out
    platform.apply()


def test_a_registry_whose_auth_hook_is_gone_plans_a_repair(platform: Unit) -> None:
    ini = platform.root / "registries" / "dev" / "basic_auth.ini"
    text = ini.read_text()
    assert "authorization_function = mlstrata.provider.mlflow_auth:authenticate_request" in text
    ini.write_text(text.replace("mlstrata.provider.mlflow_auth:authenticate_request",
                                "mlflow.server.auth:authenticate_request_basic_auth"))
    rc, out = platform.plan_rc()
    assert rc == 2 and "auth_schema_revision" in out, out
    platform.apply()
    assert ini.read_text() == text
    assert platform.plan_rc()[0] == 0


def test_destroy_leaves_nothing_behind(platform: Unit) -> None:
    platform.destroy()
    assert platform.leftovers() == []
