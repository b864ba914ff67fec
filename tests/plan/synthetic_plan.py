"""A synthetic large plan (`terraform show -json` shape) for decoder load tests and benchmarks."""

from __future__ import annotations

from typing import Any

import orjson

_ACTIONS = [["create"], ["update"], ["delete"], ["delete", "create"], ["create", "delete"], ["no-op"], ["read"]]
_TYPES = ["aws_s3_bucket", "aws_iam_role", "aws_eks_node_group", "aws_instance", "aws_kms_key", "aws_vpc"]


def synthetic_plan(changes: int) -> tuple[bytes, dict[str, int]]:
    """Plan JSON with `changes` resource changes cycling through all action kinds (and one drift
    entry per 100); also returns how many of each action list it holds."""
    resource_changes: list[dict[str, Any]] = []
    tally: dict[str, int] = {}
    for i in range(changes):
        actions = _ACTIONS[i % len(_ACTIONS)]
        kind = _TYPES[i % len(_TYPES)]
        module = f"module.m{i % 50}"
        before = None if actions == ["create"] else {"name": f"r{i}", "tags": {"env": "dev", "n": str(i)}}
        after = None if actions == ["delete"] else {"name": f"r{i}", "tags": {"env": "prod", "n": str(i)}, "arn": None}
        resource_changes.append(
            {
                "address": f"{module}.{kind}.r{i}",
                "module_address": module,
                "mode": "data" if actions == ["read"] else "managed",
                "type": kind,
                "name": f"r{i}",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": actions,
                    "before": before,
                    "after": after,
                    "after_unknown": {"arn": True},
                    "before_sensitive": {},
                    "after_sensitive": {"tags": {}},
                },
            }
        )
        key = ",".join(actions)
        tally[key] = tally.get(key, 0) + 1
    drift = [dict(rc, change=dict(rc["change"], actions=["update"])) for rc in resource_changes[::100]]
    doc = {
        "format_version": "1.2",
        "terraform_version": "1.15.5",
        "planned_values": {"root_module": {}},
        "resource_changes": resource_changes,
        "resource_drift": drift,
        "output_changes": {"o": {"actions": ["create"], "before": None, "after": 1, "after_unknown": False}},
        "configuration": {"root_module": {}},
        "errored": False,
    }
    return orjson.dumps(doc), tally
