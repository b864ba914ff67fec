"""Checks of a spec for the AWS target: account ids, regions and zones, GPU instance types and images,
principals, and names that must fit AWS's length limits."""

from __future__ import annotations

import dataclasses

from pydantic import ValidationError

from mlstrata.diagnostics import Diagnostic, Severity, did_you_mean, warning
from mlstrata.spec.models import Platform
from mlstrata.spec.principals import principal_places
from mlstrata.spec.resolve import endpoint_shape
from mlstrata.spec.source import KeyPath, Source, diagnostics_at, format_path
from mlstrata.targets.aws import catalog as cat
from mlstrata.targets.aws.instance_types import check_pool_types
from mlstrata.targets.aws.names import bucket as _bucket
from mlstrata.targets.aws.names import sagemaker_endpoint as _sagemaker_endpoint
from mlstrata.targets.aws.offers import OFFERS
from mlstrata.targets.aws.state import state_account
from mlstrata.targets.naming import Naming, check_accounts_and_regions

NAMING = Naming(
    account_ok=lambda a: bool(cat.ACCOUNT.match(a)),
    account_missing_hint='Add the 12-digit AWS account id, quoted: account: "111111111111".',
    account_bad="`{account}` is not a 12-digit AWS account id",
    account_bad_hint='Quote it to keep leading zeros: account: "012345678901".', account_code="aws.account",
    region_problem=lambda r: None if cat.REGION.match(r) else "Use a region code such as us-east-1 or eu-west-1.",
    region_bad="`{region}` is not an AWS region name", region_code="aws.region",
)


def _check_state_kms_key(platform: Platform, source: Source) -> list[Diagnostic]:
    """`state.kms_key_arn` is the state key's full ARN, in the state bucket's region and account: an alias or
    another account's key cannot be what S3 uses for a cross-account write (see `_backend` in render.py)."""
    arn = platform.state.kms_key_arn
    if arn is None or platform.state.backend not in OFFERS.state_backends:
        return []
    region = platform.state.region or platform.region
    account = state_account(platform)
    expected = f"arn:{cat.partition(region)}:kms:{region}:{account}:key/<key id>"
    match = cat.KMS_KEY_ARN.match(arn)
    if match is None:
        problem = "an alias, not a key ARN" if ":alias/" in arn or arn.startswith("alias/") else "not a KMS key ARN"
        return [diagnostics_at(source, ("state", "kms_key_arn"), f"`{arn}` is {problem}",
                               f"Use the bootstrap root's `state_kms_key_arn` output ({expected}); S3 resolves an "
                               "alias in the calling account, so cross-account state writes need the key ARN.",
                               code="aws.state_kms")]
    got = (match["partition"], match["region"], match["account"])
    if got != (cat.partition(region), region, account):
        return [diagnostics_at(source, ("state", "kms_key_arn"),
                               f"`{arn}` is not a key in the state bucket's region and account ({region}, {account})",
                               f"Use the bootstrap root's `state_kms_key_arn` output ({expected}).",
                               code="aws.state_kms")]
    return []


def check(platform: Platform, source: Source) -> list[Diagnostic]:
    """Account ids, regions and zones, GPU instance types and images, principals, name lengths."""
    out = check_accounts_and_regions(platform, source, NAMING)
    if platform.state.account is not None and not cat.ACCOUNT.match(platform.state.account):
        out.append(diagnostics_at(source, ("state", "account"),
                                  f"`{platform.state.account}` is not a 12-digit AWS account id",
                                  'Quote it: account: "012345678901".', code="aws.account"))
    out += _check_state_kms_key(platform, source)
    out += _check_karpenter(platform, source)
    version = platform.cluster.kubernetes_version
    if platform.cluster.autoscaler == "cluster-autoscaler" and version not in cat.CLUSTER_AUTOSCALER_TAGS:
        where: KeyPath = ("cluster", "kubernetes_version")
        out.append(warning(
            f"no cluster-autoscaler image is known for Kubernetes {version}: the chart's own (1.32.0) is rendered",
            where=source.where(where), path=format_path(where), code="aws.autoscaler",
            detail="The autoscaler's minor version should match the cluster's.",
            hint="Use a version mlstrata knows (" + ", ".join(sorted(cat.CLUSTER_AUTOSCALER_TAGS)) + "), or set the "
            "image tag in modules/cluster_addons (cluster_autoscaler_image_tag)."))
    system = platform.cluster.system_pool
    if system.max < system.min:
        out.append(diagnostics_at(source, ("cluster", "system_pool", "max"),
                                  "system_pool.max is below system_pool.min", "Raise max.", code="aws.system_pool"))
    if system.image not in cat.SYSTEM_IMAGES:
        out.append(diagnostics_at(source, ("cluster", "system_pool", "image"),
                                  f"`{system.image}` is not an EKS standard node image",
                                  "Use one of: " + ", ".join(cat.SYSTEM_IMAGES) + ".", code="aws.image"))
    out += _check_serving_engine(platform, source)
    out += _check_pools(platform, source)
    out += _check_principals(platform, source)
    out += _check_names(platform, source)
    return out


