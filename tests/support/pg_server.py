"""The one throwaway PostgreSQL 15 server of the tests: own data dir in a temp folder, a free loopback port,
superuser `mlstrata` with a random password (scram-sha-256 over TCP, so tests can check it never leaks),
stopped by pid. When the tests run as root (initdb refuses
root), the server runs as the `postgres` system user through `setpriv`, which execs (the pid we
hold is the postmaster's own).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from support.ports import free_port

PG_BIN = Path(os.environ.get("MLSTRATA_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "mlstrata"


@dataclass
class PgServer:
    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path
    password: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    def conn_str(self, database: str = "postgres") -> str:
        """For Terraform's pg backend."""
        return f"postgres://{USER}:{self.password}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def dsn(self, database: str = "postgres") -> str:
        """For psycopg, MLflow and mlstrata's provider."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql (on `database`); return its unaligned output."""
        out = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PGPASSWORD": self.password},
        )
        return out.stdout.strip()

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster, by pid), then wait; SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def _as_postgres_prefix(base: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    user = pwd.getpwnam("postgres")
    os.chown(base, user.pw_uid, user.pw_gid)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs setpriv to start PostgreSQL as the postgres user")
    return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]


def _wait_ready(server: PgServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return False
        probe = subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(server.port), "-U", USER],
            capture_output=True,
        )
        if probe.returncode == 0:
            return True
        time.sleep(0.1)
    return False


def start_pg_server(base: Path) -> PgServer | None:
    """initdb + start a server under `base`; None when PostgreSQL binaries are not installed."""
    if not (PG_BIN / "initdb").exists():
        return None
    prefix = _as_postgres_prefix(base)
    data = base / "data"
    password = "pg-" + os.urandom(8).hex()
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    if prefix:
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    subprocess.run(
        [*prefix, str(PG_BIN / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
         "--auth-host=scram-sha-256", "--auth-local=trust", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    log_path = base / "server.log"
    for _attempt in range(3):
        port = free_port()
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [
                    *prefix,
                    str(PG_BIN / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(port),
                    "-k",
                    str(base),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = PgServer(proc, port, data, log_path, password)
        # A port taken in between makes postgres exit at once (_wait_ready sees it); a slow start on a busy machine
        # is waited for: the deadline only guards against a hang, it is not a speed test.
        if _wait_ready(server, 300):
            return server
        server.stop()  # most likely the port was taken in between: try another
    raise RuntimeError(f"PostgreSQL did not start; see {log_path}")
