"""What kind of drift a changed resource is: identity/permissions, registry, feature store, GPU pool,
network, encryption/protection, deleted outside Terraform, or other.

A resource type that is always about one thing (an IAM policy, a subnet, a registry grant) decides
by itself; a general resource (a bucket, a cluster, a database) is judged by the attributes that
changed, and the most significant one wins (a lost deletion protection outweighs a tag). A generic
Azure resource (`azapi_resource`) is judged by the Azure resource type it declares, the same way:
an ML registry is a registry, a cache's access policy assignment a grant.
"""

from __future__ import annotations

import enum
import re


class Category(enum.StrEnum):
    IDENTITY = "identity"
    REGISTRY = "registry"
    FEATURE_STORE = "feature-store"
    GPU_POOL = "gpu-pool"
    NETWORK = "network"
    PROTECTION = "encryption-protection"
    DELETED = "deleted"
    UNMANAGED = "unmanaged"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Category.IDENTITY: "identity / permissions",
    Category.REGISTRY: "registry (permissions, retention, stages)",
    Category.FEATURE_STORE: "feature store (online store, cache)",
    Category.GPU_POOL: "GPU pool (shape, scaling, taints, image)",
    Category.NETWORK: "network",
    Category.PROTECTION: "encryption / protection",
    Category.DELETED: "deleted outside Terraform",
    Category.UNMANAGED: "unmanaged: exists, in no state",
    Category.OTHER: "other",
}

# Most significant first: the category of a resource whose attributes fall in several.
PRIORITY: tuple[Category, ...] = (
    Category.DELETED,
    Category.UNMANAGED,
    Category.PROTECTION,
    Category.IDENTITY,
    Category.REGISTRY,
    Category.FEATURE_STORE,
    Category.GPU_POOL,
    Category.NETWORK,
    Category.OTHER,
)

# Resource types (regex, full match) that always mean one category.
_BY_TYPE: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        # local target
        (r"mlstrata_(registry_permissions|registered_model|model_registry)", Category.REGISTRY),
        (r"mlstrata_service_account", Category.IDENTITY),
        (r"mlstrata_gpu_pool", Category.GPU_POOL),
        # AWS: identity and access
        (r"aws_iam_.*", Category.IDENTITY),
        (r"aws_eks_(access_entry|access_policy_association|pod_identity_association|identity_provider_config)",
         Category.IDENTITY),
        (r"aws_(s3_bucket_policy|s3_bucket_acl|s3_bucket_ownership_controls|sqs_queue_policy|"
         r"secretsmanager_secret_policy|lakeformation_permissions|sagemaker_model_package_group_policy|"
         r"ecr_repository_policy)", Category.IDENTITY),
        # AWS: encryption and protection
        (r"aws_kms_.*", Category.PROTECTION),
        (r"aws_s3_bucket_(server_side_encryption_configuration|public_access_block|versioning|"
         r"object_lock_configuration)", Category.PROTECTION),
        (r"aws_(ebs_encryption_by_default|s3_account_public_access_block|backup_.*)", Category.PROTECTION),
        # AWS: model registry and retention of what it keeps
        (r"aws_sagemaker_(model_package_group|model_package|model|domain)", Category.REGISTRY),
        (r"aws_s3_bucket_lifecycle_configuration", Category.REGISTRY),
        # AWS: GPU node pools
        (r"aws_eks_node_group|aws_launch_template|aws_autoscaling_group|aws_ec2_capacity_reservation|"
         r"aws_sagemaker_cluster", Category.GPU_POOL),
        # GCP
        (r"google_[a-z0-9_]*_iam_(member|binding|policy)|google_service_account(_key)?|"
         r"google_project_iam_custom_role", Category.IDENTITY),
        (r"google_kms_.*|google_storage_bucket_access_control|google_storage_default_object_acl",
         Category.PROTECTION),
        (r"google_artifact_registry_repository|google_vertex_ai_.*", Category.REGISTRY),
        (r"google_container_node_pool|google_compute_reservation|google_tpu_v2_vm", Category.GPU_POOL),
        (r"google_compute_(network|subnetwork|router|router_nat|firewall|global_address|address|route|"
         r"network_peering)|google_service_networking_connection", Category.NETWORK),
        # Azure: identity, protection, registry, GPU pools, network
        (r"azurerm_(role_assignment|role_definition|user_assigned_identity|federated_identity_credential|"
         r"key_vault_access_policy|postgresql_flexible_server_active_directory_administrator)", Category.IDENTITY),
        (r"azurerm_(key_vault|key_vault_key|storage_account_customer_managed_key|management_lock|"
         r"monitor_diagnostic_setting)",
         Category.PROTECTION),
        (r"azurerm_(machine_learning_workspace|storage_management_policy)", Category.REGISTRY),
        (r"azurerm_kubernetes_cluster_node_pool", Category.GPU_POOL),
        (r"azurerm_(virtual_network|subnet|subnet_.*|network_security_group|network_security_rule|nat_gateway|"
         r"nat_gateway_.*|public_ip|private_endpoint|private_dns_zone|private_dns_zone_.*)", Category.NETWORK),
        # AWS: network
        (r"aws_(vpc|vpc_.*|subnet|security_group|security_group_rule|route|route_table|"
         r"route_table_association|nat_gateway|internet_gateway|egress_only_internet_gateway|eip|"
         r"network_acl|network_acl_rule|network_interface|flow_log|default_security_group|"
         r"default_route_table|default_network_acl|lb|lb_.*|ec2_transit_gateway.*)", Category.NETWORK),
    )
)

