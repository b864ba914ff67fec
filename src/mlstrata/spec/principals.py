"""Where a platform spec names principals (IAM roles, Entra object ids, GCP members): one list of
(key path, principals) that every target's checks walk with its own notion of a valid principal."""

from __future__ import annotations

from mlstrata.spec.models import Platform
from mlstrata.spec.source import KeyPath, Source


def principal_places(platform: Platform, source: Source) -> list[tuple[KeyPath, list[str]]]:
    """Registry promoters (flat or per stage) and readers, artifact store and feature store readers and writers,
    cluster admins."""
    places: list[tuple[KeyPath, list[str]]] = []
    registry = platform.model_registry
    if registry is not None:
        raw = (source.data.get("model_registry") or {}).get("promoters")
        if isinstance(raw, list):
            places.append((("model_registry", "promoters"), list(raw)))
        for stage, principals in registry.promoters_by_stage.items():
            if stage != "*":
                places.append((("model_registry", "promoters", stage), principals))
        places.append((("model_registry", "readers"), registry.readers))
    for name, store in platform.artifact_stores.items():
        places.append((("artifact_stores", name, "readers"), store.readers))
        places.append((("artifact_stores", name, "writers"), store.writers))
    if platform.feature_store is not None:
        places.append((("feature_store", "readers"), platform.feature_store.readers))
        places.append((("feature_store", "writers"), platform.feature_store.writers))
    places.append((("cluster", "admins"), platform.cluster.admins))
    return places
