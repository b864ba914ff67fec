"""The platform spec: what a team declares once in `platform.yaml`.

Models are frozen and reject unknown keys. Cross-field rules that need the whole document
(an override for an unknown environment, a promotion stage that is not an environment, ...) live in
`spec.checks`, so that each error can point at the exact key that is wrong.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
"""Lower-case DNS-style name: used in bucket names, node group names, state keys."""

TargetName = Literal["aws", "gcp", "azure", "local"]
Layer = Literal["base", "platform"]
LAYERS: tuple[Layer, ...] = ("base", "platform")


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class StateSpec(Model):
    """Where Terraform state lives. One state per environment x layer; locking is always on."""

    backend: Literal["s3", "gcs", "azurerm", "local", "pg"] = Field(
        description="State backend. s3 uses S3 native lock files (no DynamoDB); pg uses advisory locks."
    )
    bucket: str | None = Field(None, description="Bucket (s3, gcs) holding the state objects.")
    region: str | None = Field(None, description="Region of the state bucket; defaults to the platform region.")
    account: str | None = Field(
        None,
        description="AWS: account holding the state bucket and its key (bootstrap runs there). Default: the "
        "first protected environment's account, else the first environment's.",
    )
    kms_key_arn: str | None = Field(
        None,
        description="AWS, optional hardening: the state key's full ARN (the bootstrap root's `state_kms_key_arn` "
        "output, arn:<partition>:kms:<region>:<state account>:key/<id>). Set: every backend sends it as the "
        "SSE-KMS key. Unset: backends send no encryption header and the bucket's default encryption (SSE-KMS "
        "with that key) applies. An alias cannot be used: S3 resolves an alias in the caller's account.",
    )
    key_prefix: str | None = Field(
        None, description="Prefix of state keys; defaults to the platform name (<prefix>/<env>/<layer>.tfstate)."
    )
    conn_str_env: str | None = Field(
        None,
        description="pg backend: name of the environment variable holding the connection string "
        "(never the connection string itself: it may carry a password).",
    )
    lock_timeout: Annotated[str, StringConstraints(pattern=r"^\d+[smh]$")] = Field(
        "5m", description="How long Terraform waits for a state lock held by someone else."
    )


class EnvironmentSpec(Model):
    """One environment (dev, staging, prod): where it lives and how carefully it is treated."""

    account: str | None = Field(
        None, description="Cloud account: AWS account id, GCP project id or Azure subscription id."
    )
    region: str | None = Field(None, description="Overrides the platform region for this environment.")
    protect: bool = Field(
        False,
        description="Production-grade protection: deletion protection on every stateful resource, "
        "multi-AZ databases, stricter review.",
    )
    max_gpu_nodes_per_pool: int | None = Field(
        None, ge=0, description="Ceiling on any GPU pool's scaling.max in this environment (guardrail)."
    )
    gpu_budget_monthly_usd: float | None = Field(
        None, gt=0, description="Monthly GPU budget: `mlstrata cost` fails when the pools' maxima can exceed it."
    )
    allowed_gpu_families: list[str] | None = Field(
        None, description="Instance families GPU pools may use here, e.g. [g6, g6e] for \"no p5 in dev\"."
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Extra tags for this environment.")
    deploy_role: str | None = Field(
        None,
        description="AWS: IAM role Terraform assumes in this environment's account (provider, state backend, "
        "cluster access). Default: arn:aws:iam::<account>:role/<platform>-deploy.",
    )
    cluster_admins: list[str] = Field(
        default_factory=list,
        description="Principals with cluster-admin in this environment only (besides cluster.admins and the "
        "deploy role).",
    )
    ci_role: str | None = Field(
        None,
        description="Identity CI applies this environment as, through OIDC only (never stored keys): AWS: an IAM "
        "role ARN whose trust is pinned to the repository and this environment, allowed to assume deploy_role; "
        "Azure: the client id of an identity with a federated credential; GCP: the email of a service account "
        "the Workload Identity Federation provider (`gcp.workload_identity_provider`) may impersonate "
        "(`mlstrata ci`).",
    )
    plan_role: str | None = Field(
        None,
        description="Identity CI plans and checks drift with on pull/merge requests and nightly (OIDC, trust pinned "
        "to the repository's pull requests and default branch); required when ci_role is set. It needs read access "
        "and, on the state backend, write access to the state lock only (Terraform locks the state while it "
        "plans); never the deploy rights of ci_role.",
    )


class Taint(Model):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = "NoSchedule"


class Scaling(Model):
    """Autoscaling bounds. `desired` is explicit: a number Terraform owns, or `autoscaler`."""

    min: int = Field(ge=0, description="Minimum number of nodes (0 lets the pool scale to zero).")
    max: int = Field(ge=1, description="Maximum number of nodes: the cost ceiling of this pool.")
    desired: int | Literal["autoscaler"] = Field(
        description="A number: Terraform sets and keeps the node count (every apply resets it). "
        "`autoscaler`: the pool starts at `min` and the cluster autoscaler owns the count; "
        "Terraform ignores changes to it."
    )


Capacity = Literal["on_demand", "spot", "capacity_block"]


class AzurePoolSpec(Model):
    """GPU pool settings of the `azure` target only (AKS node pool arguments with no other-cloud equivalent)."""

    gpu_driver: Literal["Install", "None"] = Field(
        "Install",
        description="Install: AKS installs the NVIDIA driver; None: you install it (GPU Operator). "
        "Changing it recreates the pool.",
    )
    gpu_instance: Literal["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"] | None = Field(
        None, description="Multi-Instance GPU profile (A100/H100 sizes only); each GPU is split into this profile."
    )
    spot_max_price: float | None = Field(
        None, description="capacity: spot only. Highest USD/hour per node; -1 (default) pays up to on-demand."
    )
    capacity_reservation_group_id: str | None = Field(
        None, description="On-demand capacity reservation group the pool's VMs are drawn from."
    )
    os_sku: Literal["Ubuntu", "AzureLinux"] = Field("Ubuntu", description="Node OS image.")
    encryption_at_host: bool = Field(
        True, description="Encrypt the nodes' temp disks and OS disk caches on the VM host (the subscription "
        "needs the Microsoft.Compute/EncryptionAtHost feature registered; Azure checks the VM size supports it). "
        "Set at pool creation only: changing it recreates the pool.",
    )


class GkeGpuSharing(Model):
    """Several containers on one GPU (GKE GPU sharing)."""

    strategy: Literal["TIME_SHARING", "MPS"] = Field(description="TIME_SHARING or MPS (multi-process service).")
    max_clients_per_gpu: int = Field(ge=2, le=48, description="Containers sharing one GPU.")


class GkePoolSpec(Model):
    """GKE-only settings of a GPU pool (target `gcp`)."""

    accelerator: str | None = Field(
        None, description="GKE accelerator type (nvidia-l4, nvidia-h100-80gb, ...). Derived from a2/a3/a4/g2 "
        "machine types, which carry their GPUs; required for n1 types, which take attached T4/V100/P4/P100.",
    )
    accelerator_count: int | None = Field(
        None, ge=1, description="GPUs per node; derived for a2/a3/a4/g2, required with an n1 machine type."
    )
    driver_version: Literal["DEFAULT", "LATEST", "INSTALLATION_DISABLED"] = Field(
        "LATEST", description="Driver GKE installs on the nodes (INSTALLATION_DISABLED: you deploy a driver "
        "DaemonSet yourself). Changing it replaces the pool.",
    )
    sharing: GkeGpuSharing | None = Field(None, description="Share each GPU between containers.")
    partition_size: Annotated[str, StringConstraints(pattern=r"^\d+g\.\d+gb$")] | None = Field(
        None, description="Multi-instance GPU partition, e.g. 1g.10gb (A100/H100/H200 only)."
    )
    reservation_affinity: Literal["ANY", "NO_RESERVATION"] | None = Field(
        None, description="Consume any matching reservation or none (default: ANY; NO_RESERVATION with "
        "queued provisioning). A specific reservation: `capacity: capacity_block` + `capacity_reservation_id`.",
    )
    queued_provisioning: bool = Field(
        False, description="Dynamic Workload Scheduler: nodes only through ProvisioningRequests, all at once.",
    )
    flex_start: bool = Field(False, description="Flex-start VMs (Dynamic Workload Scheduler).")
    location_policy: Literal["BALANCED", "ANY"] | None = Field(
        None, description="Autoscaler zone choice (default: ANY for spot and queued provisioning, else BALANCED).",
    )


class GpuPoolShape(Model):
    """The fields of a GPU pool that may differ per environment (via `overrides`)."""

    instance_types: list[str] = Field(min_length=1, description="GPU instance/machine types of the pool.")
    capacity: Capacity = Field(
        "on_demand", description="on_demand | spot | capacity_block (needs capacity_reservation_id)."
    )
    capacity_reservation_id: str | None = Field(
        None, description="Capacity Block / reservation id when capacity is capacity_block."
    )
    scaling: Scaling
    taints: list[Taint] = Field(
        default_factory=lambda: [Taint(key="nvidia.com/gpu", value="true", effect="NoSchedule")],
        description="Kubernetes taints of the pool's nodes. Left out: the standard GPU taint "
        "nvidia.com/gpu=true:NoSchedule (GKE's own value `present` on gcp), which keeps non-GPU pods off "
        "(check rule MLS004); the untainted system pool runs CoreDNS and the add-ons. `[]`: no taints.",
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Kubernetes node labels.")
    image: str = Field(
        "AL2023_x86_64_NVIDIA",
        description="Node image with the GPU driver (AWS: AL2023_x86_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA, ...).",
    )
    zones: list[str] | None = Field(
        None,
        description="Availability zone IDs to place nodes in, e.g. [use1-az4] (default: all of the network's). "
        "Zone IDs, not names: us-east-1a is a different zone in every account.",
    )
    disk_size_gb: int = Field(200, ge=20, le=16384, description="Root volume size in GiB.")
    efa: bool | None = Field(
        None,
        description="Elastic Fabric Adapter and a cluster placement group for multi-node training. "
        "Default: on for p4d/p4de/p5/p5e/p5en/p6 pools.",
    )
    capacity_block_start: str | None = Field(
        None, description="capacity_block: start of the reservation (RFC 3339 UTC); the pool scales up then."
    )
    capacity_block_end: str | None = Field(
        None, description="capacity_block: end of the reservation (RFC 3339 UTC); the pool scales to 0 an hour before."
    )
    max_unavailable_percentage: int = Field(
        33, ge=1, le=100, description="Share of nodes that may be replaced at once during updates."
    )
    azure: AzurePoolSpec | None = Field(None, description="Settings of the azure target (AKS node pool).")
    gke: GkePoolSpec | None = Field(None, description="GKE-only settings (target gcp).")


class GpuPoolSpec(GpuPoolShape):
    overrides: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description="Per-environment changes, e.g. {dev: {instance_types: [g6.2xlarge], scaling: {max: 2}}}.",
    )


class TpuPoolShape(Model):
    """The fields of a TPU slice pool (target gcp) that may differ per environment (via `overrides`)."""

    machine_type: str = Field(
        description="TPU machine type: ct5lp-hightpu-{1,4,8}t (v5e), ct5p-hightpu-4t (v5p), "
        "ct6e-standard-{1,4,8}t (v6e)."
    )
    topology: Annotated[str, StringConstraints(pattern=r"^\d+x\d+(x\d+)?$")] = Field(
        description="Slice topology, e.g. 2x4 (v5e/v6e) or 2x2x2 (v5p): chips / chips per VM = nodes."
    )
    capacity: Capacity = Field(
        "on_demand", description="on_demand | spot | capacity_block (a specific reservation: capacity_reservation_id)."
    )
    capacity_reservation_id: str | None = Field(None, description="Reservation name when capacity is capacity_block.")
    scaling: Scaling
    taints: list[Taint] = Field(
        default_factory=lambda: [Taint(key="google.com/tpu", value="present", effect="NoSchedule")],
        description="Kubernetes taints; by default GKE's own TPU taint.",
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Kubernetes node labels.")
    zone: str | None = Field(
        None, description="Zone letter of the slice (a slice lives in one zone; default: the first)."
    )
    disk_size_gb: int = Field(200, ge=20, le=16384, description="Boot disk size in GB.")


class TpuPoolSpec(TpuPoolShape):
    overrides: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description="Per-environment changes, e.g. {dev: {topology: 2x2, machine_type: ...}}.",
    )


class RegisteredModelSpec(Model):
    description: str = Field("", description="What the model is for.")
    tags: dict[str, str] = Field(default_factory=dict)


class ModelRegistrySpec(Model):
    """The model registry as infrastructure: storage, retention, encryption, access, promotion path."""

    stages: list[str] = Field(
        min_length=1, description="Promotion path, in order; each stage is an environment name."
    )
    retention_days: int | None = Field(
        None, ge=1, description="Expire non-current model artifact versions after this many days."
    )
    encryption: Literal["kms", "managed"] = Field(
        "kms", description="kms: a customer-managed key per environment; managed: the cloud's default key."
    )
    promoters: dict[str, list[str]] | list[str] = Field(
        default_factory=dict,
        description="Per stage, the principals allowed to register or promote models into it "
        "(a plain list means: the same principals for every stage).",
    )
    readers: list[str] = Field(default_factory=list, description="Principals that may read every stage.")
    models: dict[Name, RegisteredModelSpec] = Field(
        default_factory=dict,
        description="Registered models that exist in every stage's registry (their versions are runtime, not infra).",
    )

    @field_validator("promoters", mode="before")
    @classmethod
    def _list_means_every_stage(cls, value: object) -> object:
        # `promoters: [a, b]` is shorthand for the same promoters on every stage; the checks
        # module expands it once the stages are known.
        if isinstance(value, list):
            return {"*": value}
        return value

    @property
    def promoters_by_stage(self) -> dict[str, list[str]]:
        """Promoters as a mapping (`*` = every stage); the list shorthand is already expanded."""
        return self.promoters if isinstance(self.promoters, dict) else {"*": list(self.promoters)}


class ArtifactStoreSpec(Model):
    retention_days: int | None = Field(
        None, ge=1, description="Expire objects after this many days (none: keep forever)."
    )
    versioning: bool = Field(True, description="Keep previous versions of overwritten objects.")
    noncurrent_retention_days: int = Field(
        30, ge=1, description="Expire previous object versions after this many days."
    )
    readers: list[str] = Field(default_factory=list, description="Principals with read access.")
    writers: list[str] = Field(default_factory=list, description="Principals with write access.")


PipelineNeed = Literal["artifact_store", "metadata_store", "queue", "identity", "network"]
PIPELINE_NEEDS: tuple[str, ...] = ("artifact_store", "metadata_store", "queue", "identity", "network")


class MetadataStoreSpec(Model):
    engine: Literal["postgres"] = "postgres"
    instance_class: str = Field("db.t4g.medium", description="Database instance size.")
    storage_gb: int = Field(50, ge=20, le=65536)
    backup_retention_days: int = Field(14, ge=1, le=35)


class QueueSpec(Model):
    message_retention_hours: int = Field(96, ge=1, le=336)
    visibility_timeout_seconds: int = Field(300, ge=0, le=43200)
    max_receive_count: int = Field(5, ge=1, le=1000)


class PipelinesSpec(Model):
    orchestrator: Literal["kubeflow", "argo", "airflow", "sagemaker"] = "kubeflow"
    namespace: str = Field("pipelines", description="Kubernetes namespace of the pipeline runner.")
    service_account: str = Field("pipeline-runner", description="Service account the pipelines run as.")
    needs: list[str] = Field(
        default_factory=list,
        description="What pipelines depend on: artifact_store, metadata_store, queue, identity, network.",
    )
    metadata_store: MetadataStoreSpec | None = Field(None, description="Database for pipeline metadata.")
    queue: QueueSpec | None = Field(None, description="Work queue for pipeline steps.")


ServingEngine = Literal["kserve", "sagemaker", "local"]  # which target offers which: mlstrata.targets.offers


class ServingAutoscaling(Model):
    """How an endpoint class scales: replica bounds and the one signal it tracks."""

    min_replicas: int = Field(1, ge=0, description="Replicas kept running (0 only with scale_to_zero).")
    max_replicas: int = Field(1, ge=1, description="Most replicas: the cost ceiling of this class.")
    target_concurrency: int | None = Field(
        None, ge=1, description="Scale to keep this many in-flight requests per replica (KServe concurrency; "
        "SageMaker concurrent requests per copy). At most one of target_concurrency and target_utilization.")
    target_utilization: int | None = Field(
        None, ge=1, le=100, description="Scale to keep this percentage of each replica's accelerator busy (GPU on a "
        "GPU pool, CPU otherwise). Neither set: the engine's default signal.")
    scale_to_zero: bool = Field(
        False, description="Idle endpoints drop to zero replicas (needs min_replicas: 0); the first request "
        "after idling waits for a cold start.")


SageMakerVariantKind = Literal["inference_components", "real_time", "serverless", "async"]


class SageMakerVariant(Model):
    """engine sagemaker only: what kind of production variant the endpoint has, and that kind's settings."""

    kind: SageMakerVariantKind = Field(
        "inference_components",
        description="inference_components (default: Terraform owns the endpoint, the release adds the model as an "
        "inference component), real_time (a variant naming the release's model, Application Auto Scaling on its "
        "instance count), serverless (memory and concurrency, no instances) or async (queued requests, results in "
        "the artifact store, may scale to zero).")
    memory_mb: int | None = Field(
        None, ge=1024, le=6144, multiple_of=1024,
        description="serverless: memory of the endpoint, 1024 to 6144 MB in 1 GB steps.")
    max_concurrency: int | None = Field(
        None, ge=1, le=200, description="serverless: most concurrent invocations (1 to 200).")
    provisioned_concurrency: int | None = Field(
        None, ge=1, le=200, description="serverless: invocations kept warm (1 to max_concurrency); none: cold starts.")
    max_concurrent_invocations: int | None = Field(
        None, ge=1, le=1000, description="async: requests one instance processes at once; none: SageMaker's choice.")
    notifications: bool = Field(False, description="async: publish each result and failure to an SNS topic.")


