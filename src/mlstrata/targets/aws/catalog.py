"""AWS facts the spec is checked against: GPU instance families, node images, region names.

Sources (read 2026-11): Amazon EC2 accelerated computing instance types
https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html ; EKS managed node group AMI types
https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType ;
AL2 end of support for EKS AMIs https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# an IAM role's ARN, in any partition (aws, aws-cn, aws-us-gov): what CI assumes by OIDC
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")

# NVIDIA GPU instance families (family -> CPU architecture). Trainium/Inferentia/Gaudi are
# accelerators too, but they need Neuron/Habana images, not an NVIDIA GPU pool.
GPU_FAMILIES: dict[str, str] = {
    "g4dn": "x86_64",
    "g5": "x86_64",
    "g5g": "arm64",
    "g6": "x86_64",
    "g6e": "x86_64",
    "g6f": "x86_64",
    "gr6": "x86_64",
    "gr6f": "x86_64",
    "p3": "x86_64",
    "p3dn": "x86_64",
    "p4d": "x86_64",
    "p4de": "x86_64",
    "p5": "x86_64",
    "p5e": "x86_64",
    "p5en": "x86_64",
    "p6-b200": "x86_64",
    "p6-b300": "x86_64",
    "p6e-gb200": "arm64",
}

# EKS managed node group images with the NVIDIA driver, by architecture.
GPU_IMAGES: dict[str, str] = {
    "AL2023_x86_64_NVIDIA": "x86_64",
    "AL2023_ARM_64_NVIDIA": "arm64",
    "BOTTLEROCKET_x86_64_NVIDIA": "x86_64",
    "BOTTLEROCKET_ARM_64_NVIDIA": "arm64",
}
DEPRECATED_IMAGES: dict[str, str] = {
    "AL2_x86_64_GPU": "AL2023_x86_64_NVIDIA",
}

CAPACITY_TYPES = {"on_demand": "ON_DEMAND", "spot": "SPOT", "capacity_block": "CAPACITY_BLOCK"}

INSTANCE_TYPE = re.compile(r"^(?P<family>[a-z][a-z0-9-]*?)\.(?P<size>[0-9]*[a-z]+[a-z0-9]*)$")
REGION = re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx|us-gov|cn)-[a-z]+-\d$")
ACCOUNT = re.compile(r"^\d{12}$")
# A KMS key's full ARN: key/<random UUID>, or key/mrk-<32 hex> for a multi-Region key.
# https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
# Terraform's s3 backend refuses a UUID whose fourth group does not start with 8, 9, a or b ("Invalid KMS Key
# ARN", seen with Terraform 1.11.4 init), so the spec refuses it first.
KMS_KEY_ARN = re.compile(r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
                         r"key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
# What the modules accept (IAM role/user ARNs); account roots and STS sessions are rejected in the spec
# with their own message rather than later by a module's variable validation.
PRINCIPAL_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/.+$")
ASSUMED_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:sts::\d{12}:assumed-role/.+$")
ROOT_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:root$")
# IAM Identity Center creates its roles under /aws-reserved/sso.amazonaws.com/ (with a region since 2022): the same
# name without that path is another, non-existent role, which EKS access entries, key and bucket policies refuse or
# never match (aws:PrincipalArn includes the path). The path-less form is what aws-auth ConfigMaps wanted.
# https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
# https://github.com/terraform-aws-modules/terraform-aws-eks/issues/2969
IDENTITY_CENTER_ROLE_WITHOUT_PATH = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/AWSReservedSSO_")
# Zone IDs are the same physical zone in every account (names are not).
# https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
ZONE_ID = re.compile(r"^[a-z]{2,6}\d-az\d+$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# EKS managed node group AMI types without GPU drivers, for the system pool.
SYSTEM_IMAGES = ("AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64")
# Instance families with EFA on their GPU sizes where multi-node training is the point.
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
EFA_TRAINING_FAMILIES = frozenset({"p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "p6-b300"})
# SageMaker hosting instance families with local NVMe instance storage: CreateEndpointConfig fails when a
# KmsKeyId is given for them (their instance store is hardware-encrypted).
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html#sagemaker-CreateEndpointConfig-request-KmsKeyId
SAGEMAKER_INSTANCE_STORE_FAMILIES = frozenset({
    "c5d", "c6id", "g4dn", "g5", "g6", "g6e", "gr6", "m5d", "m6id", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en",
    "r5d", "r6id", "inf2", "trn1", "trn1n"})


def sagemaker_instance_store(instance_type: str) -> bool:
    """Whether a SageMaker instance type (ml.<family>.<size>) has local NVMe storage."""
    parts = instance_type.split(".")
    return len(parts) == 3 and parts[1] in SAGEMAKER_INSTANCE_STORE_FAMILIES


# vCPUs of the general-purpose, compute- and memory-optimised sizes: large 2, xlarge 4, <n>xlarge 4n.
# https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (and co.html, mo.html)
_CPU_SIZE = re.compile(r"^(?P<n>[0-9]*)xlarge$")


def sagemaker_utilization_units(instance_type: str) -> tuple[str, int] | None:
    """What SageMaker's utilisation metric of an instance type sums over: ("gpu", GPUs) for an NVIDIA GPU type
    the shipped price catalog describes, ("cpu", vCPUs) for an m/c/r size; None when unknown. GPUUtilization
    and CPUUtilization are 0-100 per GPU or vCPU, summed over the instance.
    https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html"""
    parts = instance_type.split(".")
    if len(parts) != 3 or parts[0] != "ml":
        return None
    family, size = parts[1], parts[2]
    if family in GPU_FAMILIES:
        from mlstrata.pricing.catalog import load_shipped_catalog

        counts = {entry.hardware.gpu_count for (cloud, _region, itype), entry in load_shipped_catalog().entries.items()
                  if cloud == "aws" and itype == f"{family}.{size}"}
        return ("gpu", counts.pop()) if len(counts) == 1 else None
    if family[:1] not in ("m", "c", "r"):
        return None
    if size == "large":
        return ("cpu", 2)
    match = _CPU_SIZE.match(size)
    if match is None:
        return None
    return ("cpu", 4 * int(match.group("n") or 1))


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def family_of(instance_type: str) -> str | None:
    match = INSTANCE_TYPE.match(instance_type)
    return match.group("family") if match else None


def gpu_architecture(instance_type: str) -> str | None:
    """x86_64 / arm64 for an NVIDIA GPU instance type; None when it is not one."""
    family = family_of(instance_type)
    return GPU_FAMILIES.get(family) if family else None


# cluster-autoscaler images per Kubernetes minor: the autoscaler's minor must match the cluster's
# (https://github.com/kubernetes/autoscaler/tree/master/cluster-autoscaler#releases). Each tag is seen published
# at registry.k8s.io/autoscaling/cluster-autoscaler; chart 9.46.6 ships v1.32.0 (its appVersion 1.32.0).
CLUSTER_AUTOSCALER_TAGS = {"1.32": "v1.32.0", "1.33": "v1.33.0", "1.34": "v1.34.0"}


# Karpenter's karpenter.sh/capacity-type per spec capacity: Capacity Blocks are capacity reservations, which
# Karpenter launches as `reserved` (v1.6+, ReservedCapacity feature gate). https://karpenter.sh/docs/tasks/odcrs/
KARPENTER_CAPACITY_TYPES = {"on_demand": "on-demand", "spot": "spot", "capacity_block": "reserved"}
# EC2NodeClass amiSelectorTerms alias per EKS AMI family; for GPU instance types Karpenter resolves the
# family's NVIDIA variant. https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
KARPENTER_AMI_FAMILIES = {"AL2023": "al2023", "BOTTLEROCKET": "bottlerocket"}
# Kubernetes minor -> the first Karpenter release supporting it (https://karpenter.sh/docs/upgrading/compatibility/).
KARPENTER_MIN_VERSION = {"1.31": (1, 0, 5), "1.32": (1, 2, 0), "1.33": (1, 5, 0)}
# The chart pinned in modules/cluster_addons (karpenter_chart_version).
KARPENTER_CHART_VERSION = (1, 8, 1)


def karpenter_ami_alias(image: str) -> str:
    """The EC2NodeClass AMI alias for an EKS managed node group AMI type (AL2023_x86_64_NVIDIA -> al2023@latest)."""
    return f"{KARPENTER_AMI_FAMILIES[image.split('_', 1)[0]]}@latest"


# GPUs per instance of types the price catalog does not list yet (8 each: EC2 accelerated computing instance
# specifications, https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html).
EXTRA_GPU_COUNTS = {"p5e.48xlarge": 8, "p5en.48xlarge": 8, "p6-b200.48xlarge": 8, "p6-b300.48xlarge": 8}


def gpus_per_node(instance_types: list[str]) -> int | None:
    """The most GPUs any of these instance types has (the price catalog's hardware facts, then
    EXTRA_GPU_COUNTS); None when one of them is in neither."""
    from mlstrata.pricing.catalog import load_shipped_catalog

    catalog = load_shipped_catalog()
    counts: list[int] = []
    for itype in instance_types:
        found = [e.hardware.gpu_count for (cloud, _, t), e in catalog.entries.items() if cloud == "aws" and t == itype]
        if not found and itype in EXTRA_GPU_COUNTS:
            found = [EXTRA_GPU_COUNTS[itype]]
        if not found:
            return None
        counts.append(max(found))
    return max(counts) if counts else None


@dataclass(frozen=True)
class ServiceLinkedRole:
    """A service-linked role that its service creates the first time a resource needs it in an account, as the
    principal creating that resource, which therefore needs `iam:CreateServiceLinkedRole` for the service
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html#service-linked-role-permissions)."""

    service: str  # iam:AWSServiceName
    role: str
    created_with: str  # the Terraform resource type whose creation creates the role where it is missing
    source: str


