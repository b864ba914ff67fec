"""The provider writes MLflow's registry and basic-auth rows with plain SQL (`mlflow_rows`) exactly as MLflow's own
stores write them, on the schema revisions it pins; MLflow reads them back; a provider write imports no MLflow.

Sources: MLflow 3.17.2's `mlflow/store/model_registry/sqlalchemy_store.py` (create/update/rename/delete of
registered models and tags), `mlflow/server/auth/sqlalchemy_store.py` (users; per-user grants as rows of a
synthetic `__user_<id>__` role; `_RETAINED_LEGACY_PERMISSION_TABLES`), `mlflow/server/auth/permissions.py`
(`RESOURCE_GRANTABLE_PERMISSIONS`), `mlflow/utils/validation.py` (names, tags, passwords),
`mlflow/store/tracking/sqlalchemy_store.py` (`_create_default_experiment`).
"""

from __future__ import annotations

import concurrent.futures
import importlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlstrata.provider.store import mlflow_api, mlflow_rows
from mlstrata.provider.store.database import Database

# imports MLflow (~4 s of CPU) to write every object both ways
pytestmark = pytest.mark.slow

REPO_SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache of templates made by MLflow's own migrations (the provider's `$XDG_CACHE_HOME`)."""
    base = tmp_path_factory.mktemp("xdg")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(base)
    try:
        mlflow_api.tracking_template()
        mlflow_api.auth_template()
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    return base


def _copy(template: Path, target: Path) -> Database:
    target.write_bytes(template.read_bytes())
    return Database.sqlite(target)


def _rows(db: Database, table: str, skip: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    assert db.path is not None
    conn = sqlite3.connect(db.path)
    try:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in skip]
        return sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)
    finally:
        conn.close()


def _tables(db: Database) -> list[str]:
    return sorted(t for t in db.tables() if not t.startswith("sqlite_"))


class _Clock:
    """One fixed time for each step, read by MLflow (`get_current_time_millis`) and by `mlflow_rows` alike."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_700_000_000.0
        monkeypatch.setattr(time, "time", lambda: self.now)

    def tick(self) -> None:
        self.now += 7.5


def _both(clock: _Clock, step: Callable[[Any], object], writers: tuple[Any, Any]) -> None:
    clock.tick()
    for writer in writers:
        step(writer)


def test_the_pinned_revisions_and_rules_are_the_installed_mlflows() -> None:
    """When MLflow is upgraded these fail: check its stores' writes again, then move the pins."""
    assert importlib.import_module("mlflow.version").VERSION == "3.17.2"
    assert importlib.import_module("mlflow.store.db.utils")._get_latest_schema_revision() == \
        mlflow_rows.TRACKING_REVISION
    auth_utils = importlib.import_module("mlflow.server.auth.db.utils")
    script = importlib.import_module("alembic.script").ScriptDirectory.from_config(auth_utils._get_alembic_config(""))
    assert script.get_current_head() == mlflow_rows.AUTH_REVISION
    permissions = importlib.import_module("mlflow.server.auth.permissions")
    assert frozenset(mlflow_rows.GRANTABLE) == permissions.RESOURCE_GRANTABLE_PERMISSIONS
    assert permissions.RESOURCE_TYPE_REGISTERED_MODEL == mlflow_rows.REGISTERED_MODEL
    auth_store = importlib.import_module("mlflow.server.auth.sqlalchemy_store")
    assert auth_store._RETAINED_LEGACY_PERMISSION_TABLES == mlflow_rows.LEGACY_GRANT_TABLES
    assert auth_store.SqlAlchemyStore._synthetic_user_role_name(7) == mlflow_rows.user_role(7)
    validation = importlib.import_module("mlflow.utils.validation")
    assert (validation.MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, validation.MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH) == (
        mlflow_rows.MAX_TAG_KEY, mlflow_rows.MAX_TAG_VALUE)
    assert importlib.import_module("mlflow.utils.workspace_utils").DEFAULT_WORKSPACE_NAME == mlflow_rows.WORKSPACE


