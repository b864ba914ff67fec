"""The `pg` backend against a real PostgreSQL 15 started by the test on a free loopback port:
init with conn_str + schema_name, lifecycle, and concurrent applies (advisory-lock locking)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine_units import SLOW_TF, check_concurrent_applies, write_unit
from support.pg_server import PgServer

from mlstrata.engine import Engine, EngineSettings, Runner, Status, Unit, destroy_unit, plan_unit, up_unit

PG_TF = SLOW_TF.replace('backend "local" {}', 'backend "pg" {}')


def _pg_unit(tmp_path: Path, server: PgServer, schema: str) -> Unit:
    unit = write_unit(tmp_path, "dev", "base", PG_TF)
    # conn_str goes in the environment (PG_CONN_STR), not in -backend-config, so that it is not
    # recorded under .terraform/ (a real one carries a password).
    return Unit(
        unit.env,
        unit.layer,
        unit.path,
        backend_config={"schema_name": schema},
        env_vars={"PG_CONN_STR": server.conn_str()},
    )


def _reader(server: PgServer, schema: str) -> Any:
    def read() -> dict[str, Any]:
        data: dict[str, Any] = json.loads(server.psql(f"SELECT data FROM {schema}.states WHERE name = 'default'"))
        return data

    return read


def test_pg_backend_lifecycle(runner: Runner, pg_server: PgServer, settings: EngineSettings, tmp_path: Path) -> None:
    schema = f"life_{runner.kind}"
    unit = _pg_unit(tmp_path, pg_server, schema)
    with Engine(runner, settings) as engine:
        first = up_unit(engine, unit)
        assert first.status is Status.OK, first.diagnostics
        state = _reader(pg_server, schema)()
        assert [r["type"] for r in state["resources"]] == ["terraform_data"]
        assert plan_unit(engine, unit).status is Status.NO_CHANGES
        assert destroy_unit(engine, unit).ok
    assert _reader(pg_server, schema)()["resources"] == []
    assert pg_server.conn_str() not in (unit.path / ".terraform" / "terraform.tfstate").read_text()


def test_pg_backend_concurrent_applies(
    fast_runner: Runner, pg_server: PgServer, settings: EngineSettings, tmp_path: Path
) -> None:
    unit = _pg_unit(tmp_path, pg_server, "locking")
    check_concurrent_applies(fast_runner, settings, unit, _reader(pg_server, "locking"))
