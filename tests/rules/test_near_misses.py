"""Precision of the secret and IAM rules on realistic near misses (tests/testdata/near-misses/README.md).

Each rule must report exactly the lines labelled `# MLSxxx`: no false positive, and every labelled true
positive still found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_rule_fixtures import marked

from mlstrata.rules.runner import run_check

NEAR_MISSES = Path(__file__).resolve().parents[1] / "testdata" / "near-misses"
SECRET_AND_IAM_RULES = ("MLS015", "MLS016", "MLS017", "MLS018", "MLS019")


@pytest.fixture(scope="module")
def found() -> dict[str, set[tuple[str, int]]]:
    result = run_check([NEAR_MISSES], workers=1, select=set(SECRET_AND_IAM_RULES))
    out: dict[str, set[tuple[str, int]]] = {rule: set() for rule in SECRET_AND_IAM_RULES}
    for d in result.findings:
        assert d.code in out and d.where is not None, d.headline()
        out[d.code].add((d.where.file, d.where.line))
    return out


@pytest.mark.parametrize("rule_id", SECRET_AND_IAM_RULES)
def test_no_false_positive_and_every_true_positive(rule_id: str, found: dict[str, set[tuple[str, int]]]) -> None:
    expected = marked(NEAR_MISSES, rule_id)
    assert expected, f"{rule_id}: the near-miss set labels no true positive"
    false_positives = sorted(found[rule_id] - expected)
    missed = sorted(expected - found[rule_id])
    assert not false_positives, f"{rule_id}: false positives {false_positives}"
    assert not missed, f"{rule_id}: true positives not reported {missed}"


def test_the_set_is_mostly_near_misses() -> None:
    """A precision test needs many chances to be wrong: far more candidate lines than labels."""
    lines = sum(len(p.read_text().splitlines()) for p in NEAR_MISSES.rglob("*") if p.suffix in (".tf", ".tfvars"))
    labels = sum(len(marked(NEAR_MISSES, rule)) for rule in SECRET_AND_IAM_RULES)
    assert lines > 20 * labels
