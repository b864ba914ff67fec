"""Validation of a spec for the azure target: subscriptions, regions, principals, GPU sizes, AKS rules."""

from __future__ import annotations

import ipaddress

from mlstrata.diagnostics import Diagnostic, did_you_mean, warning
from mlstrata.spec.models import Platform
from mlstrata.spec.principals import principal_places
from mlstrata.spec.source import KeyPath, Source, diagnostics_at, format_path
from mlstrata.targets.azure import catalog as cat
from mlstrata.targets.naming import Naming, check_accounts_and_regions, check_principal_names


def _region_problem(region: str) -> str | None:
    if region in cat.REGIONS:
        return None
    close = did_you_mean(region, sorted(cat.REGIONS))
    return ((close + " ") if close else "") + "Use a region name such as eastus2, westeurope or swedencentral."


NAMING = Naming(
    account_ok=lambda a: bool(cat.GUID.match(a)),
    account_missing_hint='Add the Azure subscription id of this environment: '
    'account: "00000000-0000-0000-0000-000000000000".',
    account_bad="`{account}` is not an Azure subscription id",
    account_bad_hint="Use the subscription's GUID (az account show --query id).", account_code="azure.account",
    region_problem=_region_problem, region_bad="`{region}` is not an Azure region name", region_code="azure.region",
)

_AWS_DB_CLASS = "db."


