"""EKS cluster shape: zones, node-group names and versions, IAM name prefixes, and what a configuration
needs around its node groups: the NVIDIA device plugin, untainted system capacity, KMS keys the Auto
Scaling role may use (MLS029-MLS035)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.hcl import Attribute, Body
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import expand, first, launch_templates
from mlstrata.rules.context import EbsKeyUse, ModuleContext, NodeGroupFacts, Observed, TreeFacts
from mlstrata.rules.model import Item
from mlstrata.rules.placement import placements
from mlstrata.targets.aws.catalog import GPU_FAMILIES, family_of

NODE_GROUP = "aws_eks_node_group"
# A zone name: region + one letter ("us-east-1a", "us-gov-west-1b"); a template ending in one letter after
# an interpolation ("${var.region}a").
_ZONE_LITERAL = re.compile(r'"(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d[a-z])"')
_ZONE_TEMPLATE = re.compile(r'\$\{[^}]*\}[a-z]"')
# Arguments that hold availability-zone names, by resource type; module calls: the common argument names.
ZONE_ARGS: dict[str, tuple[str, ...]] = {
    "aws_subnet": ("availability_zone",),
    "aws_instance": ("availability_zone",),
    "aws_ebs_volume": ("availability_zone",),
    "aws_autoscaling_group": ("availability_zones",),
    "aws_db_instance": ("availability_zone",),
    "aws_rds_cluster": ("availability_zones",),
    "aws_efs_mount_target": ("availability_zone_name",),
    "aws_launch_template": (),
}
MODULE_ZONE_ARGS = ("azs", "availability_zones", "availability_zone", "zones")
# IAM's `name_prefix` limits (the name limit less the 26 characters Terraform appends): the provider
# rejects longer prefixes at plan time (hashicorp/terraform-provider-aws, internal/service/iam).
NAME_PREFIX_LIMITS: dict[str, int] = {"aws_iam_role": 38, "aws_iam_policy": 102, "aws_iam_instance_profile": 102}
_SUBSTR = re.compile(r"^substr\(\s*(?P<arg>.+?)\s*,\s*(?P<offset>\d+)\s*,\s*(?P<length>\d+)\s*\)$", re.S)
_INTERPOLATION = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")


class HardCodedZones(ModuleRule):
    info = RuleInfo(
        "MLS029",
        "aws-zone-letters",
        "cluster",
        Severity.ERROR,
        "Availability zones are looked up, not hard-coded by letter",
        "Zone letters are mapped per account: us-east-1a is a different data centre in each account,\n"
        "us-west-1 has only two zones for most accounts, ap-northeast-1b is closed to new accounts, and\n"
        "some zones reject EKS control planes (UnsupportedAvailabilityZoneException). A literal\n"
        '"us-east-1a" or a template like "${var.region}a" breaks in another account or region. Read\n'
        'zones from data "aws_availability_zones" (state = "available"), and pin by zone ID where a\n'
        "zone matters (capacity blocks). https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html",
        'Use data.aws_availability_zones.available.names (or zone IDs: availability_zone_id = "use1-az4").',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), *ZONE_ARGS):
            for name in ZONE_ARGS[item.type]:
                yield from self._judge(item, item.attr(name))
        for call in ctx.module.calls:
            for name in MODULE_ZONE_ARGS:
                yield from self._judge(call, call.attr(name))
        for item in ctx.instances(("resource",), "aws_launch_template"):
            placement = first(item.body, "placement")
            if placement is not None:
                yield from self._judge(item, placement.body.attributes.get("availability_zone"))

    def _judge(self, item: Item, attr: Attribute | None) -> Iterator[Diagnostic]:
        if attr is None:
            return
        text = attr.expr_text
        found = _ZONE_LITERAL.search(text) or _ZONE_TEMPLATE.search(text)
        if found is not None:
            yield self.info.finding(
                item.at(attr), f"zone hard-coded by letter: {found.group(0)}", path=item.address
            )


class SharedNodeGroupName(ModuleRule):
    info = RuleInfo(
        "MLS030",
        "eks-node-group-name-shared",
        "cluster",
        Severity.ERROR,
        "Each EKS node group name belongs to one resource",
        "Two aws_eks_node_group resources with the same cluster and node_group_name (typically one per\n"
        "mode, chosen by `count`) cannot both exist, and switching between them destroys one node group\n"
        "and creates the other under the same name: the create fails with ResourceInUseException while\n"
        "the old group is deleting, and the pool's nodes are drained either way. Use one resource, or\n"
        "node_group_name_prefix with create_before_destroy.",
        "Keep one aws_eks_node_group per pool (vary its arguments, not the resource), or give each its own "
        "name.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        # Every declared node group, also those whose count is 0 now: switching modes is the hazard.
        seen: dict[tuple[str, str], Item] = {}
        for item in ctx.module.resources_of(NODE_GROUP):
            name = self._key(ctx, item.attr("node_group_name"))
            if name is None:
                continue
            cluster = self._key(ctx, item.attr("cluster_name")) or ""
            earlier = seen.setdefault((cluster, name), item)
            if earlier is not item:
                yield self.info.finding(
                    item.at(item.attr("node_group_name")),
                    f"node_group_name {name} is also used by {earlier.address}",
                    path=item.address,
                    detail=f"{earlier.address} at {earlier.where}",
                )

    @staticmethod
    def _key(ctx: ModuleContext, attr: Attribute | None) -> str | None:
        """The resolved name, or the expression text when it cannot be resolved (same text, same name)."""
        if attr is None:
            return None
        value = ctx.value(attr)
        if isinstance(value, str):
            return repr(value)
        return attr.expr_text.strip()


class NodeGroupVersion(ModuleRule):
    info = RuleInfo(
        "MLS031",
        "eks-node-group-version",
        "cluster",
        Severity.WARNING,
        "Node groups follow the cluster's Kubernetes version",
        "A managed node group without `version` takes the cluster's version when it is created and then\n"
        "stays there: raising aws_eks_cluster.version upgrades only the control plane, and the nodes fall\n"
        "behind until the skew limit blocks the next upgrade. Set the node group's version from the\n"
        "cluster's (a launch template with a custom image_id is exempt: its AMI decides).\n"
        "https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html",
        "Set version = aws_eks_cluster.this.version (or the same variable as the cluster).",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        clusters = [c for c in ctx.instances(("resource",), "aws_eks_cluster") if c.attr("version") is not None]
        if not clusters:
            return
        for item in ctx.instances(("resource",), NODE_GROUP):
            if item.attr("version") is not None or item.attr("release_version") is not None:
                continue
            if self._custom_image(ctx, item):
                continue
            yield self.info.finding(
                item.where,
                f"node group has no version while {clusters[0].address} sets one",
                path=item.address,
            )

    @staticmethod
    def _custom_image(ctx: ModuleContext, item: Item) -> bool:
        linked = launch_templates(ctx, item)
        if linked is None:
            return False
        return not linked or any(t.attr("image_id") is not None for t in linked)


class NamePrefixLength(ModuleRule):
    info = RuleInfo(
        "MLS032",
        "iam-name-prefix-length",
        "cluster",
        Severity.ERROR,
        "IAM name_prefix fits IAM's limit",
        "Terraform appends 26 characters to a name_prefix, so an IAM role's prefix may have at most 38\n"
        "characters (policies and instance profiles 102); the provider rejects a longer one at plan time.\n"
        'The rule computes the longest the expression can be: literal text, known values, and\n'
        '`substr(x, 0, N)` as at most N characters (so "${substr(var.name, 0, 30)}-cluster-" is 39).\n'
        "Parts it cannot bound make it stay silent.",
        'Shorten the prefix: "${substr(var.name, 0, 29)}-cluster-" keeps a role prefix within 38.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        for item in ctx.instances(("resource",), *NAME_PREFIX_LIMITS):
            attr = item.attr("name_prefix")
            if attr is None:
                continue
            limit = NAME_PREFIX_LIMITS[item.type]
            got = ctx.resolve(item, attr)
            if isinstance(got.value, str):
                longest: int | None = len(got.value)
                where = got.where
            else:
                longest = longest_text(ctx, attr.expr_text.strip())
                where = item.at(attr)
            if longest is not None and longest > limit:
                yield self.info.finding(
                    where,
                    f"{item.type}.name_prefix can be {longest} characters (IAM allows {limit})",
                    path=item.address,
                )


def longest_text(ctx: ModuleContext, expr: str) -> int | None:
    """An upper bound on the length of a string expression's value, or None when it has none we know."""
    value = ctx.ev.text(expr)
    if isinstance(value, str):
        return len(value)
    m = _SUBSTR.match(expr)
    if m is not None:
        inner = longest_text(ctx, m.group("arg"))
        n = int(m.group("length"))
        return n if inner is None else min(n, max(0, inner - int(m.group("offset"))))
    if len(expr) >= 2 and expr[0] == '"' and expr[-1] == '"':
        body = expr[1:-1]
        total = 0
        last = 0
        for part in _INTERPOLATION.finditer(body):
            total += len(body[last:part.start()])
            last = part.end()
            inner = longest_text(ctx, part.group(1).strip())
            if inner is None:
                return None
            total += inner
        return total + len(body[last:])
    return None


