"""`review_plan` on hand-written AWS plans: each finding at the line its `# EXPECT:` marker names."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlstrata.diagnostics import Severity
from mlstrata.review.gate import UnitReview, locate_unit, review_files, unit_input
from mlstrata.review.source import module_names

AWS = Path(__file__).resolve().parents[1] / "testdata" / "review" / "aws"
PLAN = AWS / "live" / "prod" / "ml" / ".mlstrata" / "plan.json"
_MARK = re.compile(r"#\s*(EXPECT|EXPECT-ALL):\s*((?:MLR\d{3}\s*)+)")


def expected(with_all: bool) -> Counter[tuple[str, int, str]]:
    """(file, line, code) of every marker under the fixture tree."""
    found: Counter[tuple[str, int, str]] = Counter()
    for tf in sorted(AWS.rglob("*.tf")):
        for number, line in enumerate(tf.read_text().splitlines(), 1):
            for kind, codes in _MARK.findall(line):
                if kind == "EXPECT" or with_all:
                    found.update((str(tf), number, code) for code in codes.split())
    return found


def got(with_all: bool = False, env: str | None = None) -> list[tuple[str, int, str, Severity, str]]:
    reviews, problems = review_files([PLAN], all_resources=with_all, env=env)
    assert problems == []
    (review,) = reviews
    return [(d.where.file, d.where.line, d.code, d.severity, d.path) for d in review.findings if d.where]


@pytest.mark.parametrize("with_all", [False, True])
def test_every_finding_is_at_its_marked_line(with_all: bool) -> None:
    findings = got(with_all)
    in_code = Counter((f, line, code) for f, line, code, _, _ in findings if f.endswith(".tf"))
    assert in_code == expected(with_all)
    # resources removed from the root module have no block left: they are placed at the plan file
    at_plan = sorted((code, path) for f, _, code, _, path in findings if f == str(PLAN))
    assert at_plan == [("MLR005", "aws_iam_policy.legacy"), ("MLR005", "aws_instance.bastion")]


def test_a_deleted_resource_does_not_fail_rules_meant_for_what_exists() -> None:
    by_path = {(path, code) for _, _, code, _, path in got(True)}
    # a wildcard policy being deleted is no IAM finding; a public-access block going with its bucket is
    # no protection finding (the bucket's own destroy is the finding)
    assert ("aws_iam_policy.legacy", "MLR002") not in by_path
    assert ("aws_iam_policy.legacy", "MLR007") not in by_path
    assert ("module.storage.aws_s3_bucket_public_access_block.old", "MLR003") not in by_path
    assert ("module.storage.aws_s3_bucket.old", "MLR001") in by_path


def test_protected_env_is_stricter_than_dev() -> None:
    prod = {(path, code): sev for _, _, code, sev, path in got()}
    dev = {(path, code): sev for _, _, code, sev, path in got(env="dev")}
    assert prod[("aws_iam_policy.pipeline", "MLR002")] is Severity.ERROR
    assert dev[("aws_iam_policy.pipeline", "MLR002")] is Severity.WARNING
    assert prod[("aws_eks_node_group.gpu", "MLR004")] is Severity.WARNING
    assert dev[("aws_eks_node_group.gpu", "MLR004")] is Severity.INFO
    # stateful destroys block everywhere; other destroys are only listed in protected environments
    assert dev[("aws_kms_key.artifacts", "MLR001")] is Severity.ERROR
    assert not any(code == "MLR005" for _, code in dev)


def test_gpu_capacity_change_carries_the_monthly_cost() -> None:
    reviews, _ = review_files([PLAN])
    (finding,) = [d for d in reviews[0].findings if d.code == "MLR004"]
    # g6.2xlarge on-demand in us-east-1 (the provider's region in the plan): max 2 -> 8 nodes, 730 h
    (pool,) = reviews[0].pool_changes
    rate = pool.after_rate
    assert rate is not None
    delta = 6 * rate.price.usd_per_hour * 730
    assert f"max 2 -> 8; +${delta:,.2f}/month at max" in finding.summary
    assert "desired 1 -> 2" in finding.summary


def test_sensitive_values_never_appear() -> None:
    reviews, _ = review_files([PLAN], all_resources=True)
    text = repr([d.to_dict() for d in reviews[0].findings])
    assert "not-shown" not in text


def test_unit_env_and_source_are_found_from_the_plan_path() -> None:
    assert locate_unit(PLAN) == ("prod", "ml", AWS / "live" / "prod" / "ml")
    unit = unit_input(PLAN)
    assert (unit.unit, unit.env, unit.protected) == ("prod/ml", "prod", True)
    elsewhere = unit_input(AWS / "plans" / "unsupported_version.json", repo=AWS / "live" / "prod" / "ml")
    assert elsewhere.root_dir == AWS / "live" / "prod" / "ml" and elsewhere.env is None


def test_module_names_of_instance_addresses() -> None:
    assert module_names('module.a["x.y]"].module.b[0]') == ["a", "b"]
    assert module_names("") == []


@pytest.mark.parametrize(("name", "message"), [
    ("unsupported_version.json", "unsupported plan format_version '2.0' (this mlstrata reads 1.x)"),
    ("state_not_plan.json", "this is Terraform state JSON, not a plan"),
])
def test_bad_input_is_a_diagnostic(name: str, message: str) -> None:
    reviews, problems = review_files([PLAN, AWS / "plans" / name])
    assert reviews == [] and [p.summary for p in problems] == [message]


def _review_altered(tmp_path: Path, alter: Callable[[dict[str, Any]], bool]) -> UnitReview:
    tree = tmp_path / "aws"
    shutil.copytree(AWS, tree)
    plan_file = tree / PLAN.relative_to(AWS)
    data = json.loads(plan_file.read_text())
    assert sum(alter(rc) for rc in data["resource_changes"]) >= 1
    plan_file.write_text(json.dumps(data))
    reviews, problems = review_files([plan_file], all_resources=True)
    assert problems == [] and len(reviews) == 1
    return reviews[0]


def test_an_inline_policy_that_is_no_list_is_no_crash(tmp_path: Path) -> None:
    # found by the plan fuzzer: `inline_policy: 5` made review raise "'int' object is not iterable"
    def alter(rc: dict[str, Any]) -> bool:
        if rc["type"] == "aws_iam_role" and rc["change"]["after"]:
            rc["change"]["after"]["inline_policy"] = 5
            return True
        return False

    review = _review_altered(tmp_path, alter)
    assert any(d.path == "aws_iam_role.serving" for d in review.findings)


def test_a_bucket_name_of_the_wrong_type_is_no_crash(tmp_path: Path) -> None:
    # found by the plan fuzzer: a public-access block whose `bucket` is a list made review raise TypeError
    def alter(rc: dict[str, Any]) -> bool:
        if rc["type"] in ("aws_s3_bucket_public_access_block", "aws_s3_bucket") and rc["change"]["before"]:
            rc["change"]["before"]["bucket"] = ["not", "a", "name"]
            return True
        return False

    review = _review_altered(tmp_path, alter)
    # the bucket's own destroy is still a finding; only its name is unknown
    assert any(d.code == "MLR001" and d.path == "module.storage.aws_s3_bucket.old" for d in review.findings)


def test_destroying_a_local_feature_store_is_a_stateful_finding(tmp_path: Path) -> None:
    """The local Feast repository holds the feature registry and online store: its destroy blocks like a bucket's."""
    def alter(rc: dict[str, Any]) -> bool:
        if rc["address"] == "module.storage.aws_s3_bucket.old":
            rc.update(type="mlstrata_feature_store", address="module.storage.mlstrata_feature_store.old")
            rc["change"]["before"] = {"name": "dev-features", "project": "dev"}
            return True
        return False

    review = _review_altered(tmp_path, alter)
    (finding,) = [d for d in review.findings if d.path == "module.storage.mlstrata_feature_store.old"]
    assert finding.code == "MLR001" and "feature store" in finding.summary
    assert "online store" in finding.detail + finding.summary