class ServingEndpointShape(Model):
    """The fields of a serving endpoint class that may differ per environment (via `overrides`)."""

    model: Name = Field(description="Registered model served (a key of model_registry.models).")
    stage: str | None = Field(
        None, description="Registry stage (an environment of model_registry.stages) the endpoint reads versions "
        "from. Default: the environment's own stage; in an environment off the promotion path the class is not "
        "deployed unless an override names a stage.")
    alias: str | None = Field(
        None, pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,62}$",
        description="Registry alias the release layer moves (e.g. champion); none: the newest version.")
    gpu_pool: Name | None = Field(
        None, description="GPU pool the replicas run on (a key of gpu_pools): node affinity and tolerations follow "
        "its labels and taints. None: CPU nodes.")
    gpus: int | None = Field(None, ge=1, description="GPUs per replica (only with gpu_pool; default 1).")
    instance_type: str | None = Field(
        None, pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9]+$",
        description="engine sagemaker only (required there): the SageMaker instance type of the endpoint, e.g. "
        "ml.g6e.xlarge. Replicas are instances: managed instance scaling keeps min_replicas..max_replicas.")
    sagemaker: SageMakerVariant | None = Field(
        None, description="engine sagemaker only: the production variant kind (inference components by default, "
        "real_time, serverless or async) and its settings.")
    autoscaling: ServingAutoscaling = Field(default_factory=ServingAutoscaling, description="Scaling profile.")


