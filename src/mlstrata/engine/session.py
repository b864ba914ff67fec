"""An engine session: a runner, settings, a private working directory and a CLI config.

Every Terraform child starts in an empty private directory (never the caller's folder: the
embedded runner's Python worker would import stdlib-named files found there) and works on the
unit through `-chdir`. Use as a context manager; the private directory is removed at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import orjson

from mlstrata.engine.cliconfig import default_plugin_cache_dir, terraform_environ, write_cli_config
from mlstrata.engine.events import EventCallback, SerialCallback
from mlstrata.engine.hooks import ChangeHooks
from mlstrata.engine.process import Children, LineCallback, ProcessOutcome, run_process
from mlstrata.engine.runners import Runner
from mlstrata.engine.unit import Unit

DEFAULT_LOCK_TIMEOUT = "30s"
DEFAULT_PARALLELISM = 2

_RUNS = "runs"  # .mlstrata/runs/: output files of runs in progress
_PRIVATE_PREFIX = "mlstrata-engine-"  # + "<pid>-<random>" in the temp folder


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs Terraform.

    `cli_config_blocks` are extra HCL blocks for the CLI config (e.g. the local provider's
    `provider_installation`); `parallelism` bounds how many units (environments) run at once;
    `environ` replaces `os.environ` as the base of the child environment.
    """

    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    parallelism: int = DEFAULT_PARALLELISM
    cli_config_blocks: tuple[str, ...] = ()
    plugin_cache_dir: Path | None = None
    # Terraform's plugin cache is not safe for concurrent `init` of a filesystem-mirror provider
    # (a parallel init fails computing its checksum), and caching a local mirror saves nothing.
    plugin_cache: bool = True
    environ: Mapping[str, str] | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    reveal_sensitive_outputs: bool = False
    # providers started once per unit operation and reattached by each of its Terraform runs (`served.py`)
    served_providers: tuple[str, ...] = ()


