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
from aws_provider5 import MODULES, SIX_ONLY, five_x, five_x_copy, scratch_root, terraform, terraform_env
from support.rendered import STATE_KEY_ARN, aws_spec_with_state_key

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec
from mlstrata.targets.registry import TARGETS

# Real Terraform with the real ~600 MB aws provider: each provider start costs seconds of CPU.
pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests" / "testdata" / "module_tests"
TESTED = sorted(p.name for p in TESTS.iterdir() if p.is_dir())
# hashicorp/helm is not in the offline mirror
HELM_MODULES = ("cluster_addons", "observability", "workflow_orchestrator", "kserve")


def _without_helm(text: str) -> str:
    for module in HELM_MODULES:
        text = re.sub(rf'\nmodule "{module}" {{\n.*?\n}}\n', "\n", text, flags=re.S)
        text = re.sub(rf'\noutput "[a-z_]+" {{\n[^}}]*module\.{module}\.[^}}]*\n}}\n', "\n", text, flags=re.S)
    text = re.sub(r'\nprovider "helm" {\n.*?\n}\n', "\n", text, flags=re.S)
    return re.sub(r"\n\s*helm = {\n.*?\n\s*}\n", "\n", text, flags=re.S)


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "infra"
    write_tree(render_tree(load_spec(REPO / "examples" / "aws" / "platform.yaml", targets=TARGETS)), out)
    # autoscaler: karpenter (its base unit calls the karpenter module), beside the example
    karpenter = REPO / "tests" / "testdata" / "render" / "aws-karpenter" / "spec.yaml"
    write_tree(render_tree(load_spec(karpenter, targets=TARGETS)), out / "karpenter")
    for tf in out.rglob("*.tf"):
        tf.write_text(five_x(_without_helm(tf.read_text())))
    return out


UNITS = ("live/prod/base", "live/dev/platform", "bootstrap/state", "karpenter/live/prod/base")


def test_rendered_units_validate_with_the_real_provider(example_tree: Path, tmp_path: Path) -> None:
    """All four units (the example's prod base, dev platform and bootstrap; the Karpenter variant's prod base)
    in one `terraform validate`: a scratch root calls each unit as a module, so the
    provider starts once instead of once per unit (a unit's backend block is ignored in a child module;
    Terraform says so as a warning). The units have no input variables, so nothing else changes."""
    env = terraform_env(tmp_path)
    calls = "".join(
        f'module "{unit.replace("/", "_")}" {{\n  source = "./{unit}"\n}}\n\n' for unit in UNITS
    )
    for unit in UNITS:
        assert "variable " not in "".join(t.read_text() for t in (example_tree / unit).glob("*.tf")), unit
    (example_tree / "all_units.tf").write_text(calls)
    init = terraform(["init", "-backend=false", "-input=false"], example_tree, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["validate", "-json"], example_tree, env)
    report = json.loads(result.stdout)
    errors = [d for d in report.get("diagnostics", []) if d["severity"] == "error"]
    assert report["valid"] and not errors, json.dumps(errors, indent=1)
    warned = {d.get("summary", "") for d in report.get("diagnostics", [])}
    assert not any("Unsupported" in w or "Invalid" in w for w in warned), warned


# The run blocks of every module's test files, each pointed at its module (`module { source = "./<module>" }`).
_RUN = re.compile(r'^(run "[^"]+" \{\n)', re.M)


