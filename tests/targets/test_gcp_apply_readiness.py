"""What a first `terraform apply` of the rendered GCP platform needs in a fresh organisation, beyond what
validate and the schemas can see: ordering Terraform cannot infer, API-side limits the provider schema accepts,
and network paths the cluster's own add-ons need. Each test cites the doc or issue of the fact it encodes and
reads the rendered HCL with the project's reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.hcl import Block, Body
from mlstrata.hcl.evaluate import Bound, Evaluator
from mlstrata.hcl.reader import parse_text
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.gcp import render as gcp_render
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "gcp" / "platform.yaml"
VARIETY = REPO / "tests" / "testdata" / "render" / "gcp-variety" / "spec.yaml"


@pytest.fixture(scope="module")
def trees() -> dict[str, dict[str, str]]:
    return {name: render_tree(load_spec(spec, targets=TARGETS)).files
            for name, spec in (("example", EXAMPLE), ("variety", VARIETY))}


def _body(text: str) -> Body:
    parsed = parse_text(text)
    assert not parsed.errors, parsed.errors
    return parsed.body


def _blocks(body: Body, block_type: str, *labels: str) -> list[Block]:
    return [b for b in body.blocks_of(block_type) if tuple(b.labels[:len(labels)]) == labels]


def _one(body: Body, block_type: str, *labels: str) -> Block:
    found = _blocks(body, block_type, *labels)
    assert len(found) == 1, (block_type, labels, [b.labels for b in body.blocks_of(block_type)])
    return found[0]


def test_every_module_of_a_base_root_waits_for_the_project_apis(trees: dict[str, dict[str, str]]) -> None:
    # A fresh project has Cloud KMS, Secret Manager, Artifact Registry, IAM, ... off. Resources of a module depend
    # only on the inputs they read (https://developer.hashicorp.com/terraform/language/modules/syntax#depends_on),
    # so a key ring, secret, repository or service account built from literal inputs was created while its API was
    # still being enabled: "API has not been used in project ... or it is disabled"
    # (https://github.com/hashicorp/terraform-provider-google/issues/16883). Before: module "kms", "cluster",
    # "registry_db", "model_registry" and the pools had no depends_on.
    checked = 0
    for name, tree in trees.items():
        for rel, text in tree.items():
            if not (rel.startswith("live/") and rel.endswith("/base/main.tf")):
                continue
            for module in _body(text).blocks_of("module"):
                if module.labels[0] == "project_services":
                    continue
                if module.labels[0].startswith(("gpu_pool_", "tpu_pool_")):
                    # a pool joins module.cluster (which waits) and reads its zones from it or the network
                    assert module.body.attributes["cluster_id"].expr_text == "module.cluster.cluster_id"
                    assert "depends_on" not in module.body.attributes
                    continue
                depends = module.body.attributes.get("depends_on")
                assert depends is not None and "module.project_services" in depends.expr_text, \
                    f"{name} {rel}: module.{module.labels[0]} does not wait for the project's APIs"
                checked += 1
    assert checked > 30


def test_the_bootstrap_enables_cloud_kms_before_the_state_key(trees: dict[str, dict[str, str]]) -> None:
    # The state project may be as fresh as any: Cloud KMS is not among the APIs a new project has on
    # (https://cloud.google.com/service-usage/docs/enabled-service#default), and the state key ring needs it.
    for tree in trees.values():
        body = _body(tree["bootstrap/state/main.tf"])
        apis = _one(body, "module", "project_services")
        assert apis.body.attributes["source"].value == "../../modules/project_services"
        services = apis.body.attributes["services"].value
        assert isinstance(services, list) and {"cloudkms.googleapis.com", "storage.googleapis.com"} <= set(services)
        backend = _one(body, "module", "state_backend")
        assert backend.body.attributes["depends_on"].expr_text == "[module.project_services]"
        assert "modules/project_services/main.tf" in tree


def test_workload_identity_bindings_wait_for_the_cluster(trees: dict[str, dict[str, str]]) -> None:
    # The <project>.svc.id.goog pool exists only once a cluster with Workload Identity does; a
    # roles/iam.workloadIdentityUser binding on it made earlier fails with "Identity Pool does not exist"
    # (https://github.com/terraform-google-modules/terraform-google-kubernetes-engine/issues/916,
    # https://github.com/jenkins-x/jx/issues/7627). The MLflow server's binding is in the same root as the
    # cluster, so the pool name must come from the cluster resource (before: "${var.project_id}.svc.id.goog",
    # which made the binding race the 10-minute cluster create).
    tree = trees["example"]
    output = _one(_body(tree["modules/gke_cluster/outputs.tf"]), "output", "workload_pool")
    assert output.body.attributes["value"].expr_text.startswith("google_container_cluster.this.")
    prod = _body(tree["live/prod/base/main.tf"])
    registry = _one(prod, "module", "model_registry")
    assert registry.body.attributes["workload_pool"].expr_text == "module.cluster.workload_pool"
    binding = _one(_body(tree["modules/model_registry/main.tf"]), "resource", "google_service_account_iam_member",
                   "workload_identity")
    assert "var.workload_pool" in binding.body.attributes["member"].expr_text


def _redis_replicas(tree: dict[str, str], protect: bool, memory_size_gb: int) -> tuple[object, object]:
    redis = _one(_body(tree["modules/feast_redis/main.tf"]), "resource", "google_redis_instance", "this")
    ev = Evaluator({"protect": Bound(protect), "memory_size_gb": Bound(memory_size_gb)}, {})
    return (ev.value(redis.body.attributes.get("read_replicas_mode")),
            ev.value(redis.body.attributes.get("replica_count")))


def test_redis_read_replicas_only_where_memorystore_allows_them(trees: dict[str, dict[str, str]]) -> None:
    # "Read replicas are only supported for instance sizes with nodes >= 5 GB", and once on they cannot be
    # turned off (https://cloud.google.com/memorystore/docs/redis/read-replicas, "Caveats and limitations").
    # Before: every protected environment asked for them on the default 1 GB instance, refused at create.
    tree = trees["example"]
    variables = _body(tree["modules/feast_redis/variables.tf"])
    default = _one(variables, "variable", "memory_size_gb").body.attributes["default"].value
    assert default == 1
    prod = _one(_body(tree["live/prod/platform/main.tf"]), "module", "feature_store_online")
    assert prod.body.attributes["protect"].value is True and "memory_size_gb" not in prod.body.attributes
    assert _redis_replicas(tree, True, 1) == (None, None)
    assert _redis_replicas(tree, True, 4) == (None, None)
    assert _redis_replicas(tree, True, 5) == ("READ_REPLICAS_ENABLED", 1)
    assert _redis_replicas(tree, False, 16) == (None, None)
    redis = _one(_body(tree["modules/feast_redis/main.tf"]), "resource", "google_redis_instance", "this")
    # High availability (a replica in another zone with automatic failover) is the tier, whatever the size.
    assert Evaluator({"protect": Bound(True)}, {}).value(redis.body.attributes["tier"]) == "STANDARD_HA"


def test_the_control_plane_reaches_the_webhooks_of_private_nodes(trees: dict[str, dict[str, str]]) -> None:
    # GKE's own firewall rule lets the control plane of a private cluster reach nodes only on TCP 443 and 10250;
    # webhooks on other ports time out and the objects they guard are refused
    # (https://cert-manager.io/docs/installation/compatibility/#gke,
    # https://cloud.google.com/service-mesh/docs/private-cluster-open-port). KServe's controller serves its
    # validating webhook on 9443 (kserve-webhook-server-service targetPort webhook-server), Knative's on 8443:
    # without a rule the kserve-runtime-configs release is rejected and rolled back on first apply.
    tree = trees["example"]
    cluster = _body(tree["modules/gke_cluster/main.tf"])
    private = _one(cluster, "resource", "google_container_cluster", "this").body.blocks_of("private_cluster_config")
    assert private and private[0].body.attributes["enable_private_nodes"].value is True
    rule = _one(cluster, "resource", "google_compute_firewall", "control_plane_webhooks").body
    assert rule.attributes["direction"].value == "INGRESS"
    assert rule.attributes["source_ranges"].expr_text == "[var.master_ipv4_cidr]"
    assert rule.attributes["network"].expr_text == "var.network_id"
    # every pool of the cluster runs as the nodes' service account, so the rule reaches every node
    assert rule.attributes["target_service_accounts"].expr_text == "[google_service_account.nodes.email]"
    for pool_module in ("gpu_node_pool", "tpu_node_pool"):
        pool = _one(_body(tree[f"modules/{pool_module}/main.tf"]), "resource", "google_container_node_pool", "this")
        config = pool.body.blocks_of("node_config")[0]
        assert config.body.attributes["service_account"].expr_text == "var.service_account_email"
    allow = rule.blocks_of("allow")[0].body.attributes
    assert allow["protocol"].value == "tcp" and allow["ports"].expr_text == "var.control_plane_webhook_ports"
    ports = _one(_body(tree["modules/gke_cluster/variables.tf"]), "variable", "control_plane_webhook_ports")
    assert set(ports.body.attributes["default"].value or []) >= {"9443", "8443"}  # type: ignore[arg-type]
    # the example's platform layer installs KServe, whose webhook needs it
    assert _blocks(_body(tree["live/prod/platform/main.tf"]), "module", "kserve")


def _machine_type_lookup(module_main: str) -> tuple[Block, Body]:
    body = _body(module_main)
    lookup = _one(body, "data", "google_compute_machine_types", "offered")
    return lookup, body


def test_gpu_pools_keep_only_the_zones_that_offer_their_machine_type(trees: dict[str, dict[str, str]]) -> None:
    # GPU machine types are offered in some zones of a region only
    # (https://cloud.google.com/compute/docs/gpus/gpu-regions-zones), and GKE refuses a pool with a zone that lacks
    # its type: 'Accelerator type "nvidia-l4" does not exist in zone us-west4-b'
    # (https://github.com/GoogleCloudPlatform/kubernetes-engine-samples/issues/1738). Before: every pool of a
    # regional cluster took all of the cluster's zones (prod's a3-megagpu-8g pool over three us-central1 zones).
    tree = trees["example"]
    lookup, body = _machine_type_lookup(tree["modules/gpu_node_pool/main.tf"])
    attrs = lookup.body.attributes
    assert attrs["count"].expr_text == "var.zone_count"  # a number known when planning, unlike the zones
    assert "var.node_locations" in attrs["zone"].expr_text and "var.machine_type" in attrs["filter"].expr_text
    pool = _one(body, "resource", "google_container_node_pool", "this")
    assert pool.body.attributes["node_locations"].expr_text == (
        "var.keep_all_zones ? var.node_locations : local.offered_locations")
    locals_ = {name: a for b in body.blocks_of("locals") for name, a in b.body.attributes.items()}
    assert "data.google_compute_machine_types.offered" in locals_["offered_locations"].expr_text
    preconditions = [c for lc in pool.body.blocks_of("lifecycle") for c in lc.body.blocks_of("precondition")]
    assert preconditions and "local.offered_locations" in preconditions[0].body.attributes["condition"].expr_text
    assert _blocks(body, "check", "every_zone_offers_the_machine_type")
    # zone_count is how many zones the call hands over: every zone of a regional cluster, its one zone otherwise,
    # or the zones the spec names
    for name, env, expected in (("example", "prod", 3), ("example", "dev", 1), ("variety", "prod", 3)):
        for module in _body(trees[name][f"live/{env}/base/main.tf"]).blocks_of("module"):
            if not module.labels[0].startswith("gpu_pool_"):
                continue
            a = module.body.attributes
            given = a["node_locations"].value
            want = len(given) if isinstance(given, list) else expected
            assert a["node_locations"].expr_text.startswith(("module.cluster.node_locations", "["))
            assert a["zone_count"].value == want, (name, env, module.labels[0])
            # zones the spec names are kept (and checked), derived ones filtered
            assert ("keep_all_zones" in a) == isinstance(given, list), (name, env, module.labels[0])


def test_a_tpu_slice_runs_in_a_zone_that_offers_its_machine_type(trees: dict[str, dict[str, str]]) -> None:
    # TPU types are offered in one or two zones of a region (https://cloud.google.com/tpu/docs/regions-zones): the
    # slice takes the first of the network's zones that offers its machine type, or the zone the spec names.
    # Before: the first of the cluster's zones, whatever it offers.
    tree = trees["example"]
    lookup, body = _machine_type_lookup(tree["modules/tpu_node_pool/main.tf"])
    assert lookup.body.attributes["count"].expr_text == "var.zone_count"
    assert "var.zones" in lookup.body.attributes["zone"].expr_text
    pool = _one(body, "resource", "google_container_node_pool", "this")
    assert pool.body.attributes["node_locations"].expr_text == "[local.zone]"
    for env in ("dev", "prod"):
        tpu = _one(_body(tree[f"live/{env}/base/main.tf"]), "module", "tpu_pool_jax").body.attributes
        assert tpu["zones"].expr_text == "module.network.zones"
        network = _one(_body(tree[f"live/{env}/base/main.tf"]), "module", "network").body.attributes
        assert tpu["zone_count"].value == network["zone_count"].value == 3
    variety = _body(trees["variety"]["live/prod/base/main.tf"])
    named = [m.body.attributes for m in variety.blocks_of("module") if m.labels[0].startswith("tpu_pool_")
             and isinstance(m.body.attributes["zones"].value, list)]
    assert named and all(a["zone_count"].value == len(a["zones"].value) for a in named)  # type: ignore[arg-type]


def test_the_cluster_asks_for_no_removed_vulnerability_scanning_tier(trees: dict[str, dict[str, str]]) -> None:
    # Workload vulnerability scanning's standard tier (VULNERABILITY_BASIC) was deprecated on 2024-07-23 and removed
    # on 2025-07-31; a removed tier cannot be enabled on a cluster
    # (https://cloud.google.com/kubernetes-engine/docs/deprecations/vulnerability-scanning-gkee; the Container API
    # reference marks VULNERABILITY_BASIC "no longer supported"). Before: every cluster asked for it.
    cluster = _one(_body(trees["example"]["modules/gke_cluster/main.tf"]), "resource", "google_container_cluster",
                   "this")
    posture = cluster.body.blocks_of("security_posture_config")[0].body.attributes
    assert posture["mode"].value == "BASIC"  # workload configuration audit, still offered
    assert posture["vulnerability_mode"].value in ("VULNERABILITY_DISABLED", "VULNERABILITY_ENTERPRISE")


def test_service_account_ids_are_valid_and_distinct_for_every_name_the_spec_allows(
        trees: dict[str, dict[str, str]]) -> None:
    # Service account ids are 6-30 characters, [a-z][-a-z0-9]*[a-z0-9], unique in the project
    # (https://cloud.google.com/iam/docs/service-accounts-create). Before: the nodes', MLflow's and the pipeline
    # runner's ids were `<platform>-<env>-<suffix>` cut to 30, so a 29-character name gave an id ending in a hyphen
    # and longer names (the spec allows 40, the GKE cluster name limit) gave all three the same id: the second
    # create failed with "already exists".
    valid = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
    for length in range(3, 41):
        name = ("acme-ml-platform-team-x" * 2)[:length - 2].rstrip("-") + "-p"
        ids = [gcp_render.account_id(name, s) for s in ("nodes", "mlflow", "pipelines")]
        assert all(valid.match(i) for i in ids), (name, ids)
        assert len(set(ids)) == 3, (name, ids)
        if len(name) <= 28:  # ids already created keep theirs
            assert ids == [f"{name}-{s}"[:30] for s in ("nodes", "mlflow", "pipelines")]
    prod = _body(trees["example"]["live/prod/base/main.tf"])
    assert _one(prod, "module", "cluster").body.attributes["node_service_account_id"].value == "acme-ml-prod-nodes"
    assert (_one(prod, "module", "model_registry").body.attributes["server_service_account_id"].value
            == "acme-ml-prod-mlflow")
    platform = _body(trees["example"]["live/prod/platform/main.tf"])
    assert _one(platform, "module", "pipeline_deps").body.attributes["name"].value == "acme-ml-prod-pipelines"
    for module, var in (("gke_cluster", "node_service_account_id"), ("model_registry", "server_service_account_id")):
        main = trees["example"][f"modules/{module}/main.tf"]
        assert f"account_id   = coalesce(var.{var}, " in main


NEW_SERIES_SPEC = """\
platform: hd
target: gcp
region: us-central1
state: { backend: gcs, bucket: hd-tfstate }
environments:
  prod: { account: hd-ml-prod, protect: true }
