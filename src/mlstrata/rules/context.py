"""What a rule knows while it looks at a module: the module, its role, its environment, the spec, values.

A module's variables are only *well defined* in two cases: in a root module (defaults, then
`terraform.tfvars` and `*.auto.tfvars`), and in one call of a module (the call's arguments, then
defaults). Everywhere else a variable is UNKNOWN and rules stay silent about what depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Block, Value
from mlstrata.hcl.evaluate import Bound, Evaluator
from mlstrata.rules.environments import PROTECTED_NAMES
from mlstrata.rules.model import Item, ModuleView

Role = Literal["root", "called", "module"]



@dataclass(frozen=True)
class EnvFacts:
    """What the spec says about one environment."""

    name: str
    protect: bool
    max_gpu_nodes_per_pool: int | None = None
    pool_desired: Mapping[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpecFacts:
    """The parts of platform.yaml the rules use (picklable, for worker processes)."""

    path: str
    envs: Mapping[str, EnvFacts]
    state_backend: str | None = None  # state.backend: the backend the spec declares for every root
    # Bucket name -> the spec's declaration of S3-managed encryption for it (MLS011 accepts it, as info).
    sse_s3_buckets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallSite:
    """A call of a module: its arguments resolved in the caller, and the caller's environment."""

    caller_dir: str
    name: str
    where: Where
    args: Mapping[str, Bound]
    env: str | None
    # For a module called by a called module: the directories (with a trailing separator) of the modules between
    # the root's call and this one; a finding inside any of them is placed at the root's call, as `where` is.
    via: tuple[str, ...] = ()


class Bindings(Mapping[str, Bound]):
    """A module's variables as one evaluation sees them: the values given (a call's arguments, tfvars), else
    literal defaults, each default made when first read (modules declare dozens of variables, rules read few)."""

    def __init__(self, variables: Mapping[str, Item], given: Mapping[str, Bound]) -> None:
        self._variables = variables
        self._given = given
        self._defaults: dict[str, Bound | None] = {}

    def _default(self, name: str) -> Bound | None:
        if name not in self._defaults:
            item = self._variables.get(name)
            default = item.attr("default") if item is not None else None
            self._defaults[name] = (
                None if item is None or default is None else Bound(ModuleContext.ev_literal(default), item.at(default))
            )
        return self._defaults[name]

    def get(self, name: str, default: Bound | None = None) -> Bound | None:  # type: ignore[override]
        found = self._given.get(name)
        if found is None:
            found = self._default(name)
        return default if found is None else found

    def __getitem__(self, name: str) -> Bound:
        found = self._given.get(name)
        if found is None:
            found = self._default(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        # declared variables with a default, in order, then given names that are not among them
        declared = [name for name in self._variables if self._default(name) is not None or name in self._given]
        yield from declared
        yield from (name for name in self._given if name not in declared)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class Resolved:
    value: Value
    where: Where


class ModuleContext:
    """One evaluation of a module: generically (as written) or for one call."""

    def __init__(
        self,
        module: ModuleView,
        role: Role,
        spec: SpecFacts | None,
        call: CallSite | None = None,
        tfvars: Mapping[str, Bound] | None = None,
        path_env: str | None = None,
    ) -> None:
        self.module = module
        self.role = role
        self.spec = spec
        self.call = call
        # The environment named by the directory's path (live/<env>/...): only a root belongs to one.
        self.path_env = path_env
        self.env_name = call.env if call is not None else (path_env if role == "root" else None)
        self.env = spec.envs.get(self.env_name) if spec is not None and self.env_name else None
        self.ev = Evaluator(self._bindings(tfvars or {}), module.locals)
        self._prefix = module.directory.rstrip(os.sep) + os.sep
        self.memo: dict[str, object] = {}  # per-evaluation caches shared by rules (bucket links, policies)
        # what rules ask again and again: whether an item exists (kept with it, so that its id stays its own),
        # and the items of some kinds and types
        self._exists: dict[int, tuple[Item, bool]] = {}
        self._instances: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Item]] = {}

    def own_backend(self) -> tuple[Item, Block] | None:
        """The module's `backend`/`cloud` block when it is evaluated as written (a call's backend is ignored by
        Terraform: only a root's counts)."""
        return None if self.call is not None else self.module.backend()

    def _bindings(self, tfvars: Mapping[str, Bound]) -> Mapping[str, Bound]:
        if self.role != "root" and self.call is None:
            return {}
        if self.call is not None:
            declared = self.module.variables
            return Bindings(declared, {k: v for k, v in self.call.args.items() if k in declared})
        return Bindings(self.module.variables, tfvars)

    @staticmethod
    def ev_literal(attr: Attribute) -> Value:
        return attr.value if attr.kind == "literal" else UNKNOWN

    # -- what rules use

    @property
    def protected(self) -> bool:
        """Whether the environment asks for deletion protection (spec `protect`, else a prod-like name)."""
        if self.env is not None:
            return self.env.protect
        if self.spec is not None and self.env_name in self.spec.envs:
            return False
        return self.env_name in PROTECTED_NAMES

    def value(self, attr: Attribute | None, scope: Mapping[str, Value] | None = None) -> Value:
        return self.ev.value(attr, scope)

    def resolve(
        self, item: Item, attr: Attribute | None, scope: Mapping[str, Value] | None = None
    ) -> Resolved:
        """The value and the place a finding about it should point at: the attribute, or the call argument
        or tfvars line that decided it."""
        value = self.ev.value(attr, scope)
        return Resolved(value, self.where(item, attr))

    def where(self, item: Item, node: Attribute | Block | None) -> Where:
        for origin in self.ev.origins:
            if not origin.file.startswith(self._prefix) or origin.file.endswith(".tfvars"):
                return origin
        return item.at(node)

    def exists(self, item: Item) -> bool:
        """False only when `count`/`for_each` is known to create no instance."""
        known = self._exists.get(id(item))
        if known is None:
            known = self._exists[id(item)] = (item, self._exists_now(item))
        return known[1]

    def _exists_now(self, item: Item) -> bool:
        count = item.attr("count")
        if count is not None:
            value = self.ev.value(count)
            if value == 0 and not isinstance(value, bool):
                return False
        for_each = item.attr("for_each")
        if for_each is not None:
            value = self.ev.value(for_each)
            if isinstance(value, (list, dict)) and not value:
                return False
        return True

    def instances(self, kinds: tuple[str, ...], *types: str) -> list[Item]:
        """The module's resources and/or data sources (of `types`, if given) that may exist."""
        key = (kinds, types)
        found = self._instances.get(key)
        if found is None:
            if types and self.module.types.isdisjoint(types):
                found = self._instances[key] = []  # most rules ask for types most modules lack
                return []
            items = self.module.resources if "resource" in kinds else []
            if "data" in kinds:
                items = items + self.module.data
            found = self._instances[key] = [i for i in items if (not types or i.type in types) and self.exists(i)]
        return list(found)


