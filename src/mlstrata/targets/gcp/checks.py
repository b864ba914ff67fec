"""Validation of a spec for the gcp target: projects, regions, IAM members, GPU and TPU pool shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from mlstrata.diagnostics import Diagnostic, did_you_mean
from mlstrata.spec.models import GpuPoolShape, Platform, TpuPoolShape
from mlstrata.spec.principals import principal_places
from mlstrata.spec.resolve import pool_shape_data
from mlstrata.spec.source import KeyPath, Source, diagnostics_at
from mlstrata.targets.gcp import catalog as cat
from mlstrata.targets.naming import Naming, check_accounts_and_regions, check_principal_names

NAMING = Naming(
    account_ok=lambda a: bool(cat.PROJECT.match(a)),
    account_missing_hint="On gcp, `account` is the environment's project id: account: acme-ml-dev.",
    account_bad="`{account}` is not a GCP project id",
    account_bad_hint="Project ids are 6-30 lower-case letters, digits and hyphens, starting with a letter (the id, "
    "not the project number or display name).", account_code="gcp.project",
    region_problem=lambda r: None if cat.REGION.match(r) else
    "Use a region such as us-central1 or europe-west4 (not a zone).",
    region_bad="`{region}` is not a GCP region name", region_code="gcp.region",
)


def zone_count(platform: Platform, protect: bool, zones: list[str] | None) -> int:
    """Zones a pool's nodes spread over: its own zones, every network zone of a regional cluster,
    or the single zone of a zonal cluster."""
    if zones:
        return len(zones)
    return platform.network.zones if protect else 1


def check(platform: Platform, source: Source) -> list[Diagnostic]:
    out = check_accounts_and_regions(platform, source, NAMING)
    obs = platform.observability
    managed = platform.gcp is not None and platform.gcp.managed_prometheus
    if obs.grafana and not managed and not obs.grafana_admin_secret:
        out.append(diagnostics_at(
            source, ("observability", "grafana") if source.has(("observability", "grafana")) else (),
            "grafana needs `grafana_admin_secret`",
            "Name an existing Kubernetes secret with the admin credentials "
            "(`observability.grafana_admin_secret: grafana-admin`); passwords never go into Terraform.",
            code="gcp.grafana_secret"))
    out += _check_members(platform, source)
    out += _check_names(platform, source)
    out += _check_gpu_pools(platform, source)
    out += _check_tpu_pools(platform, source)
    return out


def _check_members(platform: Platform, source: Source) -> list[Diagnostic]:
    places = principal_places(platform, source)
    if platform.gcp is not None:
        places.append((("gcp", "state_writers"), platform.gcp.state_writers))
    return check_principal_names(
        source, places, lambda m: bool(cat.MEMBER.match(m)), "`{principal}` is not an IAM member",
        "Write members with their kind: serviceAccount:ml-release@acme-ml-prod.iam.gserviceaccount.com, "
        "group:ml-team@example.com or user:alice@example.com.", code="gcp.member")


def _check_names(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    longest_env = max(platform.environments, key=len)
    cluster = f"{platform.platform}-{longest_env}"
    if len(cluster) > 40:
        out.append(diagnostics_at(source, ("platform",), f"cluster name `{cluster}` is longer than 40 characters",
                                  "Shorten the platform or environment name.", code="gcp.name"))
    for store in platform.artifact_stores:
        bucket = f"{platform.platform}-{longest_env}-{store}"
        if len(bucket) > 63:
            out.append(diagnostics_at(
                source, ("artifact_stores", store), f"bucket name `{bucket}` is longer than 63 characters",
                "Shorten the platform, environment or store name.", key=True, code="gcp.name"))
    return out


# Reports a problem of one pool in one environment: (setting's key path, summary, hint, code).
Report = Callable[[KeyPath, str, str, str], None]


def _reporter(source: Source, out: list[Diagnostic], section: str, pool: str, env: str,
              override: dict[str, Any]) -> Report:
    """Report at the environment's override when it sets the key (saying which environment), else at the
    pool's own key; a problem every environment shares is reported once."""

    def at(rel: KeyPath, summary: str, hint: str, code: str) -> None:
        path = _at_override(section, pool, env, override, rel)
        if "overrides" in path:
            summary += f" (in environment `{env}`)"
        diag = diagnostics_at(source, path, summary, hint, code=code)
        if diag not in out:
            out.append(diag)

    return at


def _at_override(section: str, pool: str, env: str, override: dict[str, Any], rel: KeyPath) -> KeyPath:
    """The override key when this environment's override set `rel`, else the pool's own key."""
    probe: Any = override
    for part in rel:
        if isinstance(probe, dict) and part in probe:
            probe = probe[part]
        else:
            return (section, pool, *rel)
    return (section, pool, "overrides", env, *rel)


