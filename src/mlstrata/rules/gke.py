"""GKE node pools: the GKE equivalents of the EKS GPU rules (MLS040-MLS043)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.hcl import Block
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import Expanded, expand, first
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.gpu import GKE_POOL, is_gpu_config
from mlstrata.rules.model import Item

CLUSTER = "google_container_cluster"
# Ways to install the NVIDIA driver yourself on GKE: Google's installer DaemonSet or NVIDIA's GPU Operator.
_DRIVER_DAEMONSET = re.compile(r"nvidia-driver-installer|gpu-operator", re.IGNORECASE)
_DAEMONSET_HOLDERS = ("kubernetes_manifest", "kubectl_manifest", "kubernetes_daemonset", "kubernetes_daemon_set_v1",
                      "helm_release")
_BLOCKING_EFFECTS = {"NO_SCHEDULE", "NO_EXECUTE"}


def _pool_configs(ctx: ModuleContext) -> Iterator[tuple[Item, Block | None, Block | None]]:
    """(owner, pool block, node_config) for every node pool resource and every inline `node_pool`."""
    for item in ctx.instances(("resource",), GKE_POOL):
        yield item, item.block, first(item.body, "node_config")
    for item in ctx.instances(("resource",), CLUSTER):
        for pool in item.body.blocks_of("node_pool"):
            yield item, pool, first(pool.body, "node_config")


def _blocking_taints(ctx: ModuleContext, config: Block | None) -> bool | None:
    """True when the node_config has a NoSchedule/NoExecute taint, False when none, None when unknown."""
    if config is None:
        return False
    taints = expand(ctx, config.body, "taint")
    if taints.unknown:
        return None
    for taint in taints.blocks:
        effect = ctx.value(taint.block.body.attributes.get("effect"), taint.scope)
        if not isinstance(effect, str) or effect in _BLOCKING_EFFECTS:
            return True
    return False


class GpuDriver(ModuleRule):
    info = RuleInfo(
        "MLS040",
        "gke-gpu-driver",
        "gpu",
        Severity.ERROR,
        "GKE GPU node pool gets an NVIDIA driver",
        "GKE installs the NVIDIA driver only when the accelerator says so\n"
        "(`guest_accelerator { gpu_driver_installation_config { gpu_driver_version = \"LATEST\" } }`).\n"
        "Without it (or with INSTALLATION_DISABLED) and without a driver DaemonSet (Google's\n"
        "nvidia-driver-installer or NVIDIA's GPU Operator) in the configuration, the nodes join with GPUs\n"
        "that no pod can use. Source: https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#installing_drivers",
        'Add gpu_driver_installation_config { gpu_driver_version = "LATEST" } to the guest_accelerator.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if any(_DRIVER_DAEMONSET.search(_text(i)) for i in ctx.instances(("resource",), *_DAEMONSET_HOLDERS)):
            return
        for owner, _pool, config in _pool_configs(ctx):
            if config is None or not is_gpu_config(ctx, config):
                continue
            accelerators = expand(ctx, config.body, "guest_accelerator")
            if accelerators.unknown:
                continue
            if not accelerators.blocks:
                yield self.info.finding(owner.at(config), "GPU machine type without guest_accelerator: GKE "
                                        "installs no driver", path=owner.address)
                continue
            for acc in accelerators.blocks:
                problem = _driver_problem(ctx, acc)
                if problem is not None:
                    yield self.info.finding(owner.at(acc.block), problem, path=owner.address)


def _driver_problem(ctx: ModuleContext, acc: Expanded) -> str | None:
    installs = expand(ctx, acc.block.body, "gpu_driver_installation_config", acc.scope)
    if installs.unknown:
        return None
    if not installs.blocks:
        return "guest_accelerator without gpu_driver_installation_config and no driver DaemonSet"
    for install in installs.blocks:
        version = ctx.value(install.block.body.attributes.get("gpu_driver_version"), install.scope)
        if version == "INSTALLATION_DISABLED":
            return "gpu_driver_version is INSTALLATION_DISABLED and no driver DaemonSet is deployed"
    return None


def _text(item: Item) -> str:
    return " ".join([item.name, *(a.expr_text for a in item.body.attributes.values())])


class SystemPool(ModuleRule):
    info = RuleInfo(
        "MLS041",
        "gke-system-pool",
        "gpu",
        Severity.ERROR,
        "GKE cluster keeps an untainted node pool for system pods",
        "kube-dns, metrics-server, konnectivity and the other GKE add-ons tolerate no custom taints. When the\n"
        "default pool is removed and every node pool is tainted (GPU and TPU pools always are), those pods\n"
        "stay Pending and the cluster never becomes healthy. Keep one small untainted pool.",
        "Add a google_container_node_pool without taints (e.g. `system`, e2-standard-4, autoscaled).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        pools = ctx.instances(("resource",), GKE_POOL)
        for cluster in ctx.instances(("resource",), CLUSTER):
            removed = ctx.value(cluster.attr("remove_default_node_pool")) is True
            members: list[Block | None] = [first(p.body, "node_config") for p in pools
                                            if _refers_to(p, cluster)]
            members += [first(b.body, "node_config") for b in cluster.body.blocks_of("node_pool")]
            if not removed:
                members.append(first(cluster.body, "node_config"))
            if not members:
                continue  # the pools live elsewhere: nothing to judge here
            tainted = [_blocking_taints(ctx, config) for config in members]
            if all(t is True for t in tainted):
                yield self.info.finding(cluster.where, "every node pool of the cluster is tainted: system pods "
                                        "have nowhere to run", path=cluster.address)


def _refers_to(pool: Item, cluster: Item) -> bool:
    attr = pool.attr("cluster")
    return attr is not None and f"{cluster.type}.{cluster.name}." in attr.expr_text


class SpotTaint(ModuleRule):
    info = RuleInfo(
        "MLS042",
        "gke-spot-taint",
        "gpu",
        Severity.WARNING,
        "GKE spot node pool is tainted",
        "Spot (and preemptible) VMs can be reclaimed with 30 seconds' notice. Without a taint, any pod -\n"
        "including ones that cannot tolerate being killed - lands there. Taint spot pools (GKE documents\n"
        "cloud.google.com/gke-spot=true:NoSchedule) so only workloads that opt in run on them.",
        'Add node_config { taint { key = "cloud.google.com/gke-spot", value = "true", effect = "NO_SCHEDULE" } }.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for owner, _pool, config in _pool_configs(ctx):
            if config is None:
                continue
            spot = ctx.value(config.body.attributes.get("spot")) is True
            preemptible = ctx.value(config.body.attributes.get("preemptible")) is True
            if (spot or preemptible) and _blocking_taints(ctx, config) is False:
                word = "spot" if spot else "preemptible"
                yield self.info.finding(owner.at(config), f"{word} node pool without a NoSchedule taint",
                                        path=owner.address)


class AutoscalingBounds(ModuleRule):
    info = RuleInfo(
        "MLS043",
        "gke-autoscaling-bounds",
        "gpu",
        Severity.ERROR,
        "GKE node pool autoscaling is consistent",
        "`autoscaling` takes per-zone limits (min/max_node_count) or totals over all zones\n"
        "(total_min/total_max_node_count), never both; the minimum must not exceed the maximum; and a pool\n"
        "with autoscaling must leave `node_count` unset, or every apply resets what the autoscaler chose\n"
        "(the GKE form of EKS's desired_size: say who owns the count).",
        "Keep one pair of limits with min <= max, and drop node_count (use initial_node_count) on autoscaled pools.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), GKE_POOL):
            scaling = expand(ctx, item.body, "autoscaling")
            if scaling.unknown:
                continue
            for auto in scaling.blocks:
                attrs = auto.block.body.attributes
                per_zone = {"min_node_count", "max_node_count"} & set(attrs)
                total = {"total_min_node_count", "total_max_node_count"} & set(attrs)
                used = {k for k in per_zone | total if ctx.value(attrs[k], auto.scope) is not None}
                if used & {"min_node_count", "max_node_count"} and used & {"total_min_node_count",
                                                                           "total_max_node_count"}:
                    yield self.info.finding(item.at(auto.block), "autoscaling mixes per-zone and total limits",
                                            path=item.address)
                for low, high in (("min_node_count", "max_node_count"),
                                  ("total_min_node_count", "total_max_node_count")):
                    lo, hi = ctx.value(attrs.get(low), auto.scope), ctx.value(attrs.get(high), auto.scope)
                    if _number(lo) and _number(hi) and lo > hi:  # type: ignore[operator]
                        yield self.info.finding(item.at(attrs[low]), f"{low} ({lo}) is greater than {high} ({hi})",
                                                path=item.address)
                count = item.attr("node_count")
                if count is not None and ctx.value(count) is not None:
                    yield self.info.finding(item.at(count), "node_count is set on an autoscaled pool: every apply "
                                            "resets the autoscaler's count", path=item.address)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
