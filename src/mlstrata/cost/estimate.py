"""GPU cost: what each environment's GPU pools cost per hour and per month (730 h), before anyone applies.

Per pool the nodes are priced at the pool's capacity (on-demand, spot, or capacity block: negotiated
price from the overlay, else the on-demand rate, labelled so). A pool whose type or region has no
price is *unpriced*: reported as such with a warning naming the closest known types, never as zero.
Multi-type pools are priced at their first (primary) type; the range across the types is noted.
Budgets (`gpu_budget_monthly_usd`) fail when the pools' maxima can exceed them; families outside
`allowed_gpu_families` fail too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlstrata.cost.money import money
from mlstrata.diagnostics import Diagnostic, Severity, error, warning
from mlstrata.pricing.catalog import CLOUDS, Price
from mlstrata.pricing.resolve import PriceBook, Quote
from mlstrata.targets.aws.catalog import family_of

if TYPE_CHECKING:  # types only: `review` prices plan changes without loading the spec models
    from mlstrata.spec.models import GpuPoolShape, Platform, ServingEndpointShape
    from mlstrata.spec.resolve import ResolvedEnv
    from mlstrata.spec.source import KeyPath, Source

HOURS_PER_MONTH = 730


def pricing_cloud(target: str) -> str:
    """The cloud whose prices apply: the target's, or AWS for the local target (it emulates AWS pools)."""
    return target if target in CLOUDS else "aws"


def instance_family(cloud: str, instance_type: str) -> str:
    """The family `allowed_gpu_families` names: p5 (AWS p5.48xlarge), a3 (GCP a3-highgpu-8g),
    NCads_H100_v5 (Azure Standard_NC40ads_H100_v5: the size digits dropped)."""
    if cloud == "aws":
        return family_of(instance_type) or instance_type.split(".", 1)[0]
    if cloud == "gcp":
        return instance_type.split("-", 1)[0]
    return re.sub(r"\d+", "", instance_type.removeprefix("Standard_"), count=1)


@dataclass(frozen=True)
class Rate:
    """The hourly price of one node and what it is (on-demand, spot, capacity block ...)."""

    price: Price
    basis: str


def node_rate(quote: Quote, capacity: str) -> Rate | None:
    """The per-node hourly rate for a capacity type, or None when it is unknown."""
    if capacity == "spot":
        return Rate(quote.spot, "spot") if quote.spot else None
    if capacity == "capacity_block":
        if quote.capacity_block:
            return Rate(quote.capacity_block, "capacity block (negotiated price)")
        return Rate(quote.on_demand, "capacity block priced at the on-demand rate") if quote.on_demand else None
    return Rate(quote.on_demand, "on-demand") if quote.on_demand else None


@dataclass(frozen=True)
class PoolCost:
    env: str
    pool: str
    cloud: str
    region: str
    capacity: str
    instance_types: tuple[str, ...]
    min: int
    desired: int
    max: int
    desired_from_autoscaler: bool
    rate: Rate | None
    on_demand_per_hour: float | None  # per node, primary type, for the on-demand vs spot comparison
    spot_per_hour: float | None
    type_range_monthly_max: tuple[float, float] | None  # monthly at max, cheapest and dearest priced type
    unpriced_types: tuple[str, ...] = ()

    @property
    def instance_type(self) -> str:
        return self.instance_types[0]

    @property
    def priced(self) -> bool:
        return self.rate is not None

    def hourly(self, nodes: int) -> float | None:
        return None if self.rate is None else nodes * self.rate.price.usd_per_hour

    def monthly(self, nodes: int) -> float | None:
        hourly = self.hourly(nodes)
        return None if hourly is None else hourly * HOURS_PER_MONTH

    def to_dict(self) -> dict[str, object]:
        def cents(v: float | None) -> float | None:  # a number for JSON (cost.money writes text)
            return None if v is None else round(v, 2)

        def per_node_monthly(v: float | None) -> float | None:
            return None if v is None else round(v * HOURS_PER_MONTH, 2)

        return {
            "pool": self.pool,
            "instance_type": self.instance_type,
            "instance_types": list(self.instance_types),
            "capacity": self.capacity,
            "priced": self.priced,
            "rate_basis": self.rate.basis if self.rate else None,
            "rate": self.rate.price.to_dict() if self.rate else None,
            "nodes": {"min": self.min, "desired": self.desired, "max": self.max,
                      "desired_from_autoscaler": self.desired_from_autoscaler},
            "hourly": {k: cents(self.hourly(n)) for k, n in (("min", self.min), ("desired", self.desired),
                                                             ("max", self.max))},
            "monthly": {k: cents(self.monthly(n)) for k, n in (("min", self.min), ("desired", self.desired),
                                                               ("max", self.max))},
            "per_node_monthly": {"on_demand": per_node_monthly(self.on_demand_per_hour),
                                 "spot": per_node_monthly(self.spot_per_hour)},
            "type_range_monthly_max": (None if self.type_range_monthly_max is None
                                       else [round(v, 2) for v in self.type_range_monthly_max]),
            "unpriced_types": list(self.unpriced_types),
        }


