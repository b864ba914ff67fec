"""Every invalid spec fixture fails with exactly the errors marked `# ERROR: <summary>` on its lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

FIXTURES = sorted((Path(__file__).parent.parent / "testdata" / "spec" / "invalid").glob("*.yaml"))
MARKER = re.compile(r"#\s*ERROR:\s*(?P<summary>.+?)\s*$")


def expected_errors(path: Path) -> list[tuple[int, str]]:
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            out.append((lineno, match.group("summary")))
    return out


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_invalid_spec_reports_marked_errors(fixture: Path) -> None:
    expected = expected_errors(fixture)
    assert expected, f"{fixture.name} has no # ERROR marker"
    with pytest.raises(DiagnosticsError) as info:
        load_spec(fixture, targets=TARGETS)
    diagnostics = info.value.diagnostics
    got = [(d.where.line if d.where else 0, d.summary) for d in diagnostics]
    for line, summary in expected:
        assert any(gl == line and summary in gs for gl, gs in got), (
            f"{fixture.name}:{line}: expected an error containing {summary!r}; got {got}")
    marked_lines = {line for line, _ in expected}
    assert all(gl in marked_lines for gl, _ in got), f"{fixture.name}: unexpected errors {got}"
    for d in diagnostics:
        assert d.where is not None and d.where.file == str(fixture)
        assert d.hint, f"{fixture.name}: error without a hint: {d.headline()}"


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(DiagnosticsError) as info:
        load_spec(Path(__file__).parent.parent / "testdata" / "spec" / "invalid" / "unknown_key.yaml", targets=TARGETS)
    (diag,) = info.value.diagnostics
    assert "did you mean `labels`?" in diag.hint
    assert diag.path == "gpu_pools.training.lables"
    assert diag.where is not None and diag.where.column == 5


def test_override_error_names_environment_and_points_into_override() -> None:
    with pytest.raises(DiagnosticsError) as info:
        load_spec(Path(__file__).parent.parent / "testdata" / "spec" / "invalid" / "override_breaks_bounds.yaml",
                  targets=TARGETS)
    (diag,) = info.value.diagnostics
    assert diag.path == "gpu_pools.training.overrides.dev.scaling.max"
    assert "(in environment `dev`)" in diag.summary


def test_unknown_environment_gets_did_you_mean() -> None:
    with pytest.raises(DiagnosticsError) as info:
        load_spec(Path(__file__).parent.parent / "testdata" / "spec" / "invalid" / "override_unknown_env.yaml",
                  targets=TARGETS)
    (diag,) = info.value.diagnostics
    assert "did you mean `prod`?" in diag.hint
