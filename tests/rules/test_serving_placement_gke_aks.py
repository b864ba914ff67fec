"""MLS044 on GKE and AKS: a serving class's placement is judged against the node pools of those clusters
too (google_container_node_pool node_config labels and taints, plus the nvidia.com/gpu=present:NoSchedule
taint GKE puts on GPU nodes; azurerm_kubernetes_cluster_node_pool node_labels and key=value:Effect
node_taints, and the cluster's default pool)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import mlstrata

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]


def _mls044(tree: Path) -> list[str]:
    result = mlstrata("check", str(tree), "--format", "json")
    return [f["summary"] for f in json.loads(result.stdout)["findings"] if f["code"] == "MLS044"]


@pytest.mark.parametrize("target", ["gcp", "azure"])
def test_a_class_off_its_pool_or_without_its_toleration_is_found(target: str, tmp_path: Path) -> None:
    tree = tmp_path / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / target / "platform.yaml", targets=TARGETS)), tree)
    assert _mls044(tree) == []  # as rendered: every class lands on its pool
    main = tree / "live" / "prod" / "platform" / "main.tf"
    text = main.read_text()
    main.write_text(text.replace('"mlstrata.dev/gpu-pool" = "serving"', '"mlstrata.dev/gpu-pool" = "servingx"', 1))
    (found,) = _mls044(tree)
    assert "mlstrata.dev/gpu-pool=servingx" in found and "in prod" in found
    # the right pool, but the GPU taint (GKE's own, or the declared one on AKS) not tolerated
    main.write_text(re.sub(r"      tolerations = \[\n(?:.*\n)*?      \]\n", "      tolerations = []\n", text, count=1))
    (found,) = _mls044(tree)
    assert "mlstrata.dev/gpu-pool=serving " in found


def test_a_selector_on_an_aks_system_label_is_no_finding(tmp_path: Path) -> None:
    """AKS reserves the kubernetes.azure.com/ prefix for labels it sets on nodes itself (GPU nodes carry
    kubernetes.azure.com/accelerator=nvidia): https://learn.microsoft.com/azure/aks/use-labels#reserved-system-labels.
    The Azure observability module places the DCGM exporter with that label, as a literal module argument
    (monitoring_stack's dcgm_exporter_values) that MLS044 reads; a declared label that no pool has still is one."""
    tree = tmp_path / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "azure" / "platform.yaml", targets=TARGETS)), tree)
    observability = tree / "modules" / "observability" / "main.tf"
    assert '"kubernetes.azure.com/accelerator" = "nvidia"' in observability.read_text()
    assert _mls044(tree) == []
    text = observability.read_text()
    observability.write_text(text.replace('"kubernetes.azure.com/accelerator" = "nvidia"',
                                          '"kubernetes.azure.com/accelerator" = "nvidia"\n      "gpu" = "yes"', 1))
    found = _mls044(tree)
    assert found and all("gpu=yes" in f for f in found), found
