"""`checks_for` (which change checks run on a change, asked once per resource type and action) never leaves out
a check that would have found something: every check runs on every change of every plan fixture, and of the
benchmark's generated plan, under every action, and a check left out must find nothing there."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

from mlstrata.plan import Action, Plan, ResourceChange, decode_plan
from mlstrata.review.checks import CHANGE_CHECKS, SETTINGS, PlanFacts, checks_for
from mlstrata.targets.resources import HOLDS

TESTS = Path(__file__).resolve().parents[1]
TESTDATA = TESTS / "testdata"


def _doc(wide: bool) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*" if wide else
                       "s3:GetObject", "Resource": "*" if wide else "arn:aws:s3:::b/*"}]})


def _driver(version: str) -> dict[str, Any]:
    return {"node_config": [{"guest_accelerator": [{"gpu_driver_installation_config": [
        {"gpu_driver_version": version}]}]}]}


# (type, before, after): a change each check reports on, under the actions it looks at
_HITTING: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    *[(rtype, {"name": "feast-online", "bucket": "terraform-state-x", "version_count": 3},
       {"name": "feast-online", "bucket": "terraform-state-x"}) for rtype in HOLDS],
    *[(rtype, {"bucket": "b", "versioning": [{"enabled": True}], "force_destroy": False, "deletion_protection": True,
               "storage_encrypted": True, "publicly_accessible": False, "skip_final_snapshot": False,
               "is_enabled": True, "enable_key_rotation": True, "encrypted": True, "versioning_configuration":
               [{"status": "Enabled"}], "block_public_acls": True, "uniform_bucket_level_access": True,
               "public_access_prevention": "enforced", "deletion_protection_enabled": True,
               "server_side_encryption_configuration": [{}],
               "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}]},
       {"bucket": "b", "versioning": [{"enabled": False}], "force_destroy": True, "deletion_protection": False,
        "storage_encrypted": False, "publicly_accessible": True, "skip_final_snapshot": True, "is_enabled": False,
        "enable_key_rotation": False, "encrypted": False, "versioning_configuration": [{"status": "Suspended"}],
        "block_public_acls": False, "uniform_bucket_level_access": False, "public_access_prevention": "inherited",
        "deletion_protection_enabled": False, "server_side_encryption_configuration": [], "rule": []})
      for rtype in SETTINGS],
    ("aws_iam_policy", {"policy": _doc(False)}, {"policy": _doc(True)}),
    ("aws_iam_role", {"assume_role_policy": _doc(False), "inline_policy": [{"name": "i", "policy": _doc(False)}]},
     {"assume_role_policy": _doc(False), "inline_policy": [{"name": "i", "policy": _doc(True)}]}),
    ("aws_iam_role_policy_attachment", {"policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     {"policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ("google_project_iam_member", {"role": "roles/viewer", "member": "user:a"},
     {"role": "roles/owner", "member": "allUsers"}),
    ("mlstrata_registry_permissions", {"grants": {"a": "READ"}}, {"grants": {"a": "MANAGE", "*": "READ"}}),
    ("mlstrata_model_registry", {"default_permission": "READ"}, {"default_permission": "MANAGE"}),
    ("mlstrata_service_account", {"is_admin": False}, {"is_admin": True}),
    ("google_container_node_pool", _driver("DEFAULT"), _driver("LATEST")),
    ("aws_sagemaker_endpoint", {"name": "ep"}, {"name": "ep"}),
    ("google_vertex_ai_endpoint", {"name": "ep"}, {"name": "ep"}),
    ("helm_release", {"chart": "kserve-crd", "name": "kserve-crd"}, {"chart": "kserve-crd", "name": "kserve-crd"}),
    ("helm_release", {"chart": "x/serving-class", "name": "serving-class-a"}, {"chart": "x/serving-class"}),
    ("aws_dynamodb_table", {"name": "feast.driver_stats"}, {"name": "feast.driver_stats"}),
    ("azapi_resource", {"type": "Microsoft.MachineLearningServices/registries@2024-04-01", "name": "r"},
     {"type": "Microsoft.MachineLearningServices/registries@2024-04-01", "name": "r"}),
    ("aws_instance", {"name": "plain"}, {"name": "plain"}),
]


def _hitting_plan() -> Plan:
    changes = [{"address": f"{rtype}.r{i}", "mode": "managed", "type": rtype, "name": f"r{i}",
                "change": {"actions": ["update"], "before": before, "after": after,
                           "after_unknown": {"policy": True}, "replace_paths": [["name"], ["bucket"]]},
                "action_reason": "replace_because_cannot_update"}
               for i, (rtype, before, after) in enumerate(_HITTING)]
    plan, problems = decode_plan(json.dumps({"format_version": "1.2", "resource_changes": changes}))
    assert plan is not None, problems
    return plan


def _plans() -> list[Plan]:
    plans = []
    for path in sorted(TESTDATA.rglob("*.json")):
        data = path.read_bytes()
        if b'"resource_changes"' not in data:
            continue
        plan, _ = decode_plan(data, str(path))
        if plan is not None:
            plans.append(plan)
    spec = importlib.util.spec_from_file_location("review_large_plan", TESTS.parent / "benchmarks" /
                                                  "review_large_plan.py")
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    plan, _ = decode_plan(benchmark.generate(240))
    assert plan is not None
    return [*plans, plan, _hitting_plan()]


def _as(rc: ResourceChange, action: Action) -> ResourceChange:
    return ResourceChange(rc.address, rc.module_address, rc.type, rc.name, rc.mode, action, rc.provider_name,
                          rc.index, rc.deposed, rc.previous_address, rc.action_reason, rc.before, rc.after,
                          rc.after_unknown, rc.before_sensitive, rc.after_sensitive, rc.replace_paths, rc.importing)


def test_a_check_left_out_of_a_change_finds_nothing_there() -> None:
    ran: Counter[str] = Counter()
    found: Counter[str] = Counter()
    left_out = 0
    types = set()
    for plan in _plans():
        for rc in plan.resource_changes:
            types.add(rc.type)
            for action in Action:
                change = _as(rc, action)
                chosen = checks_for(rc.type, action)
                assert list(chosen) == [c for c in CHANGE_CHECKS if c in chosen]  # in CHANGE_CHECKS' order
                for facts in (PlanFacts(), PlanFacts(protected=True)):
                    for check in CHANGE_CHECKS:
                        hits = list(check(change, facts))
                        if check in chosen:
                            ran[check.__name__] += 1
                            found[check.__name__] += bool(hits)
                        else:
                            left_out += 1
                            assert hits == [], (check.__name__, rc.address, action, hits)
    # the fixtures exercise it: many resource types, every check chosen and finding something, most left out
    assert len(types) >= 30
    assert set(found) == {c.__name__ for c in CHANGE_CHECKS} and min(found.values()) >= 1, found
    assert left_out > sum(ran.values())
