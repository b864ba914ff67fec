"""Shared helpers for engine tests: small `terraform_data` units and the runners to test."""

from __future__ import annotations

import re
import shutil
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlstrata.engine import (
    BinaryTerraform,
    EmbeddedTerraform,
    Engine,
    EngineEvent,
    EngineSettings,
    EventKind,
    Runner,
    Status,
    Unit,
    UnitResult,
    apply_unit,
    plan_unit,
    up_unit,
)
from mlstrata.engine.tfdiags import CODE_LOCKED

TERRAFORM_BINARY = shutil.which("terraform")

needs_binary = pytest.mark.skipif(TERRAFORM_BINARY is None, reason="no terraform binary on PATH")

SIMPLE_TF = """
terraform {
  backend "local" {}
}
variable "name" {
  type    = string
  default = "one"
}
resource "terraform_data" "item" {
  input = var.name
}
output "name" {
  value = terraform_data.item.output
}
output "token" {
  value     = "not-a-real-token"
  sensitive = true
}
"""

# The provisioner runs on create, and a new name replaces the resource: writing
# `name = "two"` and `sleep = N` to terraform.tfvars makes the next apply take N s.
SLOW_TF = """
terraform {
  backend "local" {}
}
variable "name" {
  type    = string
  default = "one"
}
variable "sleep" {
  type    = number
  default = 0
}
resource "terraform_data" "slow" {
  input            = var.name
  triggers_replace = [var.name]
  provisioner "local-exec" {
    command = "sleep ${var.sleep}"
  }
}
"""


def binary_runner() -> Runner:
    assert TERRAFORM_BINARY is not None
    return BinaryTerraform(TERRAFORM_BINARY)


RUNNERS: dict[str, Callable[[], Runner]] = {"embedded": EmbeddedTerraform, "binary": binary_runner}


def write_unit(root: Path, env: str, layer: str, text: str, *, state_dir: Path | None = None) -> Unit:
    """Write `live/<env>/<layer>/main.tf` under `root`; local state in `state_dir` (or the unit)."""
    path = root / "live" / env / layer
    path.mkdir(parents=True, exist_ok=True)
    (path / "main.tf").write_text(textwrap.dedent(text))
    backend = {}
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
        backend["path"] = str(state_dir / f"{env}-{layer}.tfstate")
    return Unit(env, layer, path, backend_config=backend)


StateReader = Callable[[], dict[str, Any]]


def check_concurrent_applies(runner: Runner, settings: EngineSettings, unit: Unit, read_state: StateReader) -> None:
    """Two applies on one unit at once: the second waits `lock_timeout`, then fails with a lock
    message; a third run with a longer timeout waits its turn; the state stays intact throughout
    and its serial only moves forward."""
    with Engine(runner, settings) as setup:
        assert up_unit(setup, unit).ok
    before = read_state()
    # the first apply holds the lock for 5 s: the second run gives up after its 1 s lock timeout well before
    (unit.path / "terraform.tfvars").write_text('name = "two"\nsleep = 5\n')

    started, finished = threading.Event(), threading.Event()

    def on_event(event: EngineEvent) -> None:
        if event.action == "create":  # the replacement's create holds the lock for `sleep` (its delete is quick)
            if event.kind is EventKind.RESOURCE_STARTED:
                started.set()
            if event.kind is EventKind.RESOURCE_DONE:
                finished.set()  # Terraform lets go of the lock only after this

    results: dict[str, UnitResult] = {}
    with Engine(runner, settings, on_event=on_event) as first:
        assert plan_unit(first, unit).status is Status.CHANGES
        thread = threading.Thread(target=lambda: results.update(first=apply_unit(first, unit)))
        thread.start()
        try:
            assert started.wait(30), "the first apply never started"
            with Engine(runner, replace(settings, lock_timeout="1s")) as impatient:
                t0 = time.monotonic()
                second = apply_unit(impatient, unit)
                waited = time.monotonic() - t0
                first_still_applying = not finished.is_set()
            during = read_state()
            with Engine(runner, replace(settings, lock_timeout="30s")) as patient:
                third = plan_unit(patient, unit)
        finally:
            thread.join(60)
    assert second.status is Status.FAILED
    [diag] = [d for d in second.diagnostics if d.is_error]
    assert diag.code == CODE_LOCKED
    # the message says how long the run really waited (issue 10: "(waited 30s)" after 0.1 s)
    match = re.fullmatch(rf"state of {unit.id} is locked by another run \(gave up after ([0-9.]+) s; "
                         r"lock timeout 1s\)", diag.summary)
    assert match is not None, diag.summary
    assert float(match.group(1)) <= waited + 0.05
    # local and pg locks die with their process: no force-unlock advice
    assert "force-unlock" not in diag.hint.replace("nothing to force-unlock", "")
    # it waited its lock timeout, and gave up while the first apply still held the lock (not when it let go):
    # relations that hold on a busy machine, where process start-up alone can take seconds
    assert waited >= 0.9, waited
    assert first_still_applying, f"the second run returned only after the first apply ended ({waited:.1f} s)"
    assert results["first"].ok, results["first"].diagnostics
    assert third.status is Status.NO_CHANGES, third.diagnostics

    after = read_state()
    assert before["lineage"] == during["lineage"] == after["lineage"]
    assert before["serial"] <= during["serial"] < after["serial"]
    [resource] = after["resources"]
    assert resource["instances"][0]["attributes"]["input"]["value"] == "two"