class ServingEndpointSpec(ServingEndpointShape):
    overrides: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description="Per-environment changes, e.g. {dev: {autoscaling: {min_replicas: 0, scale_to_zero: true}}}.",
    )


class ServingSpec(Model):
    """Model serving as platform infrastructure: endpoint classes and their bounds. Which model version serves is
    a release (CI/CD), not Terraform: the rendered outputs hand CI the endpoint name and the registry it reads."""

    engine: ServingEngine | None = Field(
        None, description="kserve (Kubernetes targets), sagemaker (aws) or local (the local target: `mlflow models "
        "serve`). Default: kserve on aws/gcp/azure, local on local.")
    endpoints: dict[Name, ServingEndpointSpec] = Field(
        default_factory=dict, description="Endpoint classes, each an endpoint in every environment.")


OnlineStore = Literal["redis", "dynamodb", "sqlite"]  # which target offers which: mlstrata.targets.offers


class FeatureStoreSpec(Model):
    """A Feast feature store's infrastructure: online store, offline store, registry, scoped identities.
    `feast apply` (feature definitions) is a release, not Terraform."""

    engine: Literal["feast"] = Field("feast", description="Feature store engine.")
    online_store: OnlineStore | None = Field(
        None, description="dynamodb or redis (aws: ElastiCache), redis (gcp: Memorystore; azure: Azure Managed "
        "Redis), sqlite (local). Default: the first of these for the target.")
    offline_store: Literal["file"] = Field(
        "file", description="Parquet files in the target's object store (S3, GCS, ADLS; local: a folder).")
    registry_store: Literal["file"] = Field(
        "file", description="Feast registry as one object in the target's object store (local: a file).")
    online_ttl_days: int | None = Field(
        None, ge=1, description="Expire online feature rows not written for this many days (none: keep).")
    readers: list[str] = Field(default_factory=list, description="Principals that read online features (serving).")
    writers: list[str] = Field(
        default_factory=list, description="Principals that write features (materialisation, `feast apply`).")


