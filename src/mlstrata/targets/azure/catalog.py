"""Azure facts the spec is checked against: GPU VM sizes (GPUs, MIG), regions, id formats, name limits.

Sources (read 2026-11):
- GPU sizes: https://learn.microsoft.com/azure/virtual-machines/sizes/overview#gpu-accelerated
  (NC A100 v4, NCads H100 v5, ND A100 v4, ND H100 v5, ND H200 v5, NCasT4 v3, NVads A10 v5).
- MIG on AKS: https://learn.microsoft.com/azure/aks/gpu-multi-instance (gpu_instance MIG1g..MIG7g,
  A100 and H100 GPUs).
- Spot cannot back a system node pool: https://learn.microsoft.com/azure/aks/spot-node-pool
  ("You can't create a system node pool as a Spot node pool").
- Naming rules: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class GpuSize:
    gpu_model: str
    gpus: int
    mig: bool  # the GPU supports Multi-Instance GPU (AKS gpu_instance)


# Whole-GPU NVIDIA sizes an AKS GPU pool can use. Partial-GPU NVads A10 v5 sizes (NV6/12/18) share a
# GPU through GRID vGPU drivers and are left out.
GPU_SIZES: dict[str, GpuSize] = {
    "Standard_NC24ads_A100_v4": GpuSize("A100-80GB", 1, True),
    "Standard_NC48ads_A100_v4": GpuSize("A100-80GB", 2, True),
    "Standard_NC96ads_A100_v4": GpuSize("A100-80GB", 4, True),
    "Standard_NC40ads_H100_v5": GpuSize("H100-NVL", 1, True),
    "Standard_NC80adis_H100_v5": GpuSize("H100-NVL", 2, True),
    "Standard_ND96asr_v4": GpuSize("A100-40GB", 8, True),
    "Standard_ND96amsr_A100_v4": GpuSize("A100-80GB", 8, True),
    "Standard_ND96isr_H100_v5": GpuSize("H100", 8, True),
    "Standard_ND96isr_H200_v5": GpuSize("H200", 8, True),
    "Standard_NC4as_T4_v3": GpuSize("T4", 1, False),
    "Standard_NC8as_T4_v3": GpuSize("T4", 1, False),
    "Standard_NC16as_T4_v3": GpuSize("T4", 1, False),
    "Standard_NC64as_T4_v3": GpuSize("T4", 4, False),
    "Standard_NV36ads_A10_v5": GpuSize("A10", 1, False),
    "Standard_NV36adms_A10_v5": GpuSize("A10", 1, False),
    "Standard_NV72ads_A10_v5": GpuSize("A10", 2, False),
}

REGIONS: frozenset[str] = frozenset({
    "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast", "centralindia",
    "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral", "italynorth",
    "japaneast", "japanwest", "koreacentral", "northcentralus", "northeurope", "norwayeast", "polandcentral",
    "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "southindia", "spaincentral",
    "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
    "westus", "westus2", "westus3",
})

# Regions with availability zones ("Azure regions with availability zone support", MicrosoftDocs/azure-docs
# articles/reliability/availability-zones-region-support.md, ms.date 2024-11-20), of those in REGIONS. Every
# environment renders zone-redundant resources (ZRS/GZRS storage, a zonal NAT gateway, a zone-redundant container
# registry, the ML registry's Standard_ZRS account), which Azure refuses in a region without zones.
ZONE_REGIONS: frozenset[str] = frozenset({
    "australiaeast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "northeurope",
    "norwayeast", "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia",
    "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus2", "westus3",
})

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
NODE_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
CAPACITY_RESERVATION_GROUP = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/capacityReservationGroups/[^/]+$",
    re.IGNORECASE,
)
# AKS system pools need at least 2 vCPUs and 4 GiB; sizes without a cache/temp disk cannot hold the
# ephemeral OS disk the module uses, which the `d` feature letter marks.
SYSTEM_SIZE = re.compile(r"^Standard_[A-Z]+\d+[a-z]*d[a-z]*_v\d+$")

PRIORITY = {"on_demand": "Regular", "spot": "Spot"}


def gpu_size(vm_size: str) -> GpuSize | None:
    return GPU_SIZES.get(vm_size)


def _suffix(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:4]


def storage_account_name(platform: str, env: str, purpose: str, account: str) -> str:
    """Globally unique 3-24 lower-case alphanumerics: readable prefix plus a stable 4-hex suffix."""
    def alnum(text: str) -> str:
        return re.sub(r"[^a-z0-9]", "", text.lower())

    stem = alnum(platform)[:8] + alnum(env)[:5] + alnum(purpose)[:7]
    return stem + _suffix(platform, env, purpose, account)


def key_vault_name(platform: str, env: str, account: str) -> str:
    """Globally unique 3-24 characters (letters, digits, hyphens)."""
    return f"{platform[:9].rstrip('-')}-{env[:5].rstrip('-')}-kv{_suffix(platform, env, account)}"


def container_registry_name(platform: str, env: str, account: str) -> str:
    """Globally unique 5-50 alphanumerics."""
    stem = re.sub(r"[^a-z0-9]", "", f"{platform}{env}".lower())[:40]
    return f"{stem}acr{_suffix(platform, env, account)}"


def redis_cache_name(platform: str, env: str, account: str) -> str:
    """The Feast online store's Azure Managed Redis: globally unique (<name>.<region>.redis.azure.net), 1-60
    letters, digits and single hyphens: the API's clusterName pattern (redisenterprise.json 2025-04-01), which is
    stricter than azurerm's 63-character ManagedRedisName check."""
    stem = re.sub(r"-{2,}", "-", f"{platform[:36].rstrip('-')}-{env[:12].rstrip('-')}")
    return f"{stem}-feast-{_suffix(platform, env, 'feast', account)}"