# -- what a configuration holds: node groups, the device plugin, other capacity

# The NVIDIA plugin by chart, image or repository; not the EFA plugin (aws-efa-k8s-device-plugin).
_DEVICE_PLUGIN = re.compile(
    r"nvidia[-_]?device[-_]?plugin|nvidia\.github\.io/k8s-device-plugin|nvidia/k8s-device-plugin|gpu[-_]operator",
    re.IGNORECASE,
)
_OTHER_CAPACITY = re.compile(r"karpenter|fargate|self[-_]managed|eks", re.IGNORECASE)
PLUGIN_CARRIERS = (
    "helm_release", "kubernetes_daemonset", "kubernetes_daemonset_v1", "kubernetes_manifest", "kubectl_manifest",
    "aws_eks_addon",
)
_BLOCKING_EFFECTS = {"NO_SCHEDULE", "NO_EXECUTE"}


def _texts(body: Body) -> Iterator[str]:
    for name, attr in body.attributes.items():
        yield name
        yield attr.expr_text
    for block in body.blocks:
        yield from block.labels
        yield from _texts(block.body)


def _tainted(ctx: ModuleContext, item: Item) -> bool | None:
    taints = expand(ctx, item.body, "taint")
    if taints.unknown:
        return None
    effects = [ctx.value(t.block.body.attributes.get("effect"), t.scope) for t in taints.blocks]
    if any(isinstance(e, str) and e in _BLOCKING_EFFECTS for e in effects):
        return True
    return False if all(isinstance(e, str) for e in effects) else None


