"""Drift's look outside every state is a run hook of the target (`RunHooks.unmanaged`), not a branch on its name:
the clouds list nothing and read no state for it; the local target lists what its platform holds that no layer's
state manages, and skips an environment whose states could not all be read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from mlstrata.provider.store.bucket import BucketConfig, apply_bucket
from mlstrata.provider.store.layout import Layout
from mlstrata.provider.store.registry import CONFIG_FILE
from mlstrata.targets.local.state import platform_root
from mlstrata.targets.runs import run_hooks


class StatesRead:
    """A states reader that records which environments were asked for."""

    def __init__(self, states: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]] | None]) -> None:
        self.states = states
        self.asked: list[str] = []

    def __call__(self, env: str) -> Sequence[tuple[str, Mapping[str, Any]]] | None:
        self.asked.append(env)
        return self.states.get(env)


def _state(*resources: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """`terraform show -json` of a state holding `resources` ((type, values))."""
    return {"values": {"root_module": {"resources": [
        {"mode": "managed", "type": t, "name": "this", "values": v} for t, v in resources]}}}


@pytest.mark.parametrize("target", ["aws", "gcp", "azure"])
def test_a_cloud_target_lists_nothing_and_reads_no_state(tmp_path: Path, target: str) -> None:
    read = StatesRead({"dev": [("base", _state())]})
    assert run_hooks(target).unmanaged(tmp_path, ["dev"], read, {}) == ([], [])
    assert read.asked == []


def test_the_local_target_lists_a_bucket_no_state_manages(tmp_path: Path) -> None:
    layout = Layout(tmp_path / platform_root("dev"), tmp_path / "secrets")
    apply_bucket(layout, BucketConfig("declared"))
    apply_bucket(layout, BucketConfig("by-hand"))
    read = StatesRead({"dev": [("base", _state(("mlstrata_artifact_bucket", {"name": "declared"}))),
                               ("platform", _state())]})
    objects, problems = run_hooks("local").unmanaged(tmp_path, ["dev"], read, {})
    assert problems == [] and read.asked == ["dev"]
    assert [(o.env, o.layer, o.type, o.address, o.detail) for o in objects] == [
        ("dev", "base", "mlstrata_artifact_bucket", 'mlstrata_artifact_bucket "by-hand"', "bucket by-hand")]
    assert "live/dev/base: `terraform import <address> by-hand`" in objects[0].hint


def test_the_local_target_calls_nothing_unmanaged_where_a_state_is_unreadable(tmp_path: Path) -> None:
    layout = Layout(tmp_path / platform_root("dev"), tmp_path / "secrets")
    apply_bucket(layout, BucketConfig("by-hand"))
    read = StatesRead({"dev": None})
    assert run_hooks("local").unmanaged(tmp_path, ["dev"], read, {}) == ([], [])
    assert read.asked == ["dev"]


def test_a_platform_that_cannot_be_read_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    layout = Layout(tmp_path / platform_root("dev"), tmp_path / "secrets")
    apply_bucket(layout, BucketConfig("by-hand"))
    layout.registry_dir("ml").mkdir(parents=True)
    (layout.registry_dir("ml") / CONFIG_FILE).write_text("{not json", encoding="utf-8")
    objects, problems = run_hooks("local").unmanaged(tmp_path, ["dev"], StatesRead({"dev": []}), {})
    assert objects == []  # a partial list would call objects unmanaged without having looked at the registry
    assert [(p.severity.value, p.code) for p in problems] == [("warning", "drift.unmanaged")]
    assert problems[0].summary.startswith("could not list what exists outside Terraform: ")
    assert "registry.json is not valid JSON" in problems[0].summary