def check(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    out += _check_envs(platform, source)
    out += _check_azure(platform, source)
    out += _check_pools(platform, source)
    out += _check_principals(platform, source)
    out += _check_pipelines(platform, source)
    out += _check_names(platform, source)
    out += _check_host_encryption(platform, source)
    return out


def _check_envs(platform: Platform, source: Source) -> list[Diagnostic]:
    return check_accounts_and_regions(platform, source, NAMING) + _check_zones(platform, source)


def _check_zones(platform: Platform, source: Source) -> list[Diagnostic]:
    """An Azure region without availability zones: the first apply would fail on the zone-redundant resources every
    environment renders (catalog.ZONE_REGIONS)."""
    regions: list[tuple[KeyPath, str]] = [(("region",), platform.region)]
    regions += [(("environments", name, "region"), env.region) for name, env in platform.environments.items()
                if env.region]
    out: list[Diagnostic] = []
    for path, region in regions:
        if region not in cat.REGIONS or region in cat.ZONE_REGIONS:
            continue  # an unknown name is reported by check_accounts_and_regions
        close = did_you_mean(region, sorted(cat.ZONE_REGIONS))
        out.append(diagnostics_at(
            source, path, f"`{region}` has no availability zones, and the azure target renders zone-redundant "
            "resources there (ZRS/GZRS storage, a zonal NAT gateway, a zone-redundant container registry)",
            ((close + " ") if close else "") + "Use a region with availability zones, such as eastus2, westus3 or "
            "westeurope (https://learn.microsoft.com/azure/reliability/availability-zones-region-support).",
            code="azure.region"))
    return out


def _check_azure(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    azure = platform.azure
    if azure is None or azure.state_subscription is None:
        path: KeyPath = ("azure",) if source.has(("azure",)) else ()
        out.append(diagnostics_at(source, path, "the azure target needs `azure.state_subscription`",
                                  "Name the subscription that holds the state storage account: "
                                  'azure: {state_subscription: "<subscription id>"}.',
                                  key=True, code="azure.state"))
    elif not cat.GUID.match(azure.state_subscription):
        out.append(diagnostics_at(source, ("azure", "state_subscription"),
                                  f"`{azure.state_subscription}` is not an Azure subscription id",
                                  "Use the subscription's GUID.", code="azure.state"))
    bucket = platform.state.bucket
    if bucket is not None and not cat.STORAGE_ACCOUNT.match(bucket):
        out.append(diagnostics_at(source, ("state", "bucket"),
                                  f"`{bucket}` is not a valid storage account name",
                                  "The azurerm backend's `bucket` is the state storage account: 3-24 lower-case "
                                  "letters and digits, globally unique.", code="azure.state"))
    if azure is None:
        return out
    system = azure.system_pool
    base: KeyPath = ("azure", "system_pool")
    if system.capacity == "spot":
        out.append(diagnostics_at(source, (*base, "capacity"), "the AKS system pool cannot run on Spot VMs",
                                  "AKS refuses Spot for system node pools: keep `capacity: on_demand` and put "
                                  "Spot capacity in a GPU pool (`gpu_pools.<name>.capacity: spot`).",
                                  code="azure.system_pool"))
    if system.min > system.max:
        out.append(diagnostics_at(source, (*base, "min"), f"system_pool.min ({system.min}) is greater than "
                                  f"system_pool.max ({system.max})", "Lower min or raise max.",
                                  code="azure.system_pool"))
    if cat.gpu_size(system.vm_size) is not None:
        out.append(diagnostics_at(source, (*base, "vm_size"), f"`{system.vm_size}` is a GPU size",
                                  "The system pool runs add-ons; use a general-purpose size such as "
                                  "Standard_D4ds_v5 and declare GPUs under gpu_pools.", code="azure.system_pool"))
    elif not cat.SYSTEM_SIZE.match(system.vm_size):
        out.append(diagnostics_at(source, (*base, "vm_size"),
                                  f"`{system.vm_size}` has no local temp disk for the ephemeral OS disk",
                                  "Use a size with a `d` in its features, e.g. Standard_D4ds_v5.",
                                  code="azure.system_pool"))
    return out + _check_ci_runner(platform, source) + _check_ip_ranges(platform, source)


# Azure Storage IP rules (the state account's, which CI reaches over its public endpoint) take public IPv4
# addresses and ranges: private (RFC 1918) ranges and /31 are refused at apply, /32 only as the bare address
# (https://learn.microsoft.com/azure/storage/common/storage-network-security; hashicorp/terraform-provider-azurerm
# #5444 and #20870). AKS authorized ranges and Key Vault rules take CIDRs too.
_RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _check_ip_ranges(platform: Platform, source: Source) -> list[Diagnostic]:
    azure = platform.azure
    if azure is None:
        return []
    out: list[Diagnostic] = []
    lists = (("ci_ip_ranges", azure.ci_ip_ranges), ("api_server_authorized_ip_ranges",
                                                     azure.api_server_authorized_ip_ranges))
    for key, ranges in lists:
        for i, text in enumerate(ranges):
            path: KeyPath = ("azure", key, i)
            try:
                net = ipaddress.IPv4Network(text, strict=True)
            except ValueError:
                try:
                    close = f" (the network is {ipaddress.IPv4Network(text, strict=False)})"
                except ValueError:
                    close = ""
                out.append(diagnostics_at(source, path, f"`{text}` is not an IPv4 address or network{close}",
                                          "Write a public IPv4 address (203.0.113.7) or CIDR whose host bits are "
                                          "zero (203.0.113.0/28).", code="azure.ip_range"))
                continue
            if key != "ci_ip_ranges":
                continue
            if any(net.subnet_of(private) for private in _RFC1918):
                out.append(diagnostics_at(source, path, f"`{text}` is a private (RFC 1918) range",
                                          "The state account's IP rules take public addresses only, and Azure "
                                          "refuses private ones at apply: list the CI runners' public egress "
                                          "addresses (a runner inside a VNet reaches the account through a "
                                          "virtual network rule instead).", code="azure.ip_range"))
            elif net.prefixlen == 31:
                out.append(diagnostics_at(source, path, f"`{text}` is a /31, which Azure Storage IP rules refuse",
                                          f"List its two addresses instead: {net[0]} and {net[1]}.",
                                          code="azure.ip_range"))
    return out


def _check_ci_runner(platform: Platform, source: Source) -> list[Diagnostic]:
    """Protected environments run CI on a self-hosted runner in a VNet peered with theirs."""
    azure = platform.azure
    protected = [name for name, env in platform.environments.items() if env.protect]
    if azure is None or not protected:
        return []
    out: list[Diagnostic] = []
    runner = azure.ci_runner
    if runner.image is None:
        path: KeyPath = ("azure", "ci_runner") if source.has(("azure", "ci_runner")) else ("azure",)
        out.append(diagnostics_at(
            source, path, f"protected environments ({', '.join(protected)}) need `azure.ci_runner.image`",
            "Their Key Vault and AKS API server are private, so their CI jobs run on a self-hosted runner that "
            "the pipeline creates first (bootstrap/ci_runner/<env>): name its container image, e.g. "
            'azure: {ci_runner: {image: "myregistry.azurecr.io/mlstrata-runner:1.0"}} '
            "(bootstrap/README.md says what it must contain).", key=True, code="azure.ci_runner"))
    try:
        runner_net = ipaddress.ip_network(runner.cidr, strict=False)
        env_net = ipaddress.ip_network(platform.network.cidr, strict=False)
    except ValueError:
        path = ("azure", "ci_runner", "cidr") if source.has(("azure", "ci_runner", "cidr")) else ("network", "cidr")
        return [*out, diagnostics_at(source, path, "not an IPv4 network",
                                     "Write an IPv4 CIDR such as 10.255.0.0/24.", code="azure.ci_runner")]
    if runner_net.overlaps(env_net):
        path = ("azure", "ci_runner", "cidr") if source.has(("azure", "ci_runner", "cidr")) else ("network", "cidr")
        out.append(diagnostics_at(
            source, path, f"the CI runner VNet ({runner.cidr}) overlaps network.cidr ({platform.network.cidr})",
            "Peered VNets need disjoint address spaces: set azure.ci_runner.cidr to a /24-/27 outside "
            "network.cidr, e.g. 10.255.0.0/24.", code="azure.ci_runner"))
    return out


def _check_pools(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    names: dict[str, str] = {}
    for name, pool in platform.gpu_pools.items():
        aks_name = cat.node_pool_name(name)
        if not cat.NODE_POOL_NAME.match(aks_name) or aks_name == "system":
            out.append(diagnostics_at(source, ("gpu_pools", name), f"pool name `{name}` cannot name an AKS node pool",
                                      "AKS Linux pool names are 1-12 lower-case letters and digits, starting with "
                                      "a letter (hyphens are dropped), and `system` is taken.", key=True,
                                      code="azure.pool_name"))
        elif aks_name in names:
            out.append(diagnostics_at(source, ("gpu_pools", name),
                                      f"pools `{names[aks_name]}` and `{name}` both become AKS pool `{aks_name}`",
                                      "Rename one: AKS pool names are at most 12 characters, hyphens dropped.",
                                      key=True, code="azure.pool_name"))
        names[aks_name] = name
        if source.has(("gpu_pools", name, "image")):
            out.append(diagnostics_at(source, ("gpu_pools", name, "image"), "`image` is not used by the azure target",
                                      "AKS picks the GPU node image; choose the OS with `azure: {os_sku: Ubuntu}` "
                                      "and the driver with `azure: {gpu_driver: Install}`.", code="azure.image"))
        shapes: list[tuple[KeyPath, dict[str, object]]] = [(("gpu_pools", name), pool.model_dump())]
        for env, override in pool.overrides.items():
            merged = pool.model_dump()
            merged.update(override)
            shapes.append((("gpu_pools", name, "overrides", env), {**dict(override), "_merged": merged}))
        for base, shape in shapes:
            out += _check_shape(base, shape, source)
    return out


def _check_shape(base: KeyPath, shape: dict[str, object], source: Source) -> list[Diagnostic]:
    """One pool shape: the pool's own keys, or an override's (judged together with the pool's keys)."""
    out: list[Diagnostic] = []
    merged = shape.get("_merged")
    full = merged if isinstance(merged, dict) else shape
    types = shape.get("instance_types")
    if isinstance(types, list):
        if len(types) > 1:
            out.append(diagnostics_at(source, (*base, "instance_types"), "an AKS node pool runs one VM size",
                                      "List one size per pool; declare another pool for another size.",
                                      code="azure.vm_size"))
        for i, size in enumerate(types):
            if cat.gpu_size(str(size)) is None:
                close = did_you_mean(str(size), list(cat.GPU_SIZES))
                out.append(diagnostics_at(source, (*base, "instance_types", i),
                                          f"`{size}` is not an NVIDIA GPU VM size",
                                          ((close + " ") if close else "") + "GPU sizes: "
                                          + ", ".join(sorted(cat.GPU_SIZES)) + ".", code="azure.vm_size"))
    capacity = full.get("capacity")
    if "capacity" in shape and capacity == "capacity_block":
        out.append(diagnostics_at(source, (*base, "capacity"), "capacity `capacity_block` is AWS-only",
                                  "On Azure reserve capacity with an on-demand capacity reservation: "
                                  "`capacity: on_demand` and `azure: {capacity_reservation_group_id: ...}`.",
                                  code="azure.capacity"))
    azure = shape.get("azure")
    if isinstance(azure, dict):
        full_types = full.get("instance_types")
        sizes = [str(t) for t in full_types] if isinstance(full_types, list) else []
        if azure.get("gpu_instance") is not None:
            for size in sizes:
                info = cat.gpu_size(size)
                if info is not None and not info.mig:
                    out.append(diagnostics_at(source, (*base, "azure", "gpu_instance"),
                                              f"`{size}` ({info.gpu_model}) does not support MIG",
                                              "Multi-Instance GPU needs A100 or H100/H200 sizes (NC A100 v4, NCads "
                                              "H100 v5, ND A100 v4, ND H100 v5); remove gpu_instance or change the "
                                              "size.", code="azure.mig"))
        if azure.get("spot_max_price") is not None and capacity != "spot":
            out.append(diagnostics_at(source, (*base, "azure", "spot_max_price"),
                                      "spot_max_price is only used with `capacity: spot`",
                                      "Remove it, or set `capacity: spot`.", code="azure.spot"))
        group = azure.get("capacity_reservation_group_id")
        if isinstance(group, str) and not cat.CAPACITY_RESERVATION_GROUP.match(group):
            out.append(diagnostics_at(source, (*base, "azure", "capacity_reservation_group_id"),
                                      "not a capacity reservation group resource id",
                                      "Use /subscriptions/<id>/resourceGroups/<rg>/providers/"
                                      "Microsoft.Compute/capacityReservationGroups/<name>.", code="azure.capacity"))
        if isinstance(group, str) and capacity == "spot":
            out.append(diagnostics_at(source, (*base, "azure", "capacity_reservation_group_id"),
                                      "Spot pools cannot draw from a capacity reservation",
                                      "Use `capacity: on_demand` with a reservation.", code="azure.capacity"))
    zones = shape.get("zones")
    if isinstance(zones, list):
        for i, zone in enumerate(zones):
            if str(zone) not in ("1", "2", "3"):
                out.append(diagnostics_at(source, (*base, "zones", i), f"zone `{zone}` is not an Azure zone",
                                          'Azure availability zones are "1", "2" and "3" (quote them).',
                                          code="azure.zone"))
    return out


def _check_principals(platform: Platform, source: Source) -> list[Diagnostic]:
    places = principal_places(platform, source)
    if platform.azure is not None:
        places.append((("azure", "state_writers"), platform.azure.state_writers))
    out = check_principal_names(source, places, lambda p: bool(cat.GUID.match(p)),
                                "`{principal}` is not an Entra object id", "Azure role assignments name principals "
                                "by object id: az ad group show -g <name> --query id.", code="azure.principal")
    if not platform.cluster.admins:
        out.append(diagnostics_at(source, ("cluster",) if source.has(("cluster",)) else (),
                                  "the AKS cluster needs at least one admin",
                                  "Add `cluster: {admins: [<Entra group object id>]}`: local accounts are "
                                  "disabled, so only Entra principals with a role reach the cluster.",
                                  key=True, code="azure.cluster_admins"))
    if platform.cluster.endpoint_public:
        out.append(warning("`cluster.endpoint_public` is decided per environment on azure",
                           where=source.where(("cluster", "endpoint_public")),
                           path=format_path(("cluster", "endpoint_public")),
                           hint="Protected environments always get a private cluster; others a public API "
                           "server limited by azure.api_server_authorized_ip_ranges.", code="azure.endpoint"))
    return out


def _check_pipelines(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    pipelines = platform.pipelines
    if pipelines is None:
        return out
    queue = pipelines.queue
    if queue is not None and queue.visibility_timeout_seconds > 300:
        path: KeyPath = ("pipelines", "queue", "visibility_timeout_seconds")
        out.append(diagnostics_at(source, path, f"visibility_timeout_seconds ({queue.visibility_timeout_seconds}) "
                                  "is above Service Bus's 300-second lock limit",
                                  "Use at most 300 and renew the lock from long-running steps.",
                                  code="azure.queue"))
    store = pipelines.metadata_store
    if store is not None and store.instance_class.startswith(_AWS_DB_CLASS):
        path = ("pipelines", "metadata_store", "instance_class")
        if source.has(path):
            out.append(diagnostics_at(source, path, f"`{store.instance_class}` is an RDS instance class",
                                      "Use a PostgreSQL Flexible Server SKU such as GP_Standard_D2ds_v5 "
                                      "(or leave instance_class out).", code="azure.metadata_store"))
    return out


# Azure ML workspace and registry names: ^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$ (Microsoft.MachineLearningServices
# 2025-06-01); the model_registry module names them <platform>-<env>-mlw and <platform>-<env>-registry.
AML_NAME_MAX = 33
AML_SUFFIXES = ("-mlw", "-registry")


def _check_names(platform: Platform, source: Source) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    stages = set(platform.model_registry.stages) if platform.model_registry else set()
    for env in platform.environments:
        name = f"{platform.platform}-{env}"
        if len(name) > 41:
            out.append(diagnostics_at(source, ("environments", env),
                                      f"`{name}` is too long to prefix Azure resource names",
                                      "Keep <platform>-<environment> within 41 characters.", key=True,
                                      code="azure.name"))
            continue
        longest = max((f"{name}{suffix}" for suffix in AML_SUFFIXES), key=len)
        if env in stages and len(longest) > AML_NAME_MAX:
            room = AML_NAME_MAX - max(len(s) for s in AML_SUFFIXES)
            out.append(diagnostics_at(source, ("environments", env),
                                      f"`{longest}` is longer than an Azure ML registry name may be "
                                      f"({AML_NAME_MAX} characters)",
                                      f"`{env}` holds a model registry stage: keep <platform>-<environment> within "
                                      f"{room} characters (a shorter `platform` or environment name).", key=True,
                                      code="azure.name"))
    return out


# Azure publishes no per-size list: whether a VM size supports encryption at host is the
# `EncryptionAtHostSupported` capability of the size in a region (Resource SKUs API), and AKS accepts
# it "only with specific supported VM sizes" (https://learn.microsoft.com/azure/aks/enable-host-encryption;
# https://learn.microsoft.com/azure/virtual-machines/disks-enable-host-based-encryption-cli#finding-supported-vm-sizes).
HOST_ENCRYPTION_CHECK = ("az vm list-skus --location {region} --size {size} --query "
                         "\"[].capabilities[?name=='EncryptionAtHostSupported'].value\" -o tsv")


def _check_host_encryption(platform: Platform, source: Source) -> list[Diagnostic]:
    """A protected environment whose nodes keep temp disks and OS disk caches unencrypted on the VM host."""
    out: list[Diagnostic] = []
    protected = [name for name, env in platform.environments.items() if env.protect]
    if not protected:
        return out
    azure = platform.azure
    if azure is not None and not azure.system_pool.encryption_at_host:
        path: KeyPath = ("azure", "system_pool", "encryption_at_host")
        out.append(warning(f"encryption at host is off on the system pool of protected environment(s) "
                           f"{', '.join(protected)}", where=source.where(path), path=format_path(path),
                           hint="Temp disks and OS disk caches of the system nodes stay unencrypted on the host. "
                           "Turn it on after registering the Microsoft.Compute/EncryptionAtHost feature; check the "
                           "size with: " + HOST_ENCRYPTION_CHECK.format(region=platform.region,
                                                                           size=azure.system_pool.vm_size),
                           code="azure.encryption_at_host"))
    for name, pool in platform.gpu_pools.items():
        pool_on = pool.azure.encryption_at_host if pool.azure is not None else True
        for env in protected:
            on, path = pool_on, ("gpu_pools", name, "azure", "encryption_at_host")
            override = pool.overrides.get(env, {}).get("azure")
            if isinstance(override, dict) and "encryption_at_host" in override:
                on = bool(override["encryption_at_host"])
                path = ("gpu_pools", name, "overrides", env, "azure", "encryption_at_host")
            if on:
                continue
            override_types = pool.overrides.get(env, {}).get("instance_types")
            types = [str(s) for s in override_types] if isinstance(override_types, list) else pool.instance_types
            out.append(warning(f"encryption at host is off on GPU pool `{name}` in protected environment `{env}`",
                               where=source.where(path), path=format_path(path),
                               hint="Its temp disks and OS disk caches stay unencrypted on the host. If the size "
                               "lacks support in the region, that is the reason to keep it off; check with: "
                               + HOST_ENCRYPTION_CHECK.format(region=platform.environments[env].region
                                                              or platform.region, size=types[0]),
                               code="azure.encryption_at_host"))
    return out