def _node_group(ctx: ModuleContext, item: Item) -> NodeGroupFacts:
    ami = ctx.value(item.attr("ami_type"))
    types = ctx.value(item.attr("instance_types"))
    nvidia = (isinstance(ami, str) and ("NVIDIA" in ami or "GPU" in ami)) or (
        isinstance(types, list) and any(isinstance(t, str) and family_of(t) in GPU_FAMILIES for t in types)
    )
    bottlerocket = ami.startswith("BOTTLEROCKET") if isinstance(ami, str) else None
    if item.attr("ami_type") is None and first(item.body, "launch_template") is None:
        bottlerocket = False  # EKS's default image (AL2023)
    return NodeGroupFacts(item.address, item.where, bool(nvidia), bottlerocket, _tainted(ctx, item),
                          _labels(ctx, item), _taints(ctx, item))


# aws_eks_node_group taint effects -> the Kubernetes names tolerations use
K8S_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def _labels(ctx: ModuleContext, item: Item) -> tuple[tuple[str, str], ...] | None:
    if item.attr("labels") is None:
        return ()
    labels = ctx.value(item.attr("labels"))
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        return None
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


def _taints(ctx: ModuleContext, item: Item) -> tuple[tuple[str, str, str], ...] | None:
    taints = expand(ctx, item.body, "taint")
    if taints.unknown:
        return None
    out = []
    for t in taints.blocks:
        attrs = t.block.body.attributes
        key, value, effect = (ctx.value(attrs.get(n), t.scope) for n in ("key", "value", "effect"))
        if not isinstance(key, str) or not isinstance(effect, str) or not isinstance(value, (str, type(None))):
            return None
        out.append((key, value or "", K8S_EFFECTS.get(effect, effect)))
    return tuple(sorted(out))


# GKE puts this taint on every node with a GPU itself (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus).
GKE_GPU_TAINT = ("nvidia.com/gpu", "present", "NoSchedule")


