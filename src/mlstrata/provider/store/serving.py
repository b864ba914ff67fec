"""Serving endpoints: `mlflow models serve` for a registered model version, on a free loopback port.

An endpoint named N lives in `<root>/serving/N/`: `endpoint.json` (model, version, port, and the server's
pid with its start time, so a reused pid is never taken for the server) and `server.log`. The server runs
in its own session (it outlives the provider process that started it) and is stopped by its process group.

Which version serves is a release, not infrastructure: the endpoint serves the version its alias points
at (or the newest one) when it starts. With no version registered yet it waits, and reports itself as
wanted-but-stopped as soon as one appears, so the next apply starts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlstrata.provider.store import files
from mlstrata.provider.store.database import Database, PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, check_name
from mlstrata.provider.store.models import workspace_scope
from mlstrata.provider.store.registry import registry_databases

CONFIG_FILE = "endpoint.json"
LOG_FILE = "server.log"
HOST = "127.0.0.1"
START_DEADLINE_S = float(os.environ.get("MLSTRATA_SERVING_START_DEADLINE", "900"))
"""How long a server may take to answer /ping (MLflow imports for tens of seconds on a busy machine)."""
STOP_DEADLINE_S = 120.0


@dataclass(frozen=True)
class EndpointConfig:
    """What an endpoint should be."""

    name: str
    registry: str
    model: str
    alias: str = ""


@dataclass(frozen=True)
class Endpoint:
    """An endpoint as found: what it serves and whether that is what it should serve."""

    config: EndpointConfig
    version: str  # "" while waiting for a version
    port: int
    pid: int
    pid_start: int
    log_file: str
    running: bool  # server up for the selected version, or nothing to serve yet

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}" if self.port and self.pid else ""

    @property
    def model_uri(self) -> str:
        return f"models:/{self.config.model}/{self.version}" if self.version else ""

    @property
    def status(self) -> str:
        if not self.version:
            return "waiting for a model version"
        return "serving" if self.running else "stopped"


def check_config(config: EndpointConfig) -> None:
    check_name("endpoint", config.name)


def port_of(url: str) -> int:
    """The port of an endpoint URL (0 when there is none): a restart keeps it when it is free."""
    tail = url.rsplit(":", 1)[-1] if url.startswith(f"http://{HOST}:") else ""
    return int(tail) if tail.isdigit() else 0


def _folder(layout: Layout, name: str) -> Path:
    check_name("endpoint", name)
    return layout.root / "serving" / name


def selected_version(layout: Layout, server: PgServer | None, config: EndpointConfig) -> str:
    """The version the endpoint should serve: its alias's, else the newest ready one; "" when none."""
    dbs = registry_databases(layout, config.registry, server)
    if dbs is None:
        return ""
    db = dbs[0]
    if config.alias:
        where, extra = workspace_scope(db, "registered_model_aliases")
        rows = db.query(f"SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?{where}",
                        (config.model, config.alias, *extra))
    else:
        where, extra = workspace_scope(db, "model_versions")
        rows = db.query(f"SELECT MAX(version) FROM model_versions WHERE name = ? AND status = 'READY'{where}",
                        (config.model, *extra))
    return str(rows[0][0]) if rows and rows[0][0] is not None else ""


