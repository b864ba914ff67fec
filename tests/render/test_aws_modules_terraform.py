"""The AWS modules and rendered units under real Terraform and the real hashicorp/aws provider.

Offline, with hashicorp/aws 5.100.0 from the image's filesystem mirror (see aws_provider5.py):
- `terraform validate` of the rendered example's units runs the provider's own argument validation
  (IAM name_prefix length, enum values, conflicting arguments) on every module they call, with the
  renderer's real inputs; a schema check cannot do that.
- `terraform test` with `mock_provider "aws"` plans modules and asserts what AWS needs
  (tests/testdata/module_tests/<module>/*.tftest.hcl; each run cites its source).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_provider5 import SIX_ONLY, five_x_copy, terraform, terraform_env

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests" / "testdata" / "module_tests"
TESTED = sorted(p.name for p in TESTS.iterdir() if p.is_dir())
HELM_MODULES = ("cluster_addons", "observability")  # hashicorp/helm is not in the offline mirror


def _without_helm(text: str) -> str:
    for module in HELM_MODULES:
        text = re.sub(rf'\nmodule "{module}" {{\n.*?\n}}\n', "\n", text, flags=re.S)
        text = re.sub(rf'\noutput "[a-z_]+" {{\n[^}}]*module\.{module}\.[^}}]*\n}}\n', "\n", text, flags=re.S)
    text = re.sub(r'\nprovider "helm" {\n.*?\n}\n', "\n", text, flags=re.S)
    return re.sub(r"\n\s*helm = {\n.*?\n\s*}\n", "\n", text, flags=re.S)


def _five_x(text: str) -> str:
    for pattern, repl, _fact in SIX_ONLY:
        text = re.sub(pattern, repl, text)
    return text.replace('">= 6.25, < 7.0"', '">= 5.100, < 7.0"')


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "aws" / "platform.yaml")), out)
    for tf in out.rglob("*.tf"):
        tf.write_text(_five_x(_without_helm(tf.read_text())))
    return out


@pytest.mark.parametrize("unit", ["live/prod/base", "live/dev/platform", "bootstrap/state"])
def test_rendered_unit_validates_with_the_real_provider(example_tree: Path, unit: str, tmp_path: Path) -> None:
    env = terraform_env(tmp_path)
    work = example_tree / unit
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
    assert " 0 failed" in result.stdout, result.stdout


def test_rendered_s3_backend_passes_terraform_backend_validation(tmp_path: Path) -> None:
    """kms_key_id as the state key's alias ARN and assume_role are accepted by Terraform's s3 backend: init
    gets past configuration validation and stops only where it needs AWS (assuming the deploy role)."""
    env = terraform_env(tmp_path)
    env.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "offline",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"})
    tree = render_tree(load_spec(REPO / "examples" / "aws" / "platform.yaml"))
    work = tmp_path / "unit"
    work.mkdir()
    backend = tree.files["live/dev/base/backend.tf"]
    assert 'kms_key_id = "arn:aws:kms:us-east-1:444444444444:alias/acme-ml-tfstate"' in backend
    (work / "backend.tf").write_text(backend)
    result = terraform(["init", "-input=false"], work, env)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Cannot assume IAM Role" in out and "arn:aws:iam::111111111111:role/acme-ml-deploy" in out, out
    assert "Invalid" not in out and "Unsupported" not in out, out