def _check_gpu_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    raw_pools = source.data.get("gpu_pools") or {}
    for name, pool in platform.gpu_pools.items():
        raw = raw_pools.get(name) or {}
        if isinstance(raw, dict) and "image" in raw:
            out.append(diagnostics_at(
                source, ("gpu_pools", name, "image"), "`image` does not apply to GKE node pools",
                "GKE nodes run Container-Optimized OS and GKE installs the NVIDIA driver "
                "(`gke.driver_version`); remove `image`.", code="gcp.image"))
        for env_name, env in platform.environments.items():
            override = dict(pool.overrides.get(env_name, {}))
            try:
                shape = GpuPoolShape.model_validate(pool_shape_data(pool, raw_pools.get(name), env_name))
            except ValidationError:
                continue  # reported by the spec checks
            at = _reporter(source, out, "gpu_pools", name, env_name, override)
            _check_gpu_shape(platform, shape, env.protect, at)
    return out


def _check_gpu_shape(platform: Platform, shape: GpuPoolShape, protect: bool, at: Report) -> None:
    gke = shape.gke
    if len(shape.instance_types) != 1:
        at(("instance_types",), "a GKE node pool runs exactly one machine type",
           "Keep one machine type per pool; declare another pool for another type.", "gcp.machine_type")
        return
    machine = shape.instance_types[0]
    fixed = cat.gpu_of_machine(machine)
    accelerator = gke.accelerator if gke else None
    count = gke.accelerator_count if gke else None
    if fixed is not None:
        if accelerator is not None and accelerator != fixed.accelerator:
            at(("gke", "accelerator"), f"`{machine}` carries {fixed.accelerator}, not `{accelerator}`",
               f"a2/a3/a4/g2 machine types come with their GPUs: remove gke.accelerator or set "
               f"{fixed.accelerator}.", "gcp.accelerator")
        if count is not None and count != fixed.count:
            at(("gke", "accelerator_count"), f"`{machine}` carries {fixed.count} GPU(s), not {count}",
               "Remove gke.accelerator_count (it follows from the machine type) or pick the machine type "
               "with that many GPUs.", "gcp.accelerator")
        accelerator = fixed.accelerator
    elif cat.is_n1(machine):
        if accelerator is None:
            at(("instance_types", 0), f"`{machine}` has no GPU of its own",
               "N1 machine types take attached GPUs: set gke.accelerator (" + ", ".join(cat.N1_ATTACHABLE)
               + ") and gke.accelerator_count.", "gcp.accelerator")
            return
        counts = cat.N1_ATTACHABLE.get(accelerator)
        if counts is None:
            at(("gke", "accelerator"), f"`{accelerator}` cannot be attached to `{machine}`",
               "N1 machine types take " + ", ".join(cat.N1_ATTACHABLE) + "; newer GPUs come with their own "
               "machine types (L4: g2, A100: a2, H100: a3).", "gcp.accelerator")
            return
        if count is None or count not in counts:
            at(("gke", "accelerator_count"),
               f"{accelerator} attaches to N1 in counts of {', '.join(map(str, counts))}, not {count}",
               "Set gke.accelerator_count to one of those.", "gcp.accelerator")
    else:
        family = machine.split("-")[0]
        if accelerator is not None:
            at(("gke", "accelerator"), f"`{machine}` cannot take an accelerator (`{accelerator}`)",
               "GPUs attach to N1 machine types only; other GPU types come with a2/a3/a4/g2 machine types.",
               "gcp.accelerator")
        else:
            close = did_you_mean(machine, cat.gpu_machine_types())
            at(("instance_types", 0), f"`{machine}` is not a GPU machine type",
               ((close + " ") if close else "") + "GPU machine families: a2, a3, a4, g2, or n1 with "
               f"gke.accelerator (`{family}` has no GPUs).", "gcp.machine_type")
        return
    if gke is not None and gke.partition_size is not None:
        sizes = cat.MIG_PARTITIONS.get(accelerator or "", ())
        if gke.partition_size not in sizes:
            at(("gke", "partition_size"), f"partition `{gke.partition_size}` does not exist on {accelerator}",
               ("Partitions: " + ", ".join(sizes) + ".") if sizes else
               "Multi-instance GPUs exist on A100, H100 and H200 only.", "gcp.partition")
    queued = gke is not None and gke.queued_provisioning
    # Flex-start VMs, like queued provisioning, come from the Dynamic Workload Scheduler: no reservation, no spot.
    dws, option = ("queued provisioning", "queued_provisioning") if queued else ("flex-start", "flex_start")
    if queued or (gke is not None and gke.flex_start):
        reserved = gke is not None and gke.reservation_affinity in ("ANY", "SPECIFIC")
        if shape.capacity == "capacity_block" or reserved:
            rel = ("capacity",) if shape.capacity == "capacity_block" else ("gke", "reservation_affinity")
            at(rel, f"{dws} cannot consume a reservation",
               "Dynamic Workload Scheduler needs reservation affinity NO_RESERVATION "
               "(https://cloud.google.com/kubernetes-engine/docs/how-to/provisioningrequest): drop the "
               f"reservation or {option}.", f"gcp.{option}")
        if shape.capacity == "spot":
            at(("capacity",), f"{dws} does not run on spot VMs",
               f"Use on_demand capacity with {dws}, or spot without it.", f"gcp.{option}")
    if queued and shape.scaling.desired != "autoscaler":
        at(("scaling", "desired"), "queued provisioning needs `desired: autoscaler`",
           "Nodes come only through ProvisioningRequests, which the cluster autoscaler serves.",
           "gcp.queued_provisioning")
    if shape.zones:
        for i, zone in enumerate(shape.zones):
            if len(zone) != 1 or not zone.isalpha():
                at(("zones", i), f"zone `{zone}` should be a zone letter",
                   "Write zones as letters within the environment's region, e.g. [a, b].", "gcp.zone")
        if not protect:
            at(("zones",), "this environment's cluster is zonal: pool zones apply to protected (regional) "
               "environments only", "Remove zones for this environment (an override), or protect it.", "gcp.zone")
    desired = shape.scaling.desired
    zones = zone_count(platform, protect, shape.zones)
    if isinstance(desired, int) and desired % zones:
        at(("scaling", "desired"), f"scaling.desired ({desired}) does not divide over {zones} zones",
           "GKE sets a node count per zone: make desired a multiple of the zone count, or use "
           "`desired: autoscaler`.", "gcp.scaling")
    # An autoscaled pool is created with initial_node_count in every zone (the render seeds ceil(min / zones)):
    # more than max would start the pool above its bound (and the environment's GPU ceiling).
    seeded = -(-shape.scaling.min // zones) * zones
    if desired == "autoscaler" and not queued and seeded > shape.scaling.max:
        at(("scaling", "min"), f"scaling.min ({shape.scaling.min}) seeds {seeded // zones} node(s) in each of "
           f"{zones} zones: {seeded} nodes, above scaling.max ({shape.scaling.max})",
           "GKE creates an autoscaled pool with initial_node_count nodes per zone: make min 0 or a multiple of "
           "the zone count, or raise max.", "gcp.scaling")


def _check_tpu_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    raw_pools = source.data.get("tpu_pools") or {}
    for name, pool in platform.tpu_pools.items():
        for env_name, env in platform.environments.items():
            override = dict(pool.overrides.get(env_name, {}))
            try:
                shape = TpuPoolShape.model_validate(pool_shape_data(pool, raw_pools.get(name), env_name))
            except ValidationError:
                continue
            at = _reporter(source, out, "tpu_pools", name, env_name, override)
            machine = cat.TPU_MACHINES.get(shape.machine_type)
            if machine is None:
                close = did_you_mean(shape.machine_type, cat.TPU_MACHINES)
                at(("machine_type",), f"`{shape.machine_type}` is not a TPU machine type",
                   ((close + " ") if close else "") + "TPU machine types: " + ", ".join(sorted(cat.TPU_MACHINES))
                   + ".", "gcp.tpu")
                continue
            hosts = cat.tpu_hosts(shape.machine_type, shape.topology)
            if hosts is None:
                at(("topology",), f"topology {shape.topology} does not fit `{shape.machine_type}`",
                   f"{shape.machine_type} ({machine.version}, {machine.chips_per_vm} chips per VM) forms slices "
                   "of " + ", ".join(machine.topologies) + ".", "gcp.tpu")
                continue
            s = shape.scaling
            if hosts > 1:
                desired_ok = s.desired == "autoscaler" or s.desired in (0, hosts)
                if s.max != hosts or s.min not in (0, hosts) or not desired_ok:
                    at(("scaling",), f"a {shape.topology} slice of {shape.machine_type} is {hosts} nodes at once",
                       f"A multi-host slice is atomic: set scaling.max to {hosts} and min (and a numeric desired) "
                       f"to 0 or {hosts}.", "gcp.tpu")
            if shape.zone is not None:
                if len(shape.zone) != 1 or not shape.zone.isalpha():
                    at(("zone",), f"zone `{shape.zone}` should be a zone letter",
                       "Write the slice's zone as a letter within the region, e.g. b.", "gcp.zone")
                elif not env.protect:
                    at(("zone",), "this environment's cluster is zonal: the slice runs in the first of its network's "
                       "zones that offers the machine type",
                       "Remove zone for this environment (an override), or protect it.", "gcp.zone")
    return out