class Engine:
    """Runs Terraform commands on units with one runner and one set of settings."""

    def __init__(
        self,
        runner: Runner,
        settings: EngineSettings | None = None,
        on_event: EventCallback | None = None,
        hooks: ChangeHooks | None = None,
    ) -> None:
        self.runner = runner
        self.hooks = hooks  # governance around every apply and destroy (review gate, journal)
        self.settings = settings or EngineSettings()
        self.emit = SerialCallback(on_event)
        self.children = Children()
        sweep_dead_engine_dirs()
        self._private = Path(tempfile.mkdtemp(prefix=f"{_PRIVATE_PREFIX}{os.getpid()}-"))
        self.cwd = self._private / "cwd"
        self.cwd.mkdir()
        cache = (self.settings.plugin_cache_dir or default_plugin_cache_dir(self.settings.environ)
                 if self.settings.plugin_cache else None)
        self.cli_config = write_cli_config(
            self._private / "terraform.tfrc", self.settings.cli_config_blocks, plugin_cache_dir=cache
        )
        self._base_env = terraform_environ(
            self.cli_config, plugin_cache_dir=cache, base=self.settings.environ, extra=self.settings.extra_env
        )
        # providers' temporary files (the `tf` framework's plugin socket folder) go inside the private folder:
        # removed on close, and swept on the next start when the whole process tree was killed
        (self._private / "tmp").mkdir()
        self._base_env["TMPDIR"] = str(self._private / "tmp")
        self._counter = itertools.count(1)
        self._counter_lock = threading.Lock()
        self._version: str | None = None
        self._served: dict[str, dict[str, str]] = {}  # unit id -> how its runs reach the providers served

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove the private directory (the CLI config and the empty working directory)."""
        shutil.rmtree(self._private, ignore_errors=True)

    def interrupt(self) -> int:
        """Ask all running Terraform processes to stop gracefully; no new unit starts after this."""
        return self.children.interrupt()

    @property
    def cancelled(self) -> bool:
        return self.children.cancelled.is_set()

    def environ_for(self, unit: Unit | None) -> dict[str, str]:
        env = dict(self._base_env)
        if unit is not None and unit.env_vars:
            env.update(unit.env_vars)
        if unit is not None:
            env.update(self._served.get(unit.id, {}))
        return env

    @contextlib.contextmanager
    def serving_providers(self, unit: Unit) -> Iterator[None]:
        """Within the block, the unit's Terraform runs reach `settings.served_providers` started once for
        them all (see `mlstrata.engine.served`) instead of starting each provider per step."""
        if not self.settings.served_providers or unit.id in self._served:
            yield
            return
        from mlstrata.engine.served import serving

        with serving(unit, self.settings.served_providers, self.environ_for(unit),
                     self.scratch_path("provider.stderr")) as env:
            self._served[unit.id] = env
            try:
                yield
            finally:
                del self._served[unit.id]

    def run(
        self,
        unit: Unit,
        name: str,
        args: Sequence[str],
        *,
        on_line: LineCallback | None = None,
        stdout_path: Path | None = None,
    ) -> ProcessOutcome:
        """Run `terraform -chdir=<unit> <args>`; stdout goes to `stdout_path` or a run log.

        Run logs land in `<unit>/.mlstrata/<name>.log` (stdout) and `<name>.stderr.log`.
        """
        prepare_work_dir(unit)
        runs = unit.work_dir / _RUNS
        runs.mkdir(exist_ok=True)
        remove_files_of_dead_runs(runs)
        remove_files_of_dead_runs(unit.work_dir, ".tmp")
        token = self._token()
        out = stdout_path or runs / f"{name}.{token}.log"
        err = runs / f"{name}.{token}.stderr.log"
        argv = self.runner.command([f"-chdir={unit.path}", *args])
        try:
            outcome = run_process(
                argv,
                cwd=self.cwd,
                env=self.environ_for(unit),
                stdout_path=out,
                stderr_path=err,
                on_line=on_line,
                children=self.children,
            )
        except OSError as exc:  # the executable vanished or cannot run: report it like a failed run
            err.write_text(f"cannot start {argv[0]}: {exc}\n")
            outcome = ProcessOutcome(127, out, err.read_text(), 0.0)
        if stdout_path is None:
            os.replace(out, unit.work_dir / f"{name}.log")
        os.replace(err, unit.work_dir / f"{name}.stderr.log")
        return outcome

    def version(self) -> str:
        """The Terraform version this runner runs (asked once, then cached)."""
        if self._version is None:
            out = self._private / "version.json"
            outcome = run_process(
                self.runner.command(["version", "-json"]),
                cwd=self.cwd,
                env=self._base_env,
                stdout_path=out,
                stderr_path=self._private / "version.stderr",
            )
            version = ""
            if outcome.returncode == 0:
                try:
                    version = str(orjson.loads(out.read_bytes()).get("terraform_version", ""))
                except (orjson.JSONDecodeError, AttributeError):
                    version = ""
            self._version = version
        return self._version

    def scratch_path(self, name: str) -> Path:
        """A unique path in the engine's private folder (mode 0700), for output that may be secret."""
        return self._private / f"{self._token()}-{name}"

    def _token(self) -> str:
        with self._counter_lock:
            n = next(self._counter)
        return f"{os.getpid()}-{n}"


def prepare_work_dir(unit: Unit) -> Path:
    """Create `<unit>/.mlstrata/` readable by the owner only: plan files can hold secret values."""
    work = unit.work_dir
    work.mkdir(mode=0o700, exist_ok=True)
    work.chmod(0o700)  # also when an older mlstrata made it with the default mode
    return work


_OWNER = re.compile(r"\.(\d+)-\d+\.")  # `<name>.<pid>-<n>.<suffix>`: files of one mlstrata process


def remove_files_of_dead_runs(folder: Path, suffix: str = "") -> None:
    """Delete files named for an mlstrata process that has died (e.g. killed mid-apply): run logs,
    half-written plan files."""
    for path in folder.iterdir():
        match = _OWNER.search(path.name)
        if match and path.name.endswith(suffix) and path.is_file() and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_dead_engine_dirs() -> None:
    """Remove private folders of engines whose process died without cleaning up (SIGKILL), once no
    process works in them any more (an orphaned Terraform finishing its apply still may)."""
    base = Path(tempfile.gettempdir())
    dead = []
    for path in base.glob(f"{_PRIVATE_PREFIX}*-*"):
        pid_text = path.name[len(_PRIVATE_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)) and path.is_dir():
            dead.append(path)
    if not dead:
        return
    in_use = _working_dirs()
    for path in dead:
        if not any(cwd == path or path in cwd.parents for cwd in in_use):
            shutil.rmtree(path, ignore_errors=True)


def _working_dirs() -> set[Path]:
    """Current working directories of all visible processes (Linux /proc; empty elsewhere)."""
    found: set[Path] = set()
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                found.add(Path(os.readlink(entry / "cwd")))
            except OSError:
                continue
    return found
