"""A PostgreSQL-backed registry and metadata store under real Terraform, on a throw-away server."""

from __future__ import annotations

import importlib
import re

import psycopg
from provider_harness import Unit
from support.pg_server import PgServer

PLATFORM = """
resource "mlstrata_artifact_bucket" "art" {
  name = "artifacts"
}
resource "mlstrata_model_registry" "reg" {
  name            = "staging"
  artifact_bucket = mlstrata_artifact_bucket.art.name
  backend         = "postgres"
}
resource "mlstrata_service_account" "ci" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "ci"
}
resource "mlstrata_registered_model" "churn" {
  registry_id = mlstrata_model_registry.reg.id
  name        = "churn"
  tags        = { stage = "staging" }
}
resource "mlstrata_registry_permissions" "churn" {
  registry_id = mlstrata_model_registry.reg.id
  model_name  = mlstrata_registered_model.churn.name
  grants      = { (mlstrata_service_account.ci.name) = "READ" }
}
resource "mlstrata_metadata_store" "meta" {
  name    = "pipelines"
  backend = "postgres"
}
output "tracking_uri" { value = mlstrata_model_registry.reg.tracking_uri }
output "metadata_uri" { value = mlstrata_metadata_store.meta.uri }
"""


def _databases(server: PgServer) -> set[str]:
    with psycopg.connect(server.dsn()) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'mlstrata_%'")}


def test_postgres_registry_lifecycle(unit: Unit, pg_server: PgServer) -> None:
    unit.write(PLATFORM, provider_extra=f'  postgres_dsn = "{pg_server.dsn()}"\n')
    unit.init()
    unit.apply()
    assert _databases(pg_server) == {
        "mlstrata_registry_staging", "mlstrata_registry_staging_auth", "mlstrata_metadata_pipelines",
    }  # fmt: skip
    tracking_uri = unit.output("tracking_uri")
    assert re.fullmatch(r"postgresql\+psycopg://mlstrata@127\.0\.0\.1:\d+/mlstrata_registry_staging", tracking_uri)
    assert unit.output("metadata_uri").endswith("/mlstrata_metadata_pipelines")
    for visible in ((unit.path / "terraform.tfstate").read_text(), unit.run("output", "-json").stdout):
        assert pg_server.password not in visible.replace(pg_server.dsn(), "")
    for path in unit.root.rglob("*"):
        if path.is_file():
            assert pg_server.password not in path.read_text(errors="replace")
    assert unit.plan_rc()[0] == 0

    # MLflow, connecting with the password, sees the model and the permission.
    with_password = tracking_uri.replace("mlstrata@", f"mlstrata:{pg_server.password}@")
    client = importlib.import_module("mlflow").MlflowClient(tracking_uri=with_password, registry_uri=with_password)
    assert client.get_registered_model("churn").tags == {"stage": "staging"}
    auth = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    auth.init_db(with_password.replace("/mlstrata_registry_staging", "/mlstrata_registry_staging_auth"))
    assert auth.get_registered_model_permission("churn", "ci").permission == "READ"

    # A hand-made grant is drift.
    auth.update_registered_model_permission("churn", "ci", "MANAGE")
    rc, out = unit.plan_rc("-refresh-only")
    assert rc == 2 and re.search(r'~ "ci"\s+= "READ" -> "MANAGE"', out)
    auth.engine.dispose()

    unit.destroy()
    assert _databases(pg_server) == set()
    assert unit.leftovers() == []
