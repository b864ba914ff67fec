"""Providers the engine serves itself for one unit operation, so Terraform does not start them per step.

Terraform starts every provider process anew for each step of a run (schemas, validate, plan) and again
for `show -json`: four starts for one `mlstrata plan` of a unit. For a provider that is slow to start (the
local target's Python provider: ~0.3 s of CPU each) that is most of the run. A provider named in
`EngineSettings.served_providers` is instead started once per unit operation, from the very executable
Terraform installed for the unit (`.terraform/providers/...`, with the same environment and working folder
Terraform would give it) with `--reattach`, and every Terraform run of that operation reaches it through
`TF_REATTACH_PROVIDERS` (Terraform's documented way to use a provider it did not start, "Debugger-Based
Debugging" in https://developer.hashicorp.com/terraform/plugin/debugging; keyed by the provider's full source
address, and Terraform then starts no process of its own for it: hashicorp/terraform-plugin-framework#286).

Plans only (`plan`, and drift's refresh-only plans, with their `show -json`): a served provider ends when the
engine does, and an apply must not lose its provider when mlstrata is killed mid-apply (the orphaned Terraform
finishes the apply with the provider it started; `benchmarks/lock_and_kill_trials.py`).

It is an optimisation only: when the executable is not there (the unit is not initialised) or the
provider does not say where it listens, Terraform starts the provider itself as before. The process ends
when the operation does (its standard input is closed), or when the engine dies (the same pipe closes).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from mlstrata.engine.unit import Unit

REATTACH_ENV = "TF_REATTACH_PROVIDERS"
_LINE = "export TF_REATTACH_PROVIDERS='"  # what the `tf` framework prints in its serving mode
_START_TIMEOUT_S = 120.0  # a provider that says nothing by then is left to Terraform to start


def installed_executable(unit: Unit, address: str) -> Path | None:
    """The provider executable `terraform init` installed for `address` in the unit, if exactly one."""
    found = sorted((unit.path / ".terraform" / "providers" / address).glob("*/*/terraform-provider-*"))
    return found[0] if len(found) == 1 and found[0].is_file() else None


@contextlib.contextmanager
def serving(unit: Unit, addresses: tuple[str, ...], env: Mapping[str, str],
            scratch: Path) -> Iterator[dict[str, str]]:
    """Serve the installed providers of `addresses` for the duration of the block; yields the environment
    Terraform needs to reach them (empty when none could be served: Terraform then starts them itself)."""
    procs: list[subprocess.Popen[bytes]] = []
    attached: dict[str, object] = {}
    try:
        for address in addresses:
            executable = installed_executable(unit, address)
            if executable is None:
                continue
            proc, config = _start(executable, address, env, unit.path, scratch)
            if proc is not None:
                procs.append(proc)
            if config is not None:
                attached[address] = config
        yield {REATTACH_ENV: json.dumps(attached, sort_keys=True)} if attached else {}
    finally:
        for proc in procs:
            _stop(proc)


def _start(executable: Path, address: str, env: Mapping[str, str], cwd: Path,
           scratch: Path) -> tuple[subprocess.Popen[bytes] | None, object | None]:
    try:
        with open(scratch, "wb") as stderr:  # the engine's private folder: what a provider logs may be secret
            proc = subprocess.Popen([str(executable), "--reattach"], cwd=cwd, env=dict(env), stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=stderr, start_new_session=True)
    except OSError:
        return None, None
    found: list[object] = []
    settled = threading.Event()  # the line was read, or the provider's output ended without it

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith(_LINE):
                with contextlib.suppress(ValueError, AttributeError):
                    found.append(json.loads(line[len(_LINE):].rstrip("'")).get(address))
                break
        settled.set()
        for _ in proc.stdout:  # keep draining what else it prints: a full pipe would block the provider
            pass

    threading.Thread(target=read, name=f"served-{address}", daemon=True).start()
    settled.wait(_START_TIMEOUT_S)
    config = found[0] if found and isinstance(found[0], dict) else None
    if config is None:
        _stop(proc)
        return None, None
    return proc, config


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close its input (it exits), then make sure it is gone."""
    with contextlib.suppress(OSError):
        if proc.stdin is not None:
            proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