@pytest.mark.parametrize("name", ["churn", "a b", " x", "x/y", "x:y", "", "   ", ".", "..", "a/../b", "./a", "ok.v2"])
def test_model_names_are_refused_as_mlflow_refuses_them(name: str) -> None:
    validation = importlib.import_module("mlflow.utils.validation")
    assert _refuses(lambda: validation._validate_model_name(name)) == _refuses(
        lambda: mlflow_rows.check_model_name(name))


@pytest.mark.parametrize(("key", "value"), [
    ("team", "ds"), ("a b:c/d-e.f_g", ""), ("é", "x"), ("x;y", "v"), ("/abs", "v"), ("a//b", "v"), ("..", "v"),
    ("k" * 250, "v"), ("k" * 251, "v"), ("k", "v" * 100_000), ("k", "v" * 100_001), ("", "v"),
])  # fmt: skip
def test_tags_are_refused_as_mlflow_refuses_them(key: str, value: str) -> None:
    validation = importlib.import_module("mlflow.utils.validation")
    assert _refuses(lambda: validation._validate_registered_model_tag(key, value)) == _refuses(
        lambda: mlflow_rows.check_tag(key, value))


def _refuses(action: Callable[[], object]) -> bool:
    try:
        action()
    except Exception:
        return True
    return False