gpu_pools:
  ultra: { instance_types: [a3-ultragpu-8g], scaling: { min: 0, max: 2, desired: autoscaler } }
  b200: { instance_types: [a4-highgpu-8g], scaling: { min: 0, max: 2, desired: autoscaler } }
  mega: { instance_types: [a3-megagpu-8g], scaling: { min: 0, max: 2, desired: autoscaler } }
  l4: { instance_types: [g2-standard-8], scaling: { min: 0, max: 2, desired: autoscaler } }
tpu_pools:
  trillium: { machine_type: ct6e-standard-4t, topology: 2x4, scaling: { min: 0, max: 2, desired: autoscaler } }
  v5e: { machine_type: ct5lp-hightpu-4t, topology: 2x2, scaling: { min: 0, max: 1, desired: autoscaler } }
observability: { grafana: false }
"""


def _rendered(tmp_path: Path, text: str) -> dict[str, str]:
    spec = tmp_path / "platform.yaml"
    spec.write_text(text, encoding="utf-8")
    return render_tree(load_spec(spec, targets=TARGETS)).files


def _boot_disk(tree: dict[str, str], module_call: Block) -> object:
    """The disk_type a pool's nodes get: the call's input, else the module variable's default."""
    module = module_call.body.attributes["source"].value.split("/")[-1]  # type: ignore[union-attr]
    variables = _body(tree[f"modules/{module}/variables.tf"])
    inputs = {name: Bound(a.value) for name, a in module_call.body.attributes.items()
              if name != "source" and a.value is not None}
    default = _one(variables, "variable", "disk_type").body.attributes["default"].value
    pool = _one(_body(tree[f"modules/{module}/main.tf"]), "resource", "google_container_node_pool", "this")
    config = pool.body.blocks_of("node_config")[0]
    return Evaluator({"disk_type": inputs.get("disk_type", Bound(default))}, {}).value(
        config.body.attributes["disk_type"])