@pytest.fixture(scope="module")
def module_test_events(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, object]]]:
    """Every module's test files in one `terraform test -json` run, its events by test file
    (`tests/<module>.<file>`): the aws provider starts for one run instead of one per module (measured:
    49.8 -> 24.6 s of CPU for the 7 modules' 40 runs). The root only calls the modules from its run blocks."""
    work, env = scratch_root(tmp_path_factory, "module_tests")
    for module in TESTED:
        if not (work / module).exists():  # five_x_copy also copies the sibling modules a module calls
            five_x_copy(module, work / module)
        for case in sorted((TESTS / module).glob("*.tftest.hcl")):
            text, runs = _RUN.subn(rf'\1  module {{\n    source = "./{module}"\n  }}\n\n', case.read_text())
            assert runs, f"{case}: no run block"
            (work / "tests" / f"{module}.{case.name}").write_text(text)
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = terraform(["test", "-json"], work, env)
    events: dict[str, list[dict[str, object]]] = {"": []}
    for line in result.stdout.splitlines():
        event = json.loads(line) if line.startswith("{") else {"@message": line}
        events.setdefault(str(event.get("@testfile", "")), []).append(event)
    for file in sorted(f.name for f in (work / "tests").iterdir()):
        events.setdefault(f"tests/{file}", [])
    if result.returncode != 0 and not any(_failures(e) for e in events.values()):
        events[""].append({"@message": f"terraform test exited {result.returncode}: {result.stderr[-3000:]}"})
    return events


def _failures(events: list[dict[str, object]]) -> list[str]:
    """What failed in one test file: its runs that did not pass and the errors reported for them."""
    failed = []
    for event in events:
        run = event.get("test_run")
        if isinstance(run, dict) and run.get("progress") == "complete" and run.get("status") != "pass":
            failed.append(f"run {run['run']}: {run['status']}")
        if event.get("@level") == "error":
            failed.append(str(event.get("@message", "")) + ": " + json.dumps(event.get("diagnostic", {}))[:1500])
    return failed


@pytest.mark.parametrize("module", TESTED)
def test_module_plans_meet_aws_facts(module: str, module_test_events: dict[str, list[dict[str, object]]]) -> None:
    cases = sorted(c.name for c in (TESTS / module).glob("*.tftest.hcl"))
    assert cases, module
    unfiled = _failures(module_test_events[""])
    assert not unfiled, "\n".join(unfiled)  # the run as a whole failed (init, a configuration error)
    for case in cases:
        events = module_test_events[f"tests/{module}.{case}"]
        assert not _failures(events), f"{module}/{case}:\n" + "\n".join(_failures(events))
        done = [e["test_file"] for e in events if isinstance(e.get("test_file"), dict)
                and e["test_file"].get("progress") == "complete"]
        assert done == [{"path": f"tests/{module}.{case}", "progress": "complete", "status": "pass"}], (
            f"{module}/{case}: " + "\n".join(str(e.get("@message")) for e in events))
        runs = [e["test_run"] for e in events if isinstance(e.get("test_run"), dict)
                and e["test_run"].get("progress") == "complete"]
        declared = _RUN.findall((TESTS / module / case).read_text())
        assert len(runs) == len(declared) and all(r["status"] == "pass" for r in runs), (module, case, runs)