class NetworkSpec(Model):
    cidr: str = Field("10.0.0.0/16", pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")
    zones: int = Field(3, ge=2, le=6, description="Number of availability zones to spread subnets over.")
    single_nat_gateway: bool | None = Field(
        None, description="One NAT gateway (cheaper) instead of one per zone; default: single unless protected."
    )
    flow_logs: Literal["reject", "accept", "all"] = Field(
        "reject", description="Traffic recorded by VPC flow logs (10-minute aggregation)."
    )


class SystemPoolSpec(Model):
    instance_types: list[str] = Field(default_factory=lambda: ["m7i.large", "m6i.large"], min_length=1)
    min: int = Field(2, ge=1, description="At least 1: CoreDNS must run somewhere. 2 spreads its replicas.")
    max: int = Field(4, ge=1)
    image: str = Field("AL2023_x86_64_STANDARD", description="AMI type of the system nodes.")


class ClusterSpec(Model):
    kubernetes_version: str = Field("1.33", pattern=r"^1\.\d{2}$")
    endpoint_public: bool = Field(False, description="Expose the API endpoint publicly (off by default).")
    public_access_cidrs: list[str] = Field(default_factory=list)
    admins: list[str] = Field(
        default_factory=list,
        description="Principals with cluster-admin access in every environment (each environment's deploy role "
        "is always added).",
    )
    ci_runner_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks of the CI runners that apply the platform layer, admitted to the private API "
        "endpoint (the VPC itself always is).",
    )
    system_pool: SystemPoolSpec = Field(
        default_factory=lambda: SystemPoolSpec(),
        description="Untainted nodes for CoreDNS, add-on controllers, the autoscaler and monitoring.",
    )
    autoscaler: Literal["cluster-autoscaler", "karpenter", "none"] = Field(
        "cluster-autoscaler",
        description="Who scales pools with `desired: autoscaler`: cluster-autoscaler (the managed node groups "
        "mlstrata renders, from zero too), karpenter (aws: no node group per GPU pool; Karpenter launches nodes "
        "for pending pods from one EC2NodeClass and NodePool per pool, its controller on the system pool) or "
        "none (scaled outside this repository).",
    )


