"""Six units (3 environments x 2 layers) sharing one fresh PostgreSQL database, each in its own schema, run
`up` in parallel (issue 10, reproduction 3): every first run succeeds, on 5 fresh databases; and a second
run does not queue independent units behind each other."""

from __future__ import annotations

import os
from pathlib import Path

from engine_units import SLOW_TF, write_unit
from support.pg_server import PgServer

from mlstrata.engine import Engine, EngineSettings, Runner, Unit, plan_all, up_all
from mlstrata.engine.tfdiags import CODE_LOCKED

PG_TF = SLOW_TF.replace('backend "local" {}', 'backend "pg" {}')
ENVS = ("dev", "staging", "prod")
TRIALS = int(os.environ.get("MLSTRATA_PG_TRIALS", "5"))  # fresh databases per run (the benchmark runs 20+)


def _units(root: Path, server: PgServer, database: str) -> list[Unit]:
    units = []
    for env in ENVS:
        for layer in ("base", "platform"):
            unit = write_unit(root, env, layer, PG_TF)
            # each first apply takes 2 s: were the state rows created by the first apply (under the pg
            # backend's database-wide lock), six units would need ~12 s and run past the 5 s lock timeout
            (unit.path / "terraform.tfvars").write_text("sleep = 2\n")
            units.append(Unit(env, layer, unit.path, depends_on=(),
                              backend_config={"schema_name": f"p_{env}_{layer}"},
                              env_vars={"PG_CONN_STR": server.conn_str(database)}))
    return units


def test_first_up_of_six_units_on_five_fresh_databases(fast_runner: Runner, pg_server: PgServer,
                                                        settings: EngineSettings, tmp_path: Path) -> None:
    parallel = EngineSettings(plugin_cache_dir=settings.plugin_cache_dir, lock_timeout="5s", parallelism=6)
    outcomes = []
    for trial in range(TRIALS):
        database = f"fresh_{trial}_{fast_runner.kind}"
        pg_server.psql(f"CREATE DATABASE {database}")
        units = _units(tmp_path / f"t{trial}", pg_server, database)
        with Engine(fast_runner, parallel) as engine:
            report = up_all(engine, units)
        problems = [d.headline() for r in report.results for d in r.diagnostics if d.is_error]
        outcomes.append((trial, all(r.ok for r in report.results), problems))
        if not outcomes[-1][1]:
            continue
        for env in ENVS:
            for layer in ("base", "platform"):
                assert pg_server.psql(f"SELECT count(*) FROM p_{env}_{layer}.states", database) == "1"
    print(f"pg first up: {sum(ok for _, ok, _ in outcomes)} of {TRIALS} fresh databases")
    assert [ok for _, ok, _ in outcomes] == [True] * TRIALS, outcomes


def _log_since(server: PgServer, since: int) -> bytes:
    with server.log_path.open("rb") as log:
        log.seek(since)
        return log.read()


def _lock_attempts(log: bytes) -> int:
    """Lock attempts in a slice of the server log (`log_statement = 'all'`). Terraform's pg backend tries
    `SELECT states.id, pg_try_advisory_lock(states.id), pg_try_advisory_lock(-1) ...` once per attempt: the row's own
    lock and, for a moment, the database-wide creation lock -1 (terraform internal/backend/remote-state/pg/client.go,
    `Lock`)."""
    return log.count(b"pg_try_advisory_lock(states.id)")


def _row_lock_collisions(log: bytes) -> int:
    """Attempts that found the state row's own lock held by someone else. Per that same `Lock`: an attempt that got
    the row lock and the creation lock releases -1 (`pg_advisory_unlock(-1)`) and proceeds; one that found the ROW
    locked also releases -1 and retries; one that got the row but met another attempt's momentary -1 (a race of a few
    milliseconds between two units' attempts, the backend's design, not a queue) releases the ROW lock instead and
    retries. So `pg_advisory_unlock(-1)` statements beyond one per unit are attempts that queued on a row lock."""
    return log.count(b"pg_advisory_unlock(-1)")


def test_independent_units_do_not_queue_on_a_second_run(fast_runner: Runner, pg_server: PgServer,
                                                          settings: EngineSettings, tmp_path: Path) -> None:
    database = f"again_{fast_runner.kind}"
    pg_server.psql(f"CREATE DATABASE {database}")
    units = _units(tmp_path, pg_server, database)
    parallel = EngineSettings(plugin_cache_dir=settings.plugin_cache_dir, lock_timeout="30s", parallelism=6)
    with Engine(fast_runner, parallel) as engine:
        assert all(r.ok for r in up_all(engine, units).results)
    pg_server.psql(f"ALTER DATABASE {database} SET log_statement = 'all'")  # new sessions of this database only
    with Engine(fast_runner, EngineSettings(plugin_cache_dir=settings.plugin_cache_dir, parallelism=1)) as engine:
        mark = pg_server.log_path.stat().st_size
        serial = plan_all(engine, units[:1])
        serial_log = _log_since(pg_server, mark)
    assert serial.results[0].ok
    one_unit = _row_lock_collisions(serial_log)
    assert _lock_attempts(serial_log) == one_unit >= 1, "the log shows no lock: the count below would prove nothing"
    with Engine(fast_runner, parallel) as engine:
        mark = pg_server.log_path.stat().st_size
        report = plan_all(engine, units)
        log = _log_since(pg_server, mark)
    assert all(r.ok for r in report.results), [d.headline() for r in report.results for d in r.diagnostics]
    assert not [d for r in report.results for d in r.diagnostics if d.code == CODE_LOCKED]
    # six units, each in its own schema (state rows with distinct ids from the backend's global sequence), never find
    # their row lock held by another unit: none queued behind another. An attempt that lost the momentary creation-lock
    # race is retried by Terraform after 1 s and shows as an extra attempt, not as a row-lock collision; a shared
    # schema (all units on one row) shows many row-lock collisions.
    attempts = _lock_attempts(log)
    assert _row_lock_collisions(log) == one_unit * len(units), (
        attempts, one_unit, [r.duration_s for r in report.results])
    assert attempts >= one_unit * len(units)
