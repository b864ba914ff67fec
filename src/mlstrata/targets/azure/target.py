"""The Azure target as the registry sees it: spec checks (checks.py) and rendering (render.py)."""


from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from mlstrata.diagnostics import Diagnostic
from mlstrata.spec.checks import CiIdentity
from mlstrata.spec.models import Layer, Platform
from mlstrata.spec.resolve import ResolvedEnv
from mlstrata.spec.source import Source
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.azure import checks as _check
from mlstrata.targets.azure import render as _render
from mlstrata.targets.base import CLOUD_PROTECTION, JournalInRepository, RegistryProviders, UnitFiles


class AzureTarget(RegistryProviders, JournalInRepository):
    """Credentials come from the azurerm provider's own chain (az login, OIDC)."""

    name = "azure"
    modules_package = "azure"
    plain_terraform_setup: ClassVar[tuple[str, ...]] = ()
    protection: ClassVar[tuple[str, ...]] = CLOUD_PROTECTION
    ci_identity = CiIdentity(cat.GUID, "a client id", "Use the client id (a GUID) of the identity that has a "
                             "federated credential for this repository.")
    owned_by_layer: ClassVar[dict[Layer, list[str]]] = {
        "base": ["resource group, VNet, subnets, NAT gateway, private DNS zones", "Key Vault and the CMK",
                 "AKS cluster (system pool, workload identity, Entra ID + Azure RBAC)", "GPU node pools",
                 "artifact storage accounts", "feature store storage account (Feast offline store and registry)",
                 "model registry (Azure ML workspace, container registry, Azure ML registry per stage)"],
        "platform": ["pipeline identity (workload identity federation, scoped role assignments)",
                     "pipeline metadata store (PostgreSQL Flexible Server, Entra ID auth)",
                     "pipeline queue (Service Bus, dead-letter)", "pipeline orchestrator (Argo Workflows)",
                     "serving (KServe, a namespace, quota and workload identity per class)",
                     "feature store (Feast online store: Azure Managed Redis, Entra ID; workload identity)",
                     "NVIDIA device plugin",
                     "observability (managed Prometheus or kube-prometheus-stack, DCGM exporter)"],
    }

    def check(self, platform: Platform, source: Source) -> list[Diagnostic]:
        return _check.check(platform, source)

    def render_unit(self, platform: Platform, env: ResolvedEnv, layer: Layer) -> UnitFiles:
        return UnitFiles(env=env.name, layer=layer, files=_render.render_unit(platform, env, layer))

    def first_apply(self, platform: Platform, envs: Mapping[str, ResolvedEnv],
                    modules: Mapping[str, Mapping[str, str]]) -> list[str]:
        return []

    def render_bootstrap(self, platform: Platform) -> dict[str, str]:
        return _render.render_bootstrap(platform)


AZURE = AzureTarget()
