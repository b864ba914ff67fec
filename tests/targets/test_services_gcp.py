"""Serving, feature store and orchestrator on GCP: the shared KServe and Argo modules on GKE, bound to Google
service accounts by Workload Identity; Feast on Memorystore for Redis (CMEK, TLS, AUTH) and a CMEK bucket.
Each GCP fact the rendering relies on is asserted with its source."""

from __future__ import annotations

import pytest
from support.rendered import blocks as _blocks
from support.rendered import example_spec, example_tree, modules_dir, unrendered

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.gcp.render import _service_account_id
from mlstrata.targets.kubernetes import rollout_surge
from mlstrata.targets.registry import TARGETS

GCP_MODULES = modules_dir("gcp")
EXAMPLE = example_spec("gcp")


@pytest.fixture(scope="module")
def tree() -> dict[str, str]:
    return example_tree("gcp")


def test_the_example_renders_serving_feature_store_and_argo_without_an_info(tree: dict[str, str]) -> None:
    assert unrendered("gcp") == []
    for name in ("kserve", "workflow_orchestrator", "feast_redis", "pipeline_deps"):
        assert f"modules/{name}/main.tf" in tree, name
    # the shared Kubernetes modules are the same files on every cloud
    aws = example_tree("aws")
    for rel in ("modules/kserve/main.tf", "modules/workflow_orchestrator/main.tf"):
        assert tree[rel] == aws[rel]


def test_kserve_placement_tolerates_the_gpu_taint_gke_adds(tree: dict[str, str]) -> None:
    """GKE taints every GPU node nvidia.com/gpu=present:NoSchedule itself
    (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#create): a class on a GPU pool tolerates it,
    with GKE's value, and selects the pool's mlstrata label the gpu_node_pool module puts on its nodes."""
    for env, (min_r, max_r) in {"dev": (0, 1), "prod": (1, 4)}.items():
        cls = _blocks(tree[f"live/{env}/platform/main.tf"], "module")["kserve"].body.attributes[
            "classes"].partial_value["fraud-api"]
        assert cls["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Equal", "value": "present",
                                       "effect": "NoSchedule"}]
        pool = _blocks(tree[f"live/{env}/base/main.tf"], "module")["gpu_pool_serving"].body.attributes
        labels = pool["labels"].value
        assert isinstance(labels, dict) and cls["node_selector"].items() <= labels.items()
        assert cls["gpu_quota"] == max_r + rollout_surge(max_r)
        assert (cls["min_replicas"], cls["max_replicas"]) == (min_r, max_r)


def test_declared_taints_keep_gkes_value_in_the_toleration() -> None:
    spec = EXAMPLE.read_text().replace(
        "    labels: { workload: inference }",
        "    labels: { workload: inference }\n    taints:\n"
        "      - { key: nvidia.com/gpu, value: \"true\", effect: NoSchedule }\n"
        "      - { key: team, value: ml, effect: NoExecute }")
    tree = render_tree(load_text(spec, targets=TARGETS)).files
    cls = _blocks(tree["live/prod/platform/main.tf"], "module")["kserve"].body.attributes["classes"].partial_value[
        "fraud-api"]
    assert cls["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
        {"key": "team", "operator": "Equal", "value": "ml", "effect": "NoExecute"}]
    pool = _blocks(tree["live/prod/base/main.tf"], "module")["gpu_pool_serving"].body.attributes
    assert [t["value"] for t in pool["taints"].value] == ["present", "ml"]


def test_each_class_reads_its_stage_as_a_workload_identity_service_account(tree: dict[str, str]) -> None:
    """Workload Identity: the Kubernetes service account is annotated iam.gke.io/gcp-service-account and the
    Google service account grants roles/iam.workloadIdentityUser to <pool>[<namespace>/<ksa>]
    (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#kubernetes-sa-to-iam)."""
    main = _blocks(tree["live/prod/platform/main.tf"], "module")
    identity = main["serving_identity_fraud_api"].body.attributes
    assert identity["namespace"].value == "serving-fraud-api"
    assert identity["kubernetes_service_account"].value == "fraud-api"
    assert identity["read_only_bucket_names"].expr_text == (
        "[data.terraform_remote_state.base.outputs.registry_bucket_name]")
    assert "artifact_bucket_names" not in identity, "a serving class never writes the registry"
    annotations = main["kserve"].body.attributes["service_account_annotations"]
    assert "module.serving_identity_fraud_api.pipeline_service_account_email" in annotations.expr_text
    assert '"iam.gke.io/gcp-service-account"' in annotations.expr_text
    deps = parse_file(str(GCP_MODULES / "pipeline_deps" / "main.tf")).body.blocks
    read_only = next(b for b in deps if b.labels == ["google_storage_bucket_iam_member", "read_only"])
    assert read_only.body.attributes["role"].value == "roles/storage.objectViewer"
    handoff = _blocks(tree["live/prod/platform/outputs.tf"], "output")["serving_endpoints"].body.attributes[
        "value"].partial_value["fraud-api"]
    assert handoff["namespace"] == "serving-fraud-api" and handoff["registry_stage"] == "prod"
    assert "service_account_email" in handoff