def _check_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    out = check_pool_types(platform, source, "aws.instance_type")
    for name, pool in platform.gpu_pools.items():
        shapes: list[tuple[KeyPath, dict[str, object]]] = [(("gpu_pools", name), pool.model_dump())]
        for env, override in pool.overrides.items():
            shapes.append((("gpu_pools", name, "overrides", env), dict(override)))
        for base, shape in shapes:
            image = shape.get("image")
            types = shape.get("instance_types")
            archs: set[str] = set()
            if isinstance(types, list):
                for itype in types:
                    arch = cat.gpu_architecture(str(itype))
                    if arch is not None:
                        archs.add(arch)
            if isinstance(image, str):
                if image in cat.DEPRECATED_IMAGES:
                    out.append(diagnostics_at(
                        source, (*base, "image"), f"`{image}` is deprecated (AL2 GPU AMIs are past end of support)",
                        f"Use `{cat.DEPRECATED_IMAGES[image]}` or BOTTLEROCKET_x86_64_NVIDIA.", code="aws.image"))
                elif image not in cat.GPU_IMAGES:
                    close = did_you_mean(image, cat.GPU_IMAGES)
                    out.append(diagnostics_at(
                        source, (*base, "image"), f"`{image}` is not an EKS GPU node image",
                        ((close + " ") if close else "") + "Use one of: " + ", ".join(cat.GPU_IMAGES) + ".",
                        code="aws.image"))
                elif archs and cat.GPU_IMAGES[image] not in archs:
                    out.append(diagnostics_at(
                        source, (*base, "image"),
                        f"image `{image}` is {cat.GPU_IMAGES[image]} but the instance types are "
                        + "/".join(sorted(archs)),
                        "Pick an image of the same CPU architecture as the instance types.", code="aws.image"))
            if len(archs) > 1:
                out.append(diagnostics_at(source, (*base, "instance_types"),
                                          "instance_types mix x86_64 and arm64 types",
                                          "A node group runs one image: split the pool in two.",
                                          code="aws.instance_type"))
            zones = shape.get("zones")
            if isinstance(zones, list):
                for i, zone in enumerate(zones):
                    if not isinstance(zone, str) or not cat.ZONE_ID.match(zone):
                        out.append(diagnostics_at(
                            source, (*base, "zones", i), f"zone `{zone}` is not an availability zone ID",
                            "Zone names (us-east-1a) map to different zones in every account, and letters to "
                            "none: use zone IDs such as use1-az4 (`aws ec2 describe-availability-zones`).",
                            code="aws.zone"))
                if len(set(zones)) > platform.network.zones:
                    out.append(diagnostics_at(
                        source, (*base, "zones"),
                        f"{len(set(zones))} zones pinned, but the network spans {platform.network.zones}",
                        "Raise network.zones or pin fewer zones.", code="aws.zone"))
            capacity = shape.get("capacity")
            for key in ("capacity_block_start", "capacity_block_end"):
                value = shape.get(key)
                if value is not None and (not isinstance(value, str) or not cat.RFC3339.match(value)):
                    out.append(diagnostics_at(source, (*base, key), f"`{value}` is not an RFC 3339 UTC time",
                                              'Write it like "2026-12-01T11:30:00Z".', code="aws.capacity_block"))
                elif value is not None and capacity != "capacity_block":
                    out.append(diagnostics_at(source, (*base, key), f"`{key}` only applies to capacity blocks",
                                              "Remove it, or set `capacity: capacity_block`.",
                                              code="aws.capacity_block"))
    return out


