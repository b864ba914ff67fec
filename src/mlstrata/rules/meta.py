"""Findings about the scan itself: files that do not parse, suppressions without a reason (MLS000, MLS026).

The checker produces these findings; the rules here carry their ids and documentation.
"""

from __future__ import annotations

from mlstrata.diagnostics import Severity
from mlstrata.rules.base import ModuleRule, RuleInfo


class ParseError(ModuleRule):
    info = RuleInfo(
        "MLS000",
        "parse-error",
        "meta",
        Severity.ERROR,
        "Every file parses",
        "A file that is not valid HCL is reported once, at the first syntax error (file:line:col); the\n"
        "other files of the tree are still checked. Nothing in the broken file is checked. Files that\n"
        "cannot be read (permissions, too large, nested too deep) and directories that cannot be listed\n"
        "are reported here too, each with a hint that fits the cause.",
        "Fix the syntax error (`terraform fmt` points at it too).",
    )


class SuppressionReason(ModuleRule):
    info = RuleInfo(
        "MLS026",
        "suppression-reason",
        "meta",
        Severity.ERROR,
        "Suppressions give a reason",
        "`# mlstrata:ignore MLS012 <reason>` on the line of a finding, or on the line above it, suppresses\n"
        "that rule there. The reason is mandatory: a suppression without one is itself a finding and\n"
        "suppresses nothing. Several ids may be listed, separated by commas.",
        "Write why after the rule id: # mlstrata:ignore MLS012 public dataset mirror, approved in SEC-123",
    )