def test_pools_of_hyperdisk_only_series_boot_from_hyperdisk_balanced(tmp_path: Path) -> None:
    # A3 Ultra, A4 (and A4X) list only Hyperdisk types among their supported disks
    # (https://cloud.google.com/compute/docs/accelerator-optimized-machines#supported_disk_types) and GKE refuses
    # their pools with a Persistent Disk boot disk ("pd-balanced disk type cannot be used by a4x-highgpu-4g machine
    # type", NVIDIA/aicr#2338); TPU v6e boots from Hyperdisk Balanced (Google's GKE v6e blueprint,
    # GoogleCloudPlatform/cluster-toolkit gke-tpu-v6e.yaml: disk_type hyperdisk-balanced). Before: every GPU pool
    # booted from pd-ssd and every TPU pool from pd-balanced, whatever the machine series, so these four pools
    # failed on first apply. Series that support Persistent Disk keep theirs (a change would replace the pool).
    tree = _rendered(tmp_path, NEW_SERIES_SPEC)
    base = _body(tree["live/prod/base/main.tf"])
    got = {m.labels[0]: _boot_disk(tree, m) for m in base.blocks_of("module")
           if m.labels[0].startswith(("gpu_pool_", "tpu_pool_"))}
    assert got == {"gpu_pool_ultra": "hyperdisk-balanced", "gpu_pool_b200": "hyperdisk-balanced",
                   "gpu_pool_mega": "pd-ssd", "gpu_pool_l4": "pd-ssd",
                   "tpu_pool_trillium": "hyperdisk-balanced", "tpu_pool_v5e": "pd-balanced"}
    # the examples' pools are unchanged: no replacement on upgrade
    example = _body(render_tree(load_spec(EXAMPLE, targets=TARGETS)).files["live/prod/base/main.tf"])
    assert all("disk_type" not in m.body.attributes for m in example.blocks_of("module"))


