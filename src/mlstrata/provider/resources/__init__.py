"""The provider's resource types, one module each, in one explicit registry."""

from __future__ import annotations

from mlstrata.provider import TYPE_PREFIX
from mlstrata.provider.resources.artifact_bucket import ArtifactBucket
from mlstrata.provider.resources.base import ResourceBase
from mlstrata.provider.resources.feature_store import FeatureStore
from mlstrata.provider.resources.gpu_pool import GpuPool
from mlstrata.provider.resources.metadata_store import MetadataStore
from mlstrata.provider.resources.model_registry import ModelRegistry
from mlstrata.provider.resources.registered_model import RegisteredModel
from mlstrata.provider.resources.registry_permissions import RegistryPermissions
from mlstrata.provider.resources.service_account import ServiceAccount
from mlstrata.provider.resources.serving_endpoint import ServingEndpoint

RESOURCES: dict[str, type[ResourceBase]] = {
    TYPE_PREFIX + "artifact_bucket": ArtifactBucket,
    TYPE_PREFIX + "feature_store": FeatureStore,
    TYPE_PREFIX + "gpu_pool": GpuPool,
    TYPE_PREFIX + "metadata_store": MetadataStore,
    TYPE_PREFIX + "model_registry": ModelRegistry,
    TYPE_PREFIX + "registered_model": RegisteredModel,
    TYPE_PREFIX + "registry_permissions": RegistryPermissions,
    TYPE_PREFIX + "service_account": ServiceAccount,
    TYPE_PREFIX + "serving_endpoint": ServingEndpoint,
}
