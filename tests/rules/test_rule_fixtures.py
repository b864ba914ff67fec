"""Every rule has a failing and a passing fixture; findings appear exactly on the lines marked `# MLS0xx`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.rules.context import SpecFacts
from mlstrata.rules.registry import RULES
from mlstrata.rules.runner import run_check
from mlstrata.rules.spec_facts import spec_facts
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

FIXTURES = Path(__file__).resolve().parents[1] / "testdata" / "rules"
MARKER = re.compile(r"#\s*(?P<ids>MLS\d{3}(?:[ ,]+MLS\d{3})*)\s*$")
# Rules whose findings come from the scan itself (parse errors, suppressions) have their own tests.
SCANNER_RULES = {"MLS000", "MLS026"}
RULE_IDS = sorted(set(RULES) - SCANNER_RULES)


def marked(root: Path, rule_id: str) -> set[tuple[str, int]]:
    out = set()
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".tf", ".tfvars") or not path.is_file():
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            match = MARKER.search(line)
            if match and rule_id in re.findall(r"MLS\d{3}", match.group("ids")):
                out.add((str(path), lineno))
    return out


def spec_for(root: Path) -> SpecFacts | None:
    spec = root / "platform.yaml"
    return spec_facts(load_spec(spec, targets=TARGETS)) if spec.is_file() else None


def findings(root: Path, rule_id: str) -> set[tuple[str, int]]:
    result = run_check([root], spec=spec_for(root), workers=1, select={rule_id})
    for d in result.findings:
        assert d.code == rule_id, f"{d.headline()} (only {rule_id} was selected)"
        assert d.hint and d.where is not None
    return {(d.where.file, d.where.line) for d in result.findings if d.where is not None}


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_failing_fixture_has_findings_exactly_on_marked_lines(rule_id: str) -> None:
    root = FIXTURES / rule_id / "fail"
    assert root.is_dir(), f"{rule_id} needs a failing fixture in {root}"
    expected = marked(root, rule_id)
    assert expected, f"{rule_id}: the failing fixture marks no line with # {rule_id}"
    got = findings(root, rule_id)
    assert got == expected, (
        f"{rule_id}: missing {sorted(expected - got)}, unexpected {sorted(got - expected)}"
    )


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_passing_fixture_has_no_findings(rule_id: str) -> None:
    root = FIXTURES / rule_id / "pass"
    assert root.is_dir(), f"{rule_id} needs a passing fixture in {root}"
    assert not marked(root, rule_id)
    got = findings(root, rule_id)
    assert not got, f"{rule_id}: unexpected findings {sorted(got)}"