@dataclass(frozen=True)
class ServingCost:
    """The GPU capacity a serving endpoint class holds in its pool: nodes at min and max replicas (replicas x
    GPUs per replica over the GPUs of one node of the pool's primary type) at the pool's node rate. Part of
    the pool's own cost, not added to it: it says which share of the pool serving takes."""

    env: str
    endpoint: str
    pool: str
    instance_type: str
    gpus_per_replica: int
    gpus_per_node: int | None  # None: the catalog does not know the type's GPUs (a node per replica assumed)
    min_replicas: int
    max_replicas: int
    rate: Rate | None

    def nodes(self, replicas: int) -> int:
        if self.gpus_per_node is None:
            return replicas
        return -(-replicas * self.gpus_per_replica // self.gpus_per_node)

    def monthly(self, replicas: int) -> float | None:
        return None if self.rate is None else self.nodes(replicas) * self.rate.price.usd_per_hour * HOURS_PER_MONTH

    def to_dict(self) -> dict[str, object]:
        def rounded(v: float | None) -> float | None:
            return None if v is None else round(v, 2)

        return {
            "endpoint": self.endpoint, "pool": self.pool, "instance_type": self.instance_type,
            "gpus_per_replica": self.gpus_per_replica, "gpus_per_node": self.gpus_per_node,
            "replicas": {"min": self.min_replicas, "max": self.max_replicas},
            "nodes": {"min": self.nodes(self.min_replicas), "max": self.nodes(self.max_replicas)},
            "monthly": {"min": rounded(self.monthly(self.min_replicas)),
                        "max": rounded(self.monthly(self.max_replicas))},
            "priced": self.rate is not None,
        }


@dataclass(frozen=True)
class SageMakerCost:
    """A SageMaker endpoint class's instance hours at its minimum and maximum instance count, billed on top of
    the GPU pools. Priced only from a sourced row for its ml.* type (the team's overlay: the shipped catalog
    has no SageMaker hosting prices); serverless endpoints are billed per inference and never priced here."""

    env: str
    endpoint: str
    kind: str
    instance_type: str | None  # None: serverless
    min_instances: int
    max_instances: int
    rate: Rate | None

    def monthly(self, instances: int) -> float | None:
        return None if self.rate is None else instances * self.rate.price.usd_per_hour * HOURS_PER_MONTH

    def to_dict(self) -> dict[str, object]:
        def rounded(v: float | None) -> float | None:
            return None if v is None else round(v, 2)

        return {
            "endpoint": self.endpoint, "kind": self.kind, "instance_type": self.instance_type,
            "instances": {"min": self.min_instances, "max": self.max_instances},
            "monthly": {"min": rounded(self.monthly(self.min_instances)),
                        "max": rounded(self.monthly(self.max_instances))},
            "price": self.rate.price.to_dict() if self.rate is not None else None,
            "priced": self.rate is not None,
        }


@dataclass(frozen=True)
class EnvCost:
    name: str
    region: str
    budget_monthly_usd: float | None
    pools: tuple[PoolCost, ...]
    serving: tuple[ServingCost, ...] = ()
    sagemaker: tuple[SageMakerCost, ...] = ()

    def sagemaker_monthly(self, which: str) -> float:
        """Sum over priced SageMaker classes at their min or max instances (unpriced ones are said, not zero)."""
        return sum(v for c in self.sagemaker
                   if (v := c.monthly(c.min_instances if which == "min" else c.max_instances)) is not None)

    def total_monthly(self, which: str) -> float:
        """Sum over priced pools at min, desired or max (unpriced pools are listed apart, not as zero)."""
        total = 0.0
        for p in self.pools:
            value = p.monthly(getattr(p, which))
            if value is not None:
                total += value
        return total

    @property
    def unpriced(self) -> list[str]:
        return [p.pool for p in self.pools if not p.priced]

    def to_dict(self) -> dict[str, object]:
        return {
            "region": self.region,
            "budget_monthly_usd": self.budget_monthly_usd,
            "pools": [p.to_dict() for p in self.pools],
            "monthly": {w: round(self.total_monthly(w), 2) for w in ("min", "desired", "max")},
            "unpriced_pools": self.unpriced,
            "complete": not self.unpriced,
            "serving": [c.to_dict() for c in self.serving],
            "sagemaker": [c.to_dict() for c in self.sagemaker],
            "sagemaker_monthly": {w: round(self.sagemaker_monthly(w), 2) for w in ("min", "max")},
            "sagemaker_unpriced": [c.endpoint for c in self.sagemaker if c.rate is None],
        }


@dataclass(frozen=True)
class CostReport:
    platform: str
    cloud: str
    envs: tuple[EnvCost, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    def total_monthly(self, which: str) -> float:
        return sum(e.total_monthly(which) for e in self.envs)

    @property
    def failed(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def to_dict(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "cloud": self.cloud,
            "hours_per_month": HOURS_PER_MONTH,
            "environments": {e.name: e.to_dict() for e in self.envs},
            "monthly": {w: round(self.total_monthly(w), 2) for w in ("min", "desired", "max")},
            "complete": all(not e.unpriced for e in self.envs),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def _at(source: Source | None, severity: Severity, path: KeyPath, summary: str, hint: str, code: str,
        detail: str = "") -> Diagnostic:
    from mlstrata.spec.source import format_path

    where = source.where(path) if source is not None else None
    make = error if severity is Severity.ERROR else warning
    return make(summary, where=where, path=format_path(path), hint=hint, code=code, detail=detail)


def _pool_path(source: Source | None, pool: str, env: str, key: str) -> KeyPath:
    """Point at the override's key when this environment's override sets it, else at the pool's."""
    override: KeyPath = ("gpu_pools", pool, "overrides", env, key)
    if source is not None and source.has(override):
        return override
    return ("gpu_pools", pool, key)


def price_pool(book: PriceBook, cloud: str, env: ResolvedEnv, name: str, shape: GpuPoolShape,
               source: Source | None = None) -> tuple[PoolCost, list[Diagnostic]]:
    """Cost of one pool in one environment, plus warnings for what could not be priced."""
    diags: list[Diagnostic] = []
    rates: dict[str, Rate | None] = {}
    for itype in shape.instance_types:
        rates[itype] = node_rate(book.quote(cloud, env.region, itype), shape.capacity)
    primary = shape.instance_types[0]
    quote = book.quote(cloud, env.region, primary)
    unpriced = tuple(t for t in shape.instance_types if rates[t] is None)
    path = _pool_path(source, name, env.name, "instance_types")
    for itype in unpriced:
        q = book.quote(cloud, env.region, itype)
        if q.known:  # the type is priced here, just not for this capacity
            summary = f"no {shape.capacity.replace('_', '-')} price for {itype} in {env.region}"
            hint = "Import one with `mlstrata pricing import` or use another capacity."
        else:
            elsewhere = book.regions(cloud, itype)
            summary = f"no price for {itype} in {cloud}/{env.region} (environment `{env.name}`)"
            if elsewhere:
                hint = f"Priced in: {', '.join(elsewhere)}. Import a price with `mlstrata pricing import`."
            else:
                close = book.closest(cloud, env.region, itype)
                hint = (f"Closest known types: {', '.join(close)}. " if close else "") + \
                    "Import a price with `mlstrata pricing import` if the type is right."
        detail = "The pool is reported as unpriced, not as free." if itype == primary else \
            "The price range across the pool's types leaves this type out."
        diags.append(_at(source, Severity.WARNING, path, summary, hint, "cost.unpriced", detail))
    priced_monthly = sorted(r.price.usd_per_hour * shape.scaling.max * HOURS_PER_MONTH
                            for r in rates.values() if r is not None)
    type_range = (priced_monthly[0], priced_monthly[-1]) if len(shape.instance_types) > 1 and priced_monthly else None
    scaling = shape.scaling
    autoscaled = scaling.desired == "autoscaler"
    cost = PoolCost(
        env=env.name, pool=name, cloud=cloud, region=env.region, capacity=shape.capacity,
        instance_types=tuple(shape.instance_types), min=scaling.min,
        desired=scaling.min if isinstance(scaling.desired, str) else scaling.desired, max=scaling.max,
        desired_from_autoscaler=autoscaled, rate=rates[primary],
        on_demand_per_hour=quote.on_demand.usd_per_hour if quote.on_demand else None,
        spot_per_hour=quote.spot.usd_per_hour if quote.spot else None,
        type_range_monthly_max=type_range, unpriced_types=unpriced,
    )
    return cost, diags


def price_serving(book: PriceBook, cloud: str, env: ResolvedEnv, name: str, shape: ServingEndpointShape,
                  pools: dict[str, PoolCost],
                  source: Source | None = None) -> tuple[ServingCost | None, list[Diagnostic]]:
    """The GPU capacity of one endpoint class (None on CPU nodes), and a warning when its maximum needs more
    nodes than its pool may have."""
    if shape.gpu_pool is None or shape.gpu_pool not in pools:
        return None, []
    pool = pools[shape.gpu_pool]
    hardware = book.quote(cloud, env.region, pool.instance_type).hardware
    cost = ServingCost(env.name, name, pool.pool, pool.instance_type, shape.gpus or 1,
                       hardware.gpu_count if hardware is not None else None,
                       shape.autoscaling.min_replicas, shape.autoscaling.max_replicas, pool.rate)
    diags = []
    if cost.nodes(cost.max_replicas) > pool.max:
        path: KeyPath = ("serving", "endpoints", name, "autoscaling", "max_replicas")
        override: KeyPath = ("serving", "endpoints", name, "overrides", env.name, "autoscaling", "max_replicas")
        diags.append(_at(source, Severity.WARNING, override if source is not None and source.has(override) else path,
                         f"endpoint class `{name}` in `{env.name}` needs {cost.nodes(cost.max_replicas)} "
                         f"{pool.instance_type} node(s) at max_replicas {cost.max_replicas}, but pool "
                         f"`{pool.pool}` stops at {pool.max}",
                         f"Raise gpu_pools.{pool.pool}.scaling.max for `{env.name}` or lower max_replicas: replicas "
                         "beyond the pool's capacity stay Pending.", "cost.serving_capacity"))
    return cost, diags


def price_sagemaker(book: PriceBook, cloud: str, env: ResolvedEnv, name: str, shape: ServingEndpointShape,
                    source: Source | None) -> tuple[SageMakerCost, list[Diagnostic]]:
    """One SageMaker endpoint class: its instances at min and max at the on-demand price of its ml.* type where a
    sourced row exists, else a warning that says it is not priced (never $0)."""
    kind = shape.sagemaker.kind if shape.sagemaker is not None else "inference_components"
    scaling = shape.autoscaling
    path: KeyPath = ("serving", "endpoints", name)
    if kind == "serverless" or shape.instance_type is None:
        cost = SageMakerCost(env.name, name, kind, None, 0, 0, None)
        return cost, [_at(source, Severity.WARNING, path,
                          f"SageMaker endpoint class `{name}` in `{env.name}` (serverless) is not priced: serverless "
                          "endpoints are billed per inference duration and memory, not per instance hour",
                          "Budgets and totals cover GPU pools; serverless inference is billed on top.",
                          "cost.sagemaker_unpriced")]
    quote = book.quote(cloud, env.region, shape.instance_type)
    rate = Rate(quote.on_demand, "on-demand SageMaker hosting") if quote.on_demand is not None else None
    cost = SageMakerCost(env.name, name, kind, shape.instance_type, scaling.min_replicas, scaling.max_replicas, rate)
    if rate is not None:
        return cost, []
    return cost, [_at(source, Severity.WARNING, path,
                      f"SageMaker endpoint class `{name}` in `{env.name}` ({shape.instance_type}) is not priced: "
                      f"no sourced price for {shape.instance_type} in {env.region}",
                      "The shipped catalog has no SageMaker hosting prices (AWS publishes them on its pricing page "
                      "and Price List API only). Import yours with `mlstrata pricing import` (a row: cloud aws, "
                      f"region {env.region}, instance_type {shape.instance_type}, on_demand_usd_per_hour, source, "
                      "date). SageMaker instances are billed on top of the GPU pools.",
                      "cost.sagemaker_unpriced")]


def check_policies(env: EnvCost, resolved: ResolvedEnv, cloud: str, source: Source | None) -> list[Diagnostic]:
    """Budget and instance family policies of one environment."""
    out: list[Diagnostic] = []
    allowed = resolved.spec.allowed_gpu_families
    if allowed is not None:
        for pool in env.pools:
            for itype in pool.instance_types:
                family = instance_family(cloud, itype)
                if family not in allowed:
                    out.append(_at(source, Severity.ERROR, _pool_path(source, pool.pool, env.name, "instance_types"),
                                   f"{itype} (family {family}) is not allowed in environment `{env.name}`",
                                   f"Allowed families here: {', '.join(allowed) or 'none'}. Override the pool's "
                                   f"instance_types for `{env.name}`, or extend environments.{env.name}"
                                   ".allowed_gpu_families.", "cost.family"))
    budget = env.budget_monthly_usd
    if budget is not None:
        ceiling = env.total_monthly("max")
        path: KeyPath = ("environments", env.name, "gpu_budget_monthly_usd")
        if ceiling > budget:
            parts = ", ".join(f"{p.pool} {p.max} x {p.instance_type} = {money(p.monthly(p.max))}"
                              for p in env.pools if p.priced)
            out.append(_at(source, Severity.ERROR, path,
                           f"GPU pools in `{env.name}` can cost {money(ceiling)}/month at their maxima, over the "
                           f"budget of {money(budget)}",
                           "Lower scaling.max, use cheaper types or spot, or raise gpu_budget_monthly_usd.",
                           "cost.budget", detail=parts))
        if env.unpriced:
            out.append(_at(source, Severity.WARNING, path,
                           f"the budget of `{env.name}` is checked without unpriced pool(s): {', '.join(env.unpriced)}",
                           "Import prices for them with `mlstrata pricing import`.", "cost.budget_incomplete"))
    return out


def plan_total(changes: Sequence[PoolChange], which: str = "desired") -> float:
    """The monthly change of all priced GPU pools a plan touches at `which` (min/desired/max); `plan_unpriced`
    says how many changes it leaves out."""
    return round(sum(d for c in changes if (d := c.monthly(which)[2]) is not None), 2)


def plan_unpriced(changes: Sequence[PoolChange]) -> int:
    """How many of a plan's GPU pool changes have no price (not in `plan_total`)."""
    return sum(1 for c in changes if c.monthly("max")[2] is None)


def platform_cost(platform: Platform, envs: dict[str, ResolvedEnv], book: PriceBook,
                  source: Source | None = None, only_env: str | None = None) -> CostReport:
    """Cost every environment (or just `only_env`) and check its budget and family policies."""
    cloud = pricing_cloud(platform.target)
    sagemaker = platform.serving is not None and platform.serving.engine == "sagemaker"
    diags: list[Diagnostic] = []
    results: list[EnvCost] = []
    for name in envs:  # the spec's order (dev, staging, prod), not the alphabet's
        if only_env is not None and name != only_env:
            continue
        resolved = envs[name]
        pools = []
        for pool_name in sorted(resolved.gpu_pools):
            cost, found = price_pool(book, cloud, resolved, pool_name, resolved.gpu_pools[pool_name], source)
            pools.append(cost)
            diags += found
        for tpu_name in sorted(resolved.tpu_pools):
            diags.append(_at(source, Severity.WARNING, ("tpu_pools", tpu_name),
                             f"TPU pool `{tpu_name}` in `{name}` is not priced: the catalog has no TPU prices",
                             "Budgets and totals cover GPU pools only.", "cost.tpu_unpriced"))
        serving = []
        hosted = []
        by_name = {p.pool: p for p in pools}
        for endpoint in sorted(resolved.serving):
            shape = resolved.serving[endpoint]
            if sagemaker:
                endpoint_cost, found = price_sagemaker(book, cloud, resolved, endpoint, shape, source)
                hosted.append(endpoint_cost)
                diags += found
                continue
            share, found = price_serving(book, cloud, resolved, endpoint, shape, by_name, source)
            diags += found
            if share is not None:
                serving.append(share)
        env_cost = EnvCost(name, resolved.region, resolved.spec.gpu_budget_monthly_usd, tuple(pools), tuple(serving),
                           tuple(hosted))
        results.append(env_cost)
        diags += check_policies(env_cost, resolved, cloud, source)
    return CostReport(platform.platform, cloud, tuple(results), tuple(diags))


# --- plan delta: before -> after monthly cost of every GPU pool a plan touches -------------------

GPU_POOL_TYPES = ("aws_eks_node_group", "azurerm_kubernetes_cluster_node_pool", "google_container_node_pool",
                  "mlstrata_gpu_pool")
AKS_POOL = "azurerm_kubernetes_cluster_node_pool"
_CAPACITY_FROM_PLAN = {"ON_DEMAND": "on_demand", "SPOT": "spot", "CAPACITY_BLOCK": "capacity_block"}


@dataclass(frozen=True)
class PlannedPool:
    """A pool's shape as one side (before or after) of a planned change shows it."""

    instance_types: tuple[str, ...]
    capacity: str
    min: int
    desired: int
    max: int


@dataclass(frozen=True)
class PoolChange:
    address: str
    resource_type: str
    action: str
    before: PlannedPool | None
    after: PlannedPool | None
    before_rate: Rate | None
    after_rate: Rate | None

    def _monthly(self, side: PlannedPool | None, rate: Rate | None, which: str) -> float | None:
        if side is None:
            return 0.0  # the pool does not exist on this side of the change
        if rate is None:
            return None
        nodes: int = getattr(side, which)
        return nodes * rate.price.usd_per_hour * HOURS_PER_MONTH

    def monthly(self, which: str = "desired") -> tuple[float | None, float | None, float | None]:
        """(before, after, change) per month at `which` (desired or max); None where unpriced."""
        before = self._monthly(self.before, self.before_rate, which)
        after = self._monthly(self.after, self.after_rate, which)
        delta = None if before is None or after is None else after - before
        return before, after, delta

    def to_dict(self) -> dict[str, object]:
        def side(pool: PlannedPool | None, rate: Rate | None) -> dict[str, object] | None:
            if pool is None:
                return None
            return {"instance_types": list(pool.instance_types), "capacity": pool.capacity, "min": pool.min,
                    "desired": pool.desired, "max": pool.max,
                    "rate": rate.price.to_dict() if rate else None, "rate_basis": rate.basis if rate else None}

        def rounded(values: tuple[float | None, float | None, float | None]) -> dict[str, float | None]:
            return {k: (None if v is None else round(v, 2)) for k, v in zip(("before", "after", "change"), values,
                                                                            strict=True)}

        return {"address": self.address, "type": self.resource_type, "action": self.action,
                "before": side(self.before, self.before_rate), "after": side(self.after, self.after_rate),
                "monthly_desired": rounded(self.monthly("desired")), "monthly_max": rounded(self.monthly("max"))}


MAX_NODES = 1_000_000  # far above any cloud's node-group limit; a larger "count" is no count at all


def _int(value: object) -> int | None:
    """A node count from plan JSON: a whole number in 0..MAX_NODES, else None (unknown)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not (0 <= value <= MAX_NODES) or value != value:  # also rejects inf and NaN
        return None
    return int(value)


def planned_pool(resource_type: str, values: object) -> PlannedPool | None:
    """Read a GPU pool's shape from one side of a resource change (None when absent or unknown)."""
    if not isinstance(values, dict):
        return None
    if resource_type == "google_container_node_pool":
        return _gke_pool(values)
    types = values.get("instance_types")
    instance_types = tuple(str(t) for t in types) if isinstance(types, list) else ()
    if resource_type == "aws_eks_node_group":
        scaling = values.get("scaling_config")
        block = scaling[0] if isinstance(scaling, list) and scaling and isinstance(scaling[0], dict) else {}
        low, high, want = (_int(block.get(k)) for k in ("min_size", "max_size", "desired_size"))
        capacity = _CAPACITY_FROM_PLAN.get(str(values.get("capacity_type") or "ON_DEMAND"), "on_demand")
    elif resource_type == AKS_POOL:
        instance_types = (str(values["vm_size"]),) if values.get("vm_size") else ()
        low, high, want = (_int(values.get(k)) for k in ("min_count", "max_count", "node_count"))
        if values.get("auto_scaling_enabled") is False and want is not None:
            low = high = want  # without the autoscaler the pool is exactly node_count nodes
        # Spot is priced as Spot (not at the on-demand rate, unlike infracost#1449).
        capacity = "spot" if values.get("priority") == "Spot" else "on_demand"
    else:
        low, high, want = (_int(values.get(k)) for k in ("min", "max", "desired"))
        capacity = _CAPACITY_FROM_PLAN.get(str(values.get("capacity") or "ON_DEMAND"), "on_demand")
    if low is None or high is None or not instance_types:
        return None
    return PlannedPool(instance_types, capacity, low, want if want is not None else low, high)


def _first_block(values: dict[str, object], key: str) -> dict[str, object]:
    block = values.get(key)
    return block[0] if isinstance(block, list) and block and isinstance(block[0], dict) else {}


def _gke_pool(values: dict[str, object]) -> PlannedPool | None:
    """A GKE node pool: node_count and min/max_node_count are per zone, total_* over all zones."""
    node = _first_block(values, "node_config")
    machine = node.get("machine_type")
    if not isinstance(machine, str) or not machine:
        return None
    locations = values.get("node_locations")
    zones = len(locations) if isinstance(locations, list) and locations else 1
    count = _int(values.get("node_count"))
    auto = _first_block(values, "autoscaling")
    if auto:
        total_max = _int(auto.get("total_max_node_count"))
        if total_max:
            low, high = _int(auto.get("total_min_node_count")) or 0, total_max
        else:
            low, high = (_int(auto.get("min_node_count")) or 0) * zones, (_int(auto.get("max_node_count")) or 0) * zones
    else:
        if count is None:
            return None
        low = high = count * zones
    desired = count * zones if count is not None else low
    # A GCE reservation is paid as on-demand capacity (committed or not); spot and preemptible are spot.
    capacity = "spot" if node.get("spot") is True or node.get("preemptible") is True else "on_demand"
    return PlannedPool((machine,), capacity, low, desired, high)


def _is_gpu_pool(resource_type: str, values: object) -> bool:
    if resource_type == "mlstrata_gpu_pool":
        return True
    if not isinstance(values, dict):
        return False
    if resource_type == "google_container_node_pool":
        from mlstrata.targets.gcp.catalog import gpu_of_machine

        node = _first_block(values, "node_config")
        return bool(node.get("guest_accelerator")) or gpu_of_machine(str(node.get("machine_type") or "")) is not None
    if resource_type == AKS_POOL:
        from mlstrata.targets.azure.catalog import gpu_size

        return gpu_size(str(values.get("vm_size") or "")) is not None or values.get("gpu_driver") is not None
    from mlstrata.targets.aws.catalog import gpu_architecture

    types = values.get("instance_types")
    ami = str(values.get("ami_type") or "")
    return ("NVIDIA" in ami or "GPU" in ami) or (
        isinstance(types, list) and any(gpu_architecture(str(t)) for t in types))


def _plan_rate(book: PriceBook, cloud: str, region: str, address: str, pool: PlannedPool | None,
               diags: list[Diagnostic]) -> Rate | None:
    if pool is None:
        return None
    found = node_rate(book.quote(cloud, region, pool.instance_types[0]), pool.capacity)
    if found is None:
        close = book.closest(cloud, region, pool.instance_types[0])
        diags.append(warning(
            f"no {pool.capacity.replace('_', '-')} price for {pool.instance_types[0]} in {cloud}/{region}",
            path=address, code="cost.unpriced",
            hint=(f"Closest known types: {', '.join(close)}. " if close else "")
            + "Import a price with `mlstrata pricing import`.",
            detail="This side of the change is reported as unpriced, not as free."))
    return found


def plan_delta(changes: list[tuple[str, str, str, object, object]], book: PriceBook, cloud: str,
               region: str) -> tuple[list[PoolChange], list[Diagnostic]]:
    """Price (address, type, action, before, after) of each GPU pool change the plan makes."""
    out: list[PoolChange] = []
    diags: list[Diagnostic] = []
    for address, rtype, action, before_values, after_values in changes:
        if rtype not in GPU_POOL_TYPES or not (_is_gpu_pool(rtype, before_values) or _is_gpu_pool(rtype, after_values)):
            continue
        before = planned_pool(rtype, before_values)
        after = planned_pool(rtype, after_values)
        if before is None and after is None:
            continue

        rates = [_plan_rate(book, cloud, region, address, side, diags) for side in (before, after)]
        out.append(PoolChange(address, rtype, action, before, after, rates[0], rates[1]))
    return out, diags
