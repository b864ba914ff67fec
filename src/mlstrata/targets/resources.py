"""Facts about Terraform resource types that more than one analysis needs, in one table.

Which types hold state that is lost when they are destroyed, what the review gate calls them, and which
argument (with its provider default) turns on deletion protection.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatefulType:
    """A resource type whose destruction loses data."""

    holds: str | None = None  # what the review gate calls it (None: not an ML resource the gate watches)
    protection: tuple[str, bool] | None = None  # deletion-protection argument and its default; None: prevent_destroy
    guardrail: bool = True  # checked by the static rules (MLS025); the local provider's types have no protection


STATEFUL: dict[str, StatefulType] = {
    "aws_s3_bucket": StatefulType(holds="artifact bucket"),
    "aws_db_instance": StatefulType(holds="metadata database", protection=("deletion_protection", False)),
    "aws_rds_cluster": StatefulType(holds="metadata database", protection=("deletion_protection", False)),
    "aws_docdb_cluster": StatefulType(protection=("deletion_protection", False)),
    "aws_neptune_cluster": StatefulType(protection=("deletion_protection", False)),
    "aws_dynamodb_table": StatefulType(protection=("deletion_protection_enabled", False)),
    "aws_eks_cluster": StatefulType(holds="Kubernetes cluster", protection=("deletion_protection", False)),
    "aws_kms_key": StatefulType(holds="KMS key"),
    "aws_efs_file_system": StatefulType(),
    "aws_fsx_lustre_file_system": StatefulType(),
    "aws_ecr_repository": StatefulType(),
    "aws_sagemaker_model_package_group": StatefulType(holds="model registry"),
    "aws_sagemaker_feature_group": StatefulType(),
    "aws_elasticache_replication_group": StatefulType(),
    "aws_opensearch_domain": StatefulType(),
    "aws_secretsmanager_secret": StatefulType(),
    "aws_redshift_cluster": StatefulType(),
    "aws_backup_vault": StatefulType(),
    "google_storage_bucket": StatefulType(holds="artifact bucket"),
    "google_sql_database_instance": StatefulType(holds="metadata database", protection=("deletion_protection", True)),
    "google_container_cluster": StatefulType(holds="Kubernetes cluster", protection=("deletion_protection", True)),
    "google_bigquery_dataset": StatefulType(),
    "google_bigquery_table": StatefulType(protection=("deletion_protection", True)),
    "google_spanner_database": StatefulType(protection=("deletion_protection", True)),
    "google_kms_crypto_key": StatefulType(holds="KMS key"),
    "google_artifact_registry_repository": StatefulType(holds="model image repository"),
    "google_filestore_instance": StatefulType(),
    # AKS has no deletion-protection flag, and a CanNotDelete lock on the cluster is inherited by its agent pools
    # ("all resources within that scope inherit the same lock", learn.microsoft.com/azure/azure-resource-manager/
    # management/lock-resources), which would block removing a GPU pool and the vm_size rotation through
    # temporary_name_for_rotation: the review gate (blocking where protected) is its guard, not MLS025.
    "azurerm_kubernetes_cluster": StatefulType(holds="Kubernetes cluster", guardrail=False),
    "azurerm_storage_account": StatefulType(holds="artifact bucket"),
    "azurerm_storage_container": StatefulType(holds="artifact bucket", guardrail=False),
    "azurerm_postgresql_flexible_server": StatefulType(holds="metadata database"),
    "azurerm_mssql_database": StatefulType(),
    "azurerm_cosmosdb_account": StatefulType(),
    "azurerm_key_vault": StatefulType(holds="KMS key", protection=("purge_protection_enabled", False)),
    # Keys are protected by their vault's purge protection; the workspace's data lives in its storage.
    "azurerm_key_vault_key": StatefulType(holds="KMS key", guardrail=False),
    "azurerm_machine_learning_workspace": StatefulType(holds="model registry", guardrail=False),
    "mlstrata_model_registry": StatefulType(holds="model registry", guardrail=False),
    "mlstrata_registered_model": StatefulType(holds="registered model", guardrail=False),
    "mlstrata_artifact_bucket": StatefulType(holds="artifact bucket", guardrail=False),
    "mlstrata_metadata_store": StatefulType(holds="metadata database", guardrail=False),
    # Feast's registry, online store and offline files live in the repository (feast-dev/feast#5658: tables).
    "mlstrata_feature_store": StatefulType(holds="feature store", guardrail=False),
    "google_secret_manager_secret": StatefulType(holds="secret", guardrail=False),
    # Feast online stores on GCP and Azure (the review gate names them when they look like one).
    "google_redis_instance": StatefulType(guardrail=False),
    "azurerm_redis_cache": StatefulType(guardrail=False),
    "azurerm_managed_redis": StatefulType(guardrail=False),
}


# Attributes a provider reports about an object, not configuration: MLflow clients register model versions,
# Terraform never sets them. A change in them alone is not drift (plan decoding drops it) nor a parity
# difference; the review gate reads them (a registered model's versions decide whether deleting it blocks).
OBSERVED: dict[str, frozenset[str]] = {
    "mlstrata_registered_model": frozenset({"version_count"}),
}


def observed_only(resource_type: str, before: object, after: object) -> bool:
    """True when `before` and `after` (objects) differ in observed attributes only."""
    observed = OBSERVED.get(resource_type)
    if not observed or not isinstance(before, dict) or not isinstance(after, dict):
        return False
    keys = set(before) | set(after)
    return all(before.get(k) == after.get(k) for k in keys - observed)


def protection_setting(resource_type: str) -> tuple[str, bool] | None:
    """The deletion-protection argument of a stateful type and its default, or None."""
    stateful = STATEFUL.get(resource_type)
    return stateful.protection if stateful else None


# the stateful types the static guardrails look at
GUARDED = tuple(t for t, s in STATEFUL.items() if s.guardrail)
# type -> what the review gate calls it when destroyed or replaced
HOLDS = {t: s.holds for t, s in STATEFUL.items() if s.holds}
