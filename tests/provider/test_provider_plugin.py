"""The plugin layer: resource registry, schemas, start-up cost, and the framework glue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from provider_harness import ProviderInstall, make_unit

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


def _modules_imported_until_handshake(tmp_path: Path, env: dict[str, str]) -> set[str]:
    """Start the provider as Terraform does, until it prints its handshake line; the modules it imported."""
    log = tmp_path / "importtime.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "mlstrata.provider"],
            stdout=subprocess.PIPE, stderr=stderr, env=env,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            handshake = proc.stdout.readline().decode()
        finally:
            proc.kill()
            proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()
    # go-plugin's line: core version | protocol version | network | address | protocol | server certificate
    assert handshake.startswith("1|6|unix|") and handshake.rstrip("\n").split("|")[4] == "grpc", handshake
    return {line.rsplit("|", 1)[1].strip() for line in log.read_text().splitlines() if line.startswith("import time:")}


def test_provider_start_up_imports_only_the_plugin_framework(tmp_path: Path) -> None:
    """Terraform starts the provider 3-4 times per unit per plan or apply: a start imports neither MLflow and its
    database stack, nor the spec or targets, nor what only one resource type needs (its store module, YAML, HTTP),
    nor, once its TLS identity is cached, `cryptography`."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    heavy = ("mlflow", "sqlalchemy", "alembic", "psycopg", "pandas", "pydantic", "ruamel", "urllib.request",
             "http.client", "mlstrata.spec", "mlstrata.targets", "mlstrata.engine", "mlstrata.cli")  # fmt: skip
    first = _modules_imported_until_handshake(tmp_path, env)
    assert "tf.runner" in first and "mlstrata.provider.resources.model_registry" in first  # the log is complete
    assert "cryptography.x509" in first  # the first start makes the identity
    assert (tmp_path / "cache" / "mlstrata" / "provider" / "tls.json").is_file()
    second = _modules_imported_until_handshake(tmp_path, env)
    assert sorted(m for m in second if m.startswith(heavy)) == []
    assert sorted(m for m in second if m.split(".")[0] == "cryptography") == []
    # nor the store modules: each is imported by the first call of a resource that needs it
    store = sorted(m for m in second if m.startswith("mlstrata.provider.store."))
    assert store == ["mlstrata.provider.store.database", "mlstrata.provider.store.errors",
                     "mlstrata.provider.store.files", "mlstrata.provider.store.layout"]  # fmt: skip


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


_EXIT_PROBE = '''import atexit, os, sys
log = os.environ.get("MLSTRATA_TEST_EXIT_LOG")
if log:
    kind = "provider" if "mlstrata.provider" in " ".join(getattr(sys, "orig_argv", sys.argv)) else "other"
    with open(log, "a") as f:
        f.write(f"start {kind} {os.getpid()}\\n")
    def _ended():
        with open(log, "a") as f:
            f.write(f"teardown {kind} {os.getpid()}\\n")
    atexit.register(_ended)
'''


def test_provider_ends_without_tearing_down_the_interpreter(provider_install: ProviderInstall, tmp_path: Path) -> None:
    """Terraform stops each provider it started (go-plugin's Shutdown) and kills it 2 s later if it has not exited:
    the provider ends at once (`mlstrata.provider.__main__.end`), without the interpreter's teardown, which takes
    seconds once MLflow is loaded. Counted through exit handlers: a process that tears down runs them."""
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(_EXIT_PROBE)
    log = tmp_path / "exits.log"
    env = {"PYTHONPATH": os.pathsep.join([str(probe), os.environ.get("PYTHONPATH", "")]),
           "MLSTRATA_TEST_EXIT_LOG": str(log)}
    unit = make_unit(provider_install, tmp_path)
    unit.write('resource "mlstrata_gpu_pool" "p" {\n  name = "p"\n  min  = 0\n  max  = 1\n}\n')
    unit.init()
    unit.apply(env=env)
    unit.destroy(env=env)
    # the probe works: a Python process that ends normally runs its exit handlers
    subprocess.run([sys.executable, "-c", "pass"], env={**unit.env, **env}, check=True)
    events = log.read_text().split()
    kinds = [(events[i], events[i + 1]) for i in range(0, len(events), 3)]
    assert kinds.count(("start", "provider")) >= 6  # Terraform starts it 3-4 times per apply and per destroy
    assert ("teardown", "other") in kinds
    assert ("teardown", "provider") not in kinds