def test_flex_start_pools_take_no_reservation_any_zone_and_no_repair(trees: dict[str, dict[str, str]],
                                                                       tmp_path: Path) -> None:
    # Flex-start VMs come from the Dynamic Workload Scheduler, like queued provisioning
    # (https://cloud.google.com/kubernetes-engine/docs/concepts/dws): Google's own GKE flex-start blueprints create
    # the pool with reservation affinity NO_RESERVATION and auto_repair = false, "flex-start dependency"
    # (GoogleCloudPlatform/cluster-toolkit, examples/gke-consumption-options/dws-flex-start-queued-provisioning).
    # Before: a flex-start pool was auto-repaired, took location policy BALANCED, and with no
    # gke.reservation_affinity in the spec asked for reservations (ANY).
    spec = tmp_path / "flex.yaml"
    spec.write_text(VARIETY.read_text(encoding="utf-8").replace(
        "gke: { flex_start: true, reservation_affinity: NO_RESERVATION }", "gke: { flex_start: true }"),
        encoding="utf-8")
    for tree in (trees["variety"], render_tree(load_spec(spec, targets=TARGETS)).files):
        flex = _one(_body(tree["live/prod/base/main.tf"]), "module", "gpu_pool_flex").body.attributes
        assert flex["flex_start"].value is True
        assert flex["reservation_affinity"].value == "NO_RESERVATION"
        assert flex["location_policy"].value == "ANY"
    pool = _one(_body(trees["variety"]["modules/gpu_node_pool/main.tf"]), "resource", "google_container_node_pool",
                "this")
    repair = pool.body.blocks_of("management")[0].body.attributes["auto_repair"]
    for flex_start, queued, expected in ((True, False, False), (False, True, False), (False, False, True)):
        got = Evaluator({"flex_start": Bound(flex_start), "queued_provisioning": Bound(queued)}, {}).value(repair)
        assert got is expected, (flex_start, queued)


