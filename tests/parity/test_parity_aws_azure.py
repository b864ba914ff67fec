"""parity on the AWS and Azure examples: what the spec gives each environment (account-suffixed or hashed
globally unique names, deploy role and extra cluster admins, EFA and MIG from the pool shape, protect-derived
tiers, the next stage's promoters as registry readers) is declared or allowed; a difference made by hand in
one environment's rendered tree is still a finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlstrata.parity.levels import parity_report
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_text
from mlstrata.spec.resolve import resolve

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = (REPO / "examples" / "aws" / "platform.yaml").read_text()
CAPACITY_BLOCK = (REPO / "tests" / "testdata" / "render" / "aws-capacity-block" / "spec.yaml").read_text()


def _report(spec_text: str, tmp_path: Path, edit: tuple[str, str, str] | None = None) -> Any:
    loaded = load_text(spec_text)
    write_tree(render_tree(loaded), tmp_path)
    if edit is not None:  # (env, old, new) in live/<env>/base/main.tf
        env, old, new = edit
        main = tmp_path / "live" / env / "base" / "main.tf"
        text = main.read_text()
        assert text.count(old) == 1, old
        main.write_text(text.replace(old, new))
    envs = list(loaded.platform.environments)
    return parity_report(loaded.platform, resolve(loaded.platform, loaded.source.data), envs, tmp_path, None)


def test_aws_environments_differ_only_where_the_spec_says(tmp_path: Path) -> None:
    report = _report(EXAMPLE, tmp_path)
    assert report.findings == []
    status = {(d.level, d.key): d.status for d in report.differences}
    # each env's deploy role and dev's own cluster_admins are left out: the shared admins are the same
    assert ("config", "base:module.cluster.admin_principal_arns") not in status
    assert status[("config", "base:module.gpu_pool_training.efa")] == "allowed"  # dev's g6 has no EFA
    assert status[("config", "platform:module.cluster_addons.efa_device_plugin")] == "allowed"
    assert status[("config", "base:module.registry_bucket.reader_principal_arns")] == "declared"
    assert status[("spec", "model_registry.next_stage_promoters")] == "declared"
    # account-suffixed bucket names are the same name once the account is a placeholder: no difference
    assert not any(k.endswith("artifacts_datasets.name") for _, k in status)


@pytest.mark.parametrize(("old", "new", "key"), [
    ("  retention_days                    = 90\n", "  retention_days                    = 30\n",
     "base:module.artifacts_datasets.retention_days"),
    ('  instance_types     = ["g6e.xlarge", "g6e.2xlarge"]\n', '  instance_types     = ["g6e.4xlarge"]\n',
     "base:module.gpu_pool_serving.instance_types"),
    ('  system_instance_types = ["m7i.large", "m6i.large"]\n', '  system_instance_types = ["m7i.xlarge"]\n',
     "base:module.cluster.system_instance_types"),
    ('"arn:aws:iam::333333333333:role/platform-admin"', '"arn:aws:iam::222222222222:role/platform-admin"',
     "base:module.cluster.admin_principal_arns"),
])
def test_a_difference_made_by_hand_in_one_environment_is_a_finding(
        tmp_path: Path, old: str, new: str, key: str) -> None:
    report = _report(EXAMPLE, tmp_path, ("staging", old, new))
    found = {d.key: d for d in report.findings}
    assert key in found, sorted(found)
    assert found[key].values["staging"] != found[key].values["prod"]


def test_capacity_block_window_follows_the_allowed_capacity_difference(tmp_path: Path) -> None:
    report = _report(CAPACITY_BLOCK, tmp_path)
    assert report.findings == []
    status = {(d.level, d.key): d.status for d in report.differences}
    assert status[("spec", "gpu_pools.pretrain.capacity_block_start")] == "allowed"
    assert status[("config", "base:module.network.include_zone_ids")] == "allowed"


def test_a_capacity_block_window_without_a_capacity_difference_is_a_finding(tmp_path: Path) -> None:
    spec = CAPACITY_BLOCK.replace("    - gpu_pools.*.capacity\n", "")
    keys = {d.key for d in _report(spec, tmp_path).findings}
    assert {"gpu_pools.pretrain.capacity", "gpu_pools.pretrain.capacity_block_start"} <= keys


AZURE = (REPO / "examples" / "azure" / "platform.yaml").read_text()


def test_azure_environments_differ_only_where_the_spec_says(tmp_path: Path) -> None:
    report = _report(AZURE, tmp_path)
    assert report.findings == []
    status = {(d.level, d.key): d.status for d in report.differences}
    assert status[("config", "base:module.cluster.private_cluster")] == "declared"  # prod: protect
    assert status[("config", "platform:module.gpu_addons.toleration_keys")] == "allowed"  # dev: spot serving
    # the hashed, shortened globally unique names are the same name once they are placeholders
    assert not any(k.endswith((".name", "container_registry_name")) for _, k in status)


@pytest.mark.parametrize(("old", "new", "key"), [
    ("  retention_days                    = 90\n", "  retention_days                    = 7\n",
     "base:module.artifacts_datasets.retention_days"),
    ('"acmemlstagidataset3ec4"', '"acmemlstagidataset0000"', "base:module.artifacts_datasets.name"),
])
def test_a_difference_made_by_hand_in_one_azure_environment_is_a_finding(
        tmp_path: Path, old: str, new: str, key: str) -> None:
    found = {d.key: d for d in _report(AZURE, tmp_path, ("staging", old, new)).findings}
    assert key in found, sorted(found)
    assert found[key].values["staging"] != found[key].values["prod"]
