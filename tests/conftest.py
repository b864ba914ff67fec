from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.markers import INTEGRATION
from support.pg_server import PgServer, start_pg_server

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(__file__).resolve().parent / "testdata"


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