@pytest.mark.parametrize("key_arn", [None, STATE_KEY_ARN], ids=["bucket-default", "state.kms_key_arn"])
def test_rendered_s3_backend_passes_terraform_backend_validation(tmp_path: Path, key_arn: str | None) -> None:
    """The rendered backend (the bucket's default encryption, or kms_key_id as the state key's full ARN) and
    assume_role are accepted by Terraform's s3 backend: init gets past configuration validation and stops only
    where it needs AWS (assuming the deploy role)."""
    env = terraform_env(tmp_path)
    env.update({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "offline",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"})
    tree = render_tree(load_spec(aws_spec_with_state_key(tmp_path, key_arn), targets=TARGETS))
    work = tmp_path / "unit"
    work.mkdir()
    backend = tree.files["live/dev/base/backend.tf"]
    if key_arn:
        assert f'kms_key_id = "{key_arn}"' in backend and "encrypt    = true" in backend
    else:
        assert not re.search(r"^\s*(encrypt|kms_key_id)\s*=", backend, re.M), backend
    (work / "backend.tf").write_text(backend)
    result = terraform(["init", "-input=false"], work, env)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Cannot assume IAM Role" in out and "arn:aws:iam::111111111111:role/acme-ml-deploy" in out, out
    assert "Invalid" not in out and "Unsupported" not in out, out


# -- the provider floor, justified by the schemas we hold

SIX_25 = REPO / "tests" / "testdata" / "provider_schemas" / "aws.json"  # hashicorp/aws 6.25.0 (cdktf 21.22.1)
META = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}


def _used_arguments() -> set[tuple[str, str]]:
    """(resource type, top-level argument or nested block) for every resource the AWS modules declare."""
    used: set[tuple[str, str]] = set()
    for tf in sorted(MODULES.glob("*/*.tf")):
        for block in parse_file(str(tf)).body.blocks:
            if block.type != "resource" or len(block.labels) != 2 or not block.labels[0].startswith("aws_"):
                continue
            names = set(block.body.attributes) | {
                b.labels[0] if b.type == "dynamic" and b.labels else b.type for b in block.body.blocks
            }
            used |= {(block.labels[0], n) for n in names - META}
    return used


# 6.x-only arguments of modules that cannot run on 5.100 at all, and why.
SIX_ONLY_UNTESTED = {
    "aws_sagemaker_endpoint_configuration.execution_role_arn":
        "sagemaker_endpoint: inference-component endpoints also need production_variants.model_name optional",
}


def test_provider_floor(tmp_path: Path) -> None:
    """`>= 6.25` in versions.tf is the lowest version our schemas justify: every argument the modules use
    that hashicorp/aws 5.100.0 lacks exists in 6.25.0, and those are exactly the 6.x-only arguments
    SIX_ONLY rewrites for the 5.x tests. (Changelogs: aws_cloudwatch_log_group.deletion_protection_enabled
    arrived in 6.25.0, aws_eks_cluster.deletion_protection in 6.9.0; the schemas here prove absent in
    5.100 and present in 6.25, not the exact release.)"""
    env = terraform_env(tmp_path)
    work = tmp_path / "schema"
    work.mkdir()
    (work / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "5.100.0" }\n  }\n}\n'
    )
    init = terraform(["init", "-backend=false", "-input=false"], work, env)
    assert init.returncode == 0, init.stdout + init.stderr
    dump = terraform(["providers", "schema", "-json"], work, env, color_flag=False)
    assert dump.returncode == 0, dump.stderr
    five = json.loads(dump.stdout)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    six = json.loads(SIX_25.read_text())["resources"]

    def in_five(rtype: str, name: str) -> bool:
        block = five.get(rtype, {}).get("block", {})
        return name in block.get("attributes", {}) or name in block.get("block_types", {})

    def in_six(rtype: str, name: str) -> bool:
        schema = six.get(rtype, {})
        return name in schema.get("attributes", {}) or name in schema.get("blocks", {})

    used = _used_arguments()
    assert ("aws_eks_node_group", "version") in used, "the scan found the modules' arguments"
    missing_in_five = {f"{t}.{n}" for t, n in used if not in_five(t, n)}
    assert missing_in_five == {"aws_cloudwatch_log_group.deletion_protection_enabled",
                               "aws_eks_cluster.deletion_protection",
                               "aws_sagemaker_endpoint_configuration.execution_role_arn"}
    assert all(in_six(*arg.split(".", 1)) for arg in missing_in_five)
    assert missing_in_five <= {fact for _p, _r, fact in SIX_ONLY} | set(SIX_ONLY_UNTESTED)
    # Inference-component endpoint configurations (modules/sagemaker_endpoint) name no model: 6.25 makes
    # production_variants.model_name optional, 5.100 still requires it, so that module has no 5.x test.
    five_variant = five["aws_sagemaker_endpoint_configuration"]["block"]["block_types"]["production_variants"]
    assert five_variant["block"]["attributes"]["model_name"].get("required") is True
    six_variant = six["aws_sagemaker_endpoint_configuration"]["blocks"]["production_variants"]
    assert six_variant["attributes"]["model_name"]["required"] is False
    floors = [v for v in sorted(MODULES.glob("*/versions.tf")) if "hashicorp/aws" in v.read_text()]
    assert floors and all('">= 6.25, < 7.0"' in v.read_text() for v in floors)
