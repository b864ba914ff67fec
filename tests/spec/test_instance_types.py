"""AWS instance types are checked against botocore's EC2 model (existence, did-you-mean), GPU-ness and
region availability against the price catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError, Severity
from mlstrata.spec.load import load_spec
from mlstrata.targets.aws.instance_types import ec2_types
from mlstrata.targets.registry import TARGETS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _with_types(tmp_path: Path, example: str, replace: dict[str, str]) -> Path:
    text = (EXAMPLES / example / "platform.yaml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    return path


def test_botocore_lists_current_gpu_types() -> None:
    known = ec2_types()
    assert known is not None and known.source.startswith("botocore ")
    assert {"p5.48xlarge", "g6.2xlarge", "g6e.xlarge", "p4d.24xlarge"} <= known.names
    assert len(known.names) > 800  # every EC2 type, not a hand list


@pytest.mark.parametrize(
    ("example", "old", "wrong", "suggestion"),
    [
        ("aws", "p5.48xlarge", "p5.48xlarg", "p5.48xlarge"),
        ("aws", "g6.2xlarge", "g6.2xlarg", "g6.2xlarge"),
        ("aws", "g6e.xlarge", "p5.96xlarge", None),
        ("quickstart", "g6.2xlarge", "g6.2xlarg", "g6.2xlarge"),
    ],
)
def test_a_type_that_does_not_exist_is_an_error_with_did_you_mean(
    tmp_path: Path, example: str, old: str, wrong: str, suggestion: str | None
) -> None:
    path = _with_types(tmp_path, example, {old: wrong})
    with pytest.raises(DiagnosticsError) as caught:
        load_spec(path, targets=TARGETS)
    (diag,) = [d for d in caught.value.diagnostics if wrong in d.summary]
    assert "is not an EC2 instance type (per botocore" in diag.summary
    assert diag.where is not None and diag.where.line > 1
    if suggestion:
        assert f"Did you mean `{suggestion}`?" in diag.hint


def test_an_existing_type_without_gpus_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticsError) as caught:
        load_spec(_with_types(tmp_path, "aws", {"[p5.48xlarge]": "[m7i.2xlarge]"}), targets=TARGETS)
    assert any("`m7i.2xlarge` is not an NVIDIA GPU instance type" in d.summary for d in caught.value.diagnostics)


def test_a_gpu_looking_family_mlstrata_does_not_know_is_a_warning(tmp_path: Path) -> None:
    # g4ad exists (AMD GPUs): mlstrata's NVIDIA family table does not list it, and says so.
    loaded = load_spec(_with_types(tmp_path, "aws", {"[p5.48xlarge]": "[g4ad.xlarge]"}), targets=TARGETS)
    (warning,) = [d for d in loaded.warnings if "g4ad.xlarge" in d.summary]
    assert warning.severity is Severity.WARNING and "does not know whether it has NVIDIA GPUs" in warning.summary


def test_a_region_the_catalog_does_not_list_is_reported_as_unverified(tmp_path: Path) -> None:
    loaded = load_spec(_with_types(tmp_path, "aws", {"region: us-east-1": "region: ap-south-1"}), targets=TARGETS)
    unverified = [d for d in loaded.warnings if "not verified" in d.summary]
    assert unverified and all(d.severity is Severity.INFO for d in unverified)
    assert any("`p5.48xlarge` in ap-south-1" in d.summary for d in unverified)
    assert "describe-instance-type-offerings --region ap-south-1" in unverified[0].hint


@pytest.mark.parametrize("example", ["aws", "quickstart"])
def test_the_bundled_examples_use_types_that_exist_where_they_run(example: str) -> None:
    assert load_spec(EXAMPLES / example / "platform.yaml", targets=TARGETS).warnings == []