class ObservabilitySpec(Model):
    prometheus: bool = True
    grafana: bool = True
    dcgm_exporter: bool = Field(True, description="NVIDIA DCGM exporter for GPU metrics.")
    retention: str = Field("15d", pattern=r"^\d+[dhw]$")
    grafana_admin_secret: str | None = Field(
        None, description="Name of an existing Kubernetes secret with the Grafana admin credentials."
    )


class SecretsSpec(Model):
    recovery_window_days: int = Field(
        7, ge=0, le=30, description="Days a deleted secret can still be restored."
    )


class LocalSpec(Model):
    """Settings of the `local` target only."""

    postgres_dsn_env: str | None = Field(
        None,
        description="Environment variable holding a PostgreSQL DSN: registries and metadata stores then use "
        "PostgreSQL instead of SQLite (the DSN itself never goes into the spec or rendered files).",
    )


class AzureSystemPoolSpec(Model):
    """The AKS system node pool (runs cluster add-ons and the platform's own workloads)."""

    vm_size: str = Field("Standard_D4ds_v5", description="VM size of the system pool.")
    min: int = Field(2, ge=1, description="Minimum nodes (AKS needs at least one system node).")
    max: int = Field(5, ge=1, description="Maximum nodes.")
    capacity: Literal["on_demand", "spot"] = Field(
        "on_demand", description="Must stay on_demand: AKS system pools cannot run on Spot VMs."
    )
    critical_addons_only: bool = Field(
        False,
        description="Taint the system pool CriticalAddonsOnly (only_critical_addons_enabled). Off by default: "
        "GPU pools are tainted, so platform workloads need an untainted pool.",
    )
    encryption_at_host: bool = Field(
        True, description="Encrypt the system nodes' temp disks and OS disk caches on the VM host (needs the "
        "Microsoft.Compute/EncryptionAtHost subscription feature). Changing it rotates the system pool.",
    )


