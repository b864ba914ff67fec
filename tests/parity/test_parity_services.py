"""Parity of serving classes: the spec compares each class after overrides; the rendered KServe classes
and serving identities are traced back to it; a hand edit of one environment's class is a finding."""

from __future__ import annotations

from pathlib import Path

from mlstrata.parity.levels import parity_report
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def _report(text: str, repo: Path) -> list[tuple[str, str, str]]:
    loaded = load_text(text, targets=TARGETS)
    if not repo.exists():
        write_tree(render_tree(loaded), repo)
    platform = loaded.platform
    report = parity_report(platform, resolve(platform, loaded.source.data), list(platform.environments), repo, None)
    return [(d.status, d.level, d.key) for d in report.differences if d.component == "serving"]


def test_serving_differences_follow_the_allowed_autoscaling(tmp_path: Path) -> None:
    found = _report(AWS_EXAMPLE.read_text(), tmp_path / "infra")
    assert ("allowed", "spec", "serving.endpoints.fraud-api.autoscaling.min_replicas") in found
    assert ("allowed", "config", "platform:module.kserve.classes.fraud-api.gpu_quota") in found
    # dev scales to zero: Knative Serving there only, follows from the allowed autoscaling
    assert ("allowed", "config", "platform:module.kserve.knative") in found
    assert not [f for f in found if f[0] == "finding"]


def test_without_the_allowance_a_dev_only_profile_is_a_finding(tmp_path: Path) -> None:
    text = AWS_EXAMPLE.read_text().replace("    - serving.endpoints.*.autoscaling", "    # (not allowed)")
    found = _report(text, tmp_path / "infra")
    assert ("finding", "spec", "serving.endpoints.fraud-api.autoscaling.scale_to_zero") in found


def test_a_hand_edited_class_is_a_finding(tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    write_tree(render_tree(load_text(AWS_EXAMPLE.read_text(), targets=TARGETS)), repo)
    main = repo / "live" / "staging" / "platform" / "main.tf"
    main.write_text(main.read_text().replace('namespace       = "serving-fraud-api"',
                                             'namespace       = "serving-fraud-api-2"', 1))
    found = _report(AWS_EXAMPLE.read_text(), repo)
    assert ("finding", "config", "platform:module.kserve.classes.fraud-api.namespace") in found


def test_azure_spot_toleration_follows_the_pools_capacity(tmp_path: Path) -> None:
    """On AKS a Spot pool's nodes carry kubernetes.azure.com/scalesetpriority=spot:NoSchedule, so dev's class
    (Spot there) tolerates it and prod's does not: the difference follows from gpu_pools.*.capacity, which
    the example allows; without that allowance it is a finding."""
    azure = (REPO / "examples" / "azure" / "platform.yaml").read_text()
    found = _report(azure, tmp_path / "a")
    tolerations = [f for f in found if ".tolerations." in f[2]]
    assert tolerations and all(status == "allowed" for status, _, _ in tolerations)
    assert not [f for f in found if f[0] == "finding"]
    strict = azure.replace("    - gpu_pools.*.capacity\n", "")
    assert strict != azure
    assert any(status == "finding" and ".tolerations." in key for status, _, key in _report(strict, tmp_path / "b"))


def test_azure_hashed_names_inside_urls_are_the_environments_own(tmp_path: Path) -> None:
    """Argo's blob endpoint carries the storage account's globally unique name (a hash of platform, env and
    subscription): each environment's own, not a difference."""
    loaded = load_text((REPO / "examples" / "azure" / "platform.yaml").read_text(), targets=TARGETS)
    repo = tmp_path / "infra"
    write_tree(render_tree(loaded), repo)
    platform = loaded.platform
    report = parity_report(platform, resolve(platform, loaded.source.data), list(platform.environments), repo, None)
    keys = {d.key: d.status for d in report.differences}
    assert "platform:module.workflow_orchestrator.artifact_repository.azure.endpoint" not in keys
    assert "base:module.feature_store_storage.name" not in keys
    # a hand-edited endpoint is still compared
    main = repo / "live" / "staging" / "platform" / "main.tf"
    main.write_text(main.read_text().replace(".blob.core.windows.net", ".blob.example.net", 1))
    report = parity_report(platform, resolve(platform, loaded.source.data), list(platform.environments), repo, None)
    assert {d.key: d.status for d in report.differences}.get(
        "platform:module.workflow_orchestrator.artifact_repository.azure.endpoint") == "finding"
