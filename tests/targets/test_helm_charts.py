"""Every Helm chart the AWS modules and the shared Kubernetes modules (KServe, Argo: every cloud) install:
repository, chart name and pinned version, each with where it was seen
published (no `helm` binary or network here, so these are checked against recorded sources, not pulled)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.aws.catalog import CLUSTER_AUTOSCALER_TAGS, EFA_TRAINING_FAMILIES
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "src" / "mlstrata" / "terraform" / "modules"
MODULES = LIBRARY / "aws"
SHARED = {"kserve", "workflow_orchestrator", "monitoring_stack"}  # modules/kubernetes: rendered for aws, gcp, azure


def _module_dir(module: str) -> Path:
    return LIBRARY / ("kubernetes" if module in SHARED else "aws") / module
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"

# (module, helm_release name) -> (repository, chart, version variable, version, where it was seen published)
CHARTS = {
    ("cluster_addons", "nvidia_device_plugin"): (
        "https://nvidia.github.io/k8s-device-plugin", "nvidia-device-plugin", "nvidia_device_plugin_chart_version",
        "0.17.1", "nvidia-device-plugin-0.17.1.tgz with its sha256 pinned in public deployment scripts"),
    ("cluster_addons", "cluster_autoscaler"): (
        "https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "cluster_autoscaler_chart_version",
        "9.46.6", "`helm list`: cluster-autoscaler-9.46.6, app version 1.32.0"),
    ("cluster_addons", "efa_device_plugin"): (
        "https://aws.github.io/eks-charts", "aws-efa-k8s-device-plugin", "efa_device_plugin_chart_version",
        "v0.5.30", "aws/eks-charts stable/aws-efa-k8s-device-plugin/Chart.yaml at bfe91c4 (#1337): version v0.5.30, "
        "appVersion v0.5.20"),
    ("cluster_addons", "karpenter_crd"): (
        "oci://public.ecr.aws/karpenter", "karpenter-crd", "karpenter_chart_version", "1.8.1",
        "aws/karpenter-provider-aws charts/karpenter/README.md: Version 1.8.1, AppVersion 1.8.1, installed from "
        "oci://public.ecr.aws/karpenter/karpenter; the CRD chart karpenter-crd is published beside it with the same "
        "version (https://karpenter.sh/docs/upgrading/upgrade-guide/#crd-upgrades)"),
    ("cluster_addons", "karpenter"): (
        "oci://public.ecr.aws/karpenter", "karpenter", "karpenter_chart_version", "1.8.1",
        "aws/karpenter-provider-aws charts/karpenter/README.md: Version 1.8.1, AppVersion 1.8.1, "
        "`helm upgrade --install ... karpenter oci://public.ecr.aws/karpenter/karpenter --version 1.8.1`"),
    ("kserve", "cert_manager"): (
        "https://charts.jetstack.io", "cert-manager", "cert_manager_chart_version", "v1.17.0",
        "KServe's quick install pins cert-manager v1.17.0"),
    ("kserve", "knative_operator"): (
        "https://knative.github.io/operator", "knative-operator", "knative_operator_chart_version", "v1.20.0",
        "linode/apl-core#2691: chart knative-operator updated to version v1.20.0 (from 1.18.1); chart source "
        "knative/operator config/charts/knative-operator"),
    ("kserve", "kserve_crd"): (
        "oci://ghcr.io/kserve/charts", "kserve-crd", "kserve_chart_version", "v0.20.0",
        "kserve/kserve charts/kserve-crd/Chart.yaml version v0.20.0"),
    ("monitoring_stack", "kube_prometheus_stack"): (
        "https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack",
        "kube_prometheus_stack_chart_version", "80.4.1",
        "release tag kube-prometheus-stack-80.4.1 (prometheus-community/helm-charts, 2025-12)"),
    ("monitoring_stack", "dcgm_exporter"): (
        "https://nvidia.github.io/dcgm-exporter/helm-charts", "dcgm-exporter", "dcgm_exporter_chart_version", "4.7.1",
        "`helm list`: dcgm-exporter-4.7.1, app version 4.7.1"),
    ("workflow_orchestrator", "argo_workflows"): (
        "https://argoproj.github.io/argo-helm", "argo-workflows", "chart_version", "1.0.18",
        "argoproj/argo-helm charts/argo-workflows/Chart.yaml version 1.0.18 (appVersion v4.0.6)"),
}


def _defaults(module: str) -> dict[str, object]:
    return {b.labels[0]: b.body.attributes["default"].value
            for b in parse_file(str(_module_dir(module) / "variables.tf")).body.blocks
            if "default" in b.body.attributes}


@pytest.mark.parametrize(("module", "release"), sorted(CHARTS))
def test_each_pinned_chart_is_one_seen_published(module: str, release: str) -> None:
    repository, chart, variable, version, seen = CHARTS[(module, release)]
    assert seen
    (block,) = [b for b in parse_file(str(_module_dir(module) / "main.tf")).body.blocks
                if b.type == "resource" and b.labels == ["helm_release", release]]
    attrs = block.body.attributes
    assert (attrs["repository"].value, attrs["chart"].value) == (repository, chart)
    assert attrs["version"].expr_text == f"var.{variable}"
    assert _defaults(module)[variable] == version


def test_every_remote_chart_is_in_the_table() -> None:
    """A new helm_release needs its row (and its evidence) here."""
    found = set()
    for main in [*MODULES.glob("*/main.tf"), *(LIBRARY / "kubernetes").glob("*/main.tf")]:
        for block in parse_file(str(main)).body.blocks:
            if block.type == "resource" and block.labels[0] == "helm_release":
                chart = block.body.attributes["chart"]
                if not (chart.expr_text or "").startswith('"${path.module}'):
                    found.add((main.parent.name, block.labels[1]))
    # kserve's two other releases share kserve_crd's repository and version variable
    assert found - {("kserve", "kserve"), ("kserve", "kserve_runtimes")} == set(CHARTS)


def test_the_efa_device_plugin_runs_on_every_efa_family_we_enable() -> None:
    """The chart's DaemonSet only schedules on the instance types its values list (supportedInstanceLabels); chart
    v0.5.6 (plugin v0.5.4) listed no p6, and plugin versions before 0.5.6 misread P6-B200 devices
    (aws-ia/terraform-aws-eks-data-addons#53). Chart v0.5.30 lists p4d/p4de/p5/p5e/p5en/p6-b200/p6-b300 (.48xlarge
    and .24xlarge sizes), every family mlstrata turns EFA on for."""
    listed_at_v0_5_30 = {"p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300"}
    assert listed_at_v0_5_30 >= EFA_TRAINING_FAMILIES


def test_the_autoscaler_image_follows_the_cluster_minor() -> None:
    """cluster-autoscaler's minor must match the cluster's (kubernetes/autoscaler README, Releases); chart 9.46.6
    ships 1.32.0, so the image tag is set from kubernetes_version."""
    assert all(tag == f"v{minor}.0" for minor, tag in CLUSTER_AUTOSCALER_TAGS.items())
    tree = render_tree(load_text(AWS_EXAMPLE.read_text(), targets=TARGETS))
    assert 'cluster_autoscaler_image_tag = "v1.33.0"' in tree.files["live/prod/platform/main.tf"]
    old = AWS_EXAMPLE.read_text().replace('kubernetes_version: "1.33"', 'kubernetes_version: "1.31"')
    loaded = load_text(old, targets=TARGETS)
    (said,) = [d for d in loaded.warnings if d.code == "aws.autoscaler"]
    assert said.where is not None and "kubernetes_version" in old.splitlines()[said.where.line - 1]
    assert "cluster_autoscaler_image_tag" not in render_tree(loaded).files["live/prod/platform/main.tf"]
    assert re.search(r"image = var\.cluster_autoscaler_image_tag == null",
                     (MODULES / "cluster_addons" / "main.tf").read_text())