def process_start(pid: int) -> int:
    """The start time (clock ticks after boot) of a live, non-zombie process; 0 when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2:].split()
    return 0 if fields[0] in ("Z", "X") else int(fields[19])


def _alive(pid: int, pid_start: int) -> bool:
    return pid > 0 and pid_start > 0 and process_start(pid) == pid_start


def answers(port: int) -> bool:
    """Whether the scoring server on `port` answers its health check."""
    # urllib and http.client are imported here: every provider start would pay for them otherwise
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/ping", timeout=10) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port(preferred: int) -> int:
    if preferred and _port_free(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _read_record(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / CONFIG_FILE).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {folder / CONFIG_FILE}", detail=str(exc),
                         hint="Delete the file; the next apply recreates the endpoint.") from exc
    return data if isinstance(data, dict) else None


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def read_endpoint(layout: Layout, server: PgServer | None, name: str) -> Endpoint | None:
    """The endpoint as it is, or None when its folder is gone."""
    folder = _folder(layout, name)
    record = _read_record(folder)
    if record is None:
        return None
    config = EndpointConfig(name=name, registry=str(record.get("registry", "")), model=str(record.get("model", "")),
                            alias=str(record.get("alias", "")))
    version, port = str(record.get("version", "")), _int(record.get("port"))
    pid, pid_start = _int(record.get("pid")), _int(record.get("pid_start"))
    wanted = selected_version(layout, server, config)
    up = _alive(pid, pid_start) and answers(port)
    if not record.get("running", True):
        running = False  # stopped on purpose (running = false)
    elif not version and not wanted:
        running = True  # nothing to serve yet: as wanted
    else:
        running = up and version == wanted
    # The port is kept while the server is down (a restart reuses it when free); the pid is not (never name a
    # process that is not the server).
    return Endpoint(config, version, port, pid if up else 0, pid_start if up else 0, str(folder / LOG_FILE), running)


def _write_record(folder: Path, config: EndpointConfig, running: bool, version: str, port: int, pid: int,
                  pid_start: int) -> None:
    files.write_json(folder / CONFIG_FILE, {
        "format": 1, "name": config.name, "registry": config.registry, "model": config.model,
        "alias": config.alias, "running": running, "version": version, "port": port,
        "pid": pid, "pid_start": pid_start})


def apply_endpoint(layout: Layout, server: PgServer | None, config: EndpointConfig, running: bool,
                   port_hint: int = 0) -> Endpoint:
    """Make the endpoint what `config` says: (re)start the server for the selected version, or wait."""
    check_config(config)
    dbs = registry_databases(layout, config.registry, server)
    if dbs is None:
        raise StoreError(f"model registry {config.registry!r} does not exist",
                         hint="Create it with mlstrata_model_registry and reference its id.", path="registry_id")
    folder = _folder(layout, config.name)
    folder.mkdir(parents=True, exist_ok=True)
    stop_server(folder)
    version = selected_version(layout, server, config) if running else ""
    if not version:
        _write_record(folder, config, running, "", 0, 0, 0)
        return Endpoint(config, "", 0, 0, 0, str(folder / LOG_FILE), running)
    return _start(folder, dbs[0], config, version, _free_port(port_hint))


def _start(folder: Path, db: Database, config: EndpointConfig, version: str, port: int) -> Endpoint:
    argv = [sys.executable, "-m", "mlflow", "models", "serve", "-m", f"models:/{config.model}/{version}",
            "--env-manager", "local", "--host", HOST, "--port", str(port), "--workers", "1"]
    # MLflow starts uvicorn by name: the interpreter's own bin/ goes first on PATH. The tracking URI (with a
    # PostgreSQL password, if any) goes through the environment, never the command line.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "MLFLOW_TRACKING_URI": db.sqlalchemy_url(), "MLFLOW_REGISTRY_URI": db.sqlalchemy_url()}
    log_path = folder / LOG_FILE
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=folder,
                                env=env, start_new_session=True, close_fds=True)
    pid_start = process_start(proc.pid)
    _write_record(folder, config, True, version, port, proc.pid, pid_start)
    deadline = time.monotonic() + START_DEADLINE_S
    while not answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            gone = proc.poll() is not None
            stop_server(folder)
            raise StoreError(
                f"the server for {config.model} version {version} "
                + ("exited" if gone else f"did not answer /ping within {START_DEADLINE_S:.0f} s"),
                detail=db.scrub(_tail(log_path)),
                hint=f"Read {log_path}; `mlflow models serve` must be able to load the model in this environment.")
        time.sleep(0.5)
    return Endpoint(config, version, port, proc.pid, pid_start, str(log_path), True)


def _tail(path: Path, limit: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def stop_server(folder: Path) -> None:
    """Stop the endpoint's server (its whole process group), if the recorded pid is still that server."""
    record = _read_record(folder)
    if record is None:
        return
    pid, pid_start = _int(record.get("pid")), _int(record.get("pid_start"))
    if not _alive(pid, pid_start):
        return
    for sig, wait in ((signal.SIGTERM, STOP_DEADLINE_S), (signal.SIGKILL, STOP_DEADLINE_S)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while _alive(pid, pid_start) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        if not _alive(pid, pid_start):
            return
    raise StoreError(f"server pid {pid} did not stop", hint=f"Stop it by hand (kill {pid}), then apply again.")


def _reap(pid: int) -> None:
    """Collect the exit status if the server is this process's own child (started in this provider run)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def delete_endpoint(layout: Layout, name: str) -> None:
    folder = _folder(layout, name)
    stop_server(folder)
    files.remove_tree(folder)
