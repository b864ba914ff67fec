"""Module shape: "universal" modules and undocumented variables (MLS023-MLS024)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.rules.base import ModuleRule, RuleInfo
from mlstrata.rules.context import ModuleContext

MAX_VARIABLES = 40
MAX_TOGGLES = 8
MAX_CONDITIONALS = 40
_TERNARY = re.compile(r"\?[^?:]+:")
_TOGGLE = re.compile(
    r"\?\s*1\s*:\s*0|\?\s*0\s*:\s*1|^var\.(create|enable|manage)\w*|\?\s*\[|\?\s*\{|\?\s*toset"
)


class UniversalModule(ModuleRule):
    info = RuleInfo(
        "MLS023",
        "universal-module",
        "modules",
        Severity.WARNING,
        "Modules do one thing",
        f"A module with more than {MAX_VARIABLES} variables, more than {MAX_TOGGLES} `count`/`for_each`\n"
        "on/off "
        f"switches, or more than {MAX_CONDITIONALS} conditional expressions is trying to be every module at\n"
        "once: each caller uses a fraction of it, and every change risks every caller. Not reported for\n"
        "root modules.",
        "Split it into small modules with an explicit purpose, composed by the caller.",
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.role == "root" or ctx.call is not None:
            return
        module = ctx.module
        items = module.resources + module.data + module.calls
        toggles = sum(
            1
            for i in items
            for key in ("count", "for_each")
            if (a := i.attr(key)) is not None and _TOGGLE.search(a.expr_text)
        )
        conditionals = sum(
            len(_TERNARY.findall(a.expr_text))
            for i in items + module.outputs
            for a in i.body.attributes.values()
        )
        conditionals += sum(len(_TERNARY.findall(a.expr_text)) for a in module.locals.values())
        reasons = []
        if len(module.variables) > MAX_VARIABLES:
            reasons.append(f"{len(module.variables)} variables")
        if toggles > MAX_TOGGLES:
            reasons.append(f"{toggles} count/for_each toggles")
        if conditionals > MAX_CONDITIONALS:
            reasons.append(f"{conditionals} conditionals")
        if reasons and items:
            anchor = min(
                (i.where for i in items + list(module.variables.values())), key=lambda w: (w.file, w.line)
            )
            yield self.info.finding(anchor, f"module {module.name}/ looks universal: {', '.join(reasons)}")


class VariableDocs(ModuleRule):
    info = RuleInfo(
        "MLS024",
        "variable-docs",
        "modules",
        Severity.WARNING,
        "Variables have a description and a type",
        "A variable without a description leaves callers guessing what it does; without a type, Terraform\n"
        "accepts anything and errors surface deep inside the module (or never).",
        'Add description = "..." and type = ... to the variable block.',
    )

    def check(self, ctx: ModuleContext) -> Iterator[Diagnostic]:
        if ctx.call is not None:
            return
        for var in ctx.module.variables.values():
            missing = []
            desc = var.attr("description")
            if desc is None or desc.value == "":
                missing.append("description")
            if var.attr("type") is None:
                missing.append("type")
            if missing:
                yield self.info.finding(
                    var.where, f"variable `{var.name}` has no {' or '.join(missing)}", path=var.address
                )