def test_service_account_ids_fit_googles_limits() -> None:
    """Service account ids: 6-30 characters, a lower-case letter first
    (https://cloud.google.com/iam/docs/service-accounts-create#creating)."""
    short = _service_account_id("serve", "fraud-api")
    long = _service_account_id("serve", "a-very-long-endpoint-class-name-indeed")
    assert short == "serve-fraud-api"
    assert len(long) <= 30 and long.startswith("serve-") and long != _service_account_id("serve", "a-very-long-x")
    assert _service_account_id("serve", "a-very-long-endpoint-class-name-indeed") == long  # stable


def test_argo_uses_workload_identity_gcs_and_the_cloud_sql_private_ip(tree: dict[str, str]) -> None:
    """Argo's GCS artifact repository without serviceAccountKeySecret uses the pod's Workload Identity
    (https://argo-workflows.readthedocs.io/en/stable/configure-artifact-repository/#configuring-gcs-google-cloud-storage);
    the archive connects to the metadata store's private IP (Cloud SQL has no public IP here)."""
    argo = _blocks(tree["live/dev/platform/main.tf"], "module")["workflow_orchestrator"].body.attributes
    repo = argo["artifact_repository"].value
    assert repo == {"archiveLogs": True, "gcs": {"bucket": "acme-ml-dev-datasets"}}
    base = _blocks(tree["live/dev/base/main.tf"], "module")["artifacts_datasets"].body.attributes
    assert base["name"].value == "acme-ml-dev-datasets"
    assert "module.pipeline_deps.pipeline_service_account_email" in argo["service_account_annotations"].expr_text
    assert argo["metadata_store_host"].expr_text == "module.metadata_store.metadata_store_private_ip"
    assert not any("password" in name or "username" in name for name in argo)


def test_feast_online_store_is_memorystore_with_cmek_tls_and_auth(tree: dict[str, str]) -> None:
    """Memorystore for Redis: in-transit encryption SERVER_AUTHENTICATION
    (https://cloud.google.com/memorystore/docs/redis/about-in-transit-encryption), AUTH, CMEK through the
    Memorystore service agent service-<number>@cloud-redis.iam.gserviceaccount.com, which must hold
    roles/cloudkms.cryptoKeyEncrypterDecrypter on the key (https://cloud.google.com/memorystore/docs/redis/cmek);
    the API is redis.googleapis.com."""
    redis = next(b for b in parse_file(str(GCP_MODULES / "feast_redis" / "main.tf")).body.blocks
                 if b.labels == ["google_redis_instance", "this"]).body.attributes
    assert redis["transit_encryption_mode"].value == "SERVER_AUTHENTICATION"
    assert redis["auth_enabled"].value is True
    assert redis["customer_managed_key"].expr_text == "var.kms_key_id"
    assert redis["connect_mode"].value == "PRIVATE_SERVICE_ACCESS"
    base = _blocks(tree["live/prod/base/main.tf"], "module")
    assert "cloud-redis.iam.gserviceaccount.com" in base["kms"].body.attributes["encrypter_members"].expr_text
    assert "redis.googleapis.com" in base["project_services"].body.attributes["services"].value
    bucket = base["feature_store_bucket"].body.attributes
    assert bucket["kms_key_id"].expr_text == "module.kms.key_id"
    online = _blocks(tree["live/prod/platform/main.tf"], "module")["feature_store_online"].body.attributes
    assert online["protect"].value is True and online["kms_key_id"].expr_text.endswith(".kms_key_id")
    out = _blocks(tree["live/prod/platform/outputs.tf"], "output")["feature_store"].body.attributes["value"]
    assert "acme-ml-prod-feature-store/registry.pb" in out.expr_text and "ssl=true" in out.expr_text
    assert "auth_string" not in out.expr_text, "the AUTH string is never an output"


def test_a_spec_without_feature_store_has_no_redis_api_or_agent() -> None:
    spec = EXAMPLE.read_text()
    spec = spec[:spec.index("feature_store:")] + spec[spec.index("observability:"):]
    tree = render_tree(load_text(spec, targets=TARGETS)).files
    base = _blocks(tree["live/prod/base/main.tf"], "module")
    assert "redis.googleapis.com" not in base["project_services"].body.attributes["services"].value
    assert "cloud-redis" not in base["kms"].body.attributes["encrypter_members"].expr_text
    assert not any(rel.startswith("modules/feast_redis/") for rel in tree)


def test_the_next_stages_promoters_read_this_stage(tree: dict[str, str]) -> None:
    """Promotion reads a version from the previous stage's registry (its bucket and MLflow registry) and
    registers it into the next, so the next stage's promoters are readers of this stage, from their own project
    (roles/storage.objectViewer on the bucket: https://cloud.google.com/storage/docs/access-control/iam-roles)."""
    staging_release = "serviceAccount:ml-release@acme-ml-staging.iam.gserviceaccount.com"
    prod_release = "serviceAccount:ml-release@acme-ml-prod.iam.gserviceaccount.com"
    serving = "serviceAccount:model-serving@acme-ml-prod.iam.gserviceaccount.com"
    expected = {"dev": {staging_release, serving}, "staging": {prod_release, serving}, "prod": {serving}}
    for env, readers in expected.items():
        modules = _blocks(tree[f"live/{env}/base/main.tf"], "module")
        for module in ("registry_bucket", "model_registry"):
            members = modules[module].body.attributes["reader_members"].partial_value
            assert {m for m in members if m.startswith("serviceAccount:")} == readers, (env, module)
