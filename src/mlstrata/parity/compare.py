"""Parity: how environments differ, at three levels, and which differences the spec intends.

1. `spec`: the resolved spec per environment (overrides applied): environment settings, GPU pool
   shapes, the registry promoters of the environment's own stage.
2. `config`: the rendered units (`live/<env>/<layer>/main.tf`, read with `mlstrata.hcl`): module
   calls and resources present, and their literal inputs.
3. `state`: the real resources and attributes, from refresh-only plans (what exists now) or from
   `terraform show -json` of the state.

Values are compared after replacing the environment's name with `<env>` (names, paths, ids carry
it by design). A difference is then:
- `allowed`: its spec key matches a `parity.allow` pattern (`gpu_pools.*.scaling`), or it is a
  config/state difference of a component whose allowed spec difference explains it;
- `declared`: the spec states it per environment (`environments.<env>`, a stage's promoters), or it
  follows from such a setting (e.g. `force_destroy` from `protect`), or it is an identity the target
  gives each environment (the local registry port);
- `finding`: anything else. Findings are what `mlstrata parity` fails on.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlstrata.diagnostics import Diagnostic

ABSENT = "(absent)"
LEVELS = ("spec", "config", "state")

FINDING, ALLOWED, DECLARED = "finding", "allowed", "declared"

# Spec keys whose differences show up under other names in rendered inputs and resource attributes.
ALIASES: dict[str, frozenset[str]] = {
    "scaling": frozenset({"scaling", "min", "max", "desired", "scaling_config", "desired_size", "min_size",
                          "max_size", "min_count", "max_count", "node_count"}),
    # The local target renders a stage's promoters as basic-auth users (mlstrata_service_account) with
    # grants; the AWS target as writer/promoter principals of its registry; the GCP target as IAM member maps.
    "promoters": frozenset({"promoters", "grants", "service_accounts", "role_grants", "mlstrata_service_account",
                            "promoter_principal_arns_by_stage", "promoter_principal_arns",
                            "writer_principal_arns", "promoter_principal_ids", "writer_principal_ids",
                            "promoter_members", "reader_members", "writer_members",
                            # A stage's registry is read by the next stage's promoters (they copy the
                            # version forward) and the stage without promoters is written by its runner.
                            "reader_principal_arns", "decrypt_principal_arns", "user_principal_arns",
                            "artifact_bucket_arns", "read_only_bucket_arns"}),
    "next_stage_promoters": frozenset({"next_stage_promoters", "reader_principal_arns", "decrypt_principal_arns",
                                       "reader_members", "reader_principal_ids"}),
    # What a target derives from `protect`: deletion protection, and in AWS a multi-AZ database and
    # one NAT gateway per zone (targets/aws/render.py); on GCP a regional cluster.
    # On Azure: geo-zone-redundant storage, a paid-tier private cluster, Premium Service Bus, a key vault
    # and API server without public access, reached from a peered CI runner VNet (targets/azure/render.py);
    # a public API server also admits the nodes' NAT egress address; a highly available Managed Redis (Feast).
    "protect": frozenset({"protect", "force_destroy", "deletion_protection", "prevent_destroy",
                          "skip_final_snapshot", "multi_az", "single_nat_gateway", "regional",
                          "replication_type", "sku_tier", "private_cluster", "sku", "authorized_ip_ranges",
                          "sku_name", "high_availability",
                          "public_network_access_enabled", "allowed_ip_ranges", "runner_vnet_id",
                          "egress_ip_addresses",
                          # GCP: a regional cluster's pools look up each of its zones, a zonal one's its one zone
                          "zone_count"}),
    "max_gpu_nodes_per_pool": frozenset({"max_gpu_nodes_per_pool", "max", "max_size"}),
    # A serving class's bounds as the renderers pass them: replicas, and quotas sized from the maximum.
    # SageMaker endpoints: replicas are instances (modules/sagemaker_endpoint).
    "min_replicas": frozenset({"min_replicas", "min_instances"}),
    # A class that scales to zero runs in KServe's Knative mode, and its environment gets Knative Serving.
    "scale_to_zero": frozenset({"scale_to_zero", "deployment_mode", "deploymentMode", "knative"}),
    "max_replicas": frozenset({"max_replicas", "gpu_quota", "pod_quota", "max_instances"}),
    "gpus": frozenset({"gpus", "gpu_quota"}),
    "gpu_pool": frozenset({"gpu_pool", "node_selector", "tolerations", "gpu_quota"}),
    # GKE inputs follow the spec's bounds as totals over zones or counts per zone.
    "min": frozenset({"min", "min_size", "min_node_count", "min_count", "total_min_node_count",
                      "initial_node_count_per_zone"}),
    # AWS with Karpenter: a NodePool's GPU limit is the pool's max nodes x GPUs per node.
    "max": frozenset({"max", "max_size", "max_node_count", "max_count", "total_max_node_count", "gpu_limit"}),
    "desired": frozenset({"desired", "desired_size", "node_count", "node_count_per_zone", "node_count_owner"}),
    # AWS: an EFA instance type (p4d/p5...) gets EFA interfaces, the EFA label, the cluster security group
    # rule EFA traffic needs and the cluster's EFA device plugin (targets/aws/render.py).
    "instance_types": frozenset({"instance_types", "instance_type", "vm_size",
                                 "machine_type", "accelerator_type", "accelerator_count",
                                 "efa", "efa_device_plugin", "cluster_security_group_id", "vpc_id",
                                 "gpu_limit"}),
    # Azure: a pool's MIG profile switches the GPU operator's MIG strategy.
    "gpu_instance": frozenset({"gpu_instance", "mig_strategy"}),
    "taints": frozenset({"taints", "taint"}),
    "zones": frozenset({"zones", "subnet_ids", "node_locations", "include_zone_ids", "zone_ids",
                        "zone_count", "keep_all_zones"}),
    "zone": frozenset({"zone", "zones", "zone_count"}),
    "capacity_reservation_id": frozenset({"capacity_reservation_id", "reservation_name",
                                          "capacity_reservation_ids"}),
    "labels": frozenset({"labels"}),
    # A Capacity Block pool states its reservation window; other capacity types have none.
    "capacity": frozenset({"capacity", "capacity_type", "priority", "spot", "location_policy",
                           "reservation_affinity", "reservation_name", "capacity_block_start",
                           "capacity_block_end", "toleration_keys", "capacity_types",
                           # AKS taints Spot nodes itself: a serving class on a Spot pool tolerates it
                           "tolerations"}),
    # A TPU slice's topology sets its node count; queued provisioning sets reservation and zone policy.
    "topology": frozenset({"topology", "tpu_topology", "max_node_count", "node_count"}),
    "queued_provisioning": frozenset({"queued_provisioning", "reservation_affinity", "location_policy",
                                      "initial_node_count_per_zone"}),
}
# Inputs of one component that follow from spec keys of another (name -> spec components, by prefix): the
# cluster's EFA device plugin and the network's extra zones serve the GPU pools; the pipeline runner's
# bucket access follows the registry stages.
CROSS_COMPONENT: dict[str, tuple[str, ...]] = {
    "efa_device_plugin": ("gpu_pools.",),
    "mig_strategy": ("gpu_pools.",),
    "toleration_keys": ("gpu_pools.",),
    "tolerations": ("gpu_pools.",),
    "include_zone_ids": ("gpu_pools.",),
    # AWS with Karpenter: one EC2NodeClass and NodePool per GPU pool, inputs of cluster_addons.
    "karpenter_node_pools": ("gpu_pools.",),
    "artifact_bucket_arns": ("model_registry",),
    "read_only_bucket_arns": ("model_registry",),
}
# Attributes a target derives per environment on purpose (the local target gives each registry its port).
IDENTITY_ATTRIBUTES = frozenset({"port", "ui_command", "ui_url"})


@dataclass(frozen=True)
class Difference:
    """One key whose value is not the same in every compared environment."""

    level: str
    component: str
    key: str
    values: Mapping[str, Any]  # env -> value (ABSENT when the env has no such key)
    status: str = FINDING
    reason: str = ""

    @property
    def presence(self) -> bool:
        """True when the key exists in some environments only (a resource in one env and not another)."""
        return any(v == ABSENT for v in self.values.values())

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "component": self.component, "key": self.key,
                "values": dict(sorted(self.values.items())), "status": self.status, "reason": self.reason,
                "presence": self.presence}


@dataclass(frozen=True)
class ParityReport:
    envs: tuple[str, ...]
    differences: tuple[Difference, ...]
    levels: tuple[str, ...]  # the levels that were compared
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def reference(self) -> str:
        """The environment the others are compared with in the matrix: the last one (usually prod)."""
        return self.envs[-1]

    @property
    def findings(self) -> list[Difference]:
        return [d for d in self.differences if d.status == FINDING]

    @property
    def components(self) -> list[str]:
        return sorted({d.component for d in self.differences})

    def odd_envs(self, diff: Difference) -> list[str]:
        """The environments whose value differs from the reference environment's."""
        ref = diff.values.get(self.reference, ABSENT)
        return [e for e in self.envs if e != self.reference and diff.values.get(e, ABSENT) != ref]

    def cell(self, component: str, env: str) -> dict[str, int]:
        """Counts of findings / allowed / declared differences of `component` where `env` differs."""
        counts = {FINDING: 0, ALLOWED: 0, DECLARED: 0}
        if env == self.reference:
            return counts  # the others are compared with it: it has no differences of its own
        for d in self.differences:
            if d.component == component and env in self.odd_envs(d):
                counts[d.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "envs": list(self.envs),
            "reference": self.reference,
            "levels": list(self.levels),
            "ok": not self.findings,
            "counts": {s: sum(d.status == s for d in self.differences) for s in (FINDING, ALLOWED, DECLARED)},
            "matrix": {c: {e: self.cell(c, e) for e in self.envs} for c in self.components},
            "differences": [d.to_dict() for d in self.differences],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# --------------------------------------------------------------------------- helpers


def normalize(value: Any, env: str) -> Any:
    """`value` with the environment's name replaced by `<env>` in every string (keys included), and
    hashes that are whole path components by `<hash>`."""
    pattern = re.compile(rf"(?<![a-z0-9.]){re.escape(env)}(?![a-z0-9])")  # not the `dev` of `mlstrata.dev`
    return _normalize(value, pattern)


# A hash as a path component (e.g. the local provider's per-root secrets folder) identifies its
# environment too; ids such as AMI or KMS ids are not path components, so they stay compared.
_PATH_HASH = re.compile(r"(?<=/)[0-9a-f]{16,64}(?=/)")


def _normalize(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return _PATH_HASH.sub("<hash>", pattern.sub("<env>", value))
    if isinstance(value, dict):
        return {_normalize(str(k), pattern): _normalize(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v, pattern) for v in value]
    return value


def without_region(values: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Flat values with the environment's region replaced by `<region>` (AZs, service principals and ARNs
    carry it by design once the spec gives an environment its own region, a declared difference)."""
    pattern = re.compile(rf"(?<![a-z0-9-]){re.escape(region)}(?![0-9])")
    return {pattern.sub("<region>", k): _replace(v, pattern, "<region>") for k, v in values.items()}


def without_account(values: Mapping[str, Any], account: str | None, deploy_role: str | None,
                    own_principals: Sequence[str] = ()) -> dict[str, Any]:
    """Flat values with what the spec's per-environment account gives each environment replaced: the
    account id as a name suffix (`<platform>-<env>-datasets-<account>`: bucket names are global) and the
    environment's deploy role (default `arn:aws:iam::<account>:role/<platform>-deploy`, or the one it
    declares). Other principals of that account (a shared admin role, another stage's promoters) stay
    literal, so a principal granted in one environment only is still compared. `own_principals` (the
    environment's declared `cluster_admins`) are left out of lists: the other members stay compared."""
    own = set(own_principals)
    out = {k: [x for x in v if x not in own] if own and isinstance(v, list) else v for k, v in values.items()}
    if deploy_role:
        role = re.compile(rf"{re.escape(deploy_role)}(?![\w/-])")
        out = {role.sub("<deploy-role>", k): _replace(v, role, "<deploy-role>") for k, v in out.items()}
    if account:
        suffix = re.compile(rf"(?<=-){re.escape(account)}(?![\w-])")
        out = {suffix.sub("<account>", k): _replace(v, suffix, "<account>") for k, v in out.items()}
    return out


def _replace(value: Any, pattern: re.Pattern[str], to: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(to, value)
    if isinstance(value, dict):
        return {pattern.sub(to, str(k)): _replace(v, pattern, to) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pattern, to) for v in value]
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path; empty collections are leaves."""
    out: dict[str, Any] = {}
    if isinstance(value, dict) and value:
        for key in sorted(value):
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix] = value  # lists of scalars stay whole: ["g6.2xlarge"] reads better than .0
    return out


def pattern_matches(pattern: str, key: str) -> bool:
    """`gpu_pools.*.scaling` covers `gpu_pools.training.scaling` and everything under it."""
    want = pattern.split(".")
    have = key.split(".")
    return len(have) >= len(want) and all(fnmatch.fnmatchcase(h, w) for h, w in zip(have, want, strict=False))


def compare(level: str, per_env: Mapping[str, Mapping[str, Any]], component_of: Any) -> list[Difference]:
    """Differences between flat per-environment mappings (already normalized)."""
    keys = sorted({k for values in per_env.values() for k in values})
    out = []
    for key in keys:
        values = {env: per_env[env].get(key, ABSENT) for env in per_env}
        distinct = {repr(v) for v in values.values()}
        if len(distinct) > 1:
            out.append(Difference(level, component_of(key), key, values))
    return out


def _segments(key: str) -> set[str]:
    return {s.split("[", 1)[0] for s in re.split(r"[.:/]", key)}


def classify(diffs: Iterable[Difference], allow: Sequence[str], spec_diffs: Sequence[Difference],
             ) -> list[Difference]:
    """Give every difference its status and reason (see the module docstring)."""
    out = []
    for d in diffs:
        status, reason = _classify(d, allow, spec_diffs)
        out.append(Difference(d.level, d.component, d.key, d.values, status, reason))
    # A spec key that a sibling's allowed or declared difference implies (a Capacity Block's window
    # when `capacity` differs) takes that sibling's status.
    explained = [d for d in out if d.level == "spec" and d.status != FINDING]
    for i, d in enumerate(out):
        if d.level != "spec" or d.status != FINDING:
            continue
        *parent, last = d.key.split(".")
        for s in explained:
            *s_parent, s_last = s.key.split(".")
            if s_parent == parent and last in ALIASES.get(s_last, frozenset()):
                out[i] = Difference(d.level, d.component, d.key, d.values, s.status,
                                    f"follows from {s.key} ({s.reason})")
                break
    return out


def _classify(d: Difference, allow: Sequence[str], spec_diffs: Sequence[Difference]) -> tuple[str, str]:
    if d.level == "spec":
        hit = next((p for p in allow if pattern_matches(p, d.key)), None)
        if hit is not None:
            return ALLOWED, f"parity.allow: {hit}"
        if d.key.startswith("environment.") or d.key in ("model_registry.promoters",
                                                         "model_registry.next_stage_promoters"):
            return DECLARED, "declared per environment in the spec"
        return FINDING, ""
    names = _segments(d.key)
    if names & IDENTITY_ATTRIBUTES:
        return DECLARED, "per-environment identity given by the target"
    # Every segment of a spec key names what it may show up as (`gpu_pools.x.scaling.min` covers
    # min_size, max_size and desired_size of pool x's node group); the spec key whose last segment
    # matches is the better explanation, so it is tried first.
    def aliases(key: str, segments: slice) -> set[str]:
        out: set[str] = set()
        for segment in key.split(".")[segments]:
            out |= ALIASES.get(segment, frozenset({segment})) | {segment}
        return out

    candidates = [(s, aliases(s.key, slice(-1, None))) for s in spec_diffs]
    # a serving class's name is a key in its rendered inputs too: it explains nothing by itself
    candidates += [(s, aliases(s.key, slice(3 if s.key.startswith("serving.endpoints.") else 1, None)))
                   for s in spec_diffs]
    for s, names_of_s in candidates:
        related = s.component in (d.component, "environment") or any(
            s.component.startswith(prefix) for name in names for prefix in CROSS_COMPONENT.get(name, ()))
        if related and names & names_of_s:
            if s.status == FINDING:
                return FINDING, f"follows from the spec difference {s.key}"
            return s.status, f"follows from {s.key} ({s.reason})"
    return FINDING, ""