def _gke_pool(ctx: ModuleContext, item: Item) -> NodeGroupFacts:
    """A GKE node pool's labels and taints (node_config), for placement matching only: `tainted` stays
    unknown, so the EKS capacity rules (device plugin, system capacity) do not judge it."""
    config = first(item.body, "node_config")
    if config is None:
        return NodeGroupFacts(item.address, item.where, False, None, None, (), ())
    node = Item(item.kind, item.type, item.name, config, item.file)
    labels, taints = _labels(ctx, node), _taints(ctx, node)
    if taints is not None and first(config.body, "guest_accelerator") is not None:
        taints = tuple(sorted({*taints, GKE_GPU_TAINT}))
    return NodeGroupFacts(item.address, item.where, False, None, None, labels, taints)


_AKS_TAINT = re.compile(r"^([^=:]+)(?:=([^:]*))?:(NoSchedule|NoExecute|PreferNoSchedule)$")


def _aks_pool(ctx: ModuleContext, item: Item, labels_attr: str = "node_labels",
              taints_attr: str = "node_taints") -> NodeGroupFacts:
    """An AKS node pool's labels and `key=value:Effect` taints, for placement matching only (as _gke_pool)."""
    labels_value = ctx.value(item.attr(labels_attr)) if item.attr(labels_attr) is not None else {}
    labels = (tuple(sorted((str(k), str(v)) for k, v in labels_value.items()))
              if isinstance(labels_value, dict) and all(isinstance(v, str) for v in labels_value.values()) else None)
    taints_value = ctx.value(item.attr(taints_attr)) if item.attr(taints_attr) is not None else []
    taints: tuple[tuple[str, str, str], ...] | None = None
    if isinstance(taints_value, list) and all(isinstance(t, str) and _AKS_TAINT.match(t) for t in taints_value):
        parsed = [_AKS_TAINT.match(str(t)) for t in taints_value]
        taints = tuple(sorted((m.group(1), m.group(2) or "", m.group(3)) for m in parsed if m is not None))
    return NodeGroupFacts(item.address, item.where, False, None, None, labels, taints)


def _aks_default_pools(ctx: ModuleContext) -> Iterator[NodeGroupFacts]:
    for cluster in ctx.instances(("resource",), "azurerm_kubernetes_cluster"):
        pool = first(cluster.body, "default_node_pool")
        if pool is not None:
            yield _aks_pool(ctx, Item(cluster.kind, cluster.type, cluster.name, pool, cluster.file))


def observe(ctx: ModuleContext) -> Observed:
    """This evaluation's node groups, device plugin and other capacity, for configuration-wide rules."""
    groups = tuple(_node_group(ctx, item) for item in ctx.instances(("resource",), NODE_GROUP))
    groups += tuple(_gke_pool(ctx, item) for item in ctx.instances(("resource",), "google_container_node_pool"))
    groups += tuple(_aks_pool(ctx, item)
                    for item in ctx.instances(("resource",), "azurerm_kubernetes_cluster_node_pool"))
    groups += tuple(_aks_default_pools(ctx))
    plugin = any(
        _DEVICE_PLUGIN.search(text)
        for item in ctx.instances(("resource",), *PLUGIN_CARRIERS)
        for text in _texts(item.body)
    )
    other = bool(ctx.instances(("resource",), "aws_eks_fargate_profile", "aws_autoscaling_group"))
    for call in ctx.module.calls:
        source = call.attr("source")
        src = source.expr_text.strip().strip('"') if source is not None else ""
        if src.startswith(("./", "../")):
            continue  # a local module is evaluated for this call by itself
        names = " ".join(call.body.attributes)
        if _DEVICE_PLUGIN.search(src) or any(
            _DEVICE_PLUGIN.search(name) and ctx.value(attr) is True for name, attr in call.body.attributes.items()
        ):
            plugin = True  # e.g. eks-blueprints-addons with enable_nvidia_gpu_operator = true
        if _OTHER_CAPACITY.search(src) or "karpenter" in names:
            other = True  # a registry module may hold node groups or capacity this scan cannot see
    for item in ctx.instances(("resource",), "helm_release"):
        if any("karpenter" in text for text in _texts(item.body)):
            other = True
    ebs, admit = ebs_key_uses(ctx)
    if ctx.env_name:
        configuration = f"env:{ctx.env_name}"
    elif ctx.role == "root":
        configuration = ctx.module.directory
    else:
        configuration = ctx.call.caller_dir if ctx.call is not None else ""
    return Observed(
        ctx.module.directory, ctx.env_name, ctx.role == "root", configuration, groups, plugin, other, ebs, admit,
        placements(ctx),
    )


