"""Every rule of `mlstrata check`, registered by id."""

from __future__ import annotations

from mlstrata.rules import cluster, gke, gpu, identity, meta, modules, protection, secrets, serving, state, storage
from mlstrata.rules.base import Rule, RuleInfo

RULES: dict[str, Rule] = {
    "MLS000": meta.ParseError(),
    "MLS001": gpu.InstanceTypes(),
    "MLS002": gpu.MaxBounded(),
    "MLS003": gpu.MaxCeiling(),
    "MLS004": gpu.Taint(),
    "MLS005": gpu.Labels(),
    "MLS006": gpu.CapacityType(),
    "MLS007": gpu.Image(),
    "MLS008": gpu.DesiredIgnored(),
    "MLS009": gpu.GkeTaint(),
    "MLS010": storage.Versioning(),
    "MLS011": storage.Encryption(),
    "MLS012": storage.PublicAccess(),
    "MLS013": storage.TlsOnly(),
    "MLS014": storage.Retention(),
    "MLS015": identity.WildcardAction(),
    "MLS016": identity.WildcardResource(),
    "MLS017": identity.OpenPrincipal(),
    "MLS018": secrets.LiteralSecret(),
    "MLS019": secrets.SensitiveOutput(),
    "MLS020": state.RemoteBackend(),
    "MLS021": state.BackendLocking(),
    "MLS022": state.GiantState(),
    "MLS023": modules.UniversalModule(),
    "MLS024": modules.VariableDocs(),
    "MLS025": protection.ProtectStateful(),
    "MLS026": meta.SuppressionReason(),
    "MLS027": state.BackendKmsKey(),
    "MLS028": gpu.ImdsHopLimit(),
    "MLS029": cluster.HardCodedZones(),
    "MLS030": cluster.SharedNodeGroupName(),
    "MLS031": cluster.NodeGroupVersion(),
    "MLS032": cluster.NamePrefixLength(),
    "MLS033": cluster.DevicePlugin(),
    "MLS034": cluster.SystemCapacity(),
    "MLS035": cluster.KmsAutoscalingRole(),
    "MLS040": gke.GpuDriver(),
    "MLS041": gke.SystemPool(),
    "MLS042": gke.SpotTaint(),
    "MLS043": gke.AutoscalingBounds(),
    "MLS044": serving.PlacementMatchesPool(),
    "MLS045": serving.DevGpuScaleToZero(),
    "MLS046": serving.FeastOnlineStoreEncryption(),
}


def rule_docs() -> dict[str, RuleInfo]:
    """Every rule's id, severity and documentation, by id."""
    return {rule_id: rule.info for rule_id, rule in RULES.items()}


__all__ = ["RULES", "Rule", "RuleInfo", "rule_docs"]