# Azure resource types (regex, full match, case-insensitive as ARM's are) an azapi resource declares, each always
# meaning one category: the azurerm rows above, by the type they manage. https://learn.microsoft.com/azure/templates
_BY_ARM_TYPE: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), category)
    for pattern, category in (
        # grants on a resource, whatever it is: Redis data access, RBAC, identities
        (r"Microsoft\.Authorization/(roleAssignments|roleDefinitions)|Microsoft\.ManagedIdentity/.*|"
         r"Microsoft\.Cache/(redisEnterprise/databases|redis)/accessPolicyAssignments|"
         r"Microsoft\.KeyVault/vaults/accessPolicies", Category.IDENTITY),
        (r"Microsoft\.KeyVault/.*|Microsoft\.Authorization/locks|Microsoft\.Insights/diagnosticSettings",
         Category.PROTECTION),
        (r"Microsoft\.MachineLearningServices/(registries|workspaces)(/.*)?", Category.REGISTRY),
        (r"Microsoft\.ContainerService/managedClusters/agentPools", Category.GPU_POOL),
        (r"Microsoft\.Network/.*", Category.NETWORK),
    )
)

# Types that hold one kind of thing but whose attribute changes still say more (an online store whose public
# network access was opened is an encryption/protection drift): the category when the attributes say nothing.
_KIND_BY_TYPE: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), category)
    for pattern, category in (
        # Feast's online stores (the feature store's cache) on each cloud
        (r"azurerm_(managed_redis|redis_cache)|google_redis_instance|aws_elasticache_replication_group|"
         r"Microsoft\.Cache/(redisEnterprise|redisEnterprise/databases|redis)", Category.FEATURE_STORE),
    )
)

# Attribute paths (regex, searched) of general resources; first match wins.
_BY_ATTRIBUTE: tuple[tuple[re.Pattern[str], Category], ...] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (r"(^|\.)(kms[a-z_]*|[a-z_]*encrypt[a-z_]*|sse_[a-z_]*|deletion_protection|force_destroy|"
         r"uniform_bucket_level_access|public_access_prevention|soft_delete_policy|"
         r"prevent_destroy|versioning|protect|block_public_[a-z_]+|publicly_accessible|"
         r"skip_final_snapshot|backup_retention_period|public_network_access_enabled|shared_access_key_enabled|"
         r"min_tls_version|minimum_tls_version|purge_protection_enabled|public_network_access|soft_delete_retention_days|customer_managed_key|"
         r"network_rules|network_acls|local_auth(entication)?_(enabled|disabled)|"
         r"delete_retention_policy)(\.|$)", Category.PROTECTION),
        (r"(^|\.)(access|access_config|grants|policy|[a-z_]*role[a-z_]*|principals?|iam_[a-z_]*|"
         r"readers|writers|permissions?)(\.|$)", Category.IDENTITY),
        (r"(^|\.)(retention_days|noncurrent_retention_days|[a-z_]*retention[a-z_]*|lifecycle_rule|"
         r"expiration|stages?)(\.|$)", Category.REGISTRY),
        (r"(^|\.)(node_config|autoscaling|node_count|node_locations|guest_accelerator|placement_policy|"
         r"queued_provisioning|scaling_config|instance_types?|ami_type|release_version|capacity_type|taints?|"
         r"labels|launch_template|desired_size|min_size|max_size|gpu_[a-z_]+|vm_size|min_count|max_count|"
         r"node_taints|node_labels|priority|spot_max_price)(\.|$)", Category.GPU_POOL),
        (r"(^|\.)(vpc_config|vpc_id|subnet_ids?|[a-z_]*security_group[a-z_]*|cidr_blocks?|"
         r"endpoint_public_access|endpoint_private_access|public_access_cidrs|availability_zones?)(\.|$)",
         Category.NETWORK),
    )
)


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def category_of_attribute(path: str) -> Category:
    """The category of one changed attribute path (e.g. `scaling_config.0.desired_size`). An azapi body's
    camelCase names (`body.properties.publicNetworkAccess`) read as Terraform's snake_case ones."""
    path = _CAMEL.sub(r"_\1", path).lower()
    for pattern, category in _BY_ATTRIBUTE:
        if pattern.search(path):
            return category
    return Category.OTHER


def categorize(resource_type: str, changed_paths: list[str], *, deleted: bool = False, arm_type: str = "") -> Category:
    """The category of one drifted resource from its type and the attribute paths that changed; `arm_type` is the
    Azure resource type a generic azapi resource declares (`Microsoft.Cache/redisEnterprise`), which decides in
    the resource type's place."""
    if deleted:
        return Category.DELETED
    kind = arm_type or resource_type
    for pattern, category in _BY_ARM_TYPE if arm_type else _BY_TYPE:
        if pattern.fullmatch(kind):
            return category
    found = {category_of_attribute(p) for p in changed_paths}
    fallback = next((c for pattern, c in _KIND_BY_TYPE if pattern.fullmatch(kind)), Category.OTHER)
    return next((c for c in PRIORITY if c in found and c is not Category.OTHER), fallback)