# Azure Container Apps schedules: the standard five fields, no seconds (https://learn.microsoft.com/azure/
# container-apps/jobs)
CRON_5_FIELDS = re.compile(r"^[0-9*,/-]+( [0-9*,/-]+){4}$")


class AzureCiRunnerSpec(Model):
    """The self-hosted CI runner of each protected environment (bootstrap/ci_runner/<env>): a Container Apps
    job in its own VNet that the environment's VNet peers with."""

    image: str | None = Field(
        None, description="Container image of the runner (required when an environment is protected): the CI "
        "engine's runner agent plus Python 3.11, the Azure CLI, kubelogin and git (bootstrap/README.md).",
    )
    registry_server: str | None = Field(
        None, description="Registry host the image is pulled from with the runner's identity (grant it AcrPull); "
        "unset for a public image.",
    )
    cidr: str = Field(
        "10.255.0.0/24", pattern=r"^\d{1,3}(\.\d{1,3}){3}/(2[4-7])$",
        description="Address space of the runner VNet (/24 to /27); must not overlap network.cidr, which peers "
        "with it.",
    )
    max_runners: int = Field(4, ge=1, le=50, description="Most runner executions at once per environment.")
    gitlab_poll_schedule: str = Field(
        "* * * * *", json_schema_extra={"pattern": CRON_5_FIELDS.pattern},
        description="GitLab only: when the runner polls for jobs (a 5-field cron in UTC). Each match starts one "
        "execution that takes a pending job or exits after ~50 s, so the default (every minute) keeps about one "
        "runner container running all the time (bootstrap/README.md states what that uses). Narrow it, e.g. "
        "`* 7-19 * * 1-5`, to poll only in working hours: jobs queued outside it wait for the next poll. GitHub "
        "starts runners only for queued jobs and ignores it.",
    )

    @field_validator("gitlab_poll_schedule")
    @classmethod
    def _five_field_cron(cls, value: str) -> str:
        if not CRON_5_FIELDS.match(value):
            raise ValueError("not a 5-field cron expression (minute hour day-of-month month day-of-week, in UTC): "
                             "use for example `* * * * *` (every minute) or `* 7-19 * * 1-5` (working hours)")
        return value


