"""New SQLite registry databases start as a copy of one MLflow migrated once (per MLflow version and head
revision), and MLflow opens the copy without migrating it.

Why a copy is safe, from MLflow's own code (mlflow/store/tracking/sqlalchemy_store.py, `SqlAlchemyStore.__init__`):
it runs `_initialize_tables` (create_all + Alembic upgrade) only when `_all_tables_exist` is false, then
`_verify_schema` refuses a database whose revision is not the head, then `_initialize_store_state` creates the
default experiment when it is missing. The template is made by that same `_initialize_tables` and holds no
experiment, so each registry's default experiment gets its own artifact location.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from mlstrata.provider.store import mlflow_api
from mlstrata.provider.store.database import Database

# imports MLflow (~4 s of CPU) and migrates a database once per test
pytestmark = pytest.mark.slow


class _Upgrades:
    """Counts MLflow's schema upgrades (`mlflow.store.db.utils._upgrade_db`), which still run in full."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        utils = importlib.import_module("mlflow.store.db.utils")
        real = utils._upgrade_db

        def upgrade(engine: Any) -> None:
            self.count += 1
            real(engine)

        monkeypatch.setattr(utils, "_upgrade_db", upgrade)


def _schema(path: Path) -> list[tuple[str, str, list[str]]]:
    """Each object's definition as its sorted lines: the order in which MLflow's batch migrations write a table's
    constraints varies from one migration run to the next (set order), between databases MLflow migrates itself too."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, COALESCE(sql, '') FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return sorted((kind, name, sorted(ln.strip().rstrip(",") for ln in sql.splitlines())) for kind, name, sql in rows)


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "mlstrata" / "mlflow"


def test_a_new_registry_database_is_a_copy_mlflow_opens_without_migrating(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrades = _Upgrades(monkeypatch)
    utils = importlib.import_module("mlflow.store.db.utils")
    head = utils._get_latest_schema_revision()
    version = importlib.import_module("mlflow.version").VERSION
    first, second = tmp_path / "a" / "mlflow.db", tmp_path / "b" / "mlflow.db"
    for path in (first, second):
        path.parent.mkdir()
    mlflow_api.initialize_tracking_db(Database.sqlite(first), (tmp_path / "art-a").as_uri())
    assert upgrades.count == 1  # the template, made once
    template = cache / version / f"tracking-{head}.db"
    assert sorted(p.name for p in (cache / version).iterdir()) == [template.name]
    assert _rows(template, "SELECT experiment_id FROM experiments") == []
    mlflow_api.initialize_tracking_db(Database.sqlite(second), (tmp_path / "art-b").as_uri())
    assert upgrades.count == 1  # the second registry was copied, and MLflow did not migrate it
    for path, art in ((first, "art-a"), (second, "art-b")):
        assert _rows(path, "SELECT version_num FROM alembic_version") == [(head,)]
        assert _rows(path, "SELECT experiment_id, name, artifact_location FROM experiments") == [
            (0, "Default", (tmp_path / art).as_uri() + "/0")
        ]

    # the same schema and the same rows as a database MLflow migrates on its own, without the template
    own = tmp_path / "own.db"
    store_mod = importlib.import_module("mlflow.store.tracking.sqlalchemy_store")
    store = store_mod.SqlAlchemyStore(f"sqlite:///{own}", (tmp_path / "art-own").as_uri())
    store.engine.dispose()
    assert upgrades.count == 2
    assert _schema(second) == _schema(own)
    with sqlite3.connect(own) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        if table != "experiments":  # creation times and artifact locations differ, compared above
            assert _rows(second, f"SELECT * FROM {table}") == _rows(own, f"SELECT * FROM {table}"), table

    # and MLflow works on the copy: a registered model and a run
    mlflow = importlib.import_module("mlflow")
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{second}", registry_uri=f"sqlite:///{second}")
    assert client.create_registered_model("churn").name == "churn"
    run = client.create_run("0")
    assert run.info.artifact_uri.startswith((tmp_path / "art-b").as_uri() + "/0/")
    assert upgrades.count == 2


def test_a_damaged_template_is_made_again_and_an_existing_database_is_never_replaced(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrades = _Upgrades(monkeypatch)
    template = mlflow_api.tracking_template()
    assert upgrades.count == 1
    assert mlflow_api.tracking_template() == template and upgrades.count == 1
    template.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)  # a torn write
    new = tmp_path / "new.db"
    mlflow_api.initialize_tracking_db(Database.sqlite(new), (tmp_path / "art").as_uri())
    assert upgrades.count == 2
    assert _rows(template, "SELECT COUNT(*) FROM alembic_version") == [(1,)]
    assert _rows(new, "SELECT name FROM experiments") == [("Default",)]

    # a file already there is the user's: MLflow opens it (here: migrates it) and nothing is copied over it
    existing = tmp_path / "existing.db"
    with sqlite3.connect(existing) as conn:
        conn.execute("CREATE TABLE mine (x INTEGER)")
        conn.execute("INSERT INTO mine VALUES (42)")
    conn.close()
    mlflow_api.initialize_tracking_db(Database.sqlite(existing), (tmp_path / "art2").as_uri())
    assert upgrades.count == 3
    assert _rows(existing, "SELECT x FROM mine") == [(42,)]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_a_copied_registry_database_gets_the_mode_of_one_mlflow_creates(tmp_path: Path, cache: Path) -> None:
    """0666 less the umask, as the database MLflow creates itself and every other registry file; the copy was
    0600 (tempfile.mkstemp's mode), so the same registry's file differed by how it was first made."""
    store_mod = importlib.import_module("mlflow.store.tracking.sqlalchemy_store")
    for umask in (0o022, 0o027):
        copied, own = tmp_path / f"copied-{umask:o}.db", tmp_path / f"own-{umask:o}.db"
        previous = os.umask(umask)
        try:
            mlflow_api.initialize_tracking_db(Database.sqlite(copied), (tmp_path / "art").as_uri())
            if umask == 0o027:
                store = store_mod.SqlAlchemyStore(f"sqlite:///{own}", (tmp_path / "art-own").as_uri())
                store.engine.dispose()
        finally:
            os.umask(previous)
        assert stat.S_IMODE(copied.stat().st_mode) == 0o666 & ~umask, oct(copied.stat().st_mode)
        assert _rows(copied, "SELECT name FROM experiments") == [("Default",)]
    assert stat.S_IMODE(own.stat().st_mode) == 0o640  # what MLflow (SQLite) gives a database it creates
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