def test_the_platform_key_is_handed_out_only_once_its_grants_are_effective(trees: dict[str, dict[str, str]]) -> None:
    # IAM changes take about two minutes to propagate, at times seven or more
    # (https://cloud.google.com/iam/docs/access-change-propagation); a CMEK bucket created in between fails with
    # "Permission denied on Cloud KMS key" (hashicorp/terraform-provider-google#10310), a Memorystore instance with
    # "Unable to delegate the access of CMEK" (hashicorp/terraform-provider-google#17333). Before: key_id waited
    # only for the grants' API calls, so the buckets, the cluster's secrets encryption and the pools' boot disks
    # were created seconds after the grants, on the first apply of every environment.
    tree = trees["example"]
    kms = _body(tree["modules/kms_key/main.tf"])
    wait = _one(kms, "resource", "time_sleep", "grant_propagation").body.attributes
    assert wait["depends_on"].expr_text == "[google_kms_crypto_key_iam_member.this]"
    assert wait["triggers"].expr_text == "var.encrypter_members"  # again when an agent is added
    assert wait["create_duration"].expr_text == "var.grant_propagation_wait"
    default = _one(_body(tree["modules/kms_key/variables.tf"]), "variable", "grant_propagation_wait")
    assert int(str(default.body.attributes["default"].value).rstrip("s")) >= 120
    key_id = _one(_body(tree["modules/kms_key/outputs.tf"]), "output", "key_id").body.attributes
    assert key_id["depends_on"].expr_text == "[time_sleep.grant_propagation]"
    # everything encrypted with the key in the base root reads key_id; the platform layer reads it from base's state
    prod = _body(tree["live/prod/base/main.tf"])
    users = [m.labels[0] for m in prod.blocks_of("module")
             if any(a.expr_text == "module.kms.key_id" for a in m.body.attributes.values())]
    assert {"cluster", "gpu_pool_training", "tpu_pool_jax", "access_logs", "registry_bucket"} <= set(users)
    assert not any("google_kms_crypto_key." in a.expr_text for m in prod.blocks_of("module")
                   for a in m.body.attributes.values())
    providers = _one(_body(tree["live/prod/base/versions.tf"]), "terraform").body.blocks_of("required_providers")[0]
    assert providers.body.attributes["time"].value == {"source": "hashicorp/time", "version": ">= 0.12, < 1.0"}
    # the state bucket of the bootstrap root, a CMEK bucket made right after its key's grant, waits the same way
    state = _body(tree["modules/state_backend/main.tf"])
    state_wait = _one(state, "resource", "time_sleep", "grant_propagation").body.attributes
    assert state_wait["depends_on"].expr_text == "[google_kms_crypto_key_iam_member.gcs]"
    assert int(str(state_wait["create_duration"].value).rstrip("s")) >= 120
    bucket = _one(state, "resource", "google_storage_bucket", "this").body.attributes
    assert bucket["depends_on"].expr_text == "[time_sleep.grant_propagation]"
    bootstrap = _one(_body(tree["bootstrap/state/versions.tf"]), "terraform").body.blocks_of("required_providers")[0]
    assert bootstrap.body.attributes["time"].value == providers.body.attributes["time"].value