class AzureSpec(Model):
    """Settings of the `azure` target only."""

    state_subscription: str | None = Field(
        None, description="Subscription id holding the state storage account (the bootstrap root's provider)."
    )
    state_resource_group: str | None = Field(
        None, description="Resource group of the state storage account (default: <platform>-tfstate)."
    )
    state_container: str = Field("tfstate", description="Blob container holding the state blobs.")
    tenant_id: str | None = Field(
        None, description="Entra tenant id: CI signs in to it by OIDC with each environment's deploy/plan_role "
        "(a client id with a federated credential); required when those are set.")
    state_writers: list[str] = Field(
        default_factory=list,
        description="Entra object ids of the identities that run Terraform (CI); they get write access to state.",
    )
    ci_ip_ranges: list[str] = Field(
        default_factory=list,
        description="Public CIDRs of CI runners: allowed on the state account and, outside protected "
        "environments, on Key Vault.",
    )
    api_server_authorized_ip_ranges: list[str] = Field(
        default_factory=list, description="CIDRs allowed to reach a public (non-protected) AKS API server."
    )
    upgrade_channel: Literal["patch", "stable", "rapid", "node-image", "none"] = Field(
        "patch", description="AKS automatic upgrade channel (within the weekly maintenance window)."
    )
    azure_policy: bool = Field(True, description="Install the Azure Policy add-on.")
    prometheus: Literal["managed", "kube_prometheus_stack"] = Field(
        "kube_prometheus_stack",
        description="managed: Azure Monitor managed Prometheus; kube_prometheus_stack: the Helm chart in the cluster.",
    )
    system_pool: AzureSystemPoolSpec = Field(default_factory=AzureSystemPoolSpec)
    ci_runner: AzureCiRunnerSpec = Field(
        default_factory=AzureCiRunnerSpec,
        description="Protected environments: the self-hosted CI runner their jobs run on (private Key Vault and "
        "API server).",
    )


