"""The plugin layer: resource registry, schemas, start-up cost, and the framework glue."""

from __future__ import annotations

import subprocess
import sys

from mlstrata.provider import TYPE_PREFIX
from mlstrata.provider.plugin import MlstrataProvider
from mlstrata.provider.resources import RESOURCES


def test_registry_names_match_resource_names() -> None:
    assert sorted(RESOURCES) == [
        "mlstrata_artifact_bucket", "mlstrata_feature_store", "mlstrata_gpu_pool", "mlstrata_metadata_store",
        "mlstrata_model_registry", "mlstrata_registered_model", "mlstrata_registry_permissions",
        "mlstrata_service_account", "mlstrata_serving_endpoint",
    ]  # fmt: skip
    for type_name, klass in RESOURCES.items():
        assert TYPE_PREFIX + klass.get_name() == type_name
        names = [a.name for a in klass.attributes]
        assert len(names) == len(set(names)) and "id" in names
        klass.get_schema().to_pb()  # encodes as a plugin-protocol schema


def test_no_secret_attribute_exists_and_password_is_not_one() -> None:
    for klass in RESOURCES.values():
        names = {a.name for a in klass.attributes}
        assert "password" not in names


def test_validation_reports_bad_values_with_paths() -> None:
    from tf.types import Unknown  # type: ignore[import-untyped]
    from tf.utils import Diagnostics  # type: ignore[import-untyped]

    provider = MlstrataProvider()
    diags = Diagnostics()
    pool = provider.new_resource(RESOURCES["mlstrata_gpu_pool"])
    pool.validate(diags, "mlstrata_gpu_pool", {"name": "p", "min": 1, "max": 2, "taints": ["bad"], "id": None})
    assert [d.summary for d in diags.diagnostics] == ["taint 'bad' is not key=value:Effect"]
    assert diags.diagnostics[0].path == ["taints"]
    unknown = Diagnostics()
    pool.validate(unknown, "mlstrata_gpu_pool", {"name": "p", "min": Unknown, "max": 2})
    assert unknown.diagnostics == []
    config = Diagnostics()
    provider.validate_config(config, {"root": "relative/path"})
    assert [d.summary for d in config.diagnostics] == ["root must be an absolute path"]


def test_provider_start_up_does_not_import_mlflow() -> None:
    code = (
        "import sys, mlstrata.provider.plugin as p, tf.runner, tf.provider\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'mlflow', 'sqlalchemy', 'alembic', 'psycopg'})\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_services_reject_what_the_local_target_cannot_run() -> None:
    from tf.utils import Diagnostics  # type: ignore[import-untyped]

    provider = MlstrataProvider()
    diags = Diagnostics()
    store = provider.new_resource(RESOURCES["mlstrata_feature_store"])
    store.validate(diags, "mlstrata_feature_store", {"name": "f", "project": "p", "online_store": "redis"})
    endpoint = provider.new_resource(RESOURCES["mlstrata_serving_endpoint"])
    endpoint.validate(diags, "mlstrata_serving_endpoint", {"name": "Not A Name", "registry_id": "r", "model": "m"})
    assert [(d.summary, d.path) for d in diags.diagnostics] == [
        ("online store 'redis' is not available locally", ["online_store"]),
        ("invalid endpoint name 'Not A Name'", ["name"]),
    ]
