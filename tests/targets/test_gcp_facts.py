"""Cloud facts the GCP target relies on, each checked against what mlstrata renders and citing its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.gcp import catalog as cat
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "gcp" / "platform.yaml"
VARIETY = REPO / "tests" / "testdata" / "render" / "gcp-variety" / "spec.yaml"


@pytest.fixture(scope="module")
def tree() -> dict[str, str]:
    return render_tree(load_spec(EXAMPLE, targets=TARGETS)).files


@pytest.fixture(scope="module")
def variety() -> dict[str, str]:
    return render_tree(load_spec(VARIETY, targets=TARGETS)).files


def test_accelerator_optimized_machines_carry_their_gpus() -> None:
    # https://cloud.google.com/compute/docs/accelerator-optimized-machines : a3-highgpu-8g has 8 H100 80GB,
    # a3-megagpu-8g 8 H100 Mega, a3-ultragpu-8g 8 H200, a2-ultragpu-8g 8 A100 80GB, g2-standard-24 2 L4.
    assert cat.gpu_of_machine("a3-highgpu-8g") == cat.GpuShape("nvidia-h100-80gb", 8, True)
    assert cat.gpu_of_machine("a3-megagpu-8g") == cat.GpuShape("nvidia-h100-mega-80gb", 8, True)
    assert cat.gpu_of_machine("a3-ultragpu-8g") == cat.GpuShape("nvidia-h200-141gb", 8, True)
    assert cat.gpu_of_machine("a2-ultragpu-8g") == cat.GpuShape("nvidia-a100-80gb", 8, True)
    assert cat.gpu_of_machine("g2-standard-24") == cat.GpuShape("nvidia-l4", 2, True)
    assert cat.gpu_of_machine("n1-standard-8") is None and cat.is_n1("n1-standard-8")


def test_only_older_gpus_attach_to_n1() -> None:
    # https://cloud.google.com/compute/docs/gpus#n1-gpus : T4, V100, P4, P100 attach to N1 machine types;
    # L4/A100/H100 come only with their own machine series (g2/a2/a3).
    assert set(cat.N1_ATTACHABLE) == {"nvidia-tesla-t4", "nvidia-tesla-v100", "nvidia-tesla-p4", "nvidia-tesla-p100"}
    assert cat.N1_ATTACHABLE["nvidia-tesla-t4"] == (1, 2, 4)


def test_tpu_slices_are_host_counts_of_their_topology() -> None:
    # https://cloud.google.com/kubernetes-engine/docs/concepts/tpus : v5e ct5lp-hightpu-4t forms a single-host
    # 2x2 slice or multi-host slices (2x4 = 2 VMs); ct5lp-hightpu-8t is a single-host 2x4; v5p uses 3-D topologies.
    assert cat.tpu_hosts("ct5lp-hightpu-4t", "2x2") == 1
    assert cat.tpu_hosts("ct5lp-hightpu-4t", "2x4") == 2
    assert cat.tpu_hosts("ct5lp-hightpu-4t", "16x16") == 64
    assert cat.tpu_hosts("ct5lp-hightpu-8t", "2x4") == 1
    assert cat.tpu_hosts("ct5lp-hightpu-8t", "4x4") is None
    assert cat.tpu_hosts("ct5p-hightpu-4t", "2x2x4") == 4
    assert cat.tpu_hosts("ct5p-hightpu-4t", "2x4") is None
    assert cat.tpu_hosts("ct6e-standard-4t", "4x8") == 8


def test_tpu_pools_use_compact_placement_with_their_topology(tree: dict[str, str]) -> None:
    # placement_policy { type = "COMPACT", tpu_topology } makes the VMs one ICI slice (GKE TPU docs above).
    module = tree["modules/tpu_node_pool/main.tf"]
    assert re.search(r'placement_policy \{\n\s+type\s+= "COMPACT"\n\s+tpu_topology = var.tpu_topology', module)
    assert 'tpu_topology = "2x4"' in tree["live/prod/base/main.tf"]
    assert 'tpu_topology = "2x2"' in tree["live/dev/base/main.tf"]


def test_gpu_pools_let_gke_install_the_driver_and_say_a_change_replaces_them(tree: dict[str, str]) -> None:
    # https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#installing_drivers ; changing
    # gpu_driver_version forces replacement: https://github.com/hashicorp/terraform-provider-google/issues/23248
    module = tree["modules/gpu_node_pool/main.tf"]
    assert "gpu_driver_installation_config {\n        gpu_driver_version = var.gpu_driver_version" in module
    assert "issues/23248" in module and "issues/23248" in tree["modules/gpu_node_pool/README.md"]


def test_queued_provisioning_renders_without_reservations_or_repair(tree: dict[str, str]) -> None:
    # https://cloud.google.com/kubernetes-engine/docs/how-to/provisioningrequest : queued provisioning pools
    # take no reservation (NO_RESERVATION), are autoscaled, and have auto-repair off.
    prod = tree["live/prod/base/main.tf"]
    training = prod[prod.index('module "gpu_pool_training"'):]
    training = training[:training.index("\n}\n")]
    assert 'reservation_affinity = "NO_RESERVATION"' in training
    assert "queued_provisioning  = true" in training and 'node_count_owner     = "autoscaler"' in training
    module = tree["modules/gpu_node_pool/main.tf"]
    assert "auto_repair  = var.queued_provisioning ? false : (var.flex_start ? false : true)" in module
    assert 'var.reservation_affinity == "NO_RESERVATION"' in tree["modules/gpu_node_pool/variables.tf"]


def test_gke_taint_values_match_what_gke_applies(tree: dict[str, str]) -> None:
    # GKE taints GPU nodes nvidia.com/gpu=present:NoSchedule itself
    # (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus) and TPU nodes google.com/tpu=present.
    prod = tree["live/prod/base/main.tf"]
    assert prod.count('key    = "nvidia.com/gpu"\n      value  = "present"') == 2
    assert 'key    = "google.com/tpu"\n      value  = "present"' in prod


def test_the_system_pool_is_untainted_and_protected_envs_are_regional(tree: dict[str, str]) -> None:
    cluster = tree["modules/gke_cluster/main.tf"]
    system = cluster[cluster.index('resource "google_container_node_pool" "system"'):]
    assert "taint" not in system.split("\n}\n")[0].replace("tainted", "")
    assert "regional                 = true" in tree["live/prod/base/main.tf"]
    assert "regional                 = false" in tree["live/dev/base/main.tf"]
    assert "deletion_protection = var.protect" in cluster
    for feature in ('datapath_provider = "ADVANCED_DATAPATH"', "enable_shielded_nodes       = true",
                    'workload_pool = "${var.project_id}.svc.id.goog"', "enable_private_nodes    = true",
                    "release_channel {"):
        assert feature in cluster, feature


def test_zones_come_from_the_api_not_letters(tree: dict[str, str]) -> None:
    # Zone letters differ per region (us-east1 has b, c, d): https://cloud.google.com/compute/docs/regions-zones
    network = tree["modules/network/main.tf"]
    assert 'data "google_compute_zones" "available"' in network
    for rel, text in tree.items():
        if rel.startswith("live/"):
            assert not re.search(r'"us-central1-[a-z]"', text), rel


def test_gcs_state_has_a_prefix_per_unit_and_a_versioned_bucket(tree: dict[str, str]) -> None:
    # https://developer.hashicorp.com/terraform/language/backend/gcs : the backend locks with a lock object;
    # HashiCorp recommends object versioning on the bucket.
    prefixes = {rel: re.search(r'prefix = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
                for rel, text in tree.items() if rel.endswith("/backend.tf")}
    assert prefixes["live/prod/base/backend.tf"] == "acme-ml/prod/base"
    assert len(set(prefixes.values())) == len(prefixes) == 6
    state = tree["modules/state_backend/main.tf"]
    assert "versioning {\n    enabled = true" in state
    assert "depends_on = [time_sleep.grant_propagation]" in state


def test_each_environment_is_pinned_to_its_project(tree: dict[str, str]) -> None:
    for env, project in (("dev", "acme-ml-dev"), ("staging", "acme-ml-staging"), ("prod", "acme-ml-prod")):
        for layer in ("base", "platform"):
            assert f'project = "{project}"' in tree[f"live/{env}/{layer}/providers.tf"]
    assert 'project = "acme-ml-prod"' in tree["bootstrap/state/providers.tf"]
    assert "serviceAccount:terraform@acme-ml-prod.iam.gserviceaccount.com" in tree["bootstrap/state/main.tf"]


def test_cmek_buckets_wait_for_the_storage_agent_grant(tree: dict[str, str]) -> None:
    # https://cloud.google.com/storage/docs/encryption/using-customer-managed-keys#prereqs : the Cloud Storage
    # service agent needs encrypt/decrypt on the key before a CMEK bucket can be created (and the grant must have
    # propagated: test_gcp_apply_readiness.py, time_sleep.grant_propagation).
    assert "depends_on = [time_sleep.grant_propagation]" in tree["modules/kms_key/outputs.tf"]
    assert "depends_on = [google_kms_crypto_key_iam_member.this]" in tree["modules/kms_key/main.tf"]
    assert "data.google_storage_project_service_account.this.email_address" in tree["live/prod/base/main.tf"]
    bucket = tree["modules/gcs_bucket/main.tf"]
    for feature in ("uniform_bucket_level_access = true", 'public_access_prevention    = "enforced"',
                    "default_kms_key_name = var.kms_key_id", "soft_delete_policy {", "versioning {"):
        assert feature in bucket, feature


def test_database_passwords_never_reach_terraform_values(tree: dict[str, str]) -> None:
    store = tree["modules/metadata_store/main.tf"]
    assert "password_wo         = ephemeral.random_password.this.result" in store
    assert "secret_data_wo         = ephemeral.random_password.this.result" in store
    for rel, text in tree.items():
        assert not re.search(r"^\s*(password|secret_data|root_password)\s*=", text, re.MULTILINE), rel


def test_model_registry_readme_says_why_not_vertex_ai(tree: dict[str, str]) -> None:
    readme = tree["modules/model_registry/README.md"]
    for issue in ("15303", "25152", "23217"):
        assert f"terraform-provider-google/issues/{issue}" in readme


def test_only_the_stage_promoters_write_the_stage(tree: dict[str, str]) -> None:
    prod = tree["live/prod/base/main.tf"]
    registry = prod[prod.index('module "registry_bucket"'):]
    registry = registry[:registry.index("\n}\n")]
    writers = registry[registry.index("writer_members = {"):]
    writers = writers[:writers.index("}")]
    assert re.findall(r'= "(serviceAccount:[^"]+)"', writers) == [
        "serviceAccount:ml-release@acme-ml-prod.iam.gserviceaccount.com"]
    assert "ml-release@acme-ml-staging" not in registry


def test_managed_prometheus_replaces_the_helm_stack(variety: dict[str, str]) -> None:
    # https://cloud.google.com/kubernetes-engine/docs/how-to/dcgm-metrics : GKE collects DCGM metrics with GMP.
    assert "managed_prometheus       = true" in variety["live/prod/base/main.tf"]
    assert "observability" not in variety["live/prod/platform/main.tf"]
    assert '"DCGM"' in variety["modules/gke_cluster/main.tf"]


def test_terraform_owned_counts_are_per_zone(variety: dict[str, str]) -> None:
    # node_count of google_container_node_pool is per zone; desired 3 over the 3 zones of a regional cluster.
    prod = variety["live/prod/base/main.tf"]
    a100 = prod[prod.index('module "gpu_pool_a100"'):]
    a100 = a100[:a100.index("\n}\n")]
    assert re.search(r"node_count_per_zone\s+= 1\n", a100)
    assert re.search(r'reservation_name\s+= "a100-reservation"', a100)


def test_for_each_keys_are_known_on_a_first_apply(tree: dict[str, str]) -> None:
    # Terraform cannot key instances by values known only after apply ("Invalid for_each argument",
    # https://developer.hashicorp.com/terraform/language/meta-arguments/for_each#limitations-on-values-used-in-for_each):
    # members and ids that this apply creates (service agents, the MLflow server's account, queue and secret ids)
    # reach modules as maps with fixed labels, never as lists turned into sets.
    # Bucket names are literals or the base layer's outputs (read from its state, known when planning).
    literal_only = {"var.services", "var.admin_members", "var.writer_members", "var.artifact_bucket_names",
                    "var.read_only_bucket_names"}
    for rel, text in tree.items():
        if rel.startswith("modules/") and rel.endswith(".tf"):
            for arg in re.findall(r"for_each = toset\((var\.[a-z_]+)\)", text):
                assert arg in literal_only, f"{rel}: for_each over toset({arg})"
    prod = tree["live/prod/base/main.tf"]
    assert re.search(r'encrypter_members = \{\n\s+cloud-storage\s+= "serviceAccount:\$\{data\.', prod)
    assert re.search(r'secret_reader_members = \{\n\s+mlflow-server = ', prod)
    platform = tree["live/prod/platform/main.tf"]
    assert re.search(r"topic_ids = \{\n\s+queue = module\.pipeline_queue\.queue_topic_id", platform)