class GcpSpec(Model):
    """Settings of the `gcp` target only."""

    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = Field("REGULAR", description="GKE release channel.")
    managed_prometheus: bool = Field(
        False, description="Google Managed Prometheus and GKE's DCGM metrics instead of kube-prometheus-stack "
        "and the DCGM exporter.",
    )
    master_ipv4_cidr: str = Field(
        "172.16.0.0/28", pattern=r"^\d{1,3}(\.\d{1,3}){3}/28$", description="/28 for the control plane endpoint."
    )
    pods_cidr: str = Field("10.64.0.0/14", pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",
                           description="Secondary range for pods.")
    services_cidr: str = Field("10.68.0.0/20", pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$",
                               description="Secondary range for services.")
    system_pool_machine_type: str = Field("e2-standard-4", description="Machine type of the untainted system pool.")
    state_project: str | None = Field(
        None, description="Project owning the state bucket (default: the first protected environment's project)."
    )
    state_writers: list[str] = Field(
        default_factory=list,
        description="IAM members that run Terraform for the environments (object admin on the state bucket).",
    )
    workload_identity_provider: str | None = Field(
        None, description="Full resource name of the Workload Identity Federation provider CI signs in through "
        "(projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>); "
        "required when environments set ci_role/plan_role (service account emails).",
    )


class DriftAllowance(Model):
    """Drift that is expected and explained, e.g. `desired_size` moved by the cluster autoscaler."""

    resource: str = Field(description="Glob on the resource address, e.g. module.gpu_pool_*.aws_eks_node_group.*")
    attributes: list[str] = Field(
        default_factory=list,
        description="Globs on changed attribute paths (e.g. scaling_config.0.desired_size); empty: any attribute.",
    )
    envs: list[str] | None = Field(None, description="Environments this applies to (default: all).")
    reason: str = Field(min_length=10, description="Why this drift is acceptable (shown in every report).")


class DriftSpec(Model):
    allow: list[DriftAllowance] = Field(default_factory=list, description="Drift that is reported as allowed.")


class ParitySpec(Model):
    allow: list[str] = Field(
        default_factory=list,
        description="Key patterns allowed to differ between environments, e.g. gpu_pools.*.scaling.",
    )


Owner = Annotated[str, StringConstraints(
    pattern=r"^(@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*|[^@\s]+@[^@\s]+)$")]
"""A code owner: `@user`, `@org/team` (GitHub) or `@group/subgroup` (GitLab), or an e-mail address."""


class OwnersSpec(Model):
    """Who owns what in the repository: rendered into CODEOWNERS and required reviewers of protected environments.

    The owners of `live/<env>/<layer>/` are `layers[layer]` plus `environments[env]` (a protected environment
    with both then needs both teams); `default` owns everything else: the spec, modules/, bootstrap/, CI files.
    """

    default: list[Owner] = Field(min_length=1, description="Owners of the spec, modules/, bootstrap/ and CI files.")
    layers: dict[str, list[Owner]] = Field(
        default_factory=dict, description="Owners per layer, e.g. {base: [\"@acme/platform\"]}; default: `default`.")
    environments: dict[str, list[Owner]] = Field(
        default_factory=dict, description="Extra owners per environment, e.g. {dev: [\"@acme/ml\"]}.")


class Platform(Model):
    """The whole platform, as declared."""

    platform: Name = Field(description="Platform name: prefixes every resource and state key.")
    target: TargetName = Field(description="Where it runs: aws | gcp | azure | local.")
    region: str = Field(description="Default region of every environment.")
    state: StateSpec
    environments: dict[Name, EnvironmentSpec] = Field(min_length=1)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    gpu_pools: dict[Name, GpuPoolSpec] = Field(default_factory=dict)
    tpu_pools: dict[Name, TpuPoolSpec] = Field(default_factory=dict, description="TPU slice pools (target gcp).")
    model_registry: ModelRegistrySpec | None = None
    artifact_stores: dict[Name, ArtifactStoreSpec] = Field(default_factory=dict)
    pipelines: PipelinesSpec | None = None
    serving: ServingSpec | None = Field(None, description="Model serving endpoint classes.")
    feature_store: FeatureStoreSpec | None = Field(None, description="Feast feature store infrastructure.")
    observability: ObservabilitySpec = Field(default_factory=ObservabilitySpec)
    secrets: SecretsSpec = Field(default_factory=SecretsSpec)
    parity: ParitySpec = Field(default_factory=ParitySpec)
    drift: DriftSpec = Field(default_factory=DriftSpec)
    local: LocalSpec | None = Field(None, description="Settings of the local target.")
    azure: AzureSpec | None = Field(None, description="Settings of the azure target.")
    gcp: GcpSpec | None = Field(None, description="Settings of the gcp target.")
    owners: OwnersSpec | None = Field(None, description="Code owners per environment and layer (CODEOWNERS, "
                                      "reviewers of protected environments).")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags on every resource.")
