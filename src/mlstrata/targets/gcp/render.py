"""Roots of the gcp target: one per environment x layer, `gcs` state, project pinned per environment."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

from mlstrata.diagnostics import Diagnostic
from mlstrata.hcl.write import Blank, Block, Comment, Expr, render_file
from mlstrata.hcl.write import module_call as _module
from mlstrata.hcl.write import output_block as _output
from mlstrata.spec.checks import CiIdentity
from mlstrata.spec.models import GpuPoolShape, Layer, Platform, ServingEndpointShape, TpuPoolShape
from mlstrata.spec.resolve import ResolvedEnv, registry_readers, serving_engine
from mlstrata.spec.source import Source
from mlstrata.targets import kubernetes as kube
from mlstrata.targets.base import (
    CLOUD_PROTECTION,
    HEADER,
    TIME_PROVIDER,
    JournalInRepository,
    RegistryProviders,
    UnitFiles,
)
from mlstrata.targets.bootstrap import local_state_versions
from mlstrata.targets.gcp import catalog as cat
from mlstrata.targets.gcp import checks
from mlstrata.targets.gcp.checks import zone_count

GOOGLE_PROVIDER = {"source": "hashicorp/google", "version": ">= 6.50, < 7.0"}
GOOGLE_BETA_PROVIDER = {"source": "hashicorp/google-beta", "version": ">= 6.50, < 7.0"}
RANDOM_PROVIDER = {"source": "hashicorp/random", "version": ">= 3.7, < 4.0"}
HELM_PROVIDER = {"source": "hashicorp/helm", "version": ">= 3.0, < 4.0"}
# Write-only arguments and ephemeral resources (the database password never in state) need 1.11.
REQUIRED_TERRAFORM = ">= 1.11"

SERVICES = [
    "artifactregistry.googleapis.com",
    "binaryauthorization.googleapis.com",  # the cluster enforces the project's Binary Authorization policy
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "containersecurity.googleapis.com",  # GKE security posture (workload configuration audit)
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
]
# What the bootstrap root calls: the state key ring (Cloud KMS) and the bucket (Cloud Storage).
BOOTSTRAP_SERVICES = ("cloudkms.googleapis.com", "storage.googleapis.com")
_TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
# GKE taints GPU nodes nvidia.com/gpu=present:NoSchedule and TPU nodes google.com/tpu=present:NoSchedule
# itself (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#create); declaring the same
# value keeps Terraform and GKE in agreement.
GKE_TAINT_VALUES = {"nvidia.com/gpu": "present", "google.com/tpu": "present"}
_LABEL_BAD = re.compile(r"[^a-z0-9_-]")


def label(text: str, *, key: bool = False) -> str:
    """A GCP label key or value: lower-case letters, digits, `_` and `-`, at most 63 characters;
    keys start with a letter."""
    out = _LABEL_BAD.sub("-", text.lower())[:63]
    if key and not out[:1].isalpha():
        out = ("k" + out)[:63]
    return out


def labels(platform: Platform, env: ResolvedEnv | None, layer: str) -> dict[str, str]:
    tags = {**platform.tags, **(env.spec.tags if env else {})}
    tags.update({"mlstrata-platform": platform.platform, "mlstrata-layer": layer, "managed-by": "mlstrata"})
    if env is not None:
        tags["mlstrata-environment"] = env.name
    return dict(sorted((label(k, key=True), label(v)) for k, v in tags.items()))


def state_prefix(platform: Platform, env: str, layer: str) -> str:
    return f"{platform.state.key_prefix or platform.platform}/{env}/{layer}"


def state_project(platform: Platform) -> str:
    """The project owning the state bucket: gcp.state_project, else the first protected environment's."""
    if platform.gcp is not None and platform.gcp.state_project:
        return platform.gcp.state_project
    envs = list(platform.environments.values())
    chosen = next((e for e in envs if e.protect), envs[0])
    assert chosen.account is not None  # checked by the target
    return chosen.account


def render_unit(platform: Platform, env: ResolvedEnv, layer: Layer) -> dict[str, str]:
    header = HEADER
    providers = Block("required_providers").attr("google", dict(GOOGLE_PROVIDER))
    if _uses_beta(platform, layer):
        providers.attr("google-beta", dict(GOOGLE_BETA_PROVIDER))
    if layer == "base":
        providers.attr("random", dict(RANDOM_PROVIDER)).attr("time", dict(TIME_PROVIDER))
    elif _uses_helm(platform, env):
        providers.attr("helm", dict(HELM_PROVIDER))
    versions = Block("terraform").attr("required_version", REQUIRED_TERRAFORM).add(providers)
    backend = Block("backend", ["gcs"]).attr("bucket", platform.state.bucket)
    backend.attr("prefix", state_prefix(platform, env.name, layer))
    main, outputs = (_base if layer == "base" else _platform)(platform, env)
    return {
        "versions.tf": render_file([versions], header),
        "backend.tf": render_file([Block("terraform").add(backend)], header),
        "providers.tf": render_file(_providers(platform, env, layer), header),
        "main.tf": render_file(main, header),
        "outputs.tf": render_file(outputs, header),
    }


