"""Helpers for the provider's tests: Terraform units run with the real binary, free ports, pids."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlstrata.provider.store import bucket, registry
from mlstrata.provider.store.layout import Layout

TESTDATA = Path(__file__).resolve().parents[1] / "testdata" / "provider"
FAKE_SMI_2X_H100 = TESTDATA / "nvidia-smi-2x-h100"
FAKE_SMI_NO_DEVICES = TESTDATA / "nvidia-smi-no-devices"
PROVIDER_BLOCK = """
terraform {
  required_providers {
    mlstrata = { source = "local.mlstrata.dev/mlstrata/mlstrata", version = "0.1.0" }
  }
}
"""


@dataclass(frozen=True)
class ProviderInstall:
    """The provider installed in a mirror, and the environment Terraform runs with."""

    mirror: Path
    cli_config: Path
    env: dict[str, str]


@dataclass
class Unit:
    """A Terraform working directory using the mlstrata provider, run with the real binary."""

    path: Path
    root: Path
    secrets: Path
    env: dict[str, str]
    timings: dict[str, list[float]] = field(default_factory=dict)

    def write(self, body: str, provider_extra: str = "") -> None:
        provider = (
            f'provider "mlstrata" {{\n  root = "{self.root}"\n  secrets_dir = "{self.secrets}"\n{provider_extra}}}\n'
        )
        (self.path / "main.tf").write_text(PROVIDER_BLOCK + provider + body)

    def run(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        started = time.perf_counter()
        done = subprocess.run(
            ["terraform", *args, "-no-color"] if args[0] not in {"output", "state"} else ["terraform", *args],
            cwd=self.path,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.timings.setdefault(args[0], []).append(time.perf_counter() - started)
        if check and done.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def init(self) -> None:
        self.run("init", "-input=false")

    def apply(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("apply", "-auto-approve", "-input=false", *extra, env=env)

    def plan_rc(self, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        """`plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes; with its output."""
        done = self.run("plan", "-detailed-exitcode", "-input=false", *extra, check=False, env=env)
        return done.returncode, done.stdout + done.stderr

    def destroy(self, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("destroy", "-auto-approve", "-input=false", env=env)

    def output(self, name: str) -> str:
        return self.run("output", "-raw", name).stdout

    def leftovers(self) -> list[str]:
        """Everything under root and the secrets folder (should be empty after destroy)."""
        found = [p for base in (self.root, self.secrets) if base.exists() for p in base.rglob("*")]
        return sorted(str(p) for p in found)


def make_unit(provider_install: ProviderInstall, base: Path) -> Unit:
    """A fresh unit folder under `base`, with its platform root and secrets folder beside it."""
    work = base / "unit"
    work.mkdir()
    return Unit(path=work, root=base / "platform", secrets=base / "secrets", env=dict(provider_install.env))


def wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def registry_layout(base: Path) -> Layout:
    """A store root under `base` with an artifact bucket `art` and a real MLflow registry `dev` (SQLite)."""
    made = Layout(root=base / "root", secrets_dir=base / "secrets")
    bucket.apply_bucket(made, bucket.BucketConfig("art"))
    registry.apply_registry(made, registry.RegistryConfig(name="dev", artifact_bucket="art"), None)
    return made
