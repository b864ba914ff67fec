"""The AWS modules under real Terraform and the real hashicorp/aws provider (5.100.0, offline, mocked).

`terraform validate` runs the provider's own argument validation (IAM name_prefix length, enum values,
conflicts) that a schema check cannot; `terraform test` with `mock_provider "aws"` plans the modules and
asserts what AWS needs (tests/testdata/module_tests/<module>/*.tftest.hcl, each run citing its source).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws_provider5 import MODULES, five_x_copy, terraform, terraform_env

TESTS = Path(__file__).resolve().parents[1] / "testdata" / "module_tests"
# Modules whose only provider is hashicorp/helm, which is not in the offline mirror.
HELM_ONLY = {"cluster_addons", "observability"}
AWS_MODULES = sorted(p.name for p in MODULES.iterdir() if p.is_dir() and p.name not in HELM_ONLY)
TESTED = sorted(p.name for p in TESTS.iterdir() if p.is_dir())


@pytest.mark.parametrize("module", AWS_MODULES)
def test_module_validates_with_the_real_provider(module: str, tmp_path: Path) -> None:
    env = terraform_env(tmp_path)
    work = five_x_copy(module, tmp_path / module)
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["validate", "-json"], work, env)
    report = json.loads(result.stdout)
    errors = [d for d in report.get("diagnostics", []) if d["severity"] == "error"]
    assert report["valid"] and not errors, json.dumps(errors, indent=1)


@pytest.mark.parametrize("module", TESTED)
def test_module_plans_meet_aws_facts(module: str, tmp_path: Path) -> None:
    env = terraform_env(tmp_path)
    work = five_x_copy(module, tmp_path / module)
    (work / "tests").mkdir()
    for case in sorted((TESTS / module).glob("*.tftest.hcl")):
        (work / "tests" / case.name).write_text(case.read_text())
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["test"], work, env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " 0 failed" in result.stdout and " passed" in result.stdout, result.stdout