def _providers(platform: Platform, env: ResolvedEnv, layer: Layer) -> list[Block | Comment | Blank]:
    google = Block("provider", ["google"])
    google.add(Comment("Every resource lands in this environment's project: a dev plan never touches prod."))
    google.attr("project", env.spec.account).attr("region", env.region)
    google.attr("default_labels", labels(platform, env, layer))
    items: list[Block | Comment | Blank] = [google]
    if _uses_beta(platform, layer):
        beta = Block("provider", ["google-beta"])
        beta.add(Comment("For what exists in google-beta only (the Pub/Sub service agent); the same project."))
        beta.attr("project", env.spec.account).attr("region", env.region)
        beta.attr("default_labels", labels(platform, env, layer))
        items.append(beta)
    if layer == "platform" and _uses_helm(platform, env):
        base = "data.terraform_remote_state.base.outputs"
        items.append(Block("data", ["google_client_config", "current"]))
        helm = Block("provider", ["helm"])
        helm.add(Comment("The cluster's DNS endpoint: reachable from CI without a route into the VPC; IAM "
                         "authorises every request."))
        helm.attr("kubernetes", {
            "host": Expr(f'"https://${{{base}.cluster_dns_endpoint}}"'),
            "token": Expr("data.google_client_config.current.access_token"),
        })
        items.append(helm)
    return items


def _uses_beta(platform: Platform, layer: Layer) -> bool:
    """The platform layer creates the Pub/Sub service agent (google_project_service_identity, google-beta only)
    for the pipeline queue's dead-letter grants."""
    return layer == "platform" and platform.pipelines is not None and platform.pipelines.queue is not None


def _observability(platform: Platform) -> bool:
    obs = platform.observability
    managed = platform.gcp is not None and platform.gcp.managed_prometheus
    return not managed and (obs.prometheus or obs.grafana or obs.dcgm_exporter)


def _kserve_on(platform: Platform, env: ResolvedEnv) -> bool:
    return bool(env.serving) and serving_engine(platform) == "kserve"


def _argo_on(platform: Platform) -> bool:
    return platform.pipelines is not None and platform.pipelines.orchestrator == "argo"


def _argo_archive(platform: Platform) -> bool:
    """Argo Workflows keeps its workflow archive in the pipeline metadata store (`_argo`)."""
    pipelines = platform.pipelines
    return (_argo_on(platform) and pipelines is not None and pipelines.metadata_store is not None
            and "metadata_store" in pipelines.needs)


def _uses_helm(platform: Platform, env: ResolvedEnv) -> bool:
    """The platform layer installs Helm releases: the monitoring stack, KServe or Argo Workflows."""
    return bool(_observability(platform)) or _kserve_on(platform, env) or _argo_on(platform)


def _label_key(name: str) -> str:
    return name.replace("-", "_")


def _node_locations(platform: Platform, env: ResolvedEnv, zones: list[str] | None) -> object:
    if zones and env.protect:
        return [f"{env.region}-{z}" for z in zones]
    return Expr("module.cluster.node_locations")


def _taints(taints: list[object]) -> list[dict[str, str]]:
    out = []
    for t in taints:
        key, value, effect = t.key, t.value, t.effect  # type: ignore[attr-defined]
        out.append({"key": key, "value": GKE_TAINT_VALUES.get(key, value), "effect": _TAINT_EFFECTS[effect]})
    return out


