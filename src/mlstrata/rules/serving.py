"""Serving and feature stores: placements that match a declared pool, GPU endpoints that idle at zero in
development, encrypted Feast online stores (MLS044-MLS046)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.hcl import Attribute
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import first
from mlstrata.rules.context import ModuleContext, NodeGroupFacts, PlacementFacts, TreeFacts
from mlstrata.rules.model import Item
from mlstrata.rules.placement import placements

# Labels Kubernetes, EKS and AKS put on nodes themselves: a selector on them says nothing about declared labels.
# AKS reserves kubernetes.azure.com/ for its own labels, e.g. kubernetes.azure.com/accelerator=nvidia on GPU
# nodes (https://learn.microsoft.com/azure/aks/use-labels#reserved-system-labels).
_SYSTEM_LABEL = re.compile(
    r"^(kubernetes\.io/|node\.kubernetes\.io/|topology\.kubernetes\.io/|beta\.kubernetes\.io/|"
    r"failure-domain\.beta\.kubernetes\.io/|eks\.amazonaws\.com/|karpenter\.sh/|node-role\.kubernetes\.io/|"
    r"kubernetes\.azure\.com/)")
_BLOCKING = {"NoSchedule", "NoExecute"}
_DEV_ENV = re.compile(r"^(dev|develop|development|sandbox|test|qa)([-_].*)?$")


def tolerated(taint: tuple[str, str, str], tolerations: tuple[tuple[str, str, str, str], ...]) -> bool:
    """Kubernetes toleration matching: same key (or an empty key with Exists), same value unless Exists,
    same effect unless the toleration names none.
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    key, value, effect = taint
    for t_key, operator, t_value, t_effect in tolerations:
        if t_effect and t_effect != effect:
            continue
        if operator == "Exists" and (not t_key or t_key == key):
            return True
        if operator in ("Equal", "") and t_key == key and t_value == value:
            return True
    return False


def lands_on(placement: PlacementFacts, group: NodeGroupFacts) -> bool | None:
    """Whether pods with this placement can schedule on the group's nodes; None when the group's labels or
    taints are unknown."""
    if group.labels is None or group.taints is None:
        return None
    labels = dict(group.labels)
    if any(not _SYSTEM_LABEL.match(k) and labels.get(k) != v for k, v in placement.selector):
        return False
    return all(tolerated(t, placement.tolerations) for t in group.taints if t[2] in _BLOCKING)


class PlacementMatchesPool(ModuleRule):
    info = RuleInfo(
        "MLS044",
        "serving-placement-matches-pool",
        "serving",
        Severity.ERROR,
        "A serving class's node selector and tolerations match a declared node pool",
        "A serving class (or any workload whose node selector and tolerations are written in the code) whose\n"
        "selector names labels no node group carries, or that does not tolerate the taints of the groups\n"
        "that carry them, never schedules: its pods stay Pending and every model release into it times out.\n"
        "Judged per configuration (an environment's roots and the modules they call), against the labels\n"
        "and taints of its EKS managed node groups, GKE node pools (with the GPU taint GKE adds) and AKS node\n"
        "pools (the default pool included); selectors on labels Kubernetes sets itself\n"
        "(kubernetes.io/, topology.kubernetes.io/, eks.amazonaws.com/ ...) are not judged. Configurations\n"
        "with capacity this scan cannot see (Karpenter, Fargate, registry modules) are skipped.\n"
        "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/",
        "Point the node selector at a declared pool's labels (mlstrata: `gpu_pool:` of the endpoint class) "
        "and tolerate that pool's taints.",
    )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for key, seen in tree.configurations().items():
            if any(o.other_capacity for o in seen):
                continue
            groups = sorted({g for o in seen for g in o.node_groups}, key=lambda g: g.address)
            if not groups:
                continue
            env = key.removeprefix("env:") if key.startswith("env:") else ""
            for placement in sorted({p for o in seen for p in o.placements},
                                    key=lambda p: (p.where.file, p.where.line, p.address)):
                verdicts = [lands_on(placement, g) for g in groups]
                if any(v is not False for v in verdicts):
                    continue
                selector = ", ".join(f"{k}={v}" for k, v in placement.selector) or "(none)"
                where = f" in {env}" if env else ""
                yield self.info.finding(
                    placement.where,
                    f"placement {selector} matches none of the {len(groups)} node groups{where}: its pods stay "
                    "Pending",
                    path=placement.address,
                    detail="node groups: " + "; ".join(
                        f"{g.address} labels {dict(g.labels or ())} taints {list(g.taints or ())}" for g in groups),
                )