CROSS_STAGE_SPEC = """\
platform: xs
target: gcp
region: us-central1
state: { backend: gcs, bucket: xs-tfstate }
environments:
  dev: { account: xs-ml-dev }
  qa: { account: xs-ml-qa }
  prod: { account: xs-ml-prod, protect: true }
gpu_pools:
  serving: { instance_types: [g2-standard-8], scaling: { min: 0, max: 2, desired: autoscaler } }
model_registry:
  stages: [dev, prod]
  models: { fraud: {} }
serving:
  engine: kserve
  endpoints:
    fraud-api:
      model: fraud
      gpu_pool: serving
      autoscaling: { min_replicas: 0, max_replicas: 2, scale_to_zero: true }
      overrides:
        qa: { stage: prod }
observability: { grafana: false }
"""


def test_a_serving_class_never_sets_iam_on_another_projects_registry(tmp_path: Path) -> None:
    # A bucket's IAM policy is changed with storage.buckets.setIamPolicy in the bucket's project
    # (https://cloud.google.com/storage/docs/access-control/iam-permissions); with one deployer identity per
    # environment project (the CI roles of the spec), qa's identity has no such right in prod, and prod's registry
    # bucket may not exist when qa is applied. Before: qa's platform root granted its serving identity
    # roles/storage.objectViewer on xs-prod-model-registry, refused on first apply. Now the stage's own root
    # grants its readers (model_registry.readers), and qa's root names the member to list there.
    tree = _rendered(tmp_path, CROSS_STAGE_SPEC)
    qa = _one(_body(tree["live/qa/platform/main.tf"]), "module", "serving_identity_fraud_api")
    assert "read_only_bucket_names" not in qa.body.attributes
    assert "list serviceAccount:serve-fraud-api@xs-ml-qa.iam.gserviceaccount.com there" in \
        tree["live/qa/platform/main.tf"]
    # no root writes IAM on a bucket of another environment's project
    for env in ("dev", "qa", "prod"):
        text = tree[f"live/{env}/platform/main.tf"]
        others = [f"xs-{e}-model-registry" for e in ("dev", "prod") if e != env]
        assert not any(f'"{b}"' in text for b in others), env
    # an environment reading its own stage keeps the grant, from its base layer's output
    prod = _one(_body(tree["live/prod/platform/main.tf"]), "module", "serving_identity_fraud_api").body.attributes
    assert prod["read_only_bucket_names"].expr_text == "[data.terraform_remote_state.base.outputs.registry_bucket_name]"