def _check_principals(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    places = principal_places(platform, source)
    for env_name, env in platform.environments.items():
        places.append((("environments", env_name, "cluster_admins"), env.cluster_admins))
        if env.deploy_role is not None:
            places.append((("environments", env_name, "deploy_role"), [env.deploy_role]))
    for path, principals in places:
        for i, principal in enumerate(principals):
            at = path if path[-1] == "deploy_role" else (*path, i)
            if cat.ASSUMED_ROLE_ARN.match(principal):
                out.append(diagnostics_at(
                    source, at, f"`{principal}` is an assumed-role session, not a principal",
                    "Use the role itself: arn:aws:iam::<account>:role/<role-name> (IAM policies, access "
                    "entries and key policies name roles, not sessions).", code="aws.principal"))
            elif cat.ROOT_ARN.match(principal):
                out.append(diagnostics_at(
                    source, at, f"`{principal}` is a whole account, not a role or user",
                    "Name the role that needs access (arn:aws:iam::<account>:role/<name>); granting an "
                    "account root delegates to every principal there.", code="aws.principal"))
            elif cat.IDENTITY_CENTER_ROLE_WITHOUT_PATH.match(principal):
                out.append(diagnostics_at(
                    source, at, f"`{principal}` is an IAM Identity Center role without its path",
                    "Use the role's full ARN, path included, as `aws iam get-role` shows it: "
                    "arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<set>_<id> "
                    "(without the path it names a role that does not exist: EKS refuses its access entry and "
                    "policies never match it).", code="aws.principal"))
            elif not cat.PRINCIPAL_ARN.match(principal):
                out.append(diagnostics_at(
                    source, at, f"`{principal}` is not an IAM role or user ARN",
                    "Use a role or user ARN: arn:aws:iam::123456789012:role/ml-release.",
                    code="aws.principal"))
    return out


def _check_names(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    longest_env = max(platform.environments, key=len)
    for store in platform.artifact_stores:
        bucket = _bucket(platform, longest_env, store, "123456789012")
        if len(bucket) > 63:
            out.append(diagnostics_at(
                source, ("artifact_stores", store), f"bucket name `{bucket}` is longer than 63 characters",
                "Bucket names end in the account id (bucket names are global); shorten the platform, "
                "environment or store name.", key=True, code="aws.name"))
    return out


def _check_serving_engine(platform: Platform, source: Source) -> list[Diagnostic]:
    """`serving.engine: sagemaker`: every endpoint name fits SageMaker's 63 characters in every environment."""
    serving = platform.serving
    if serving is None or serving.engine != "sagemaker":
        return []
    out: list[Diagnostic] = []
    longest_env = max(platform.environments, key=len)
    for cls in serving.endpoints:
        endpoint = _sagemaker_endpoint(platform, longest_env, cls)
        if len(endpoint) > 63:
            out.append(diagnostics_at(
                source, ("serving", "endpoints", cls), f"SageMaker endpoint name `{endpoint}` is longer than 63 "
                "characters", "Endpoint names are <platform>-<environment>-<class>: shorten one of them.",
                key=True, code="aws.name"))
    return out + _check_sagemaker_variants(platform, source)


def _check_sagemaker_variants(platform: Platform, source: Source) -> list[Diagnostic]:
    """Per environment: an async class writes results to an artifact store, so one must be declared; a real-time
    class scaling on utilisation needs an instance type whose GPUs or vCPUs are known (the metric sums them)."""
    serving = platform.serving
    assert serving is not None
    raw = ((source.data.get("serving") or {}).get("endpoints")) or {}
    out: list[Diagnostic] = []
    for cls, endpoint in serving.endpoints.items():
        base: KeyPath = ("serving", "endpoints", cls)
        for env in platform.environments:
            try:
                shape = endpoint_shape(endpoint, raw.get(cls), env)
            except ValidationError:
                continue  # reported by the spec checks
            kind = shape.sagemaker.kind if shape.sagemaker is not None else "inference_components"
            found: Diagnostic | None = None
            if kind == "async" and not platform.artifact_stores:
                found = diagnostics_at(source, (*base, "sagemaker", "kind"), "an async SageMaker endpoint writes "
                                       "its results to an artifact store, and none is declared",
                                       "Declare one under `artifact_stores:` (the first one receives the results).",
                                       code="aws.serving_variant")
            elif (kind == "real_time" and shape.autoscaling.target_utilization is not None
                  and shape.instance_type is not None and cat.sagemaker_utilization_units(shape.instance_type) is None):
                found = diagnostics_at(source, (*base, "autoscaling", "target_utilization"),
                                       f"mlstrata does not know how many GPUs or vCPUs `{shape.instance_type}` has, "
                                       "and SageMaker's utilisation metric is summed over them",
                                       "Scale on `target_concurrency` instead, or use an ml.m/c/r or NVIDIA GPU "
                                       "instance type the price catalog lists.", code="aws.serving_variant")
            if found is not None and found not in out:
                out.append(found)
    return out


def _check_karpenter(platform: Platform, source: Source) -> list[Diagnostic]:
    """`autoscaler: karpenter`: Karpenter launches nodes for pending pods only, so it keeps no fixed or minimum
    node count; its chart must support the cluster's Kubernetes minor; EFA pools get no placement group."""
    if platform.cluster.autoscaler != "karpenter":
        return []
    out: list[Diagnostic] = []
    version = platform.cluster.kubernetes_version
    needed = cat.KARPENTER_MIN_VERSION.get(version)
    chart = ".".join(map(str, cat.KARPENTER_CHART_VERSION))
    if needed is None or needed > cat.KARPENTER_CHART_VERSION:
        where: KeyPath = ("cluster", "kubernetes_version")
        out.append(warning(
            f"Karpenter {chart} is not known to support Kubernetes {version}", where=source.where(where),
            path=format_path(where), code="aws.autoscaler",
            detail="Karpenter's compatibility matrix names the first release supporting each Kubernetes minor "
            "(https://karpenter.sh/docs/upgrading/compatibility/); mlstrata knows "
            + ", ".join(f"{k}: >= {'.'.join(map(str, v))}" for k, v in sorted(cat.KARPENTER_MIN_VERSION.items()))
            + ".",
            hint="Use a Kubernetes version listed there, or raise karpenter_chart_version in "
            "modules/cluster_addons to a release that supports it."))
    for name, pool in platform.gpu_pools.items():
        shapes: list[tuple[KeyPath, object]] = [(("gpu_pools", name, "scaling"), pool.scaling.model_dump())]
        for env, override in pool.overrides.items():
            shapes.append((("gpu_pools", name, "overrides", env, "scaling"), override.get("scaling")))
        for at, scaling in shapes:
            if not isinstance(scaling, dict):
                continue
            desired, minimum = scaling.get("desired"), scaling.get("min")
            if isinstance(desired, int) and not isinstance(desired, bool):
                out.append(diagnostics_at(
                    source, (*at, "desired"), f"`desired: {desired}` cannot be kept by Karpenter",
                    "Karpenter launches nodes for pending pods and removes empty ones; it keeps no fixed node "
                    "count. Use `desired: autoscaler`, or `autoscaler: cluster-autoscaler` for a fixed-size "
                    "pool.", code="aws.autoscaler"))
            if isinstance(minimum, int) and minimum > 0:
                found = diagnostics_at(
                    source, (*at, "min"), f"`min: {minimum}` is not kept by Karpenter: the pool starts empty",
                    "Karpenter launches nodes only for pending pods. Set `min: 0`, keep warm capacity with a "
                    "low-priority placeholder Deployment, or use `autoscaler: cluster-autoscaler`.",
                    code="aws.autoscaler")
                out.append(dataclasses.replace(found, severity=Severity.WARNING))
        windows: list[tuple[KeyPath, object]] = [(("gpu_pools", name), pool.model_dump())]
        windows += [(("gpu_pools", name, "overrides", env), dict(o)) for env, o in pool.overrides.items()]
        for at, shape in windows:
            for key in ("capacity_block_start", "capacity_block_end"):
                if isinstance(shape, dict) and shape.get(key) is not None:
                    found = diagnostics_at(
                        source, (*at, key), f"`{key}` is not used with Karpenter",
                        "Karpenter launches into a Capacity Block while it is active and drains its nodes before it "
                        "ends (https://karpenter.sh/docs/tasks/odcrs/): no scheduled scaling is rendered. Remove it.",
                        code="aws.autoscaler")
                    out.append(dataclasses.replace(found, severity=Severity.WARNING))
        if pool.efa is not False and any(cat.family_of(t) in cat.EFA_TRAINING_FAMILIES for t in pool.instance_types):
            found = diagnostics_at(
                source, ("gpu_pools", name, "instance_types"),
                f"GPU pool `{name}`: Karpenter adds EFA interfaces for pods that request vpc.amazonaws.com/efa, "
                "but puts its nodes in no cluster placement group",
                "Karpenter has no placement-group setting (aws/karpenter-provider-aws#3324); for multi-node "
                "training that needs one, use `autoscaler: cluster-autoscaler`.", code="aws.autoscaler")
            out.append(dataclasses.replace(found, severity=Severity.INFO))
    return out
