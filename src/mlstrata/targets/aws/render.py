"""The AWS target: EKS GPU node groups, S3 artifact stores, SageMaker model package groups, RDS, SQS, IRSA."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from mlstrata.diagnostics import Diagnostic
from mlstrata.hcl.write import Blank, Block, Comment, Expr, render_file
from mlstrata.hcl.write import module_call as _module
from mlstrata.hcl.write import output_block as _output
from mlstrata.spec.checks import CiIdentity
from mlstrata.spec.models import GpuPoolShape, Layer, Platform, ServingEndpointShape
from mlstrata.spec.resolve import ResolvedEnv, online_store, registry_readers, serving_engine
from mlstrata.spec.source import Source
from mlstrata.targets import kubernetes as kube
from mlstrata.targets.aws import catalog as cat
from mlstrata.targets.aws import checks
from mlstrata.targets.aws.first_apply import first_apply
from mlstrata.targets.aws.names import bucket as _bucket
from mlstrata.targets.aws.names import name as _name
from mlstrata.targets.aws.names import sagemaker_endpoint as _sagemaker_endpoint
from mlstrata.targets.aws.state import deploy_role, key_prefix, state_account, state_key
from mlstrata.targets.base import CLOUD_PROTECTION, HEADER, RegistryProviders, UnitFiles
from mlstrata.targets.bootstrap import local_state_versions

if TYPE_CHECKING:
    from mlstrata.governance.journal import JournalStore

# 6.25: aws_cloudwatch_log_group.deletion_protection_enabled; 6.9: aws_eks_cluster.deletion_protection
# (hashicorp/terraform-provider-aws CHANGELOG). A lock file on an older 6.x says "Unsupported argument".
AWS_PROVIDER = {"source": "hashicorp/aws", "version": ">= 6.25, < 7.0"}
HELM_PROVIDER = {"source": "hashicorp/helm", "version": ">= 3.0, < 4.0"}
# S3 native state locking (use_lockfile) needs Terraform 1.10.
REQUIRED_TERRAFORM = ">= 1.10"


class AwsTarget(RegistryProviders):
    """Credentials come from the AWS provider's own chain."""

    name = "aws"
    modules_package = "aws"
    plain_terraform_setup: ClassVar[tuple[str, ...]] = ()
    protection: ClassVar[tuple[str, ...]] = CLOUD_PROTECTION
    ci_identity = CiIdentity(cat.ROLE_ARN, "an IAM role ARN", "Use arn:aws:iam::<12-digit account>:role/<name>.")
    owned_by_layer: ClassVar[dict[Layer, list[str]]] = {
        "base": ["KMS keys", "VPC and subnets", "EKS cluster, system node group, managed add-ons and OIDC provider",
                 "GPU node groups (cluster-autoscaler) or Karpenter's roles and interruption queue (karpenter)",
                 "artifact buckets", "model registry (bucket, KMS key, SageMaker model package groups)",
                 "feature store bucket (Feast offline store and registry)"],
        "platform": ["cluster add-ons (NVIDIA and EFA device plugins; cluster-autoscaler, or Karpenter with an "
                     "EC2NodeClass and NodePool per GPU pool)",
                     "pipeline metadata store (RDS PostgreSQL)", "pipeline queue (SQS)",
                     "pipeline identity (IRSA role)", "pipeline orchestrator (Argo Workflows)",
                     "serving (KServe, a namespace, quota and IRSA role per class; or a SageMaker endpoint, "
                     "its bounds and execution role per class)",
                     "feature store (Feast online store: DynamoDB access or ElastiCache Redis; IRSA role)",
                     "observability (kube-prometheus-stack, DCGM exporter)"],
    }

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]:
        return checks.check(platform, source)

    # ---- rendering ----------------------------------------------------------------------------

    def render_unit(self, platform: Platform, env: ResolvedEnv, layer: Layer) -> UnitFiles:
        header = HEADER
        if layer == "base":
            main, outputs = _base(platform, env)
        else:
            main, outputs = _platform(platform, env)
        uses_helm = any(isinstance(b, Block) and b.type == "module" and _module_source(b) in HELM_MODULES
                        for b in main)
        files = {
            "versions.tf": render_file([_versions(uses_helm)], header),
            "backend.tf": render_file([_backend(platform, env, layer)], header),
            "providers.tf": render_file(_providers(platform, env, layer, uses_helm), header),
            "main.tf": render_file(main, header),
            "outputs.tf": render_file(outputs, header),
        }
        return UnitFiles(env=env.name, layer=layer, files=files)

    def journal(self, platform: Platform, repo: Path, env: str, layer: str,
                environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
        from mlstrata.targets.aws import journal as aws_journal

        return aws_journal.journal(platform, repo, env, layer, environ)

    def rollback_override(self, platform: Platform, repo: Path, env: str, layer: str,
                          rendered: Mapping[str, str]) -> str | None:
        return None  # not implemented: no AWS plan runs here to prove it

    def first_apply(self, platform: Platform, envs: Mapping[str, ResolvedEnv],
                    modules: Mapping[str, Mapping[str, str]]) -> list[str]:
        return first_apply(platform, envs, modules)

    def render_bootstrap(self, platform: Platform) -> dict[str, str]:
        header = HEADER
        state = platform.state
        assert state.bucket is not None  # checked in spec.checks
        protect = any(e.protect for e in platform.environments.values())
        region = state.region or platform.region
        versions = local_state_versions(REQUIRED_TERRAFORM, "aws", AWS_PROVIDER, "bucket", "s3")
        provider = Block("provider", ["aws"]).attr("region", region)
        account = state_account(platform)
        if account is not None:
            provider.add(Comment("Run with credentials of the account that holds the state."))
            provider.attr("allowed_account_ids", [account])
        provider.add(Blank()).add(Block("default_tags").attr("tags", _tags(platform, None, "bootstrap")))
        module = Block("module", ["state_backend"]).attr("source", "../../modules/state_backend")
        module.attr("bucket_name", state.bucket).attr("protect", protect)
        module.add(Comment("Each environment's deploy role uses only its own <prefix>/<env>/ state, from any account."))
        module.attr("state_access", [
            {"principal_arn": deploy_role(platform, env), "key_prefix": f"{key_prefix(platform)}/{name}"}
            for name, env in platform.environments.items()
        ])
        outputs = [
            Block("output", [o]).attr("description", d).attr("value", Expr(f"module.state_backend.{o}"))
            for o, d in (("state_bucket_name", "Bucket holding every unit's state."),
                         ("state_kms_key_arn", "KMS key encrypting the state objects (the bucket default); "
                          "optional hardening: copy it into the spec's state.kms_key_arn."),
                         ("state_kms_alias_arn", "Alias of that key, for people and tools in this account (a "
                          "backend in another account cannot use it: S3 resolves aliases in the caller's account)."))
        ]
        return {
            "bootstrap/state/versions.tf": render_file([versions], header),
            "bootstrap/state/providers.tf": render_file([provider], header),
            "bootstrap/state/main.tf": render_file([module], header),
            "bootstrap/state/outputs.tf": render_file(outputs, header),
        }


AWS = AwsTarget()
HELM_MODULES = {"observability", "cluster_addons", "workflow_orchestrator", "kserve"}
# The tag Karpenter's EC2NodeClasses select subnets and security groups by (value: the cluster name).
# https://karpenter.sh/docs/concepts/nodeclasses/#specsubnetselectorterms
KARPENTER_DISCOVERY = "karpenter.sh/discovery"


def _module_source(block: Block) -> str:
    source = block.value("source") if block.has("source") else None
    return source.rsplit("/", 1)[-1] if isinstance(source, str) else ""


def sse_s3_buckets(platform: Platform, envs: dict[str, ResolvedEnv]) -> dict[str, str]:
    """The buckets the spec declares S3-managed encryption (SSE-S3) for, by name, with the declaration:
    what `mlstrata check` (MLS011) accepts as a stated choice rather than a missing KMS key."""
    registry = platform.model_registry
    if platform.target != "aws" or registry is None or registry.encryption != "managed":
        return {}
    return {
        _bucket(platform, env.name, "model-registry", env.spec.account): "model_registry.encryption: managed"
        for env in envs.values()
    }


def _tags(platform: Platform, env: ResolvedEnv | None, layer: str) -> dict[str, str]:
    tags = {**platform.tags, **(env.spec.tags if env else {})}
    tags.update({"mlstrata:platform": platform.platform, "mlstrata:layer": layer, "managed-by": "mlstrata"})
    if env is not None:
        tags["mlstrata:environment"] = env.name
    return dict(sorted(tags.items()))


def _versions(uses_helm: bool) -> Block:
    providers = Block("required_providers").attr("aws", dict(AWS_PROVIDER))
    if uses_helm:
        providers.attr("helm", dict(HELM_PROVIDER))
    return Block("terraform").attr("required_version", REQUIRED_TERRAFORM).add(providers)


def _backend(platform: Platform, env: ResolvedEnv, layer: Layer) -> Block:
    state = platform.state
    backend = Block("backend", ["s3"])
    backend.attr("bucket", state.bucket).attr("key", state_key(platform, env.name, layer))
    backend.attr("region", state.region or platform.region)
    if state.kms_key_arn:
        backend.add(Comment("SSE-KMS with the state key, by its full ARN: S3 resolves an alias in the caller's"))
        backend.add(Comment("account, and the deploy role may be in another one. (encrypt alone would be SSE-S3.)"))
        backend.attr("encrypt", True).attr("kms_key_id", state.kms_key_arn)
    else:
        backend.add(Comment("No encrypt/kms_key_id: Terraform then sends no SSE header and the bucket's default"))
        backend.add(Comment("encryption (SSE-KMS with the state key, by full ARN, set by bootstrap/state) encrypts"))
        backend.add(Comment("every state object and lock file. An alias ARN would be resolved in the deploy role's"))
        backend.add(Comment("account, not the bucket's: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html"))
        backend.add(Comment("Set state.kms_key_arn (bootstrap output state_kms_key_arn) to send the key explicitly."))
    backend.add(Comment("S3 native lock file (Terraform >= 1.10): no DynamoDB table needed."))
    backend.attr("use_lockfile", True)
    backend.add(Comment("The environment's deploy role reaches the state bucket, in whatever account it is."))
    backend.attr("assume_role", {"role_arn": deploy_role(platform, env.spec)})
    return Block("terraform").add(backend)


def _providers(platform: Platform, env: ResolvedEnv, layer: Layer, uses_helm: bool) -> list[Block | Comment | Blank]:
    role = deploy_role(platform, env.spec)
    aws = Block("provider", ["aws"]).attr("region", env.region)
    aws.add(Comment("Refuses to run against any other account: a dev plan can never touch prod."))
    aws.attr("allowed_account_ids", [env.spec.account])
    aws.add(Blank()).add(Block("assume_role").attr("role_arn", role).attr("session_name", "mlstrata"))
    aws.add(Blank()).add(Block("default_tags").attr("tags", _tags(platform, env, layer)))
    items: list[Block | Comment | Blank] = [aws]
    if uses_helm:
        helm = Block("provider", ["helm"]).attr("kubernetes", {
            "host": Expr("data.terraform_remote_state.base.outputs.cluster_endpoint"),
            "cluster_ca_certificate": Expr(
                "base64decode(data.terraform_remote_state.base.outputs.cluster_certificate_authority_data)"),
            "exec": {
                "api_version": "client.authentication.k8s.io/v1beta1",
                "command": "aws",
                # The token is the deploy role's, which has an access entry in this cluster.
                "args": Expr('["eks", "get-token", "--cluster-name", '
                             'data.terraform_remote_state.base.outputs.cluster_name, "--region", '
                             f'"{env.region}", "--role-arn", "{role}"]'),
            },
        })
        items.append(helm)
    return items


def _pool_efa(pool: GpuPoolShape) -> bool:
    if pool.efa is not None:
        return pool.efa
    return any(cat.family_of(t) in cat.EFA_TRAINING_FAMILIES for t in pool.instance_types)


def _pool_labels(pool_name: str, pool: GpuPoolShape) -> dict[str, str]:
    """The node labels of a GPU pool, the same whichever autoscaler launches its nodes: the pool's own, its
    name, and the labels the NVIDIA (AL2023) and EFA device plugins select their nodes by."""
    labels = {**pool.labels, "mlstrata.dev/gpu-pool": pool_name}
    if pool.image.startswith("AL2023"):
        labels["mlstrata.dev/nvidia-device-plugin"] = "true"
    if _pool_efa(pool):
        labels["mlstrata.dev/efa"] = "true"
    return dict(sorted(labels.items()))


def _karpenter_node_pools(platform: Platform, env: ResolvedEnv) -> dict[str, object]:
    """Per GPU pool what its EC2NodeClass and NodePool need (modules/cluster_addons, karpenter_node_pools)."""
    pools: dict[str, object] = {}
    for pool_name, pool in env.gpu_pools.items():
        gpus = cat.gpus_per_node(pool.instance_types)
        tags = {**_tags(platform, env, "base"), "Name": f"{_name(platform, env.name)}-{pool_name}",
                "mlstrata:gpu-pool": pool_name}
        pools[pool_name] = {
            "instance_types": list(pool.instance_types),
            "capacity_types": [cat.KARPENTER_CAPACITY_TYPES[pool.capacity]],
            "capacity_reservation_ids": [pool.capacity_reservation_id] if pool.capacity_reservation_id else [],
            "ami_alias": cat.karpenter_ami_alias(pool.image),
            "zone_ids": list(pool.zones or []),
            "disk_size_gb": pool.disk_size_gb,
            "labels": _pool_labels(pool_name, pool),
            "taints": [{"key": t.key, "value": t.value, "effect": t.effect} for t in pool.taints],
            "gpu_limit": pool.scaling.max * gpus if gpus is not None else None,
            "tags": dict(sorted(tags.items())),
        }
    return pools


def _base(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = _name(platform, env.name)
    protect = env.protect
    account = env.spec.account
    main: list[Block | Comment | Blank] = []
    outputs: list[Block] = []
    tags = _tags(platform, env, "base")

    # The buckets the platform key encrypts, with the principals the spec lets read or write them.
    keyed_buckets = [(_bucket(platform, env.name, n, account), s.readers, s.writers)
                     for n, s in platform.artifact_stores.items()]
    if platform.feature_store is not None:
        fs = platform.feature_store
        keyed_buckets.append((_bucket(platform, env.name, "feature-store", account), fs.readers, fs.writers))
    bucket_principals = [{"bucket": b, "readers": r, "writers": w} for b, r, w in keyed_buckets if r or w]
    main.append(_module(
        "kms", "kms_key",
        description=f"{name}: platform data (logs, EKS secrets, buckets, node volumes, databases, queues)",
        alias=f"{name}-platform", protect=protect,
        c1=Comment("Node groups launch encrypted EBS volumes through the Auto Scaling service-linked role."),
        allow_ebs_autoscaling=True, allow_cloudwatch_logs=True,
        c2=Comment("The buckets' readers and writers (any account) use the key through S3, for their bucket only.")
        if bucket_principals else None,
        s3_bucket_principals=bucket_principals or None,
    ))
    single_nat = platform.network.single_nat_gateway
    pinned = sorted({z for pool in env.gpu_pools.values() for z in (pool.zones or [])})
    karpenter = platform.cluster.autoscaler == "karpenter"
    main.append(_module(
        "network", "network", name=name, cidr=platform.network.cidr, az_count=platform.network.zones,
        include_zone_ids=pinned or None,
        private_subnet_tags={KARPENTER_DISCOVERY: name} if karpenter else None,
        single_nat_gateway=(not protect) if single_nat is None else single_nat,
        flow_log_kms_key_arn=Expr("module.kms.key_arn"), flow_log_traffic_type=platform.network.flow_logs.upper(),
    ))
    cluster = platform.cluster
    # The deploy role first, then the others sorted: the same order in every environment whatever the
    # accounts' ids (parity compares the list with the deploy role normalized).
    deploy = deploy_role(platform, env.spec)
    admins = [deploy, *sorted({*cluster.admins, *env.spec.cluster_admins} - {deploy})]
    system = cluster.system_pool
    main.append(_module(
        "cluster", "eks_cluster", name=name, kubernetes_version=cluster.kubernetes_version,
        vpc_id=Expr("module.network.vpc_id"), subnet_ids=Expr("module.network.private_subnet_ids"),
        kms_key_arn=Expr("module.kms.key_arn"), endpoint_public_access=cluster.endpoint_public,
        public_access_cidrs=cluster.public_access_cidrs,
        c1=Comment("The deploy role runs the platform layer's Helm releases: it needs an access entry here."),
        admin_principal_arns=admins,
        c2=Comment("Private endpoint: the VPC and the CI runners' networks reach it on 443."),
        api_access_cidrs=[platform.network.cidr, *cluster.ci_runner_cidrs],
        system_instance_types=list(system.instance_types), system_ami_type=system.image,
        system_min_size=system.min, system_max_size=system.max,
        cluster_autoscaler=cluster.autoscaler == "cluster-autoscaler", protect=protect,
    ))
    if karpenter:
        main.append(_module(
            "karpenter", "karpenter", cluster_name=Expr("module.cluster.cluster_name"),
            c1=Comment("EC2NodeClasses select the cluster security group and private subnets by "
                       "karpenter.sh/discovery."),
            cluster_security_group_id=Expr("module.cluster.cluster_security_group_id"),
            c2=Comment("Node volumes use the platform key: the controller launches them, so it may use it via EC2."),
            kms_key_arn=Expr("module.kms.key_arn"),
        ))
        outputs += [
            _output("karpenter_node_role_name", "module.karpenter.node_role_name",
                    "IAM role of the nodes Karpenter launches (EC2NodeClass spec.role)."),
            _output("karpenter_interruption_queue_name", "module.karpenter.interruption_queue_name",
                    "SQS queue Karpenter reads interruption events from."),
        ]
    for pool_name, pool in ({} if karpenter else env.gpu_pools).items():
        if pool.zones:
            subnets: object = Expr(
                "[for z in [" + ", ".join(f'"{z}"' for z in pool.zones) + "] : "
                "module.network.private_subnet_ids_by_zone_id[z]]")
        else:
            subnets = Expr("module.network.private_subnet_ids")
        desired = pool.scaling.desired
        owner = "autoscaler" if desired == "autoscaler" else "terraform"
        efa = _pool_efa(pool)
        labels = _pool_labels(pool_name, pool)
        main.append(_module(
            f"gpu_pool_{pool_name.replace('-', '_')}", "gpu_node_pool",
            cluster_name=Expr("module.cluster.cluster_name"), name=pool_name,
            kubernetes_version=Expr("module.cluster.cluster_version"), subnet_ids=subnets,
            instance_types=list(pool.instance_types), capacity_type=cat.CAPACITY_TYPES[pool.capacity],
            capacity_reservation_id=pool.capacity_reservation_id,
            capacity_block_start=pool.capacity_block_start, capacity_block_end=pool.capacity_block_end,
            ami_type=pool.image,
            min_size=pool.scaling.min, max_size=pool.scaling.max,
            desired_size=pool.scaling.min if desired == "autoscaler" else desired,
            c1=Comment("Who owns the node count: `terraform` sets it on every apply; `autoscaler` is read back."),
            desired_size_owner=owner,
            labels=dict(sorted(labels.items())),
            taints=[{"key": t.key, "value": t.value, "effect": _taint_effect(t.effect)} for t in pool.taints],
            disk_size_gb=pool.disk_size_gb, kms_key_arn=Expr("module.kms.key_arn"),
            max_unavailable_percentage=pool.max_unavailable_percentage,
            efa=efa or None,
            vpc_id=Expr("module.network.vpc_id") if efa else None,
            cluster_security_group_id=Expr("module.cluster.cluster_security_group_id") if efa else None,
            c2=Comment("Repeated on instances and volumes: default_tags do not reach them (provider #19387)."),
            tags=tags,
        ))
    main.append(_module(
        "access_logs", "access_log_bucket", name=_bucket(platform, env.name, "access-logs", account),
        retention_days=365, protect=protect,
    ))
    bucket_arns: list[str] = []
    for store_name, store in platform.artifact_stores.items():
        mod = f"artifacts_{store_name.replace('-', '_')}"
        main.append(_module(
            mod, "artifact_bucket", name=_bucket(platform, env.name, store_name, account),
            kms_key_arn=Expr("module.kms.key_arn"),
            versioning=store.versioning, retention_days=store.retention_days,
            noncurrent_version_retention_days=store.noncurrent_retention_days,
            access_log_bucket=Expr("module.access_logs.bucket_id"),
            reader_principal_arns=store.readers, writer_principal_arns=store.writers, protect=protect,
        ))
        bucket_arns.append(f"module.{mod}.bucket_arn")
    feature_store = platform.feature_store
    if feature_store is not None:
        main.append(_module(
            "feature_store_bucket", "artifact_bucket", name=_bucket(platform, env.name, "feature-store", account),
            kms_key_arn=Expr("module.kms.key_arn"),
            c1=Comment("Feast offline store (Parquet) and registry object; versioned, so a bad apply can be undone."),
            versioning=True, noncurrent_version_retention_days=30,
            access_log_bucket=Expr("module.access_logs.bucket_id"),
            reader_principal_arns=feature_store.readers, writer_principal_arns=feature_store.writers,
            protect=protect,
        ))
        outputs += [_output("feature_store_bucket_arn", "module.feature_store_bucket.bucket_arn",
                            "Feast offline store and registry bucket.")]
    registry = platform.model_registry
    if registry is not None and env.name in registry.stages:
        main, outputs = _registry(platform, env, main, outputs)
    outputs = [
        _output("cluster_name", "module.cluster.cluster_name", "EKS cluster name."),
        _output("cluster_endpoint", "module.cluster.cluster_endpoint", "EKS API endpoint."),
        _output("cluster_certificate_authority_data", "module.cluster.cluster_certificate_authority_data",
                "EKS cluster CA (base64)."),
        _output("cluster_security_group_id", "module.cluster.cluster_security_group_id",
                "Security group of the cluster and its nodes."),
        _output("oidc_provider_arn", "module.cluster.oidc_provider_arn", "IRSA OIDC provider."),
        _output("oidc_issuer", "module.cluster.oidc_issuer", "IRSA OIDC issuer (without https://)."),
        _output("vpc_id", "module.network.vpc_id", "VPC id."),
        _output("private_subnet_ids", "module.network.private_subnet_ids", "Private subnets."),
        _output("kms_key_arn", "module.kms.key_arn", "Platform KMS key."),
        _output("artifact_bucket_arns", "[" + ", ".join(bucket_arns) + "]",
                "Artifact buckets the pipelines read and write."),
        *outputs,
    ]
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _stage_writers(platform: Platform, env: ResolvedEnv) -> tuple[list[str], bool]:
    """Who may write this stage's registry: its promoters; the pipeline runner only for a first stage
    without declared promoters (registering a new model version is the pipelines' job there)."""
    registry = platform.model_registry
    assert registry is not None
    promoters = env.promoters.get(env.name, [])
    runner_writes = not promoters and registry.stages[0] == env.name and platform.pipelines is not None
    return promoters, runner_writes


def _runner_role_arn(platform: Platform, env: ResolvedEnv) -> str:
    return f"arn:aws:iam::{env.spec.account}:role/{_name(platform, env.name)}-pipeline-runner"


def _registry(platform: Platform, env: ResolvedEnv, main: list[Block | Comment | Blank],
              outputs: list[Block]) -> tuple[list[Block | Comment | Blank], list[Block]]:
    registry = platform.model_registry
    assert registry is not None
    name = _name(platform, env.name)
    protect = env.protect
    # Each environment holds its own stage of the promotion path; promoting = copying a model version
    # from the previous stage's registry into this one, which only this stage's promoters may do. So the
    # next stage's promoters read this stage (bucket and key), possibly from another account.
    readers = registry_readers(platform, env)
    promoters, runner_writes = _stage_writers(platform, env)
    writers = promoters or ([_runner_role_arn(platform, env)] if runner_writes else [])
    key: str | None
    if registry.encryption == "kms":
        main.append(_module(
            "registry_kms", "kms_key", description=f"{name}: model registry artifacts",
            alias=f"{name}-registry", protect=protect,
            c1=Comment("Readers and the next stage's promoters decrypt, from any account."),
            decrypt_principal_arns=readers or None,
            user_principal_arns=promoters or None,
        ))
        key = "module.registry_kms.key_arn"
    else:
        # `managed`: the S3-managed key (SSE-S3), which cross-account readers can use; the AWS managed
        # aws/s3 KMS key cannot be shared across accounts.
        key = None
    main.append(_module(
        "registry_bucket", "artifact_bucket", name=_bucket(platform, env.name, "model-registry", env.spec.account),
        kms_key_arn=Expr(key) if key else None,
        versioning=True, noncurrent_version_retention_days=registry.retention_days or 365,
        access_log_bucket=Expr("module.access_logs.bucket_id"),
        reader_principal_arns=readers, writer_principal_arns=writers,
        c1=Comment("Only this stage's writers may put or delete model artifacts, whatever else IAM allows."),
        only_writers_write=True, protect=protect,
    ))
    group_outputs = []
    for model in list(registry.models) or [""]:
        label = f"model_registry_{model.replace('-', '_')}" if model else "model_registry"
        main.append(_module(
            label, "model_registry", name=f"{platform.platform}-{model}" if model else platform.platform,
            stages=[env.name], promoter_principal_arns_by_stage={env.name: promoters},
            reader_principal_arns=readers, protect=protect,
        ))
        group_outputs.append(f"module.{label}.model_package_group_arns")
    # every module's map is keyed by this stage, so list the values instead of merging maps
    groups = (f"values({group_outputs[0]})" if len(group_outputs) == 1
              else "flatten([" + ", ".join(f"values({g})" for g in group_outputs) + "])")
    outputs += [
        _output("registry_bucket_arn", "module.registry_bucket.bucket_arn", "Bucket of model artifacts."),
        _output("registry_kms_key_arns", f"[{key}]" if key else "[]",
                "KMS key of the model registry (empty with SSE-S3)."),
        _output("model_package_group_arns", groups,
                "SageMaker model package groups of this environment's stage."),
    ]
    return main, outputs


def _taint_effect(effect: str) -> str:
    return {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}[effect]


def _platform(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    name = _name(platform, env.name)
    protect = env.protect
    base = "data.terraform_remote_state.base.outputs"
    remote = Block("data", ["terraform_remote_state", "base"]).attr("backend", "s3").attr("config", {
        "bucket": platform.state.bucket,
        "key": state_key(platform, env.name, "base"),
        "region": platform.state.region or platform.region,
        "assume_role": {"role_arn": deploy_role(platform, env.spec)},
    })
    main: list[Block | Comment | Blank] = [
        Comment("The base layer (network, cluster, GPU pools, storage) is read, never changed, from here."),
        remote,
    ]
    outputs: list[Block] = []
    cluster = platform.cluster
    pools = env.gpu_pools.values()
    device_plugin = any(p.image.startswith("AL2023") for p in pools)
    autoscaler = cluster.autoscaler == "cluster-autoscaler"
    karpenter = cluster.autoscaler == "karpenter"
    efa = any(_pool_efa(p) for p in pools)
    if device_plugin or autoscaler or efa or karpenter:
        addons: dict[str, object] = {
            "cluster_name": Expr(f"{base}.cluster_name"), "region": env.region,
            "c1": Comment("AL2023 NVIDIA nodes have the driver but no device plugin: without it no GPU is "
                          "schedulable."),
            "nvidia_device_plugin": device_plugin, "cluster_autoscaler": autoscaler, "efa_device_plugin": efa,
            "cluster_autoscaler_image_tag": cat.CLUSTER_AUTOSCALER_TAGS.get(platform.cluster.kubernetes_version)
            if autoscaler else None,
        }
        if karpenter:
            addons["c2"] = Comment("Karpenter launches the GPU pools' nodes (one EC2NodeClass and NodePool each); "
                                   "its controller runs on the system node group.")
            addons["karpenter"] = {
                "interruption_queue": Expr(f"{base}.karpenter_interruption_queue_name"),
                "node_role_name": Expr(f"{base}.karpenter_node_role_name"),
                "kms_key_arn": Expr(f"{base}.kms_key_arn"),
                # two replicas spread over nodes need two system nodes
                "replicas": min(2, cluster.system_pool.min),
            }
            addons["karpenter_node_pools"] = _karpenter_node_pools(platform, env)
        main.append(_module("cluster_addons", "cluster_addons", **addons))
    pipelines = platform.pipelines
    queue_arns: list[str] = []
    secret_arns: list[str] = []
    needs = set(pipelines.needs) if pipelines is not None else set()
    if pipelines is not None and pipelines.metadata_store is not None:
        db = pipelines.metadata_store
        main.append(_module(
            "metadata_store", "metadata_store", name=f"{name}-metadata", vpc_id=Expr(f"{base}.vpc_id"),
            subnet_ids=Expr(f"{base}.private_subnet_ids"),
            allowed_security_group_ids=Expr(f"[{base}.cluster_security_group_id]") if "network" in needs else None,
            kms_key_arn=Expr(f"{base}.kms_key_arn"), instance_class=db.instance_class,
            allocated_storage_gb=db.storage_gb, multi_az=protect, backup_retention_days=db.backup_retention_days,
            protect=protect,
        ))
        if "metadata_store" in needs:
            secret_arns.append("module.metadata_store.metadata_store_master_user_secret_arn")
        outputs += [
            _output("metadata_store_endpoint", "module.metadata_store.metadata_store_endpoint",
                    "Pipeline metadata database endpoint."),
            _output("metadata_store_secret_arn", "module.metadata_store.metadata_store_master_user_secret_arn",
                    "Secrets Manager secret holding the database credentials (the password never enters state)."),
        ]
    if pipelines is not None and pipelines.queue is not None:
        q = pipelines.queue
        main.append(_module(
            "pipeline_queue", "pipeline_queue", name=f"{name}-pipelines", kms_key_arn=Expr(f"{base}.kms_key_arn"),
            message_retention_seconds=q.message_retention_hours * 3600,
            visibility_timeout_seconds=q.visibility_timeout_seconds, max_receive_count=q.max_receive_count,
        ))
        if "queue" in needs:
            queue_arns.append("module.pipeline_queue.queue_arn")
        outputs.append(_output("pipeline_queue_url", "module.pipeline_queue.queue_url", "Pipeline work queue."))
    sagemaker = pipelines is not None and pipelines.orchestrator == "sagemaker"
    if pipelines is not None and ("identity" in needs or sagemaker):
        inputs: dict[str, object] = {
            "name": f"{name}-pipeline-runner",
            "oidc_provider_arn": Expr(f"{base}.oidc_provider_arn"),
            "oidc_issuer": Expr(f"{base}.oidc_issuer"),
            "namespace": pipelines.namespace,
            "service_account": pipelines.service_account,
        }
        if sagemaker:
            inputs["c0"] = Comment("orchestrator: sagemaker: SageMaker jobs of this account run as this role too.")
            inputs["sagemaker_execution"] = True
        if "artifact_store" in needs:
            inputs["artifact_bucket_arns"] = Expr(f"{base}.artifact_bucket_arns")
        has_registry = platform.model_registry is not None and env.name in platform.model_registry.stages
        if has_registry:
            _, runner_writes = _stage_writers(platform, env)
            key = "artifact_bucket_arns" if runner_writes and "artifact_store" in needs else "read_only_bucket_arns"
            if key == "artifact_bucket_arns":
                inputs[key] = Expr(f"concat({base}.artifact_bucket_arns, [{base}.registry_bucket_arn])")
            else:
                inputs["c1"] = Comment("Promoted model versions are read, never overwritten, by the runner.")
                inputs[key] = Expr(f"[{base}.registry_bucket_arn]")
            inputs["model_package_group_arns"] = Expr(f"{base}.model_package_group_arns")
        if queue_arns:
            inputs["queue_arns"] = Expr("[" + ", ".join(queue_arns) + "]")
        if secret_arns:
            inputs["secret_arns"] = Expr("[" + ", ".join(secret_arns) + "]")
        inputs["kms_key_arns"] = Expr(f"distinct(concat([{base}.kms_key_arn], {base}.registry_kms_key_arns))"
                                      if has_registry else f"[{base}.kms_key_arn]")
        main.append(_module("pipeline_deps", "workload_role", **inputs))
        outputs.append(_output("pipeline_role_arn", "module.pipeline_deps.role_arn",
                               "IAM role of the pipeline runner (IRSA; SageMaker execution role with sagemaker)."))
    serving = _kserve if serving_engine(platform) == "kserve" else _sagemaker
    services_main, services_outputs = kube.platform_services(
        platform, env, lambda: _argo(platform, env, needs), lambda: serving(platform, env),
        lambda: _feature_store(platform, env))
    main += services_main
    outputs += services_outputs
    obs = platform.observability
    if obs.prometheus or obs.grafana or obs.dcgm_exporter:
        main.append(_module("observability", "observability", **kube.monitoring_settings(obs)))
        outputs.append(kube.monitoring_namespace_output())
    return main, sorted(outputs, key=lambda b: b.labels[0])


def _argo(platform: Platform, env: ResolvedEnv, needs: set[str]) -> Block:
    """Argo Workflows as the pipeline runner's IRSA role, artifacts in S3, the archive in RDS."""
    identity = "identity" in needs
    stores = list(platform.artifact_stores)
    wiring = kube.ArgoWiring(
        annotations={"eks.amazonaws.com/role-arn": Expr("module.pipeline_deps.role_arn")} if identity else {})
    if identity and "artifact_store" in needs and stores:
        wiring = replace(wiring, artifact_comment=f"Artifact store `{stores[0]}` (the first declared); its default "
                         "encryption applies.", artifact_repository={"archiveLogs": True, "s3": {
                             "bucket": _bucket(platform, env.name, stores[0], env.spec.account),
                             "endpoint": f"s3.{env.region}.amazonaws.com", "region": env.region,
                             "useSDKCreds": True}})
    pipelines = platform.pipelines
    if pipelines is not None and pipelines.metadata_store is not None and "metadata_store" in needs:
        wiring = replace(wiring, archive_comment="Workflow archive: the secret (username, password) is synced from "
                         "metadata_store_secret_arn before this release.", archive={
                             "metadata_store_host": Expr("module.metadata_store.metadata_store_endpoint"),
                             "metadata_store_port": Expr("module.metadata_store.metadata_store_port"),
                             "metadata_store_database": Expr("module.metadata_store.metadata_store_db_name")})
    return kube.argo(platform, wiring)


def _registry_read(platform: Platform, env: ResolvedEnv, stage: str) -> tuple[Expr, Expr]:
    """(bucket ARNs, KMS key ARNs) an endpoint reading `stage` needs: this environment's registry from the
    base layer, another stage's bucket by name (its account's bucket policy lets registry readers in)."""
    base = "data.terraform_remote_state.base.outputs"
    if stage == env.name:
        return Expr(f"[{base}.registry_bucket_arn]"), Expr(f"{base}.registry_kms_key_arns")
    account = platform.environments[stage].account
    return Expr(f'["arn:{cat.partition(env.region)}:s3:::{_bucket(platform, stage, "model-registry", account)}"]'), \
        Expr("[]")


def _kserve(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """KServe with an IRSA role per serving class reading the registry stage it serves from."""
    base = "data.terraform_remote_state.base.outputs"
    name = _name(platform, env.name)

    def identity(cls: str, shape: ServingEndpointShape, namespace: str, account: str) -> kube.Workload:
        label = f"serving_identity_{cls.replace('-', '_')}"
        buckets, keys = _registry_read(platform, env, str(shape.stage))
        role = _module(
            label, "workload_role", purpose=f"Serving class {cls}", name=f"{name}-serve-{cls}",
            oidc_provider_arn=Expr(f"{base}.oidc_provider_arn"), oidc_issuer=Expr(f"{base}.oidc_issuer"),
            namespace=namespace, service_account=account,
            c1=Comment(f"Reads model versions of registry stage `{shape.stage}`, never writes them."),
            read_only_bucket_arns=buckets, kms_key_arns=keys,
        )
        arn = Expr(f"module.{label}.role_arn")
        return kube.Workload([role], {"eks.amazonaws.com/role-arn": arn}, {"role_arn": arn})

    return kube.kserve(env, identity)


def _sagemaker(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """Per serving class a SageMaker endpoint. Inference components (default): Terraform owns the endpoint, its
    instance type, instance bounds and execution role; the release adds the model version as an inference
    component (modules/sagemaker_endpoint/README.md). Real-time, serverless and async variants name the model,
    so the release creates the endpoint from the configuration Terraform hands over, and Terraform owns the
    role, the async output and the variant's autoscaling (modules/sagemaker_variant/README.md). The handoff is
    one output."""
    base = "data.terraform_remote_state.base.outputs"
    main: list[Block | Comment | Blank] = []
    handoff: dict[str, object] = {}
    for cls, shape in env.serving.items():
        label = f"serving_endpoint_{cls.replace('-', '_')}"
        stage = str(shape.stage)
        buckets, keys = _registry_read(platform, env, stage)
        kind = shape.sagemaker.kind if shape.sagemaker is not None else "inference_components"
        instance_type = shape.instance_type
        scaling = shape.autoscaling
        inputs: dict[str, object] = {"name": _sagemaker_endpoint(platform, env.name, cls)}
        if kind != "inference_components":
            inputs["kind"] = kind
        if instance_type is not None:
            inputs["instance_type"] = instance_type
        if kind != "serverless":
            inputs |= {"min_instances": scaling.min_replicas, "max_instances": scaling.max_replicas}
        if kind in ("real_time", "async"):
            inputs |= _variant_scaling(kind, shape)
        if kind == "serverless" and shape.sagemaker is not None:
            variant = shape.sagemaker
            inputs |= {"memory_mb": variant.memory_mb, "max_concurrency": variant.max_concurrency}
            if variant.provisioned_concurrency is not None:
                inputs["provisioned_concurrency"] = variant.provisioned_concurrency
        if kind == "async" and shape.sagemaker is not None:
            stores = list(platform.artifact_stores)
            inputs["c0"] = Comment(f"Results and failures under serving/<endpoint>/ of artifact store `{stores[0]}`.")
            inputs |= {"output_bucket_arn": Expr(f"{base}.artifact_bucket_arns[0]"),
                       "output_kms_key_arn": Expr(f"{base}.kms_key_arn")}
            if shape.sagemaker.max_concurrent_invocations is not None:
                inputs["max_concurrent_invocations"] = shape.sagemaker.max_concurrent_invocations
            if shape.sagemaker.notifications:
                inputs |= {"notifications": True, "topic_kms_key_arn": Expr(f"{base}.kms_key_arn")}
        inputs |= {"c1": Comment(f"Reads model versions of registry stage `{stage}`, never writes them."),
                   "registry_bucket_arns": buckets, "kms_key_arns": keys}
        if stage == env.name:
            inputs["model_package_group_arns"] = Expr(f"{base}.model_package_group_arns")
        if instance_type is not None and cat.sagemaker_instance_store(instance_type):
            inputs["c2"] = Comment(f"{instance_type} has local NVMe storage: SageMaker rejects a volume KMS key.")
        elif kind != "serverless":
            inputs["kms_key_arn"] = Expr(f"{base}.kms_key_arn")
        module = "sagemaker_endpoint" if kind == "inference_components" else "sagemaker_variant"
        main.append(_module(label, module, **inputs))
        handoff[cls] = _sagemaker_handoff(label, kind, shape)
    return main, [kube.serving_handoff(
        "the endpoint (and, for real-time, serverless and async variants, the endpoint configuration to create and "
        "the tags to set), the execution role, registry stage and alias, and the scaling bounds.", handoff)]


def _variant_scaling(kind: str, shape: ServingEndpointShape) -> dict[str, object]:
    """The signal and target of a real-time or async variant's target tracking (checked in spec/services.py and
    targets/aws/checks.py: real-time has one of the two targets, async a concurrency)."""
    a = shape.autoscaling
    if kind == "async":
        return {"scaling_metric": "backlog", "scaling_target": a.target_concurrency}
    if a.target_concurrency is not None:
        return {"scaling_metric": "concurrency", "scaling_target": a.target_concurrency}
    units = cat.sagemaker_utilization_units(str(shape.instance_type))
    unit, count = units if units is not None else ("gpu", 1)
    units_name = "GPU" if unit == "gpu" else "vCPU"
    return {"c4": Comment(f"{unit.upper()}Utilization is summed over the instance's {count} {units_name}"
                          f"{'s' if count > 1 else ''}: {a.target_utilization}% of each."),
            "scaling_metric": f"{unit}_utilization", "scaling_target": int(a.target_utilization or 0) * count}


def _sagemaker_handoff(label: str, kind: str, shape: ServingEndpointShape) -> dict[str, object]:
    scaling = shape.autoscaling
    out: dict[str, object] = {
        "engine": "sagemaker", "variant_kind": kind, "endpoint_name": Expr(f"module.{label}.endpoint_name"),
        "variant_name": Expr(f"module.{label}.variant_name"),
        "role_arn": Expr(f"module.{label}.execution_role_arn"), "instance_type": kube.or_null(shape.instance_type),
        "model": shape.model, "registry_stage": str(shape.stage), "registry_alias": shape.alias or "",
    }
    if kind == "serverless":
        return out | {"endpoint_config_json": Expr(f"module.{label}.endpoint_config_json")}
    out |= {"min_replicas": scaling.min_replicas, "max_replicas": scaling.max_replicas,
            "scale_to_zero": scaling.scale_to_zero,
            "target_concurrency": kube.or_null(scaling.target_concurrency),
            "target_utilization": kube.or_null(scaling.target_utilization)}
    if kind == "inference_components":
        return out | {"copy_scaling_dimension": "sagemaker:inference-component:DesiredCopyCount"}
    return out | {"endpoint_config_json": Expr(f"module.{label}.endpoint_config_json"),
                  "endpoint_tags": Expr(f"module.{label}.endpoint_tags"),
                  "autoscaling_registered": Expr(f"module.{label}.autoscaling_registered")}


def _feature_store(platform: Platform, env: ResolvedEnv) -> tuple[list[Block | Comment | Blank], list[Block]]:
    """Feast's online store and the identity Feast runs as in the cluster; `feast apply` is a release."""
    base = "data.terraform_remote_state.base.outputs"
    name = _name(platform, env.name)
    project = kube.feast_project(platform)
    kind = online_store(platform)
    main: list[Block | Comment | Blank] = []
    identity: dict[str, object] = {
        "purpose": "Feast", "name": f"{name}-feast",
        "oidc_provider_arn": Expr(f"{base}.oidc_provider_arn"), "oidc_issuer": Expr(f"{base}.oidc_issuer"),
        "namespace": kube.FEAST_NAMESPACE, "service_account": kube.FEAST_SERVICE_ACCOUNT,
        "artifact_bucket_arns": Expr(f"[{base}.feature_store_bucket_arn]"),
        "kms_key_arns": Expr(f"[{base}.kms_key_arn]"),
    }
    online: dict[str, object] = {"type": kind, "region": env.region}
    if kind == "dynamodb":
        identity["c1"] = Comment("Feast names its online tables <project>.<feature view>: only those.")
        identity["dynamodb_table_prefixes"] = [f"{project}."]
    else:
        main.append(_module(
            "feature_store_online", "feast_redis", name=f"{name}-feast",
            vpc_id=Expr(f"{base}.vpc_id"), subnet_ids=Expr(f"{base}.private_subnet_ids"),
            allowed_security_group_ids=Expr(f"[{base}.cluster_security_group_id]"),
            kms_key_arn=Expr(f"{base}.kms_key_arn"), protect=env.protect,
        ))
        identity["elasticache_connect_arns"] = Expr(
            "[module.feature_store_online.redis_replication_group_arn, module.feature_store_online.redis_user_arn]")
        online.update({"connection": Expr('"${module.feature_store_online.redis_primary_endpoint}:6379,ssl=true"'),
                       "user": Expr("module.feature_store_online.redis_user_name")})
    main.append(_module("feature_store_identity", "workload_role", **identity))
    bucket = _bucket(platform, env.name, "feature-store", env.spec.account)
    return main, [kube.feast_handoff(platform, f"s3://{bucket}", online,
                                     {"role_arn": Expr("module.feature_store_identity.role_arn")})]