def _gpu_pool(platform: Platform, env: ResolvedEnv, name: str, pool: GpuPoolShape,
              pool_labels: dict[str, str]) -> Block:
    gke = pool.gke
    machine = pool.instance_types[0]
    fixed = cat.gpu_of_machine(machine)
    accelerator = fixed.accelerator if fixed else (gke.accelerator if gke else None)
    count = fixed.count if fixed else (gke.accelerator_count if gke else None)
    queued = gke is not None and gke.queued_provisioning
    # Flex-start and queued-provisioning VMs come from the Dynamic Workload Scheduler, never from a reservation, and
    # wherever capacity is found: Google's own GKE blueprints set NO_RESERVATION and location policy ANY for both.
    dws = queued or bool(gke and gke.flex_start)
    zones = zone_count(platform, env.protect, pool.zones)
    desired = pool.scaling.desired
    autoscaled = desired == "autoscaler"
    if pool.capacity == "capacity_block":
        affinity = "SPECIFIC"
    else:
        affinity = (gke.reservation_affinity if gke and gke.reservation_affinity else
                    "NO_RESERVATION" if dws else "ANY")
    policy = (gke.location_policy if gke and gke.location_policy else
              "ANY" if dws or pool.capacity == "spot" else "BALANCED")
    sharing = gke.sharing if gke else None
    return _module(
        f"gpu_pool_{_label_key(name)}", "gpu_node_pool",
        project_id=env.spec.account, cluster_id=Expr("module.cluster.cluster_id"),
        location=Expr("module.cluster.cluster_location"), name=name,
        node_locations=_node_locations(platform, env, pool.zones), zone_count=zones,
        keep_all_zones=True if pool.zones and env.protect else None,
        machine_type=machine, accelerator_type=accelerator, accelerator_count=count,
        gpu_driver_version=gke.driver_version if gke else "LATEST",
        gpu_sharing_strategy=sharing.strategy if sharing else None,
        max_shared_clients_per_gpu=sharing.max_clients_per_gpu if sharing else None,
        gpu_partition_size=gke.partition_size if gke else None,
        spot=pool.capacity == "spot", flex_start=True if gke and gke.flex_start else None,
        reservation_affinity=affinity,
        reservation_name=pool.capacity_reservation_id if affinity == "SPECIFIC" else None,
        queued_provisioning=True if queued else None,
        c1=Comment("Who owns the node count: `terraform` applies node_count_per_zone every run; `autoscaler` "
                   "owns it between the totals."),
        node_count_owner="autoscaler" if autoscaled else "terraform",
        node_count_per_zone=None if autoscaled else int(desired) // zones,
        initial_node_count_per_zone=math.ceil(pool.scaling.min / zones) if autoscaled and not queued else None,
        total_min_node_count=pool.scaling.min if autoscaled else None,
        total_max_node_count=pool.scaling.max if autoscaled else None,
        location_policy=policy if autoscaled else None,
        **_nodes("gpu", name, pool, pool_labels),
    )


def _nodes(kind: str, name: str, pool: GpuPoolShape | TpuPoolShape, pool_labels: dict[str, str]) -> dict[str, object]:
    """What every GKE node pool's nodes carry: the pool's labels (and the one naming it) and taints, a boot disk
    encrypted with the platform key (Hyperdisk Balanced for a series that boots from nothing else; the module's
    Persistent Disk type otherwise), the cluster's node service account."""
    machine = pool.machine_type if isinstance(pool, TpuPoolShape) else pool.instance_types[0]
    return {
        "labels": dict(sorted({**pool.labels, f"mlstrata.dev/{kind}-pool": name}.items())),
        "resource_labels": pool_labels,
        "taints": _taints(list(pool.taints)),
        "disk_size_gb": pool.disk_size_gb,
        "disk_type": cat.HYPERDISK_BOOT if cat.hyperdisk_only(machine) else None,
        "boot_disk_kms_key_id": Expr("module.kms.key_id"),
        "service_account_email": Expr("module.cluster.node_service_account_email"),
    }


def _tpu_pool(platform: Platform, env: ResolvedEnv, name: str, pool: TpuPoolShape,
              pool_labels: dict[str, str]) -> Block:
    desired = pool.scaling.desired
    autoscaled = desired == "autoscaler"
    # A slice runs in one zone: the one the spec names, else the first of the network's zones that offers the
    # machine type (the module asks the Compute API), also in an environment whose cluster is zonal.
    explicit = bool(pool.zone and env.protect)
    zones: object = [f"{env.region}-{pool.zone}"] if explicit else Expr("module.network.zones")
    reserved = pool.capacity == "capacity_block"
    return _module(
        f"tpu_pool_{_label_key(name)}", "tpu_node_pool",
        project_id=env.spec.account, cluster_id=Expr("module.cluster.cluster_id"),
        location=Expr("module.cluster.cluster_location"), zones=zones,
        zone_count=1 if explicit else platform.network.zones, name=name,
        machine_type=pool.machine_type, tpu_topology=pool.topology,
        c1=Comment(f"{cat.tpu_hosts(pool.machine_type, pool.topology)} node(s) per slice; who owns the count "
                   "is explicit as for GPU pools."),
        node_count_owner="autoscaler" if autoscaled else "terraform",
        node_count=None if autoscaled else int(desired),
        min_node_count=pool.scaling.min if autoscaled else None,
        max_node_count=pool.scaling.max if autoscaled else None,
        spot=pool.capacity == "spot",
        reservation_affinity="SPECIFIC" if reserved else "ANY",
        reservation_name=pool.capacity_reservation_id if reserved else None,
        **_nodes("tpu", name, pool, pool_labels),
    )


