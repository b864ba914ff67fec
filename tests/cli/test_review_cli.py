"""`mlstrata review` as a command: formats, several plans, exit codes 0 clean, 1 findings, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from support.cli import mlstrata

from mlstrata.review.classes import review_rules

TESTDATA = Path(__file__).resolve().parents[1] / "testdata"
PROD = TESTDATA / "review" / "aws" / "live" / "prod" / "ml" / ".mlstrata" / "plan.json"
ENGINE = TESTDATA / "engine" / "plans" / "1.15.5" / "changes.json"
SCHEMA = json.loads((TESTDATA / "rules" / "sarif" / "sarif-schema-2.1.0.json").read_text())


def cli(*args: str) -> tuple[int, str, str]:
    result = mlstrata("review", *args)
    return result.returncode, result.stdout, result.stderr


def test_blocking_findings_exit_1_and_show_where_and_why() -> None:
    code, out, _ = cli(str(PROD), "--no-spec")
    assert code == 1
    assert "prod/ml (protected): +2 ~6 -6" in out
    # the words of --fail-on (issue 18: `--fail-on blocking`, but the output said "errors")
    assert "main.tf:53:1: blocking MLR001 aws_kms_key.artifacts: KMS key `artifacts` is replaced" in out
    assert "10 blocking" not in out and "9 blocking, 6 warnings" in out and "error" not in out.lower()


@pytest.mark.parametrize(("args", "expected"), [
    ([str(ENGINE)], 0),                        # drift only (info): below the default `blocking`
    ([str(ENGINE), "--fail-on", "info"], 1),
    ([str(PROD), "--env", "dev", "--fail-on", "warning"], 1),
    ([str(PROD), "--fail-on", "never"], 0),
])
def test_fail_on_threshold(args: list[str], expected: int) -> None:
    assert cli(*args)[0] == expected


def test_dev_only_blocks_on_stateful_destroys() -> None:
    code, out, _ = cli(str(PROD), "--env", "dev", "--format", "json")
    assert code == 1
    failing = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert sorted(f["path"] for f in failing) == ["aws_kms_key.artifacts", "module.storage.aws_s3_bucket.old"]


def test_json_has_units_findings_and_pool_costs() -> None:
    code, out, _ = cli(str(PROD), str(ENGINE), "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["failed"] and payload["command"] == "review"
    units = {u["unit"]: u for u in payload["units"]}
    assert units["prod/ml"]["changes"] == {"add": 2, "change": 6, "destroy": 6, "forget": 0, "import": 0}
    (pool,) = units["prod/ml"]["gpu_pools"]
    assert pool["after"]["max"] == 8 and pool["monthly_max"]["change"] > 0
    assert {f["code"] for f in payload["findings"]} >= {"MLR001", "MLR002", "MLR003", "MLR004", "MLR005"}
    assert all("not-shown" not in json.dumps(f) for f in payload["findings"])


def test_markdown_is_a_pr_comment() -> None:
    _, out, _ = cli(str(PROD), str(ENGINE), "--format", "markdown")
    lines = out.splitlines()
    assert lines[0] == "### mlstrata review: ❌ **fails** (fail on error and above)"
    assert "| `prod/ml` | prod 🔒 | 2 | 6 | 6 | 15 |" in lines
    assert "#### `prod/ml`" in lines and "<details><summary>What the rules mean and how to fix them</summary>" in lines
    assert any(line.startswith("| 🛑 error | MLR001 |") for line in lines)


def test_sarif_is_valid_2_1_0_with_locations() -> None:
    _, out, _ = cli(str(PROD), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(review_rules())
    kms = next(r for r in run["results"] if r["ruleId"] == "MLR001" and "KMS" in r["message"]["text"])
    assert kms["level"] == "error"
    assert kms["locations"][0]["physicalLocation"]["region"] == {"startLine": 53, "startColumn": 1}
    assert all(r["locations"] for r in run["results"])


def test_junit_fails_the_blocking_classes(tmp_path: Path) -> None:
    target = tmp_path / "review.xml"
    code, out, _ = cli(str(PROD), "--format", "junit", "--output", str(target))
    assert code == 1 and out == ""
    suite = ET.fromstring(target.read_text()).find("testsuite")
    assert suite is not None
    failed = sorted(c.get("name", "") for c in suite.iter("testcase") if c.find("failure") is not None)
    assert failed == ["MLR001 stateful-destroy", "MLR002 iam-widened", "MLR003 protection-off"]


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not valid JSON"),
    ("[]", "not a Terraform plan: the JSON document is a list, not an object"),
    ('{"format_version": "2.0", "resource_changes": []}', "unsupported plan format_version '2.0'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(content)
    code, out, err = cli(str(PROD), str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {bad}: {message}")


@pytest.mark.parametrize("args", [
    [str(PROD), "--format", "yaml"],
    [str(PROD), "--fail-on", "sometimes"],
    ["/nonexistent/plan.json"],
    [str(PROD), "--spec", "/nonexistent/platform.yaml"],
])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert cli(*args)[0] == 2


def _cluster_plan(tmp_path: Path, env: str, rtype: str, actions: list[str], before: dict[str, object],
                  after: dict[str, object] | None, replace_paths: list[list[str]] | None = None) -> Path:
    """A `terraform show -json` plan of unit <env>/base that changes one cluster (as Terraform writes it)."""
    unit = tmp_path / env / "infra" / "live" / env / "base"
    (unit / ".mlstrata").mkdir(parents=True)
    (unit / "main.tf").write_text('module "cluster" {\n  source = "../../../modules/azure/aks_cluster"\n}\n')
    provider = rtype.split("_", 1)[0]
    change: dict[str, object] = {"actions": actions, "before": before, "after": after, "after_unknown": {},
                                 "before_sensitive": {}, "after_sensitive": {}}
    if replace_paths:
        change["replace_paths"] = replace_paths
    plan = {"format_version": "1.2", "terraform_version": "1.15.5", "resource_changes": [
        {"address": f"module.cluster.{rtype}.this", "module_address": "module.cluster", "mode": "managed",
         "type": rtype, "name": "this", "provider_name": f"registry.terraform.io/hashicorp/{provider}",
         "change": change, **({"action_reason": "replace_because_cannot_update"} if replace_paths else {})}],
        "configuration": {"root_module": {}}}
    path = unit / ".mlstrata" / "plan.json"
    path.write_text(json.dumps(plan))
    return path


@pytest.mark.parametrize(("rtype", "name_key"), [
    ("azurerm_kubernetes_cluster", "name"), ("aws_eks_cluster", "name"), ("google_container_cluster", "name"),
])
def test_a_prod_kubernetes_cluster_destroyed_or_replaced_blocks(tmp_path: Path, rtype: str, name_key: str) -> None:
    """Deleting or replacing the prod cluster (AKS as EKS and GKE) is a blocking MLR001; in dev a warning."""
    before = {name_key: "mlp-prod", "location": "westeurope"}
    deleted = _cluster_plan(tmp_path, "prod", rtype, ["delete"], before, None)
    code, out, _ = cli(str(deleted), "--no-spec", "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert code == 1 and finding["code"] == "MLR001" and finding["severity"] == "error"
    assert finding["path"] == f"module.cluster.{rtype}.this"
    assert "Kubernetes cluster `mlp-prod` is destroyed" in finding["summary"]
    assert "federated to its OIDC issuer" in finding["summary"]

    replaced = _cluster_plan(tmp_path / "r", "prod", rtype, ["delete", "create"], before,
                             {**before, "location": "northeurope"}, replace_paths=[["location"]])
    code, out, _ = cli(str(replaced), "--no-spec")
    assert code == 1
    assert "blocking MLR001 module.cluster." in out and "is replaced (destroyed, then created)" in out
    assert "forced by `location` westeurope -> northeurope" in out

    dev = _cluster_plan(tmp_path, "dev", rtype, ["delete"], {**before, name_key: "mlp-dev"}, None)
    code, out, _ = cli(str(dev), "--no-spec", "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert code == 0 and finding["code"] == "MLR001" and finding["severity"] == "warning"


def test_aks_node_pool_rotation_is_not_a_cluster_destroy(tmp_path: Path) -> None:
    """A GPU pool cycled by a vm_size change (temporary_name_for_rotation) stays a capacity note, not MLR001."""
    pool = {"name": "training", "vm_size": "Standard_NC24ads_A100_v4", "auto_scaling_enabled": True,
            "min_count": 0, "max_count": 2, "node_count": 0, "priority": "Regular",
            "temporary_name_for_rotation": "trainingtmp"}
    path = _cluster_plan(tmp_path, "prod", "azurerm_kubernetes_cluster_node_pool", ["update"], pool,
                         {**pool, "vm_size": "Standard_NC40ads_H100_v5"})
    code, out, _ = cli(str(path), "--no-spec", "--format", "json")
    codes = [f["code"] for f in json.loads(out)["findings"]]
    assert code == 0 and "MLR001" not in codes and "MLR004" in codes
