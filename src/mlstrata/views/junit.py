"""The JUnit XML view: one test case per rule; a rule with findings at or above --fail-on fails.

Findings below the threshold are listed in the test case's system-out, so CI shows them without failing.
"""

from __future__ import annotations

from itertools import groupby
from xml.etree import ElementTree as ET

from mlstrata.diagnostics import Diagnostic, Severity
from mlstrata.rules.base import at_least
from mlstrata.views import Report


def _line(d: Diagnostic) -> str:
    where = f"{d.where}: " if d.where is not None else ""
    path = f"{d.path}: " if d.path else ""
    return f"{where}{d.severity.value}: {path}{d.summary}"


def render(report: Report) -> str:
    """JUnit XML with a `testsuite` named after the command and one `testcase` per rule."""
    by_rule = {
        code: list(group)
        for code, group in groupby(sorted(report.findings, key=lambda d: d.code), key=lambda d: d.code)
    }
    codes = sorted(set(report.rules) | set(by_rule))
    threshold = None if report.fail_on == "never" else Severity(report.fail_on)
    suite = ET.Element("testsuite", name=f"mlstrata {report.command}")
    failures = 0
    for code in codes:
        info = report.rules.get(code)
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"mlstrata.{info.family if info else 'other'}",
            name=f"{code} {info.name if info else ''}".strip(),
        )
        failing: list[Diagnostic] = []
        passing: list[Diagnostic] = []
        for d in by_rule.get(code, []):  # one pass: `d not in failing` compared every pair (0.5 s on 20k changes)
            (failing if threshold is not None and at_least(d.severity, threshold) else passing).append(d)
        if failing:
            failures += 1
            failure = ET.SubElement(
                case,
                "failure",
                type=failing[0].severity.value,
                message=f"{len(failing)} finding{'s' if len(failing) != 1 else ''}",
            )
            failure.text = "\n".join(_line(d) + (f"\n  hint: {d.hint}" if d.hint else "") for d in failing)
        if passing:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(_line(d) for d in passing)
    suite.set("tests", str(len(codes)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    root = ET.Element(
        "testsuites", name=f"mlstrata {report.command}", tests=str(len(codes)), failures=str(failures)
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