def _base(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = f"{platform.platform}-{env.name}"
    project = env.spec.account
    protect = env.protect
    gcp = platform.gcp
    unit_labels = labels(platform, env, "base")
    after_apis = Expr("[module.project_services]")
    services = sorted([*SERVICES, *(["redis.googleapis.com"] if platform.feature_store is not None else [])])
    main: list[Block | Comment | Blank] = [
        _module("project_services", "project_services", project_id=project, services=services),
        Comment("Service agents that encrypt with the platform key. The data source creates the Cloud Storage "
                "agent if it does not exist yet."),
        Block("data", ["google_project", "this"]).attr("project_id", project).attr("depends_on", after_apis),
        Block("data", ["google_storage_project_service_account", "this"]).attr("project", project)
        .attr("depends_on", after_apis),
    ]
    # Keyed by fixed labels: on a first apply the agents' emails are known only after the APIs are on.
    agents = {
        "cloud-storage": Expr('"serviceAccount:${data.google_storage_project_service_account.this.email_address}"'),
        "compute-engine": Expr('"serviceAccount:service-${data.google_project.this.number}'
                               '@compute-system.iam.gserviceaccount.com"'),
        "gke": Expr('"serviceAccount:service-${data.google_project.this.number}'
                    '@container-engine-robot.iam.gserviceaccount.com"'),
    }
    if platform.feature_store is not None:
        # Memorystore encrypts the Feast online store with this key through its own service agent.
        agents["cloud-redis"] = Expr('"serviceAccount:service-${data.google_project.this.number}'
                                     '@cloud-redis.iam.gserviceaccount.com"')
    main.append(_module("kms", "kms_key", project_id=project, location=env.region, name=f"{name}-platform",
                        encrypter_members=agents, protect=protect, labels=unit_labels))
    main.append(_module(
        "network", "network", project_id=project, name=name, region=env.region,
        c1=Comment("Zones come from the API (data.google_compute_zones), never from hard-coded letters."),
        zone_count=platform.network.zones, nodes_cidr=platform.network.cidr,
        pods_cidr=gcp.pods_cidr if gcp else "10.64.0.0/14",
        services_cidr=gcp.services_cidr if gcp else "10.68.0.0/20",
        depends_on=after_apis,
    ))
    cluster = platform.cluster
    main.append(_module(
        "cluster", "gke_cluster", project_id=project, name=name, region=env.region,
        zones=Expr("module.network.zones"),
        c1=Comment("Regional control plane and nodes in every zone for protected environments."),
        regional=protect, kubernetes_version=cluster.kubernetes_version,
        release_channel=gcp.release_channel if gcp else "REGULAR",
        network_id=Expr("module.network.network_id"), subnet_id=Expr("module.network.subnet_id"),
        pods_range_name=Expr("module.network.pods_range_name"),
        services_range_name=Expr("module.network.services_range_name"),
        master_ipv4_cidr=gcp.master_ipv4_cidr if gcp else "172.16.0.0/28",
        endpoint_public=cluster.endpoint_public, authorized_cidrs=cluster.public_access_cidrs,
        kms_key_id=Expr("module.kms.key_id"), boot_disk_kms_key_id=Expr("module.kms.key_id"),
        managed_prometheus=bool(gcp and gcp.managed_prometheus),
        system_pool_machine_type=gcp.system_pool_machine_type if gcp else "e2-standard-4",
        node_service_account_id=account_id(name, "nodes"),
        protect=protect, admin_members=cluster.admins, labels=unit_labels,
    ))
    for pool_name, pool in env.gpu_pools.items():
        main.append(_gpu_pool(platform, env, pool_name, pool, unit_labels))
    for pool_name, tpu in env.tpu_pools.items():
        main.append(_tpu_pool(platform, env, pool_name, tpu, unit_labels))
    main.append(_module(
        "access_logs", "gcs_bucket", project_id=project, name=f"{name}-access-logs", location=env.region,
        kms_key_id=Expr("module.kms.key_id"), versioning=False, retention_days=365, protect=protect,
        labels=unit_labels,
    ))
    outputs: list[Block] = []
    bucket_names: list[str] = []
    for store_name, store in platform.artifact_stores.items():
        mod = f"artifacts_{_label_key(store_name)}"
        main.append(_module(
            mod, "gcs_bucket", project_id=project, name=f"{name}-{store_name}", location=env.region,
            kms_key_id=Expr("module.kms.key_id"), versioning=store.versioning, retention_days=store.retention_days,
            noncurrent_retention_days=store.noncurrent_retention_days,
            log_bucket=Expr("module.access_logs.bucket_name"),
            reader_members=_members(store.readers), writer_members=_members(store.writers), protect=protect,
            labels=unit_labels,
        ))
        bucket_names.append(f"module.{mod}.bucket_name")
    feature_store = platform.feature_store
    if feature_store is not None:
        main.append(Comment("Feast's offline store (Parquet files) and registry object; `feast apply` is a release."))
        main.append(_module(
            "feature_store_bucket", "gcs_bucket", project_id=project, name=f"{name}-feature-store",
            location=env.region, kms_key_id=Expr("module.kms.key_id"), versioning=True,
            log_bucket=Expr("module.access_logs.bucket_name"),
            reader_members=_members(feature_store.readers), writer_members=_members(feature_store.writers),
            protect=protect, labels=unit_labels,
        ))
        outputs.append(_output("feature_store_bucket_name", "module.feature_store_bucket.bucket_name",
                               "Bucket of Feast's offline store and registry."))
    registry = platform.model_registry
    if registry is not None and env.name in registry.stages:
        promoters = env.promoters.get(env.name, [])
        main.append(Comment("The model registry of this stage: MLflow on GKE, its artifacts, metadata and images. "
                            "Only this stage's promoters may write into it."))
        main.append(_module(
            "registry_bucket", "gcs_bucket", project_id=project, name=f"{name}-model-registry",
            location=env.region, kms_key_id=Expr("module.kms.key_id"), versioning=True,
            noncurrent_retention_days=registry.retention_days or 365,
            log_bucket=Expr("module.access_logs.bucket_name"),
            reader_members={**_members(registry_readers(platform, env)), "mlflow-server": MLFLOW_SERVER},
            writer_members=_members(promoters), protect=protect, labels=unit_labels,
        ))
        main.append(_module(
            "registry_db", "metadata_store", project_id=project, name=f"{name}-registry", region=env.region,
            network_id=Expr("module.network.private_services_network_id"), database_name="mlflow",
            user_name="mlflow",
            secret_reader_members={"mlflow-server": MLFLOW_SERVER},
            protect=protect, labels=unit_labels,
        ))
        main.append(_module(
            "model_registry", "model_registry", project_id=project, region=env.region, name=name, stage=env.name,
            promoter_members=_members(promoters),
            reader_members={**_members(registry_readers(platform, env)),
                            "gke-nodes": Expr('"serviceAccount:${module.cluster.node_service_account_email}"')},
            workload_pool=Expr("module.cluster.workload_pool"),
            server_service_account_id=account_id(name, "mlflow"),
            database_instance_name=f"{name}-registry", protect=protect, labels=unit_labels,
        ))
        outputs += [
            _output("registry_bucket_name", "module.registry_bucket.bucket_name", "Bucket of model artifacts."),
            _output("registry_database_connection_name", "module.registry_db.metadata_store_connection_name",
                    "Cloud SQL instance of the registry metadata."),
            _output("registry_password_secret_id", "module.registry_db.metadata_store_password_secret_id",
                    "Secret Manager secret with the registry database password (never in state)."),
            _output("registry_repository", "module.model_registry.model_registry_repository",
                    "Artifact Registry repository for model images."),
            _output("registry_server_service_account", "module.model_registry.model_registry_server_service_account",
                    "Service account of the MLflow server (Workload Identity)."),
        ]
        bucket_names.append("module.registry_bucket.bucket_name")
    _after_apis(main)
    outputs += [
        _output("cluster_name", "module.cluster.cluster_name", "GKE cluster name."),
        _output("cluster_location", "module.cluster.cluster_location", "GKE cluster location."),
        _output("cluster_dns_endpoint", "module.cluster.cluster_dns_endpoint",
                "IAM-guarded DNS endpoint of the control plane."),
        _output("workload_pool", "module.cluster.workload_pool", "Workload Identity pool."),
        _output("node_service_account_email", "module.cluster.node_service_account_email", "Node service account."),
        _output("network_id", "module.network.network_id", "VPC id."),
        _output("private_services_network_id", "module.network.private_services_network_id",
                "VPC id once the Cloud SQL peering exists."),
        _output("kms_key_id", "module.kms.key_id", "Platform Cloud KMS key."),
        _output("artifact_bucket_names", "[" + ", ".join(bucket_names) + "]",
                "Artifact and registry buckets the pipelines may use."),
    ]
    return main, sorted(outputs, key=lambda b: b.labels[0])


MLFLOW_SERVER = Expr('"serviceAccount:${module.model_registry.model_registry_server_service_account}"')


def _after_apis(main: list[Block | Comment | Blank]) -> None:
    """Every module call but project_services waits for the project's APIs. A module's resources depend only on
    the inputs they read: a key ring, secret, repository or service account built from literal inputs would
    otherwise be created while its API is still being enabled, and fail on a fresh project with "API has not been
    used in project ... or it is disabled" (https://github.com/hashicorp/terraform-provider-google/issues/16883).
    Node pools are left out: they join module.cluster, which waits, and a depends_on would make their zone
    look-ups unknown on every plan that enables another API."""
    for item in main:
        if (isinstance(item, Block) and item.type == "module" and item.labels[0] != "project_services"
                and not item.labels[0].startswith(("gpu_pool_", "tpu_pool_"))
                and not item.has("depends_on")):
            item.attr("depends_on", Expr("[module.project_services]"))


def _members(members: list[str]) -> dict[str, str]:
    """IAM members for a module's for_each, keyed by themselves (known at plan time)."""
    return {m: m for m in sorted(members)}


def _platform(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = f"{platform.platform}-{env.name}"
    project = env.spec.account
    protect = env.protect
    base = "data.terraform_remote_state.base.outputs"
    remote = Block("data", ["terraform_remote_state", "base"]).attr("backend", "gcs").attr("config", {
        "bucket": platform.state.bucket,
        "prefix": state_prefix(platform, env.name, "base"),
    })
    main: list[Block | Comment | Blank] = [
        Comment("The base layer (network, cluster, pools, storage) is read, never changed, from here."),
        remote,
    ]
    outputs: list[Block] = []
    pipelines = platform.pipelines
    unit_labels = labels(platform, env, "platform")
    # Labels as for_each keys: the ids of what this root creates are unknown until apply.
    secrets: dict[str, str] = {}
    instances: list[str] = []
    topics: dict[str, str] = {}
    subscriptions: dict[str, str] = {}
    if pipelines is not None and pipelines.metadata_store is not None:
        db = pipelines.metadata_store
        main.append(_module(
            "metadata_store", "metadata_store", project_id=project, name=f"{name}-metadata", region=env.region,
            network_id=Expr(f"{base}.private_services_network_id"), database_name="pipelines",
            user_name="pipelines", disk_size_gb=db.storage_gb, backup_retention_days=db.backup_retention_days,
            c1=Comment("TLS without a client certificate: Argo's workflow archive connects to the private IP itself "
                       "and cannot present one.") if _argo_archive(platform) else None,
            ssl_mode="ENCRYPTED_ONLY" if _argo_archive(platform) else None,
            protect=protect, labels=unit_labels,
        ))
        secrets["metadata-store"] = "module.metadata_store.metadata_store_password_secret_id"
        instances.append("module.metadata_store.metadata_store_instance_name")
        outputs += [
            _output("metadata_store_connection_name", "module.metadata_store.metadata_store_connection_name",
                    "Pipeline metadata database (Cloud SQL Auth Proxy connection name)."),
            _output("metadata_store_password_secret_id", "module.metadata_store.metadata_store_password_secret_id",
                    "Secret Manager secret with the database password (never in state)."),
        ]
    if pipelines is not None and pipelines.queue is not None:
        q = pipelines.queue
        main.append(_module(
            "pipeline_queue", "pipeline_queue", project_id=project, name=f"{name}-pipelines",
            message_retention_seconds=q.message_retention_hours * 3600,
            ack_deadline_seconds=max(10, min(600, q.visibility_timeout_seconds)),
            max_delivery_attempts=max(5, min(100, q.max_receive_count)), labels=unit_labels,
        ))
        topics["queue"] = "module.pipeline_queue.queue_topic_id"
        subscriptions["queue"] = "module.pipeline_queue.queue_subscription_id"
        outputs.append(_output("pipeline_queue_topic_id", "module.pipeline_queue.queue_topic_id",
                               "Pipeline work queue (Pub/Sub topic)."))
    if pipelines is not None:
        needs = set(pipelines.needs)
        main.append(_module(
            "pipeline_deps", "pipeline_deps", project_id=project, name=account_id(name, "pipelines"),
            workload_pool=Expr(f"{base}.workload_pool"), namespace=pipelines.namespace,
            kubernetes_service_account=pipelines.service_account,
            artifact_bucket_names=Expr(f"{base}.artifact_bucket_names") if "artifact_store" in needs else None,
            topic_ids={k: Expr(v) for k, v in topics.items()} or None,
            subscription_ids={k: Expr(v) for k, v in subscriptions.items()} or None,
            secret_ids={k: Expr(v) for k, v in secrets.items()} or None,
            database_instance_names=Expr("[" + ", ".join(instances) + "]") if instances else None,
        ))
        outputs.append(_output("pipeline_service_account_email", "module.pipeline_deps.pipeline_service_account_email",
                               "Google service account of the pipeline runner (Workload Identity)."))
    services_main, services_outputs = kube.platform_services(
        platform, env, lambda: _argo(platform, env), lambda: _kserve(platform, env),
        lambda: _feature_store(platform, env))
    main += services_main
    outputs += services_outputs
    if _observability(platform):
        main.append(_module("observability", "observability", **kube.monitoring_settings(platform.observability)))
        outputs.append(kube.monitoring_namespace_output())
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _workload_identity(label: str, email: str) -> tuple[dict[str, object], dict[str, object]]:
    """Service account annotation and CI/CD handoff of a Google service account bound by Workload Identity
    (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#kubernetes-sa-to-iam)."""
    value = Expr(f"module.{label}.{email}")
    return {"iam.gke.io/gcp-service-account": value}, {"service_account_email": value}


def _argo(platform: Platform, env: ResolvedEnv) -> Block:
    """Argo Workflows as the pipeline runner's Google service account (Workload Identity): artifacts in the
    first artifact store's bucket, the workflow archive in the Cloud SQL metadata store (private IP)."""
    pipelines = platform.pipelines
    assert pipelines is not None
    needs = set(pipelines.needs)
    annotations, _ = _workload_identity("pipeline_deps", "pipeline_service_account_email")
    wiring = kube.ArgoWiring(annotations=annotations)
    stores = list(platform.artifact_stores)
    if "artifact_store" in needs and stores:
        # No serviceAccountKeySecret: the workflow pods' Workload Identity is used
        # (https://argo-workflows.readthedocs.io/en/stable/configure-artifact-repository/#configuring-gcs-google-cloud-storage).
        wiring = replace(wiring, artifact_comment=f"Artifact store `{stores[0]}` (the first declared), through "
                         "Workload Identity: no key file.", artifact_repository={
                             "archiveLogs": True, "gcs": {"bucket": f"{platform.platform}-{env.name}-{stores[0]}"}})
    if _argo_archive(platform):
        wiring = replace(wiring, archive_comment="Workflow archive on the Cloud SQL private IP: the secret (username, "
                         "password) is synced from metadata_store_password_secret_id before this release.", archive={
                             "metadata_store_host": Expr("module.metadata_store.metadata_store_private_ip"),
                             "metadata_store_database": Expr("module.metadata_store.metadata_store_database")})
    return kube.argo(platform, wiring)


def gke_tolerations(pool: GpuPoolShape) -> list[dict[str, str]]:
    """Tolerations for a GKE GPU pool: its declared taints with the values GKE keeps, and the
    nvidia.com/gpu=present:NoSchedule taint GKE puts on every GPU node itself
    (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#create)."""
    out = [{"key": t.key, "operator": "Equal", "value": GKE_TAINT_VALUES.get(t.key, t.value), "effect": t.effect}
           for t in pool.taints]
    gpu = {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    return out if gpu in out else [*out, gpu]


def account_id(name: str, suffix: str) -> str:
    """The id of `<name>-<suffix>`'s service account: 6-30 characters, not ending in a hyphen, and distinct per suffix
    in the project (https://cloud.google.com/iam/docs/service-accounts-create). Up to 28 characters of name it is
    `<name>-<suffix>` cut to 30, as before (ids already created keep theirs); beyond, the cut would end in a hyphen
    (29) or give every suffix the same id (30 and more: "already exists" on apply), so the name is shortened and a
    hash of it keeps the ids apart."""
    if len(name) <= 28:
        return f"{name}-{suffix}"[:30]
    keep = 30 - len(suffix) - 6
    return f"{name[:keep]}-{hashlib.sha256(name.encode()).hexdigest()[:4]}-{suffix}"


def _service_account_id(prefix: str, name: str) -> str:
    """A Google service account id (6-30 characters): `<prefix>-<name>`, shortened with a stable hash."""
    full = f"{prefix}-{name}"
    if len(full) <= 30:
        return full
    return f"{full[:25].rstrip('-')}-{hashlib.sha256(full.encode()).hexdigest()[:4]}"


def _kserve(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """KServe on GKE with a Google service account per serving class that reads its registry stage's bucket."""
    project = env.spec.account

    def identity(cls: str, shape: ServingEndpointShape, namespace: str, account: str) -> kube.Workload:
        label = f"serving_identity_{_label_key(cls)}"
        stage = str(shape.stage)
        name = _service_account_id("serve", cls)
        stage_project = platform.environments[stage].account
        bucket: object = (Expr("data.terraform_remote_state.base.outputs.registry_bucket_name") if stage == env.name
                          else f"{platform.platform}-{stage}-model-registry")
        # A bucket's IAM policy is set with rights in the bucket's project: from here only in this project. In
        # another project (one deployer identity per environment) this root's setIamPolicy would be refused, and
        # the stage's bucket may not exist yet; the stage's own root grants its readers (model_registry.readers).
        grant = stage == env.name or stage_project == project
        comment = (f"Reads model versions of registry stage `{stage}`, never writes them." if grant else
                   f"Registry stage `{stage}` is project {stage_project}'s: its own root grants reads to "
                   f"model_registry.readers; list serviceAccount:{name}@{project}.iam.gserviceaccount.com there.")
        module = _module(
            label, "pipeline_deps", project_id=project, name=name,
            purpose=f"Serving class {cls}",
            workload_pool=Expr("data.terraform_remote_state.base.outputs.workload_pool"),
            namespace=namespace, kubernetes_service_account=account,
            c1=Comment(comment),
            read_only_bucket_names=(None if not grant else Expr(f"[{bucket}]") if isinstance(bucket, Expr)
                                    else [bucket]),
        )
        annotations, handoff = _workload_identity(label, "pipeline_service_account_email")
        return kube.Workload([module], annotations, handoff)

    return kube.kserve(env, identity, gke_tolerations)


def _feature_store(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """Feast on GCP: Memorystore for Redis (CMEK, TLS, AUTH) online, the base layer's bucket offline, and the
    Google service account Feast runs as in the cluster."""
    base = "data.terraform_remote_state.base.outputs"
    name = f"{platform.platform}-{env.name}"
    project = env.spec.account
    main: list[Block | Comment | Blank] = [_module(
        "feature_store_online", "feast_redis", project_id=project, name=f"{name}-feast"[:40].rstrip("-"),
        region=env.region, network_id=Expr(f"{base}.private_services_network_id"),
        kms_key_id=Expr(f"{base}.kms_key_id"), protect=env.protect, labels=labels(platform, env, "platform"),
    ), _module(
        "feature_store_identity", "pipeline_deps", project_id=project, name=_service_account_id("feast", env.name),
        purpose="Feast", workload_pool=Expr(f"{base}.workload_pool"), namespace=kube.FEAST_NAMESPACE,
        kubernetes_service_account=kube.FEAST_SERVICE_ACCOUNT,
        artifact_bucket_names=Expr(f"[{base}.feature_store_bucket_name]"),
    )]
    bucket = f"{name}-feature-store"
    online: dict[str, object] = {
        "type": "redis", "region": env.region, "connection": Expr(
            '"${module.feature_store_online.redis_host}:${module.feature_store_online.redis_port},ssl=true"'),
        "auth": "gcloud redis instances get-auth-string (never an output)"}
    return main, [kube.feast_handoff(platform, f"gs://{bucket}", online, {
        "service_account_email": Expr("module.feature_store_identity.pipeline_service_account_email")})]


def render_bootstrap(platform: Platform) -> dict[str, str]:
    header = HEADER
    versions = local_state_versions(REQUIRED_TERRAFORM, "google", GOOGLE_PROVIDER, "bucket", "gcs",
                                    {"time": TIME_PROVIDER})
    provider = Block("provider", ["google"]).attr("project", state_project(platform))
    provider.attr("region", platform.state.region or platform.region)
    provider.attr("default_labels", labels(platform, None, "bootstrap"))
    # The state project may be fresh: Cloud KMS is off until enabled, and the key ring would fail without it.
    apis = Block("module", ["project_services"]).attr("source", "../../modules/project_services")
    apis.attr("project_id", state_project(platform)).attr("services", list(BOOTSTRAP_SERVICES))
    module = Block("module", ["state_backend"]).attr("source", "../../modules/state_backend")
    module.attr("project_id", state_project(platform)).attr("bucket_name", platform.state.bucket)
    module.attr("location", platform.state.region or platform.region)
    module.attr("writer_members", list(platform.gcp.state_writers) if platform.gcp else [])
    module.attr("depends_on", Expr("[module.project_services]"))
    outputs = [
        Block("output", [o]).attr("description", d).attr("value", Expr(f"module.state_backend.{o}"))
        for o, d in (("state_bucket_name", "Bucket holding every unit's state."),
                     ("state_kms_key_id", "Cloud KMS key encrypting the state objects."))
    ]
    return {
        "bootstrap/state/versions.tf": render_file([versions], header),
        "bootstrap/state/providers.tf": render_file([provider], header),
        "bootstrap/state/main.tf": render_file([apis, Blank(), module], header),
        "bootstrap/state/outputs.tf": render_file(outputs, header),
    }


class GcpTarget(RegistryProviders, JournalInRepository):
    """Credentials come from the google provider's own chain (ADC)."""

    name = "gcp"
    modules_package = "gcp"
    plain_terraform_setup: ClassVar[tuple[str, ...]] = ()
    protection: ClassVar[tuple[str, ...]] = CLOUD_PROTECTION
    ci_identity = CiIdentity(cat.SERVICE_ACCOUNT_EMAIL, "a service account email",
                             "Use <name>@<project>.iam.gserviceaccount.com: the service account CI impersonates "
                             "through Workload Identity Federation.")
    owned_by_layer: ClassVar[dict[Layer, list[str]]] = {
        "base": ["project APIs", "Cloud KMS key", "VPC, subnet, Cloud NAT", "GKE cluster and system pool",
                 "GPU and TPU node pools", "artifact buckets",
                 "feature store bucket (Feast offline store and registry)",
                 "model registry (stage bucket, Cloud SQL, Artifact Registry, MLflow identity)"],
        "platform": ["pipeline metadata store (Cloud SQL PostgreSQL)", "pipeline queue (Pub/Sub)",
                     "pipeline identity (Workload Identity)", "pipeline orchestrator (Argo Workflows)",
                     "serving (KServe, a namespace, quota and Workload Identity service account per class)",
                     "feature store (Feast online store: Memorystore for Redis; Workload Identity service account)",
                     "observability (kube-prometheus-stack, DCGM exporter; or Google Managed Prometheus)"],
    }

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]:
        return checks.check(platform, source)

    def render_unit(self, platform: Platform, env: ResolvedEnv, layer: Layer) -> UnitFiles:
        return UnitFiles(env=env.name, layer=layer, files=render_unit(platform, env, layer))

    def first_apply(self, platform: Platform, envs: Mapping[str, ResolvedEnv],
                    modules: Mapping[str, Mapping[str, str]]) -> list[str]:
        return []

    def render_bootstrap(self, platform: Platform) -> dict[str, str]:
        return render_bootstrap(platform)


GCP = GcpTarget()
