"""GPU pools: EKS managed node groups, GKE node pools and AKS node pools that run GPU work (MLS001-MLS009)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.hcl import Attribute, Block, Value
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import expand, first, launch_templates, lifecycle_attr
from mlstrata.rules.context import ModuleContext
from mlstrata.rules.model import Item
from mlstrata.targets.aws.catalog import DEPRECATED_IMAGES, GPU_FAMILIES, family_of
from mlstrata.targets.azure.catalog import gpu_size, node_pool_name

NODE_GROUP = "aws_eks_node_group"
GKE_POOL = "google_container_node_pool"
AKS_POOL = "azurerm_kubernetes_cluster_node_pool"
_GPU_WORD = re.compile(r"gpu|nvidia|cuda", re.IGNORECASE)
_GKE_GPU_MACHINE = re.compile(r"^(a2|a3|a4|g2|g4)-")
_TAINT_EFFECTS = {"NO_SCHEDULE", "NO_EXECUTE", "NoSchedule", "NoExecute"}


def _strings(value: Value) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def is_gpu_node_group(ctx: ModuleContext, item: Item) -> bool:
    """Any sign of GPU work: a GPU image, a GPU instance type, a GPU label/taint, or `gpu` in a name."""
    ami = ctx.value(item.attr("ami_type"))
    if isinstance(ami, str) and ("NVIDIA" in ami or "GPU" in ami):
        return True
    for instance_type in _strings(ctx.value(item.attr("instance_types"))):
        family = family_of(instance_type)
        if family in GPU_FAMILIES:
            return True
    names = [item.name, ctx.module.name]
    group_name = ctx.value(item.attr("node_group_name"))
    if isinstance(group_name, str):
        names.append(group_name)
    texts = [a.expr_text for a in (item.attr("labels"), item.attr("node_group_name")) if a is not None]
    texts += [
        b.body.attributes["key"].expr_text for b in item.body.blocks_of("taint") if "key" in b.body.attributes
    ]
    return any(_GPU_WORD.search(t) for t in names + texts)


def gpu_node_groups(ctx: ModuleContext) -> Iterator[Item]:
    for item in ctx.instances(("resource",), NODE_GROUP):
        if is_gpu_node_group(ctx, item):
            yield item


def is_gpu_aks_pool(ctx: ModuleContext, item: Item) -> bool:
    """An AKS node pool with a GPU VM size, a GPU driver/MIG setting, or GPU words in its name, labels, taints."""
    size = ctx.value(item.attr("vm_size"))
    if isinstance(size, str) and gpu_size(size) is not None:
        return True
    if item.attr("gpu_driver") is not None or item.attr("gpu_instance") is not None:
        return True
    names = [item.name, ctx.module.name]
    texts = [a.expr_text for a in (item.attr("name"), item.attr("node_labels"), item.attr("node_taints"))
             if a is not None]
    return any(_GPU_WORD.search(t) for t in names + texts)


def aks_gpu_pools(ctx: ModuleContext) -> Iterator[Item]:
    for item in ctx.instances(("resource",), AKS_POOL):
        if is_gpu_aks_pool(ctx, item):
            yield item


def is_gpu_config(ctx: ModuleContext, config: Block | None) -> bool:
    """A GKE `node_config` with a GPU: a guest accelerator, or a machine type that comes with GPUs."""
    if config is None:
        return False
    if expand(ctx, config.body, "guest_accelerator").blocks:
        return True
    machine = ctx.value(config.body.attributes.get("machine_type"))
    return isinstance(machine, str) and bool(_GKE_GPU_MACHINE.match(machine))


class InstanceTypes(ModuleRule):
    info = RuleInfo(
        "MLS001",
        "gpu-instance-types",
        "gpu",
        Severity.ERROR,
        "GPU node group declares its instance types",
        "An EKS managed node group without `instance_types` (and without a launch template that sets an\n"
        "instance type) gets EKS's default, t3.medium: a GPU image on a CPU instance, nodes that never\n"
        "become ready, or a pool nobody sized. Declare the GPU types explicitly.",
        'Set `instance_types = ["g6e.xlarge"]` (or the instance type in the launch template).',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in gpu_node_groups(ctx):
            attr = item.attr("instance_types")
            if attr is not None:
                got = ctx.resolve(item, attr)
                if got.value == []:
                    yield self.info.finding(got.where, "instance_types is empty", path=item.address)
                if got.value is not None:
                    continue
                # null is "not set": EKS then takes the launch template's instance type (capacity blocks
                # require exactly that), so judge the launch template below.
            linked = launch_templates(ctx, item)
            if linked is not None and (
                not linked or any(ctx.value(t.attr("instance_type")) is not None for t in linked)
            ):
                continue
            yield self.info.finding(
                item.where,
                "GPU node group without instance_types (EKS defaults to t3.medium)",
                path=item.address,
            )
        for item in aks_gpu_pools(ctx):
            attr = item.attr("vm_size")
            if attr is None:
                yield self.info.finding(item.where, "AKS GPU node pool without vm_size", path=item.address)
                continue
            got = ctx.resolve(item, attr)
            if isinstance(got.value, str) and gpu_size(got.value) is None:
                yield self.info.finding(got.where, f"vm_size {got.value} has no NVIDIA GPU", path=item.address)


class MaxBounded(ModuleRule):
    info = RuleInfo(
        "MLS002",
        "gpu-max-bounded",
        "gpu",
        Severity.ERROR,
        "GPU pool autoscaling has an upper bound",
        "A GPU pool's maximum node count is its cost ceiling: one p5.48xlarge costs about $55/hour.\n"
        "EKS node groups need `scaling_config.max_size`; a GKE node pool with `autoscaling` needs\n"
        "`max_node_count` or `total_max_node_count`.",
        "Set scaling_config { max_size = N } (GKE: autoscaling { total_max_node_count = N }).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in gpu_node_groups(ctx):
            scaling = first(item.body, "scaling_config")
            if scaling is None:
                yield self.info.finding(item.where, "no scaling_config (no maximum)", path=item.address)
            elif "max_size" not in scaling.body.attributes:
                yield self.info.finding(
                    item.at(scaling), "scaling_config without max_size", path=item.address
                )
        for item in aks_gpu_pools(ctx):
            auto_attr = item.attr("auto_scaling_enabled")
            if auto_attr is not None and ctx.resolve(item, auto_attr).value is True and item.attr("max_count") is None:
                yield self.info.finding(item.at(auto_attr), "autoscaling without max_count", path=item.address)
        for item in ctx.instances(("resource",), GKE_POOL):
            if not is_gpu_config(ctx, first(item.body, "node_config")):
                continue
            # a `dynamic "autoscaling"` block (autoscaled or not, by a variable) is judged as it expands
            for auto in expand(ctx, item.body, "autoscaling").blocks:
                if not ({"max_node_count", "total_max_node_count"} & set(auto.block.body.attributes)):
                    yield self.info.finding(
                        item.at(auto.block), "autoscaling without a maximum node count", path=item.address
                    )


class MaxCeiling(ModuleRule):
    info = RuleInfo(
        "MLS003",
        "gpu-max-ceiling",
        "gpu",
        Severity.ERROR,
        "GPU pool maximum within the environment's ceiling",
        "platform.yaml can cap every GPU pool of an environment\n"
        "(`environments.<env>.max_gpu_nodes_per_pool`). "
        "A pool whose size bound resolves above that ceiling (through variables, tfvars or module\n"
        "arguments) fails: an EKS node group's max_size; a GKE node pool's total_max_node_count, or its\n"
        "per-zone max_node_count (with autoscaling) or node_count (without) times its node_locations; an AKS\n"
        "pool's max_count (autoscaled) or node_count. Without a spec, or when the value is unknown, nothing\n"
        "is reported.",
        "Lower max_size, or raise max_gpu_nodes_per_pool for the environment in platform.yaml.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        ceiling = ctx.env.max_gpu_nodes_per_pool if ctx.env is not None else None
        if ceiling is None:
            return
        # (item, the attribute holding the count, its scope, by how many zones it multiplies, zones known)
        targets: list[tuple[Item, Attribute | None, dict[str, Value], int, bool]] = []
        for item in gpu_node_groups(ctx):
            scaling = first(item.body, "scaling_config")
            if scaling is not None:
                targets.append((item, scaling.body.attributes.get("max_size"), {}, 1, True))
        for item in ctx.instances(("resource",), GKE_POOL):
            if is_gpu_config(ctx, first(item.body, "node_config")):
                targets.extend(_gke_counts(ctx, item))
        for item in aks_gpu_pools(ctx):
            auto_attr = item.attr("auto_scaling_enabled")
            autoscaled = auto_attr is not None and ctx.resolve(item, auto_attr).value is True
            # without AKS's autoscaler (azurerm's default) the pool runs exactly node_count nodes
            targets.append((item, item.attr("max_count") if autoscaled else item.attr("node_count"), {}, 1, True))
        for item, attr, scope, zones, known in targets:
            if attr is None:
                continue
            got = ctx.resolve(item, attr, scope)
            if not isinstance(got.value, (int, float)) or isinstance(got.value, bool):
                continue
            total = got.value * zones
            if total <= ceiling:
                continue
            if zones > 1:
                what = f"{attr.name} {got.value} per zone x {zones} zones = {total} GPU nodes"
            elif not known:
                what = f"{attr.name} {got.value} per zone: at least {total} GPU nodes"
            else:
                what = f"max {got.value} GPU nodes"
            yield self.info.finding(
                got.where,
                f"{what} exceeds the {ctx.env_name} ceiling of {ceiling}",
                path=item.address,
                detail=f"max_gpu_nodes_per_pool in {ctx.spec.path if ctx.spec else 'platform.yaml'}",
                hint=f"Lower {attr.name}, or raise max_gpu_nodes_per_pool for the environment in platform.yaml.",
            )


def _gke_zones(ctx: ModuleContext, item: Item) -> tuple[int, bool]:
    """How many zones a GKE node pool spans, and whether that is known: its `node_locations`; without them
    the pool takes the cluster's locations (NodePool.locations in the GKE API reference), not known here."""
    locations = ctx.value(item.attr("node_locations"))
    if isinstance(locations, list) and locations and all(isinstance(z, str) for z in locations):
        return len(set(locations)), True
    return 1, False