def test_the_pubsub_service_agent_exists_before_the_dead_letter_grants(trees: dict[str, dict[str, str]]) -> None:
    # Service agents are created as services are enabled *and used*; one not created yet cannot be granted a role
    # (https://cloud.google.com/iam/docs/create-service-agents). The Pub/Sub agent is a just-in-time one
    # (GoogleCloudPlatform/cloud-foundation-fabric modules/project/service-agents.yaml: pubsub `jit: true`), and a
    # grant to it on a fresh project fails with "Service account service-...@gcp-sa-pubsub... does not exist"
    # (hashicorp/terraform-provider-google#7281). Before: the dead-letter topic and subscription grants named the
    # agent by its project number only. The other agents the platform key names are created when their API is
    # enabled (compute-system, container-engine-robot, cloud-redis: not jit in the same list) or by the data source
    # that reads them (Cloud Storage's), and need none.
    tree = trees["example"]
    queue = _body(tree["modules/pipeline_queue/main.tf"])
    identity = _one(queue, "resource", "google_project_service_identity", "pubsub").body.attributes
    assert identity["provider"].expr_text == "google-beta"
    assert identity["service"].value == "pubsub.googleapis.com" and identity["project"].expr_text == "var.project_id"
    for kind, name in (("google_pubsub_topic_iam_member", "dead_letter_publisher"),
                       ("google_pubsub_subscription_iam_member", "dead_letter_subscriber")):
        grant = _one(queue, "resource", kind, name).body.attributes
        assert grant["member"].expr_text == "local.pubsub_agent"  # unchanged: no replacement on upgrade
        assert grant["depends_on"].expr_text == "[google_project_service_identity.pubsub]"
    versions = _one(_body(tree["modules/pipeline_queue/versions.tf"]), "terraform").body.blocks_of(
        "required_providers")[0].body.attributes
    assert versions["google-beta"].value == {"source": "hashicorp/google-beta", "version": ">= 6.50, < 7.0"}
    # the root that calls it configures google-beta on the environment's own project
    for env, project in (("dev", "acme-ml-dev"), ("prod", "acme-ml-prod")):
        providers = _body(tree[f"live/{env}/platform/providers.tf"])
        beta = _one(providers, "provider", "google-beta").body.attributes
        assert beta["project"].value == project
        root_versions = _one(_body(tree[f"live/{env}/platform/versions.tf"]), "terraform").body.blocks_of(
            "required_providers")[0].body.attributes
        assert root_versions["google-beta"].value == versions["google-beta"].value
        assert "google-beta" not in tree[f"live/{env}/base/versions.tf"]
    # the agents the platform key is granted to are not just-in-time ones
    members = _one(_body(tree["live/prod/base/main.tf"]), "module", "kms").body.attributes["encrypter_members"]
    assert not any("gcp-sa-" in text for text in members.expr_text.splitlines())


