from __future__ import annotations

import compileall
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.markers import INTEGRATION
from support.pg_server import PgServer, start_pg_server

import mlstrata

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(__file__).resolve().parent / "testdata"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile mlstrata once, before any test starts a process that imports it.

    With PYTHONDONTWRITEBYTECODE set (this image sets it), no process writes .pyc files, so every `python -m
    mlstrata` and every provider process Terraform starts (3-4 per unit per plan/apply) would compile the sources it
    imports again: measured ~0.15 s CPU per CLI run and ~0.05 s per provider start. Reading .pyc files is unaffected
    by that setting, and a source edited later is compiled afresh (the .pyc records the source's mtime and size)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller (or the only process), before workers start
        compileall.compile_dir(Path(mlstrata.__file__).parent, quiet=2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent
    for item in items:
        where = item.path.resolve().relative_to(root).as_posix()
        kind = "e2e" if where.startswith("e2e/") else "integration" if where in INTEGRATION else "unit"
        item.add_marker(kind)
        if where.startswith("fuzz/"):
            item.add_marker("slow")  # 2,000 cases per target (MLSTRATA_FUZZ_CASES): tens of seconds each
        if kind == "unit" and item.get_closest_marker("slow") is None:
            item.add_marker("fast")  # `pytest -m fast`: the quick subset (README, "Development")
    # On several workers (MLSTRATA_TEST_WORKERS in scripts/test, which keeps this order with --no-loadscope-reorder),
    # longest first: slow end-to-end files, the other end-to-end ones, slow and integration ones, then the rest
    # (stable: each file keeps its order); a long file started last would run on alone after the others finished.
    # In one process the order stays the one of the files on disk.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_start_order)


def _start_order(item: pytest.Item) -> int:
    slow = item.get_closest_marker("slow") is not None
    if item.get_closest_marker("e2e") is not None:
        return 0 if slow else 1
    return 2 if slow or item.get_closest_marker("integration") is not None else 3


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden expectations from the current output (review the diff).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every pytest-xdist worker of this run (each worker's own temp folders are under it),
    for results computed once per run whoever needs them first (tests/support/checkov.py)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


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