def test_the_gate_decodes_only_the_values_its_checks_read() -> None:
    """Checks ask the resource type and action first: a change no check is about keeps its values raw
    (decoding every change's values costs more than the rest of the review of a large plan)."""
    import msgspec

    from mlstrata.plan import decode_plan
    from mlstrata.review.gate import ReviewSettings, review_plan

    def change(rtype: str, name: str, actions: list[str]) -> dict[str, Any]:
        values = {"name": name, "policy": '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'}
        return {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
                "change": {"actions": actions, "before": values, "after": {**values, "tags": {"n": name}}}}

    changes = [change("aws_instance", f"i{n}", ["update"]) for n in range(20)]
    changes += [change("aws_iam_policy", "p", ["update"]), change("aws_instance", "gone", ["delete"])]
    plan, _ = decode_plan(json.dumps({"format_version": "1.2", "resource_changes": changes}).encode())
    assert plan is not None
    review = review_plan(plan, unit_input(Path("plan.json"), env="prod"), ReviewSettings())
    assert [d.code for d in review.findings] == ["MLR005"]  # the delete, in a protected environment
    decoded = sorted((rc.name, side) for rc in plan.resource_changes for side, raw in (("before", rc._before),
                     ("after", rc._after)) if raw is not None and not isinstance(raw, msgspec.Raw))
    # and of those it reads, only the attributes the checks read (ResourceChange.peek): none is decoded whole
    peeked = sorted((rc.name, side) for rc in plan.resource_changes for side, kept in (("before", rc._before_peek),
                    ("after", rc._after_peek)) if kept is not None)
    assert (decoded, peeked) == ([], [("gone", "before"), ("p", "after"), ("p", "before")])