def _groups(seen: list[Observed]) -> list[NodeGroupFacts]:
    return sorted({g for o in seen for g in o.node_groups}, key=lambda g: (g.where.file, g.where.line, g.address))


class DevicePlugin(ModuleRule):
    info = RuleInfo(
        "MLS033",
        "eks-nvidia-device-plugin",
        "cluster",
        Severity.ERROR,
        "NVIDIA GPU node groups come with the NVIDIA device plugin",
        "Pods request GPUs as `nvidia.com/gpu`, a resource only the NVIDIA device plugin advertises. The\n"
        "EKS-optimized AL2023 NVIDIA AMIs carry the driver but not the plugin: without it the nodes join,\n"
        "report no GPUs, and every GPU pod stays Pending. Bottlerocket's NVIDIA variants ship the plugin.\n"
        "The configuration (the environment's roots and the modules they call, or the scanned tree) must\n"
        "deploy it: a helm_release of nvidia-device-plugin or gpu-operator, a manifest or DaemonSet, or a\n"
        "module that does. https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html",
        'Add helm_release "nvidia_device_plugin" (chart nvidia-device-plugin from '
        "https://nvidia.github.io/k8s-device-plugin), or use a BOTTLEROCKET_*_NVIDIA image.",
    )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for key, seen in tree.configurations().items():
            env = key.removeprefix("env:") if key.startswith("env:") else ""
            if any(o.device_plugin for o in seen):
                continue
            for group in _groups(seen):
                if group.nvidia and group.bottlerocket is False:
                    where = f" in {env}" if env else ""
                    yield self.info.finding(
                        group.where,
                        f"NVIDIA node group with no NVIDIA device plugin deployed{where}: GPU pods stay Pending",
                        path=group.address,
                    )


class SystemCapacity(ModuleRule):
    info = RuleInfo(
        "MLS034",
        "eks-system-capacity",
        "cluster",
        Severity.ERROR,
        "Some capacity takes pods that tolerate no taint",
        "When every managed node group carries a NoSchedule/NoExecute taint (GPU pools usually do) and\n"
        "there is no Fargate profile, Karpenter or self-managed group, nothing can run CoreDNS, the\n"
        "metrics server or Helm charts' controllers: they stay Pending, and add-ons and releases time out.\n"
        "Keep a small untainted system node group. Judged per configuration (an environment's roots and\n"
        "the modules they call, or the scanned tree); silent when a taint is unknown.",
        "Add an untainted system node group (e.g. 2 x m7i.large) for cluster add-ons.",
    )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for key, seen in tree.configurations().items():
            env = key.removeprefix("env:") if key.startswith("env:") else ""
            groups = _groups(seen)
            if not groups or any(o.other_capacity for o in seen):
                continue
            if all(g.tainted is True for g in groups):
                where = f" in {env}" if env else ""
                yield self.info.finding(
                    groups[0].where,
                    f"all {len(groups)} node groups{where} are tainted: no capacity for CoreDNS and add-ons",
                    path=groups[0].address,
                    detail="tainted: " + ", ".join(g.address for g in groups),
                )


# -- KMS keys for launch-template EBS volumes

_ASG_ROLE = re.compile(r"AWSServiceRoleForAutoScaling|autoscaling\.amazonaws\.com")
_LOCAL = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)")


def _policy_texts(ctx: ModuleContext, body: Body) -> Iterator[str]:
    """The source text of a policy, skipping `dynamic` blocks known to expand to nothing, with the
    locals it reads spelled out (one level)."""
    for attr in body.attributes.values():
        yield attr.expr_text
        for name in _LOCAL.findall(attr.expr_text):
            local = ctx.module.locals.get(name)
            if local is not None:
                yield local.expr_text
    for block in body.blocks:
        if block.type == "dynamic":
            for_each = ctx.value(block.body.attributes.get("for_each"))
            if for_each == [] or for_each == {}:
                continue
        yield from _policy_texts(ctx, block.body)


