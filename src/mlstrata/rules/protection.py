"""Protection: stateful resources in a protected environment cannot be destroyed by one apply (MLS025).

Checked in root modules of protected environments (`protect: true` in platform.yaml; without a spec,
environments named prod/production/prd). A resource is protected by `lifecycle { prevent_destroy = true }`
or by its service's deletion protection. A call of a local module is protected when it passes
`protect = true` (or `deletion_protection`, ...) to a module that has such a switch; a module without
a switch is protected when its own stateful resources are. Module internals are not reported: the
decision belongs to the caller. Only one level of module calls is followed.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity, Where
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.blocks import prevent_destroy
from mlstrata.rules.context import ModuleContext, TreeFacts
from mlstrata.rules.model import Item
from mlstrata.targets.resources import GUARDED, protection_setting

PROTECT_VARIABLES = (
    "protect",
    "deletion_protection",
    "enable_deletion_protection",
    "prevent_destroy",
    "protected",
)


def protection(ctx: ModuleContext, item: Item) -> tuple[bool | None, Where]:
    """(protected?, where to point): None when it depends on something unknown."""
    if prevent_destroy(item):
        return True, item.where
    setting = protection_setting(item.type)
    if setting is None:
        return False, item.where
    name, default = setting
    attr = item.attr(name)
    if attr is None:
        return default, item.where
    got = ctx.resolve(item, attr)
    if got.value is True:
        return True, got.where
    if got.value is False:
        return False, got.where
    return None, got.where


class ProtectStateful(ModuleRule):
    info = RuleInfo(
        "MLS025",
        "protect-stateful",
        "protection",
        Severity.ERROR,
        "Stateful resources in protected environments cannot be destroyed by accident",
        "Checked in root modules of protected environments (`protect: true` in platform.yaml; without a\n"
        "spec, environments named prod, production or prd). A resource is protected by\n"
        "`lifecycle { prevent_destroy = true }` or by its service's deletion protection\n"
        "(RDS, DynamoDB, EKS, "
        "Cloud SQL, GKE, ...). A call of a local module is protected when it passes `protect = true` (or\n"
        "deletion_protection, ...) to a module that has such a switch; a module without a switch is\n"
        "protected when its own stateful resources are. Module internals are not reported: the decision\n"
        "belongs to the caller. One level of module calls is followed.",
        "Add lifecycle { prevent_destroy = true } or the service's deletion protection; for a module "
        "call, pass protect = true.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.role != "root" or ctx.call is not None or not ctx.protected:
            return
        for item in ctx.instances(("resource",), *GUARDED):
            protected, where = protection(ctx, item)
            if protected is False:
                yield self.info.finding(
                    where,
                    f"stateful resource in protected environment "
                    f"{ctx.env_name!r} without deletion protection",
                    path=item.address,
                )

    def check_tree(self, tree: TreeFacts) -> Iterator[Diagnostic]:
        for facts in tree.modules.values():
            if facts.role != "root" or not tree.protected(facts.env):
                continue
            for call in facts.calls:
                target = tree.modules.get(call.target or "")
                if target is None or not target.stateful:
                    continue
                switch = next((v for v in PROTECT_VARIABLES if v in target.variables), None)
                path = f"module.{call.name}"
                if switch is not None:
                    bound = call.args.get(switch)
                    value = bound.value if bound is not None else target.variables[switch]
                    if value is False or value is None:
                        where = bound.where if bound is not None and bound.where else call.where
                        yield self.info.finding(
                            where, f"{switch} is off in protected environment {facts.env!r}", path=path
                        )
                    continue
                open_ = [s.address for s in target.stateful if s.protected is False]
                if open_:
                    yield self.info.finding(
                        call.where,
                        f"module holds stateful resources without deletion "
                        f"protection ({', '.join(open_[:4])}) and has no protect switch",
                        path=path,
                        severity=Severity.ERROR,
                    )
