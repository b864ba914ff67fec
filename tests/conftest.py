from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.pg_server import PgServer, start_pg_server

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(__file__).resolve().parent / "testdata"


# Tests that run real Terraform, a provider process or PostgreSQL (by file, relative to tests/); everything
# under e2e/ is e2e; the rest is unit. Select with `-m unit`, `-m "not e2e"` ...
INTEGRATION = {
    "cli/test_cli.py",
    "engine/test_engine_config.py",
    "engine/test_engine_faults.py",
    "engine/test_engine_lifecycle.py",
    "engine/test_engine_orchestrate.py",
    "engine/test_engine_pg_backend.py",
    "engine/test_engine_progress.py",
    "engine/test_engine_saved_plans.py",
    "engine/test_engine_units_and_diags.py",
    "provider/test_provider_plugin.py",
    "provider/test_provider_terraform_bucket.py",
    "provider/test_provider_terraform_postgres.py",
    "provider/test_provider_terraform_registry.py",
    "render/test_checkov.py",
    "review/test_review_real.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent
    for item in items:
        where = item.path.resolve().relative_to(root).as_posix()
        kind = "e2e" if where.startswith("e2e/") else "integration" if where in INTEGRATION else "unit"
        item.add_marker(kind)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden expectations from the current output (review the diff).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL 15 server on a free loopback port, stopped by pid at the end of the session."""
    # Not under pytest's tmp dir: that is private to the test user, and the server may have to
    # run as the `postgres` user (initdb refuses root).
    base = Path(tempfile.mkdtemp(prefix="mlstrata-pg-"))
    server = start_pg_server(base)
    if server is None:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip("PostgreSQL 15 binaries are not available")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