def _key_admits_autoscaling(ctx: ModuleContext, key: Item) -> bool:
    """Whether a key's policy (inline, via an aws_iam_policy_document, or an aws_kms_key_policy) or a
    grant names the Auto Scaling service-linked role."""
    def of_key(item: Item) -> bool:
        attr = item.attr("key_id")
        return attr is not None and key in ctx.module.referenced(attr.expr_text, "aws_kms_key")

    holders: list[tuple[Item, str]] = [(key, "policy")]
    holders += [(p, "policy") for p in ctx.instances(("resource",), "aws_kms_key_policy") if of_key(p)]
    holders += [(g, "grantee_principal") for g in ctx.instances(("resource",), "aws_kms_grant") if of_key(g)]
    for holder, name in holders:
        attr = holder.attr(name)
        if attr is None:
            continue
        texts = [attr.expr_text]
        for doc in ctx.module.referenced(attr.expr_text, "aws_iam_policy_document"):
            texts.extend(_policy_texts(ctx, doc.body))
        if any(_ASG_ROLE.search(t) for t in texts):
            return True
    return False


def ebs_key_uses(ctx: ModuleContext) -> tuple[tuple[EbsKeyUse, ...], bool | None]:
    """Launch-template EBS volumes encrypted with a customer key: whether the key (if defined here) admits
    the Auto Scaling role; and for this module's own keys: None without keys, else whether any admits it."""
    uses: list[EbsKeyUse] = []
    for lt in ctx.instances(("resource",), "aws_launch_template"):
        for mapping in expand(ctx, lt.body, "block_device_mappings").blocks:
            for ebs in expand(ctx, mapping.block.body, "ebs", mapping.scope).blocks:
                attr = ebs.block.body.attributes.get("kms_key_id")
                if attr is None:
                    continue
                value = ctx.value(attr, ebs.scope)
                if value is None or isinstance(value, str):
                    continue  # unset, or a key ARN from outside this configuration: its policy is not here
                keys = ctx.module.referenced(attr.expr_text, "aws_kms_key")
                admitted = all(_key_admits_autoscaling(ctx, k) for k in keys) if keys else None
                uses.append(EbsKeyUse(lt.address, lt.at(attr), admitted))
    own = ctx.instances(("resource",), "aws_kms_key")
    return tuple(uses), (any(_key_admits_autoscaling(ctx, k) for k in own) if own else None)


class KmsAutoscalingRole(ModuleRule):
    info = RuleInfo(
        "MLS035",
        "kms-ebs-autoscaling-role",
        "cluster",
        Severity.ERROR,
        "KMS keys of launch-template volumes admit the Auto Scaling service-linked role",
        "EKS managed node groups launch instances through EC2 Auto Scaling, which creates the encrypted EBS\n"
        "volumes as AWSServiceRoleForAutoScaling. If the customer managed key's policy (or a grant) does not\n"
        "admit that role, every instance terminates at launch (\"Client.InvalidKMSKey.InvalidState\" /\n"
        "encrypted with an inaccessible KMS key) and the node group never gets nodes.\n"
        "terraform-aws-modules/terraform-aws-eks#1023, #1619;\n"
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html\n"
        "A key defined in the same module is judged by its own policy; a key passed in from elsewhere, by the\n"
        "keys its configuration defines (silent when it defines none: the key is not in this code).",
        "Add a key policy statement (or aws_kms_grant) for "
        "arn:aws:iam::<account>:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling.",
    )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for key, seen in tree.configurations().items():
            env = key.removeprefix("env:") if key.startswith("env:") else ""
            own = [o.keys_admit_autoscaling for o in seen if o.keys_admit_autoscaling is not None]
            for use in sorted({u for o in seen for u in o.ebs_keys}, key=lambda u: (u.where.file, u.where.line)):
                bad = use.admitted is False or (use.admitted is None and own and not any(own))
                if bad:
                    yield self.info.finding(
                        use.where,
                        "launch template EBS key does not admit AWSServiceRoleForAutoScaling: instances fail "
                        "to launch" + (f" (in {env})" if env else ""),
                        path=use.address,
                    )
