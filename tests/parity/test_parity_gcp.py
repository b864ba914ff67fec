"""parity on the GCP example: every difference between dev, staging and prod follows from the spec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlstrata.parity.levels import address_component, parity_report
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "gcp" / "platform.yaml").read_text()


def _report(spec_text: str, tmp_path: Path) -> Any:
    loaded = load_text(spec_text)
    write_tree(render_tree(loaded), tmp_path)
    return parity_report(loaded.platform, resolve(loaded.platform, loaded.source.data),
                         ["dev", "staging", "prod"], tmp_path, None)


def test_gcp_environments_differ_only_where_the_spec_says(tmp_path: Path) -> None:
    report = _report(EXAMPLE, tmp_path)
    assert report.findings == []
    status = {(d.level, d.key): d.status for d in report.differences}
    assert status[("spec", "tpu_pools.jax.topology")] == "allowed"
    assert status[("config", "base:module.tpu_pool_jax.tpu_topology")] == "allowed"
    assert status[("config", "base:module.cluster.regional")] == "declared"
    assert status[("config", "base:module.gpu_pool_training.machine_type")] == "allowed"


def test_an_undeclared_tpu_difference_is_a_finding(tmp_path: Path) -> None:
    report = _report(EXAMPLE.replace("    - tpu_pools.*.topology\n", ""), tmp_path)
    keys = {d.key for d in report.findings}
    assert "tpu_pools.jax.topology" in keys and "base:module.tpu_pool_jax.tpu_topology" in keys


def test_tpu_pool_modules_belong_to_their_spec_pool() -> None:
    assert address_component("base:module.tpu_pool_jax.google_container_node_pool.this") == "tpu_pools.jax"