def servicebus_namespace_name(platform: str, env: str, account: str) -> str:
    """Globally unique (<name>.servicebus.windows.net, "unique across Azure"): 6-50 letters, digits and hyphens,
    starting with a letter, not ending in -sb or -mgmt (https://learn.microsoft.com/rest/api/servicebus/
    create-namespace): a readable prefix plus the stable 4-hex suffix."""
    return f"{platform[:26].rstrip('-')}-{env[:8].rstrip('-')}-pipelines-{_suffix(platform, env, 'pipelines', account)}"


def postgres_server_name(platform: str, env: str, account: str) -> str:
    """Globally unique (<name>.postgres.database.azure.com): 3-63 lower-case letters, digits and hyphens."""
    return f"{platform[:35].rstrip('-')}-{env[:12].rstrip('-')}-metadata-{_suffix(platform, env, 'metadata', account)}"


def node_pool_name(pool: str) -> str:
    """An AKS Linux pool name (<= 12 lower-case alphanumerics) from a spec pool name."""
    return re.sub(r"[^a-z0-9]", "", pool.lower())[:12]


def rotation_name(pool_name: str) -> str:
    return pool_name[:9] + "tmp"


def ci_runner_name(platform: str, env: str) -> str:
    """Prefix of a protected environment's CI runner resources: at most 21 characters, so the Container Apps job
    name (`<prefix>-ci-runner`) stays within Azure's 32."""
    return f"{platform[:12].rstrip('-')}-{env[:8].rstrip('-')}"


def ci_runner_vnet_id(platform: str, env: str, account: str) -> str:
    """The runner VNet's resource id, known before it exists: the base layer peers with it by id, so base never
    reads the runner root's state."""
    name = ci_runner_name(platform, env)
    return (f"/subscriptions/{account}/resourceGroups/{name}-ci-rg/providers/Microsoft.Network/virtualNetworks/"
            f"{name}-ci-vnet")


def ci_key_vault_name(platform: str, env: str, account: str) -> str:
    """The vault holding a runner's registration token (3-24 characters, globally unique)."""
    return f"{platform[:9].rstrip('-')}-{env[:5].rstrip('-')}-ci{_suffix(platform, env, 'ci', account)}"


def ci_runner_label(platform: str, env: str) -> str:
    """The runner label (GitHub) or tag (GitLab) a protected environment's jobs select its CI runner by."""
    return f"mlstrata-{platform}-{env}"
