"""Facts the module library states once: each in the module that owns it, the callers passing values through.

An S3 bucket name is checked in modules/aws/s3_bucket, where every bucket is declared (AWS naming rules:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html); the callers that take a
bucket name hand it to that module, so the check runs for theirs too.
"""

from __future__ import annotations

import re
from pathlib import Path

from mlstrata.hcl import Block, parse_file

AWS = Path(__file__).resolve().parents[2] / "src" / "mlstrata" / "terraform" / "modules" / "aws"
BUCKET_NAME_RULE = "-s3alias$|--ol-s3$"  # a part of the bucket-name validation no other rule has


def _blocks(module: Path) -> list[Block]:
    return [b for tf in sorted(module.glob("*.tf")) for b in parse_file(str(tf)).body.blocks]


def _validated(module: Path) -> set[str]:
    """Variables of `module` whose validation is the S3 bucket-name rule."""
    return {b.labels[0] for b in _blocks(module) if b.type == "variable"
            for v in b.body.blocks if v.type == "validation"
            and BUCKET_NAME_RULE in v.body.attributes["condition"].expr_text}


def test_every_s3_bucket_is_declared_in_s3_bucket() -> None:
    declaring = sorted(m.name for m in AWS.iterdir()
                       if any(b.type == "resource" and b.labels[0] == "aws_s3_bucket" for b in _blocks(m)))
    assert declaring == ["s3_bucket"]


def test_the_bucket_name_rule_has_one_home_and_reaches_every_callers_name() -> None:
    homes = sorted(m.name for m in AWS.iterdir() if _validated(m))
    assert homes == ["s3_bucket"] and _validated(AWS / "s3_bucket") == {"name"}
    callers = {}
    for module in sorted(AWS.iterdir()):
        for call in _blocks(module):
            if call.type == "module" and call.body.attributes["source"].value == "../s3_bucket":
                callers[module.name] = call.body.attributes["name"].expr_text
    # the name each caller takes is the one it passes (no rewrite the rule would not see)
    assert {"access_log_bucket", "artifact_bucket", "state_backend"} <= set(callers)
    assert all(re.fullmatch(r"var\.[a-z_]+", name) for name in callers.values()), callers


def _trusts_ec2(block: Block) -> bool:
    """An IAM policy document with a statement EC2 may assume (a role's trust policy for instances)."""
    def principals(body_blocks: list[Block]) -> list[Block]:
        out = []
        for b in body_blocks:
            if b.type == "principals":
                out.append(b)
            elif b.type in ("statement", "dynamic", "content"):
                out += principals(b.body.blocks)
        return out
    return block.type == "data" and block.labels[0] == "aws_iam_policy_document" and any(
        "ec2.amazonaws.com" in p.body.attributes["identifiers"].expr_text for p in principals(block.body.blocks))


def test_the_eks_node_role_has_one_home() -> None:
    """EKS node roles (trusted by EC2; AmazonEKSWorkerNodePolicy and ECR read-only, no CNI policy:
    https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html) are declared in node_role only;
    the system node group, every GPU pool and Karpenter's nodes get theirs from it."""
    trusting = sorted(m.name for m in AWS.iterdir() if any(_trusts_ec2(b) for b in _blocks(m)))
    assert trusting == ["node_role"]
    callers = sorted(m.name for m in AWS.iterdir() for b in _blocks(m)
                     if b.type == "module" and b.body.attributes["source"].value == "../node_role")
    assert callers == ["eks_cluster", "gpu_node_pool", "karpenter"]