class DevGpuScaleToZero(ModuleRule):
    info = RuleInfo(
        "MLS045",
        "dev-gpu-endpoint-scale-to-zero",
        "serving",
        Severity.WARNING,
        "GPU serving endpoints in development environments scale to zero",
        "A GPU endpoint class that keeps replicas running (min_replicas >= 1) in a development environment\n"
        "(an unprotected environment named dev, development, sandbox, test or qa) pays for a GPU node\n"
        "around the clock for traffic that mostly never comes. Let it scale to zero there (min_replicas 0,\n"
        "scale_to_zero: true; the first request waits for a cold start) and keep warm replicas for\n"
        "environments that serve users.",
        "In the spec: overrides: { dev: { autoscaling: { min_replicas: 0, scale_to_zero: true } } }.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        env = ctx.env_name
        if ctx.role != "root" or env is None or ctx.protected or not _DEV_ENV.match(env):
            return
        for placement in placements(ctx):
            if placement.gpus and placement.min_replicas:
                yield self.info.finding(
                    placement.where,
                    f"GPU endpoint keeps {placement.min_replicas} replica(s) running in {env}",
                    path=placement.address,
                )


_FEAST = re.compile(r"feast|feature[-_ ]?store|online[-_ ]?store", re.IGNORECASE)


def _is_feast(ctx: ModuleContext, item: Item) -> bool:
    texts = [item.name, ctx.module.directory.rsplit("/", 1)[-1]]
    texts += [a.expr_text for n, a in item.body.attributes.items()
              if n in ("replication_group_id", "description", "name", "tags")]
    return any(_FEAST.search(t) for t in texts)


class FeastOnlineStoreEncryption(ModuleRule):
    info = RuleInfo(
        "MLS046",
        "feast-online-store-encryption",
        "serving",
        Severity.ERROR,
        "A Feast online store (Redis) is encrypted at rest and in transit",
        "The online store holds the latest feature values of every entity (often personal data) and is read\n"
        "on every prediction. ElastiCache: at_rest_encryption_enabled and transit_encryption_enabled must be\n"
        "true (both are fixed at creation: turning them on later replaces the cache and empties it).\n"
        "Memorystore: transit_encryption_mode = SERVER_AUTHENTICATION (data at rest is always encrypted).\n"
        "Azure Cache for Redis: no non-TLS port and minimum TLS 1.2. Azure Managed Redis: the database's\n"
        "client_protocol stays Encrypted (TLS; the provider pins TLS 1.2 as the minimum, and the disks are\n"
        "always encrypted). A Redis cache is a Feast online store when its name, description, tags or module\n"
        "mention feast, feature store or online store.\n"
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/encryption.html",
        "Turn on encryption at rest and in transit (mlstrata's feast_redis module does both).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), "aws_elasticache_replication_group", "google_redis_instance",
                                  "azurerm_redis_cache", "azurerm_managed_redis"):
            if not _is_feast(ctx, item):
                continue
            for attr_name, bad, what in _WANTED[item.type]:
                attr = _nested_attr(item, attr_name)
                resolved = ctx.resolve(item, attr)
                value = resolved.value if attr is not None else _DEFAULTS.get((item.type, attr_name))
                if value is not None and not isinstance(value, (str, bool, int, float)):
                    continue  # unknown
                if bad(value):
                    yield self.info.finding(
                        resolved.where if attr is not None else item.where,
                        f"Feast online store {item.address}: {what}", path=item.address)


def _nested_attr(item: Item, path: str) -> Attribute | None:
    """An argument of the resource, or of its first nested block (`default_database.client_protocol`)."""
    *blocks, name = path.split(".")
    body = item.body
    for block_type in blocks:
        block = first(body, block_type)
        if block is None:
            return None
        body = block.body
    return body.attributes.get(name)


# Provider defaults when the argument is left out.
_DEFAULTS: dict[tuple[str, str], object] = {
    ("aws_elasticache_replication_group", "at_rest_encryption_enabled"): False,
    ("aws_elasticache_replication_group", "transit_encryption_enabled"): False,
    ("google_redis_instance", "transit_encryption_mode"): "DISABLED",
    ("azurerm_redis_cache", "non_ssl_port_enabled"): False,
    ("azurerm_redis_cache", "minimum_tls_version"): "1.2",
    # https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/managed_redis
    ("azurerm_managed_redis", "default_database.client_protocol"): "Encrypted",
}
_WANTED: dict[str, list[tuple[str, Callable[[object], bool], str]]] = {
    "aws_elasticache_replication_group": [
        ("at_rest_encryption_enabled", lambda v: v is not True, "not encrypted at rest"),
        ("transit_encryption_enabled", lambda v: v is not True, "not encrypted in transit"),
    ],
    "google_redis_instance": [
        ("transit_encryption_mode", lambda v: v != "SERVER_AUTHENTICATION", "not encrypted in transit"),
    ],
    "azurerm_redis_cache": [
        ("non_ssl_port_enabled", lambda v: v is True, "the non-TLS port is open"),
        ("minimum_tls_version", lambda v: isinstance(v, str) and v < "1.2", "accepts TLS below 1.2"),
    ],
    "azurerm_managed_redis": [
        ("default_database.client_protocol", lambda v: v == "Plaintext", "clients connect in plaintext"),
    ],
}