def test_model_rows_are_the_rows_mlflows_store_writes(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    template = mlflow_api.cached_template(mlflow_api.TRACKING, mlflow_rows.TRACKING_REVISION)
    assert template is not None
    ours, theirs = _copy(template, tmp_path / "ours.db"), _copy(template, tmp_path / "theirs.db")
    sql, store = mlflow_api.model_writer(ours), mlflow_api.ModelStore(theirs)
    assert isinstance(sql, mlflow_rows.ModelRows)  # the pinned revision takes the SQL path
    clock = _Clock(monkeypatch)
    writers = (sql, store)
    _both(clock, lambda w: w.create("churn", "Churn model", {"team": "ds", "tier": "1"}), writers)
    _both(clock, lambda w: w.create("fraud", "", {}), writers)
    _both(clock, lambda w: w.create("gone", "to delete", {"x": "y"}), writers)
    # versions, their tags and aliases, as MLflow clients register them: a rename and a delete must carry them
    for db in (ours, theirs):
        registry = importlib.import_module("mlflow.store.model_registry.sqlalchemy_store").SqlAlchemyStore(
            db.sqlalchemy_url())
        tag = importlib.import_module("mlflow.entities.model_registry").ModelVersionTag
        for name in ("churn", "gone"):
            clock.now = 1_700_000_100.0
            registry.create_model_version(name, "file:///models/m", run_id=None)
            registry.create_model_version(name, "file:///models/m2", run_id=None)
            registry.set_model_version_tag(name, "1", tag("validated", "yes"))
            registry.set_registered_model_alias(name, "champion", "2")
        registry.engine.dispose()
    _both(clock, lambda w: w.set_description("churn", "Better churn"), writers)
    _both(clock, lambda w: w.set_tag("churn", "team", "ml"), writers)
    _both(clock, lambda w: w.set_tag("churn", "owner", "ana"), writers)
    _both(clock, lambda w: w.delete_tag("churn", "tier"), writers)
    _both(clock, lambda w: w.rename("churn", "churn-v2"), writers)
    _both(clock, lambda w: w.delete("gone"), writers)
    for table in _tables(theirs):
        assert _rows(ours, table) == _rows(theirs, table), table
    assert _rows(ours, "model_versions", skip=("creation_time",)) != []

    # MLflow reads the SQL-written registry back, versions and aliases moved with the rename
    client = importlib.import_module("mlflow.store.model_registry.sqlalchemy_store").SqlAlchemyStore(
        ours.sqlalchemy_url())
    seen = client.get_registered_model("churn-v2")
    assert (seen.description, seen.tags, seen.aliases) == ("Better churn", {"team": "ml", "owner": "ana"},
                                                           {"champion": 2})
    assert client.get_model_version("churn-v2", "1").tags == {"validated": "yes"}
    assert sorted(m.name for m in client.search_registered_models()) == ["churn-v2", "fraud"]
    client.engine.dispose()

    # and both refuse the same writes
    for step in (lambda w: w.create("fraud", "", {}), lambda w: w.create("a/b", "", {}),
                 lambda w: w.create("ok", "", {"bad;key": "v"}), lambda w: w.rename("fraud", "churn-v2"),
                 lambda w: w.rename("nosuch", "x"), lambda w: w.set_description("nosuch", ""),
                 lambda w: w.set_tag("nosuch", "k", "v"), lambda w: w.delete("nosuch")):
        assert _refuses(lambda s=step: s(sql)) and _refuses(lambda s=step: s(store))
    for table in _tables(theirs):
        assert _rows(ours, table) == _rows(theirs, table), table


def test_auth_rows_are_the_rows_mlflows_store_writes(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    template = mlflow_api.cached_template(mlflow_api.AUTH, mlflow_rows.AUTH_REVISION)
    assert template is not None
    ours, theirs = _copy(template, tmp_path / "ours.db"), _copy(template, tmp_path / "theirs.db")
    sql, store = mlflow_api.auth_writer(ours), mlflow_api.AuthStore(theirs)
    assert isinstance(sql, mlflow_rows.AuthRows)
    clock = _Clock(monkeypatch)
    writers = (sql, store)
    pw = {"admin": "admin-password-1", "ci": "ci-password-0001", "bob": "bob-password-001", "eve": "eve-password-01"}
    _both(clock, lambda w: w.create_user("admin", pw["admin"], True), writers)
    for user in ("ci", "bob", "eve"):
        _both(clock, lambda w, u=user: w.create_user(u, pw[u], False), writers)
    _both(clock, lambda w: w.grant("churn", "ci", "READ"), writers)
    _both(clock, lambda w: w.grant("fraud", "ci", "EDIT"), writers)
    _both(clock, lambda w: w.grant("churn", "bob", "MANAGE"), writers)
    _both(clock, lambda w: w.grant("churn", "eve", "DENY"), writers)
    _both(clock, lambda w: w.change_grant("churn", "ci", "USE"), writers)
    _both(clock, lambda w: w.revoke("churn", "bob"), writers)
    pw["ci"] = "ci-password-0002"
    _both(clock, lambda w: w.set_password("ci", pw["ci"]), writers)
    _both(clock, lambda w: w.set_admin("bob", True), writers)
    _both(clock, lambda w: w.delete_user("eve"), writers)
    for table in _tables(theirs):  # password hashes are salted: checked below
        assert _rows(ours, table, skip=("password_hash",)) == _rows(theirs, table, skip=("password_hash",)), table

    # MLflow's store reads the SQL-written rows: passwords, admins, grants
    auth = importlib.import_module("mlflow.server.auth.sqlalchemy_store").SqlAlchemyStore()
    auth.init_db(ours.sqlalchemy_url())
    assert mlflow_rows.revision(ours, "alembic_version_auth") == mlflow_rows.AUTH_REVISION  # nothing to migrate
    for user in ("admin", "ci", "bob"):
        assert auth.authenticate_user(user, pw[user]) and not auth.authenticate_user(user, pw[user] + "x")
    assert [u.username for u in auth.list_users() if u.is_admin] == ["admin", "bob"]
    assert sorted((p.name, p.permission) for p in auth.list_registered_model_permissions("ci")) == [
        ("churn", "USE"), ("fraud", "EDIT")]
    assert auth.list_registered_model_permissions("bob") == [] and not auth.has_user("eve")

    # and both refuse the same writes
    for step in (lambda w: w.create_user("ci", "long-enough-pw", False), lambda w: w.create_user("x", "short", False),
                 lambda w: w.create_user("", "long-enough-pw", False), lambda w: w.grant("churn", "nosuch", "READ"),
                 lambda w: w.grant("fraud", "ci", "READ"), lambda w: w.grant("m", "ci", "NO_PERMISSIONS"),
                 lambda w: w.change_grant("churn", "bob", "READ"), lambda w: w.revoke("nosuch", "ci"),
                 lambda w: w.set_password("nosuch", "long-enough-pw"), lambda w: w.delete_user("nosuch")):
        assert _refuses(lambda s=step: s(sql)) and _refuses(lambda s=step: s(store))
    auth.engine.dispose()
    for table in _tables(theirs):
        assert _rows(ours, table, skip=("password_hash",)) == _rows(theirs, table, skip=("password_hash",)), table


def test_a_new_registry_gets_the_rows_mlflow_gives_it(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """A registry made from the templates (SQL: default experiment, admin) against one MLflow's stores make."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    clock = _Clock(monkeypatch)
    art = (tmp_path / "art").as_uri()
    ours = Database.sqlite(tmp_path / "ours.db")
    mlflow_api.initialize_tracking_db(ours, art)
    theirs = Database.sqlite(tmp_path / "theirs.db")
    store = importlib.import_module("mlflow.store.tracking.sqlalchemy_store").SqlAlchemyStore(
        theirs.sqlalchemy_url(), art)
    store.engine.dispose()
    for table in _tables(theirs):
        assert _rows(ours, table) == _rows(theirs, table), table
    assert _rows(ours, "experiments") == [(0, "Default", art + "/0", "active", int(clock.now * 1000),
                                           int(clock.now * 1000), "default")]
    ours_auth, theirs_auth = Database.sqlite(tmp_path / "ours-auth.db"), Database.sqlite(tmp_path / "theirs-auth.db")
    mlflow_api.initialize_auth_db(ours_auth)
    mlflow_api.auth_store(theirs_auth)  # MLflow's init_db migrates a new database itself
    assert sorted(ours_auth.tables()) == sorted(theirs_auth.tables())
    for table in _tables(theirs_auth):
        assert _rows(ours_auth, table) == _rows(theirs_auth, table), table


def test_a_provider_write_imports_no_mlflow(tmp_path: Path, cache: Path) -> None:
    """A registry, a model, a service account and a grant, written in a fresh interpreter as the provider
    writes them (the store functions its resources call): MLflow is never imported (it was, ~4.8 s of CPU)."""
    layout_root = tmp_path / "platform"
    script = f"""
import json, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from provider_harness import registry_layout
from mlstrata.provider.store import accounts, models, permissions, registry
layout = registry_layout(Path({str(layout_root)!r}))
accounts.apply_account(layout, None, "dev", "ci")
models.apply_model(layout, None, models.RegisteredModel("dev", "churn", "Churn", {{"team": "ds"}}))
permissions.apply_grants(layout, None, "dev", "churn", {{"ci": "EDIT"}})
models.apply_model(layout, None, models.RegisteredModel("dev", "churn-v2", "Churn", {{}}), old_name="churn")
accounts.delete_account(layout, None, "dev", "ci")
print(json.dumps(sorted(m for m in sys.modules if m == "mlflow" or m.startswith("mlflow."))))
"""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO_SRC)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    uri = f"sqlite:///{layout_root / 'root' / 'registries' / 'dev' / 'mlflow.db'}"
    client = importlib.import_module("mlflow").MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert client.get_registered_model("churn-v2").description == "Churn"
    assert client.get_experiment("0").name == "Default"


def test_grants_to_one_user_written_at_once_share_its_role(tmp_path: Path, cache: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Terraform applies the permissions of several models at once (the plugin's threads): each grant's
    transaction sees the role the first one made, none fails on the role's unique name."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    template = mlflow_api.cached_template(mlflow_api.AUTH, mlflow_rows.AUTH_REVISION)
    assert template is not None
    db = _copy(template, tmp_path / "auth.db")
    writer = mlflow_rows.AuthRows(db)
    writer.create_user("ci", "ci-password-0001", False)
    models = [f"model-{i}" for i in range(12)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda m: writer.grant(m, "ci", "READ"), models))
    assert _rows(db, "roles") == [(1, "__user_1__", "default", None)]
    assert _rows(db, "user_role_assignments") == [(1, 1, 1)]
    assert sorted(r[3] for r in _rows(db, "role_permissions")) == sorted(models)
