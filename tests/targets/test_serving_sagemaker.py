"""Serving on AWS with SageMaker (#16): Terraform owns the endpoint, its instance type and bounds and its execution
role; the release layer adds the model version as an inference component. Each AWS fact is cited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlstrata.diagnostics import DiagnosticsError
from mlstrata.hcl import parse_file, parse_text
from mlstrata.hcl.model import Block
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_text
from mlstrata.targets.aws.catalog import sagemaker_instance_store
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml"
MODULE = REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws" / "sagemaker_endpoint"
SCHEMA = REPO / "tests" / "testdata" / "provider_schemas" / "aws.json"  # hashicorp/aws 6.25.0


def _blocks(text: str, kind: str) -> dict[str, Block]:
    return {b.labels[-1]: b for b in parse_text(text, "x.tf").body.blocks if b.type == kind}


def _resource(kind: str, name: str) -> Block:
    (found,) = [b for b in parse_file(str(MODULE / "main.tf")).body.blocks
                if b.type == "resource" and b.labels == [kind, name]]
    return found


def test_each_class_is_an_endpoint_with_its_bounds_and_a_handoff() -> None:
    tree = render_tree(load_text(SPEC.read_text(), targets=TARGETS))
    for env, (low, high) in {"dev": (0, 1), "production": (1, 4)}.items():
        modules = _blocks(tree.files[f"live/{env}/platform/main.tf"], "module")
        api = modules["serving_endpoint_ranker_api"].body.attributes
        assert api["source"].value == "../../../modules/sagemaker_endpoint"
        assert api["name"].value == f"research-platform-ml-{env}-ranker-api"
        assert (api["min_instances"].value, api["max_instances"].value) == (low, high)
        assert api["instance_type"].value == "ml.g6e.xlarge"
        # ml.g6e has local NVMe: CreateEndpointConfig fails with a KmsKeyId (API_CreateEndpointConfig, KmsKeyId)
        assert "kms_key_arn" not in api
        cpu = modules["serving_endpoint_ranker_cpu"].body.attributes
        assert cpu["kms_key_arn"].expr_text == "data.terraform_remote_state.base.outputs.kms_key_arn"
        handoff = _blocks(tree.files[f"live/{env}/platform/outputs.tf"], "output")["serving_endpoints"]
        out = handoff.body.attributes["value"].partial_value["ranker-api"]
        assert out["copy_scaling_dimension"] == "sagemaker:inference-component:DesiredCopyCount"
        assert (out["min_replicas"], out["max_replicas"], out["target_concurrency"]) == (low, high, 4)
        assert out["registry_stage"] == env and out["registry_alias"] == "champion"
    assert not any(r.startswith("modules/kserve/") for r in tree.files)
    # another stage's registry is read by bucket name, its model package groups are not described
    spec = SPEC.read_text().replace("      model: ranker\n      instance_type: ml.m7i.xlarge",
                                    "      model: ranker\n      stage: production\n      instance_type: ml.m7i.xlarge")
    tree = render_tree(load_text(spec, targets=TARGETS))
    dev = _blocks(tree.files["live/dev/platform/main.tf"], "module")["serving_endpoint_ranker_cpu"].body.attributes
    assert dev["registry_bucket_arns"].value == [
        "arn:aws:s3:::research-platform-ml-production-model-registry-333333333333"]
    assert "model_package_group_arns" not in dev


def test_the_endpoint_configuration_names_no_model_and_terraform_owns_no_instance_count() -> None:
    """Inference-component endpoints: production_variants without model_name, execution_role_arn on the
    configuration (hashicorp/aws 6.x; the 6.25 schema below), managed instance scaling between the bounds.
    No aws_appautoscaling_target on the variant: the live count is SageMaker's, and an UpdateEndpoint from
    Terraform resets it (hashicorp/terraform-provider-aws#48990), which only a change to this module causes."""
    config = _resource("aws_sagemaker_endpoint_configuration", "this").body
    (variant,) = [b for b in config.blocks if b.type == "production_variants"]
    assert "model_name" not in variant.body.attributes
    assert config.attributes["execution_role_arn"].expr_text == "aws_iam_role.this.arn"
    assert variant.body.attributes["initial_instance_count"].expr_text == "max(var.min_instances, 1)"
    (scaling,) = [b for b in variant.body.blocks if b.type == "managed_instance_scaling"]
    assert scaling.body.attributes["status"].value == "ENABLED"
    assert scaling.body.attributes["min_instance_count"].expr_text == "var.min_instances"
    text = (MODULE / "main.tf").read_text()
    assert "aws_appautoscaling" not in text and "48990" in text and "48990" in (MODULE / "README.md").read_text()
    (lifecycle,) = [b for b in config.blocks if b.type == "lifecycle"]
    assert lifecycle.body.attributes["create_before_destroy"].value is True
    six = json.loads(SCHEMA.read_text())["resources"]["aws_sagemaker_endpoint_configuration"]
    assert six["attributes"]["execution_role_arn"]["required"] is False
    assert six["blocks"]["production_variants"]["attributes"]["model_name"]["required"] is False
    assert "managed_instance_scaling" in six["blocks"]["production_variants"]["blocks"]


def test_the_execution_role_trusts_sagemaker_of_this_account_only_and_reads_only() -> None:
    """https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html: trust sagemaker.amazonaws.com, with
    aws:SourceAccount against the confused deputy; artifacts are read, never written."""
    text = (MODULE / "main.tf").read_text()
    assert 'identifiers = ["sagemaker.amazonaws.com"]' in text and 'variable = "aws:SourceAccount"' in text
    assert "s3:PutObject" not in text and "s3:DeleteObject" not in text
    # IAM name_prefix is at most 38 characters
    assert '"${substr(var.name, 0, 32)}-sm-"' in text and len("x" * 32 + "-sm-") <= 38


@pytest.mark.parametrize(("instance_type", "nvme"), [
    ("ml.g6e.xlarge", True), ("ml.g5.2xlarge", True), ("ml.p4d.24xlarge", True), ("ml.m5d.large", True),
    ("ml.m7i.xlarge", False), ("ml.c6i.large", False), ("ml.g6e", False)])
def test_local_nvme_families(instance_type: str, nvme: bool) -> None:
    """Instance types with local NVMe storage reject a volume KMS key (API_CreateEndpointConfig, KmsKeyId)."""
    assert sagemaker_instance_store(instance_type) is nvme


def _errors(spec: str) -> list[tuple[str, int, str]]:
    with pytest.raises(DiagnosticsError) as info:
        load_text(spec, targets=TARGETS)
    lines = spec.splitlines()
    return [(d.code, d.where.line if d.where else 0, lines[d.where.line - 1].strip() if d.where else "")
            for d in info.value.diagnostics]


def test_engine_fields_are_checked_where_they_are_written() -> None:
    base = SPEC.read_text()
    no_type = base.replace("      instance_type: ml.g6e.xlarge\n", "")
    assert any(c == "spec.serving_instance" and t.startswith("ranker-api:") for c, _, t in _errors(no_type))
    pooled = base.replace("      instance_type: ml.g6e.xlarge\n",
                          "      instance_type: ml.g6e.xlarge\n      gpu_pool: arm-inference\n")
    assert any(c == "spec.serving_pool" and t.startswith("gpu_pool:") for c, _, t in _errors(pooled))
    kserve = base.replace("  engine: sagemaker", "  engine: kserve")
    assert any(c == "spec.serving_instance" and t.startswith("instance_type: ml.g6e") for c, _, t in _errors(kserve))
    long_name = base.replace("    ranker-cpu:", "    ranker-cpu-with-a-long-name-xyz1:")
    assert any(c == "aws.name" for c, _, _t in _errors(long_name))
