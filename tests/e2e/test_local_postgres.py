"""The local target on PostgreSQL: `pg` state backend (advisory locks) and registries/metadata in PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from support.cli import CliResult
from support.cli import mlstrata as run_cli
from support.pg_server import PgServer

REPO = Path(__file__).resolve().parents[2]


def _files_holding(root: Path, *needles: str) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(n.encode() in data for n in needles):
                found.append(str(path.relative_to(root)))
    return found


def test_quickstart_on_postgres_state_and_registry(tmp_path: Path, pg_server: PgServer) -> None:
    spec = (REPO / "examples" / "quickstart" / "platform.yaml").read_text()
    spec = spec.replace("state:\n  backend: local ", "state:\n  backend: pg\n  conn_str_env: QS_PG_STATE ")
    spec += "local:\n  postgres_dsn_env: QS_PG_DSN\n"
    (tmp_path / "platform.yaml").write_text(spec)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1", "COLUMNS": "200",
           # both carry the server's password, which must reach no file (issue 10: the DSN was a Terraform
           # variable, stored in plan.json and the saved plans)
           "QS_PG_STATE": pg_server.conn_str(),
           "QS_PG_DSN": pg_server.dsn()}
    assert pg_server.password and pg_server.password in env["QS_PG_DSN"]

    def mlstrata(*args: str) -> CliResult:
        return run_cli(*args, cwd=tmp_path, env=env, process=True)

    missing = mlstrata("up", "--env", "dev")
    env_without = {k: v for k, v in env.items() if k != "QS_PG_STATE"}
    proc = run_cli("plan", "--env", "dev", cwd=tmp_path, env=env_without, process=True)
    assert proc.returncode == 2 and "$QS_PG_STATE is not set" in proc.stderr
    assert missing.returncode == 0, missing.stdout + missing.stderr
    rendered = "".join(p.read_text() for p in (tmp_path / "infra").rglob("*.tf"))
    assert "postgres://" not in rendered and "postgresql://" not in rendered, "a DSN leaked into rendered files"
    # state lives in PostgreSQL, one schema per unit; no local state file was written
    assert pg_server.psql("select count(*) from quickstart_dev_base.states") == "1"
    assert pg_server.psql("select count(*) from quickstart_dev_platform.states") == "1"
    assert not [p for p in (tmp_path / "infra").rglob("*.tfstate") if ".terraform" not in p.parts]
    # Terraform's backend metadata under .terraform/ must not carry the connection string either
    for meta in (tmp_path / "infra").rglob(".terraform/terraform.tfstate"):
        assert "127.0.0.1" not in meta.read_text()
    # the registry and the metadata store are PostgreSQL databases
    databases = pg_server.psql("select string_agg(datname, ',' order by datname) from pg_database")
    assert "mlstrata_registry_quickstart-dev" in databases or "mlstrata_registry_quickstart_dev" in databases
    # drift and parity are read-only: no refresh artifacts left behind, nothing with a password
    drift = mlstrata("drift", "--env", "dev")
    assert drift.returncode in (0, 1), drift.stdout + drift.stderr
    parity = mlstrata("parity", "--envs", "dev,staging")
    assert parity.returncode in (0, 1), parity.stdout + parity.stderr
    assert "Traceback" not in drift.stderr + parity.stderr
    assert not list((tmp_path / "infra").rglob("refresh.json"))
    assert not list((tmp_path / "infra").rglob("refresh.tfplan"))
    assert _files_holding(tmp_path, pg_server.password) == []
    for saved in [*(tmp_path / "infra").rglob("plan.json"), *(tmp_path / "infra").rglob("*.tfplan")]:
        assert saved.stat().st_mode & 0o077 == 0, f"{saved} is readable by others"
    again = mlstrata("plan", "--env", "dev", "--format", "json")
    assert again.returncode == 0 and '"changes"' not in again.stdout.replace('"has_changes"', "")
    down = mlstrata("destroy", "--env", "dev", "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    shutil.rmtree(tmp_path / "infra", ignore_errors=True)