def test_argo_can_reach_its_workflow_archive(trees: dict[str, dict[str, str]]) -> None:
    # With ssl_mode TRUSTED_CLIENT_CERTIFICATE_REQUIRED Cloud SQL accepts only connections that present a client
    # certificate it issued, which the Cloud SQL Auth Proxy and the connectors do
    # (https://cloud.google.com/sql/docs/postgres/configure-ssl-instance#enforcing-ssl). Argo's workflow archive
    # connects to the private IP with a password: its PostgreSQL settings are host, port, database, the secrets,
    # ssl and sslMode, no client certificate (https://argo-workflows.readthedocs.io/en/stable/workflow-archive/).
    # Before: the pipelines' metadata store required client certificates, Argo's controller could not open the
    # archive, and the atomic Helm release of Argo rolled back on first apply.
    tree = trees["example"]
    instance = _one(_body(tree["modules/metadata_store/main.tf"]), "resource", "google_sql_database_instance", "this")
    ip = instance.body.blocks_of("settings")[0].body.blocks_of("ip_configuration")[0].body.attributes
    assert ip["ssl_mode"].expr_text == "var.ssl_mode" and ip["ipv4_enabled"].value is False
    variable = _one(_body(tree["modules/metadata_store/variables.tf"]), "variable", "ssl_mode").body.attributes
    assert variable["default"].value == "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    for env in ("dev", "prod"):
        platform = _body(tree[f"live/{env}/platform/main.tf"])
        store = _one(platform, "module", "metadata_store").body.attributes
        assert store["ssl_mode"].value == "ENCRYPTED_ONLY"  # TLS still required
        argo = _one(platform, "module", "workflow_orchestrator").body.attributes
        assert argo["metadata_store_host"].expr_text == "module.metadata_store.metadata_store_private_ip"
        # the registry's database is read through the Auth Proxy and keeps client certificates
        registry_db = _one(_body(tree[f"live/{env}/base/main.tf"]), "module", "registry_db").body.attributes
        assert "ssl_mode" not in registry_db
    orchestrator = _body(tree["modules/workflow_orchestrator/main.tf"])
    assert 'sslMode = "require"' in tree["modules/workflow_orchestrator/main.tf"] and orchestrator.blocks_of("locals")
