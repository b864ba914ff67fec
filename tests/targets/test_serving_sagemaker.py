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
from mlstrata.targets.aws.catalog import sagemaker_instance_store, sagemaker_utilization_units
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "tests" / "testdata" / "render" / "aws-multi-region" / "spec.yaml"
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws"
MODULE = MODULES / "sagemaker_endpoint"
VARIANT = MODULES / "sagemaker_variant"
ROLE = MODULES / "sagemaker_execution_role"
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
        assert cpu["source"].value == "../../../modules/sagemaker_variant"
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
    assert spec != SPEC.read_text()
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
    assert config.attributes["execution_role_arn"].expr_text == "module.role.role_arn"
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
    aws:SourceAccount against the confused deputy; model artifacts are read, never written."""
    text = (ROLE / "main.tf").read_text()
    assert 'identifiers = ["sagemaker.amazonaws.com"]' in text and 'variable = "aws:SourceAccount"' in text
    # the registry is read only; the one write is an async endpoint's results, under its own output prefix
    put = text.index('"s3:PutObject"')
    assert text.count("s3:PutObject") == 1 and "s3:DeleteObject" not in text
    assert text[put:put + 200].split("\n")[1].strip() == 'resources = ["${var.output_s3_prefix_arn}/*"]'
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


# -- real-time, serverless and async variants (modules/sagemaker_variant): the release creates the endpoint


def test_variant_kinds_render_their_shape_and_scaling() -> None:
    """The golden spec's ranker-cpu (real-time, 60% CPU on ml.m7i.xlarge = 4 vCPUs), ranker-batch (async on
    ml.g5.xlarge, scales to zero, results in the first artifact store) and ranker-lite (serverless)."""
    tree = render_tree(load_text(SPEC.read_text(), targets=TARGETS))
    modules = _blocks(tree.files["live/production/platform/main.tf"], "module")
    cpu = modules["serving_endpoint_ranker_cpu"].body.attributes
    assert (cpu["kind"].value, cpu["scaling_metric"].value, cpu["scaling_target"].value) == (
        "real_time", "cpu_utilization", 240)
    batch = modules["serving_endpoint_ranker_batch"].body.attributes
    assert (batch["kind"].value, batch["min_instances"].value, batch["scaling_metric"].value) == ("async", 0, "backlog")
    assert batch["output_bucket_arn"].expr_text == "data.terraform_remote_state.base.outputs.artifact_bucket_arns[0]"
    # ml.g5 has local NVMe: no volume key, but the topics are still encrypted with the platform key
    assert "kms_key_arn" not in batch
    assert batch["topic_kms_key_arn"].expr_text == "data.terraform_remote_state.base.outputs.kms_key_arn"
    lite = modules["serving_endpoint_ranker_lite"].body.attributes
    assert (lite["kind"].value, lite["memory_mb"].value, lite["max_concurrency"].value) == ("serverless", 2048, 10)
    assert not {"instance_type", "min_instances", "max_instances", "scaling_metric", "kms_key_arn"} & set(lite)
    handoff = _blocks(tree.files["live/production/platform/outputs.tf"], "output")["serving_endpoints"]
    value = handoff.body.attributes["value"].partial_value
    assert value["ranker-cpu"]["variant_kind"] == "real_time"
    assert "copy_scaling_dimension" not in value["ranker-lite"] and "min_replicas" not in value["ranker-lite"]
    for cls in ("ranker-cpu", "ranker-batch", "ranker-lite"):
        assert "endpoint_config_json" in value[cls]


def test_the_variant_module_owns_scaling_but_no_endpoint_or_model() -> None:
    """A real-time/serverless/async configuration must name its model (production_variants.model_name is
    required in hashicorp/aws 5.100), and the model is the release's: the module renders no endpoint,
    configuration or model, so its first apply needs no model. Application Auto Scaling can only register a
    deployed variant (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-autoscale.html: "Before you
    can use autoscaling, you must have already deployed a model"), so the target is counted on the endpoint the
    release tagged; its dimension is sagemaker:variant:DesiredInstanceCount."""
    text = (VARIANT / "main.tf").read_text()
    kinds = {b.labels[0] for b in parse_file(str(VARIANT / "main.tf")).body.blocks if b.type == "resource"}
    assert kinds == {"aws_sns_topic", "aws_appautoscaling_target", "aws_appautoscaling_policy",
                     "aws_cloudwatch_metric_alarm"}
    assert "sagemaker:variant:DesiredInstanceCount" in text and "48990" in text
    (target,) = [b for b in parse_file(str(VARIANT / "main.tf")).body.blocks
                 if b.type == "resource" and b.labels == ["aws_appautoscaling_target", "this"]]
    assert target.body.attributes["count"].expr_text == "local.released ? 1 : 0"
    readme = (VARIANT / "README.md").read_text()
    assert "48990" in readme and "async-inference-autoscale" in readme


def _variant_spec(cls: str) -> str:
    return SPEC.read_text().replace(
        "    ranker-cpu:\n      model: ranker\n      instance_type: ml.m7i.xlarge\n"
        "      sagemaker: { kind: real_time }\n"
        "      autoscaling: { min_replicas: 1, max_replicas: 2, target_utilization: 60 }\n", cls)


@pytest.mark.parametrize(("cls", "code", "line_start"), [
    # serverless memory: 1024..6144 MB in 1 GB steps; concurrency 1..200
    # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html)
    ("    ranker-x:\n      model: ranker\n      sagemaker: { kind: serverless, memory_mb: 1500, max_concurrency: 5 }\n",
     "spec.invalid", "sagemaker:"),
    ("    ranker-x:\n      model: ranker\n      sagemaker: { kind: serverless, memory_mb: 7168, max_concurrency: 5 }\n",
     "spec.invalid", "sagemaker:"),
    ("    ranker-x:\n      model: ranker\n"
     "      sagemaker: { kind: serverless, memory_mb: 2048, max_concurrency: 201 }\n",
     "spec.invalid", "sagemaker:"),
    ("    ranker-x:\n      model: ranker\n      sagemaker: { kind: serverless, memory_mb: 2048, max_concurrency: 2, "
     "provisioned_concurrency: 3 }\n", "spec.serving_variant", "sagemaker:"),
    # a serverless endpoint has no instances: no instance type, and Application Auto Scaling's instance
    # count does not apply (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-autoscale.html)
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.m7i.xlarge\n"
     "      sagemaker: { kind: serverless, memory_mb: 2048, max_concurrency: 5 }\n",
     "spec.serving_variant", "instance_type:"),
    ("    ranker-x:\n      model: ranker\n      sagemaker: { kind: serverless, memory_mb: 2048, max_concurrency: 5 }\n"
     "      autoscaling: { min_replicas: 1, max_replicas: 3, target_concurrency: 2 }\n",
     "spec.serving_variant", "autoscaling:"),
    ("    ranker-x:\n      model: ranker\n      sagemaker: { kind: serverless, memory_mb: 2048 }\n",
     "spec.serving_variant", "sagemaker:"),
    # only async variants (and inference components) scale to zero
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.m7i.xlarge\n      sagemaker: { kind: real_time }\n"
     "      autoscaling: { min_replicas: 0, max_replicas: 2, target_concurrency: 2, scale_to_zero: true }\n",
     "spec.serving_variant", "autoscaling:"),
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.m7i.xlarge\n      sagemaker: { kind: real_time }\n",
     "spec.serving_variant", "ranker-x:"),
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.g5.xlarge\n      sagemaker: { kind: async }\n"
     "      autoscaling: { min_replicas: 0, max_replicas: 2, target_utilization: 50, scale_to_zero: true }\n",
     "spec.serving_variant", "autoscaling:"),
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.g5.xlarge\n"
     "      sagemaker: { kind: real_time, memory_mb: 2048 }\n"
     "      autoscaling: { min_replicas: 1, max_replicas: 2, target_concurrency: 2 }\n",
     "spec.serving_variant", "sagemaker:"),
    # the utilisation metric sums over GPUs or vCPUs; an unknown count cannot be turned into a target
    ("    ranker-x:\n      model: ranker\n      instance_type: ml.inf2.xlarge\n      sagemaker: { kind: real_time }\n"
     "      autoscaling: { min_replicas: 1, max_replicas: 2, target_utilization: 50 }\n",
     "aws.serving_variant", "autoscaling:"),
])
def test_variant_kinds_are_checked_where_they_are_written(cls: str, code: str, line_start: str) -> None:
    found = _errors(_variant_spec(cls))
    assert any(c == code and text.startswith(line_start) for c, _, text in found), found


def test_an_async_class_needs_an_artifact_store() -> None:
    spec = _variant_spec("")
    store = '  features: { retention_days: 30, readers: ["arn:aws:iam::555555555555:role/analytics"] }\n'
    assert store in spec and "needs: [artifact_store, queue, identity]" in spec
    no_store = spec.replace("artifact_stores:\n" + store, "").replace("needs: [artifact_store, ", "needs: [")
    assert any(c == "aws.serving_variant" and t.startswith("sagemaker: { kind: async")
               for c, _, t in _errors(no_store))


def test_sagemaker_fields_need_the_sagemaker_engine() -> None:
    spec = _variant_spec("").replace("  engine: sagemaker", "  engine: kserve")
    assert any(c == "spec.serving_variant" and t.startswith("sagemaker:") for c, _, t in _errors(spec))


@pytest.mark.parametrize(("instance_type", "units"), [
    ("ml.g6e.xlarge", ("gpu", 1)), ("ml.g5.12xlarge", ("gpu", 4)), ("ml.p4d.24xlarge", ("gpu", 8)),
    ("ml.m7i.xlarge", ("cpu", 4)), ("ml.c6i.large", ("cpu", 2)), ("ml.r5.8xlarge", ("cpu", 32)),
    ("ml.inf2.xlarge", None), ("ml.t2.medium", None)])
def test_utilisation_units(instance_type: str, units: tuple[str, int] | None) -> None:
    """GPUUtilization and CPUUtilization are 0-100 per GPU or vCPU, summed over the instance
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html); vCPUs of m/c/r sizes: large 2,
    xlarge 4, <n>xlarge 4n (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html)."""
    assert sagemaker_utilization_units(instance_type) == units