def _gke_counts(ctx: ModuleContext, item: Item) -> list[tuple[Item, Attribute | None, dict[str, Value], int, bool]]:
    """The count that bounds a GKE GPU pool: `total_max_node_count` (over all zones), else `max_node_count`
    (per zone) of its autoscaling block, or without autoscaling `node_count` (per zone: the provider's
    "number of nodes per instance group", one instance group per zone)."""
    autoscaling = expand(ctx, item.body, "autoscaling")
    if autoscaling.unknown:
        return []
    zones, known = _gke_zones(ctx, item)
    if not autoscaling.blocks:
        return [(item, item.attr("node_count"), {}, zones, known)]
    auto = autoscaling.blocks[0]
    attrs = auto.block.body.attributes
    if "total_max_node_count" in attrs:
        return [(item, attrs["total_max_node_count"], auto.scope, 1, True)]
    return [(item, attrs.get("max_node_count"), auto.scope, zones, known)]


class Taint(ModuleRule):
    info = RuleInfo(
        "MLS004",
        "gpu-taint",
        "gpu",
        Severity.ERROR,
        "GPU node group carries a GPU taint",
        "Without a taint such as `nvidia.com/gpu=true:NoSchedule`, any pod lands on a GPU node and keeps\n"
        "it (and its hourly price) busy. Taint GPU pools so only pods that tolerate it are scheduled.",
        'Add taint { key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        yield from self.check_aks(ctx)
        for item in gpu_node_groups(ctx):
            taints = expand(ctx, item.body, "taint")
            if taints.unknown:
                continue
            if not taints.blocks:
                where = item.where
                if taints.for_each is not None:
                    ctx.value(taints.for_each)  # where the empty list came from: a call argument or tfvars
                    where = ctx.where(item, None)
                yield self.info.finding(where, "GPU node group without a taint", path=item.address)
                continue
            keys: list[Value] = [
                ctx.value(t.block.body.attributes.get("key"), t.scope) for t in taints.blocks
            ]
            if all(isinstance(k, str) for k in keys) and not any(_GPU_WORD.search(str(k)) for k in keys):
                yield self.info.finding(
                    item.where,
                    "no taint with a GPU key (e.g. nvidia.com/gpu)",
                    path=item.address,
                    severity=Severity.WARNING,
                )


    def check_aks(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in aks_gpu_pools(ctx):
            attr = item.attr("node_taints")
            if attr is None:
                yield self.info.finding(item.where, "AKS GPU node pool without node_taints", path=item.address)
                continue
            got = ctx.resolve(item, attr)
            if got.value == []:
                yield self.info.finding(got.where, "AKS GPU node pool without a taint", path=item.address)
            elif isinstance(got.value, list) and all(isinstance(t, str) for t in got.value) and not any(
                    _GPU_WORD.search(str(t)) for t in got.value):
                yield self.info.finding(got.where, "no taint with a GPU key (e.g. nvidia.com/gpu)",
                                        path=item.address, severity=Severity.WARNING)


class Labels(ModuleRule):
    info = RuleInfo(
        "MLS005",
        "gpu-labels",
        "gpu",
        Severity.WARNING,
        "GPU node group has node labels",
        "Workloads select GPU pools by label (`nodeSelector`/affinity): a GPU pool without labels cannot be\n"
        "targeted deliberately, and cost reports cannot attribute its nodes.",
        'Set labels = { workload = "training" } (or similar) on the node group.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in gpu_node_groups(ctx):
            attr = item.attr("labels")
            if attr is None:
                yield self.info.finding(item.where, "GPU node group without labels", path=item.address)
                continue
            got = ctx.resolve(item, attr)
            if got.value == {} or got.value is None:
                yield self.info.finding(got.where, "GPU node group labels are empty", path=item.address)
        for item in aks_gpu_pools(ctx):
            attr = item.attr("node_labels")
            if attr is None:
                yield self.info.finding(item.where, "AKS GPU node pool without node_labels", path=item.address)
            elif ctx.resolve(item, attr).value == {}:
                yield self.info.finding(item.at(attr), "AKS GPU node pool labels are empty", path=item.address)


class CapacityType(ModuleRule):
    info = RuleInfo(
        "MLS006",
        "gpu-capacity-type",
        "gpu",
        Severity.WARNING,
        "GPU node group states its capacity type",
        "ON_DEMAND, SPOT and CAPACITY_BLOCK differ several-fold in price and in how nodes disappear.\n"
        "Leaving `capacity_type` out silently means ON_DEMAND; say which one is meant.",
        'Set capacity_type = "ON_DEMAND" | "SPOT" | "CAPACITY_BLOCK".',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in gpu_node_groups(ctx):
            if item.attr("capacity_type") is None:
                yield self.info.finding(
                    item.where, "capacity_type not set (defaults to ON_DEMAND)", path=item.address
                )
        for item in aks_gpu_pools(ctx):
            if item.attr("priority") is None:
                yield self.info.finding(item.where, "priority not set (defaults to Regular)", path=item.address,
                                        hint='Set priority = "Regular" | "Spot" (Spot with eviction_policy).')


class Image(ModuleRule):
    info = RuleInfo(
        "MLS007",
        "gpu-image",
        "gpu",
        Severity.ERROR,
        "GPU node group uses a current NVIDIA image",
        "EKS stopped publishing Amazon Linux 2 AMIs (AL2_x86_64_GPU) on 2025-11-26; GPU pools need\n"
        "AL2023_x86_64_NVIDIA / AL2023_ARM_64_NVIDIA or BOTTLEROCKET_*_NVIDIA. A GPU instance type with a\n"
        "standard (non-NVIDIA) image, or with no ami_type at all, has no GPU driver.\n"
        "Source: https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html",
        'Set ami_type = "AL2023_x86_64_NVIDIA" (or BOTTLEROCKET_x86_64_NVIDIA).',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in aks_gpu_pools(ctx):
            if item.attr("gpu_driver") is None:
                yield self.info.finding(
                    item.where, "AKS GPU node pool without gpu_driver (azurerm >= 4.40 replaces the pool)",
                    path=item.address,
                    hint='Set gpu_driver = "Install" (or "None" with the GPU Operator); '
                    "hashicorp/terraform-provider-azurerm#30990.")
        for item in gpu_node_groups(ctx):
            attr = item.attr("ami_type")
            if attr is None:
                if first(item.body, "launch_template") is None:
                    yield self.info.finding(
                        item.where, "no ami_type: the default image has no NVIDIA driver", path=item.address
                    )
                continue
            got = ctx.resolve(item, attr)
            if not isinstance(got.value, str):
                continue
            if got.value in DEPRECATED_IMAGES or got.value.startswith("AL2_"):
                better = DEPRECATED_IMAGES.get(got.value, "AL2023_x86_64_NVIDIA")
                yield self.info.finding(
                    got.where, f"ami_type {got.value} is deprecated (use {better})", path=item.address
                )
            elif "NVIDIA" not in got.value and "GPU" not in got.value and got.value != "CUSTOM":
                types = _strings(ctx.value(item.attr("instance_types")))
                if any(family_of(t) in GPU_FAMILIES for t in types):
                    yield self.info.finding(
                        got.where,
                        f"ami_type {got.value} has no NVIDIA driver for GPU instance types",
                        path=item.address,
                    )


class DesiredIgnored(ModuleRule):
    info = RuleInfo(
        "MLS008",
        "gpu-desired-ignored",
        "gpu",
        Severity.ERROR,
        "desired_size ignored only when the spec says the autoscaler owns it",
        "`lifecycle { ignore_changes = [scaling_config[0].desired_size] }` hands the node count to the\n"
        "cluster autoscaler: Terraform stops enforcing it. That is right when platform.yaml declares\n"
        "`scaling.desired: autoscaler` for the pool, and silent drift when it declares a number.\n"
        "With a spec: error when the pool declares a number; warning when the pool is not in the spec.\n"
        "Without a spec (code mlstrata did not write): info, worded in Terraform's terms, since nothing\n"
        "declares who owns the count.",
        "Declare `desired: autoscaler` for the pool in platform.yaml, or remove desired_size from "
        "ignore_changes.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        yield from self.check_aks(ctx)
        for item in ctx.instances(("resource",), NODE_GROUP):
            attr = lifecycle_attr(item, "ignore_changes")
            if attr is None or not re.search(r"desired_size|\ball\b", attr.expr_text):
                continue
            where = item.at(attr)
            if ctx.spec is None:
                # Code mlstrata did not write: speak Terraform and Kubernetes, not platform.yaml.
                yield self.info.finding(
                    where,
                    "desired_size is in ignore_changes, so Terraform never sets this node group's size; "
                    "something else (a cluster autoscaler, Karpenter) must own it",
                    path=item.address,
                    severity=Severity.INFO,
                    hint="Run a cluster autoscaler for this node group, or remove desired_size from "
                    "ignore_changes so Terraform keeps the count it declares.",
                )
                continue
            got = ctx.resolve(item, item.attr("node_group_name"))
            pool = got.value
            if not isinstance(pool, str):
                continue
            declared = self._declared(ctx, pool)
            if declared == "autoscaler":
                continue
            if declared is None:
                if ctx.env is not None:
                    yield self.info.finding(
                        got.where,
                        f"desired_size is ignored but pool {pool!r} is not declared in {ctx.spec.path}",
                        path=item.address,
                        severity=Severity.WARNING,
                    )
                continue
            yield self.info.finding(
                got.where,
                f"desired_size is ignored but the spec declares desired: {declared} for pool {pool!r}",
                path=item.address,
            )

    def check_aks(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), AKS_POOL):
            attr = lifecycle_attr(item, "ignore_changes")
            if attr is None or not re.search(r"node_count|\ball\b", attr.expr_text) or ctx.spec is None:
                continue
            got = ctx.resolve(item, item.attr("name"))
            if not isinstance(got.value, str):
                continue
            declared = {node_pool_name(p): self._declared(ctx, p) for p in self._spec_pools(ctx)}.get(got.value)
            if declared is not None and declared != "autoscaler":
                yield self.info.finding(
                    got.where, f"node_count is ignored but the spec declares desired: {declared} for pool "
                    f"{got.value!r}", path=item.address,
                    hint="Declare `desired: autoscaler` for the pool in platform.yaml, or remove node_count from "
                    "ignore_changes.")

    @staticmethod
    def _spec_pools(ctx: ModuleContext) -> set[str]:
        if ctx.spec is None:
            return set()
        return {p for env in ctx.spec.envs.values() for p in env.pool_desired}

    @staticmethod
    def _declared(ctx: ModuleContext, pool: str) -> int | str | None:
        if ctx.spec is None:
            return None
        if ctx.env is not None:
            return ctx.env.pool_desired.get(pool)
        values = {env.pool_desired.get(pool) for env in ctx.spec.envs.values()}
        return values.pop() if len(values) == 1 else None


class GkeTaint(ModuleRule):
    info = RuleInfo(
        "MLS009",
        "gke-gpu-taint",
        "gpu",
        Severity.ERROR,
        "GKE GPU node pool declares its GPU taint",
        "GKE adds the `nvidia.com/gpu=present:NoSchedule` taint to GPU node pools by itself. If the\n"
        "configuration does not declare it, every plan sees a difference in node_config.taint and wants to\n"
        "recreate the pool (and its nodes).",
        'Add node_config { taint { key = "nvidia.com/gpu", value = "present", effect = "NO_SCHEDULE" } }.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), GKE_POOL, "google_container_cluster"):
            configs = [(item, first(item.body, "node_config"))]
            configs += [(item, first(b.body, "node_config")) for b in item.body.blocks_of("node_pool")]
            for owner, config in configs:
                if config is None or not is_gpu_config(ctx, config):
                    continue
                taints = expand(ctx, config.body, "taint")
                if taints.unknown or taints.blocks or "taint" in config.body.attributes:
                    continue
                yield self.info.finding(
                    owner.at(config),
                    "GPU node_config without an explicit taint (GKE adds nvidia.com/gpu; every plan wants "
                    "to recreate the pool)",
                    path=owner.address,
                )


class ImdsHopLimit(ModuleRule):
    info = RuleInfo(
        "MLS028",
        "gpu-imds-hop-limit",
        "gpu",
        Severity.ERROR,
        "GPU nodes keep pods away from the instance metadata service",
        "A launch template of a GPU node group with `http_put_response_hop_limit` above 1 lets every pod on\n"
        "the pod network fetch an IMDSv2 token and read the node role's credentials (ECR, and on many\n"
        "clusters the VPC CNI's network-interface permissions). Host-network pods (aws-node, kube-proxy, the\n"
        "device plugin) still reach IMDS with hop limit 1; workloads get credentials from IRSA or EKS Pod\n"
        "Identity. https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
        "Set metadata_options { http_tokens = \"required\", http_put_response_hop_limit = 1 } and move the "
        "CNI policy to an IRSA role.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        for group in gpu_node_groups(ctx):
            for lt in launch_templates(ctx, group) or []:
                if lt.address in seen:
                    continue
                seen.add(lt.address)
                options = first(lt.body, "metadata_options")
                if options is None:
                    continue
                hop = options.body.attributes.get("http_put_response_hop_limit")
                got = ctx.resolve(lt, hop) if hop is not None else None
                if got is not None and isinstance(got.value, (int, float)) and got.value > 1:
                    yield self.info.finding(
                        got.where, f"GPU launch template {lt.address}: IMDS hop limit {got.value:g} (> 1)",
                        path=lt.address)