# The service-linked roles the rendered AWS modules rely on. The modules create none of them themselves (a create
# where the role exists fails: "Service role name ... has been taken"), except Auto Scaling's, which the platform
# key's policy names before any Auto Scaling group exists (modules/kms_key: created only where missing).
SERVICE_LINKED_ROLES: tuple[ServiceLinkedRole, ...] = (
    ServiceLinkedRole("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS", "aws_eks_cluster",
                      "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks.html"),
    ServiceLinkedRole("eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup", "aws_eks_node_group",
                      "https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles-eks-nodegroups.html"),
    ServiceLinkedRole("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "aws_iam_service_linked_role",
                      "https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html"),
    ServiceLinkedRole("rds.amazonaws.com", "AWSServiceRoleForRDS", "aws_db_instance",
                      "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAM.ServiceLinkedRoles.html"),
    ServiceLinkedRole("elasticache.amazonaws.com", "AWSServiceRoleForElastiCache", "aws_elasticache_replication_group",
                      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/using-service-linked-roles.html"),
    ServiceLinkedRole("sagemaker.application-autoscaling.amazonaws.com",
                      "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint", "aws_appautoscaling_target",
                      "https://docs.aws.amazon.com/autoscaling/application/userguide/"
                      "application-auto-scaling-service-linked-roles.html"),
)