@dataclass(frozen=True)
class CallFacts:
    """A module call, for tree-wide rules."""

    name: str
    source: str
    target: str | None  # directory of a local module source
    where: Where
    args: Mapping[str, Bound]


@dataclass(frozen=True)
class StatefulFacts:
    address: str
    type: str
    where: Where
    protected: bool | None  # None: depends on something unknown


@dataclass(frozen=True)
class ModuleFacts:
    """What tree-wide rules need to know about one module (small, picklable)."""

    directory: str
    role: Role
    env: str | None
    calls: tuple[CallFacts, ...]
    variables: Mapping[str, Value]  # deletion-protection switch -> literal default (UNKNOWN: none or not literal)
    stateful: tuple[StatefulFacts, ...]
    resource_types: tuple[str, ...]
    where: Where


@dataclass(frozen=True)
class NodeGroupFacts:
    """One EKS managed node group (or a GKE/AKS node pool, for placement matching: its `tainted` is unknown)
    as configuration-wide rules see it (evaluated where it is defined, or once per call of its module);
    `where` is the call site for a called module's group."""

    address: str
    where: Where
    nvidia: bool  # an NVIDIA image or an NVIDIA GPU instance type
    bottlerocket: bool | None  # None: the image is unknown
    tainted: bool | None  # a NoSchedule/NoExecute taint; None: unknown
    labels: tuple[tuple[str, str], ...] | None = None  # the Kubernetes labels it gives its nodes; None: unknown
    taints: tuple[tuple[str, str, str], ...] | None = None  # (key, value, Kubernetes effect); None: unknown


@dataclass(frozen=True)
class PlacementFacts:
    """Where a workload asks to run (a serving class, a chart's values): a node selector, tolerations, and the
    replicas and GPUs it keeps when those are written beside them."""

    address: str
    where: Where
    selector: tuple[tuple[str, str], ...]
    tolerations: tuple[tuple[str, str, str, str], ...]  # (key, operator, value, effect)
    min_replicas: int | None = None
    gpus: int | None = None


@dataclass(frozen=True)
class EbsKeyUse:
    """A launch template's EBS volume encrypted with a customer managed key."""

    address: str
    where: Where
    admitted: bool | None  # the key is defined beside it and admits the Auto Scaling role; None: elsewhere


@dataclass(frozen=True)
class Observed:
    """What one evaluation of a module (as a root, or for one call) adds to its configuration."""

    directory: str
    env: str | None
    root: bool  # a root module itself (a configuration needs one to be judged)
    configuration: str  # the environment, else the root this belongs to ("" for a module nobody calls)
    node_groups: tuple[NodeGroupFacts, ...] = ()
    device_plugin: bool = False  # deploys the NVIDIA device plugin (chart, manifest, add-on, module)
    other_capacity: bool = False  # Fargate profiles, Karpenter, self-managed groups: untainted capacity may exist
    ebs_keys: tuple[EbsKeyUse, ...] = ()
    keys_admit_autoscaling: bool | None = None  # None: defines no KMS key
    placements: tuple[PlacementFacts, ...] = ()


@dataclass(frozen=True)
class TreeFacts:
    modules: Mapping[str, ModuleFacts]
    spec: SpecFacts | None
    observed: tuple[Observed, ...] = ()

    def configurations(self) -> dict[str, list[Observed]]:
        """Observations grouped by configuration: one environment (its roots under `live/<env>/...` and
        the modules they call), else one root and the modules it calls. Groups without a root are left
        out: a reusable module alone is not a configuration."""
        groups: dict[str, list[Observed]] = {}
        for seen in self.observed:
            if seen.configuration:
                groups.setdefault(seen.configuration, []).append(seen)
        return {k: v for k, v in sorted(groups.items()) if any(o.root for o in v)}

    def env(self, name: str | None) -> EnvFacts | None:
        return self.spec.envs.get(name) if self.spec is not None and name else None

    def protected(self, env_name: str | None) -> bool:
        env = self.env(env_name)
        if env is not None:
            return env.protect
        if self.spec is not None and env_name in self.spec.envs:
            return False
        return env_name in PROTECTED_NAMES
