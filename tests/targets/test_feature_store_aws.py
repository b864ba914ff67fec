"""The Feast feature store on AWS: offline store and registry in a versioned KMS bucket (base layer), the
online store (DynamoDB access scoped to the project's tables, or ElastiCache Redis encrypted at rest and in
transit with IAM authentication), an IRSA role for Feast, and the handoff CI/CD writes feature_store.yaml from."""

from __future__ import annotations

from pathlib import Path

from support.rendered import blocks as _blocks

from mlstrata.hcl import parse_file
from mlstrata.render.tree import render_tree
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "src" / "mlstrata" / "terraform" / "modules" / "aws"
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def test_dynamodb_online_store_is_scoped_to_the_project_tables() -> None:
    """Feast's DynamoDB online store names tables `{project}.{table_name}` (DynamoDBOnlineStoreConfig
    table_name_template) and needs CreateTable/DescribeTable (apply), BatchWriteItem (materialize) and
    BatchGetItem (serving): https://docs.feast.dev/reference/online-stores/dynamodb, Permissions."""
    tree = render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS))
    base = _blocks(tree.files["live/prod/base/main.tf"], "module")["feature_store_bucket"].body.attributes
    assert base["versioning"].value is True and base["kms_key_arn"].expr_text == "module.kms.key_arn"
    assert base["protect"].value is True
    platform = _blocks(tree.files["live/prod/platform/main.tf"], "module")
    identity = platform["feature_store_identity"].body.attributes
    assert identity["dynamodb_table_prefixes"].value == ["acme_ml."]
    assert "feature_store_online" not in platform  # DynamoDB: Feast creates the tables at `feast apply`
    deps = parse_file(str(MODULES / "workload_role" / "main.tf"))
    doc = next(b for b in deps.body.blocks if b.labels == ["aws_iam_policy_document", "this"])
    online = next(d for d in doc.body.blocks
                  if d.type == "dynamic" and "OnlineTables" in str(d.body.blocks[0].body.attributes["sid"].value))
    actions = online.body.blocks[0].body.attributes["actions"].value
    assert isinstance(actions, list)
    assert {"dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:BatchWriteItem",
            "dynamodb:BatchGetItem"} <= set(actions)
    assert "dynamodb:DeleteTable" not in actions  # dropping a table is a reviewed change
    out = _blocks(tree.files["live/prod/platform/outputs.tf"], "output")["feature_store"]
    value = out.body.attributes["value"].partial_value
    assert value["registry"] == "s3://acme-ml-prod-feature-store-333333333333/registry.pb"
    assert value["online_store"] == {"type": "dynamodb", "region": "us-east-1"}
    assert value["project"] == "acme_ml"  # Feast project names: letters, digits, underscores


def test_redis_online_store_is_encrypted_and_passwordless() -> None:
    """ElastiCache: at-rest encryption with a customer key, in-transit encryption required; IAM
    authentication (Redis OSS >= 7, user id = user name) so no AUTH token reaches state; every user group
    needs a user named `default` (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html,
    .../Clusters.RBAC.html)."""
    main = parse_file(str(MODULES / "feast_redis" / "main.tf"))
    resources = {tuple(b.labels): b.body for b in main.body.blocks if b.type == "resource"}
    group = resources[("aws_elasticache_replication_group", "this")].attributes
    assert group["at_rest_encryption_enabled"].value is True
    assert group["transit_encryption_enabled"].value is True and group["transit_encryption_mode"].value == "required"
    assert group["kms_key_id"].expr_text == "var.kms_key_arn"
    assert "auth_token" not in group
    # protected environments: two nodes in two zones with automatic failover (checkov CKV2_AWS_50)
    assert group["num_cache_clusters"].expr_text == "var.protect ? 2 : 1"
    assert group["automatic_failover_enabled"].expr_text == group["multi_az_enabled"].expr_text == "var.protect"
    feast = resources[("aws_elasticache_user", "feast")]
    assert feast.attributes["user_id"].expr_text == feast.attributes["user_name"].expr_text
    assert feast.blocks_of("authentication_mode")[0].body.attributes["type"].value == "iam"
    default = resources[("aws_elasticache_user", "default")]
    assert default.attributes["user_name"].value == "default"
    assert default.attributes["access_string"].value.startswith("off ")
    spec = AWS_EXAMPLE.read_text().replace("  online_store: dynamodb ", "  online_store: redis ")
    tree = render_tree(load_text(spec, targets=TARGETS))
    platform = _blocks(tree.files["live/dev/platform/main.tf"], "module")
    online = platform["feature_store_online"].body.attributes
    assert online["protect"].value is False
    prod = _blocks(tree.files["live/prod/platform/main.tf"], "module")["feature_store_online"].body.attributes
    assert prod["protect"].value is True
    assert "module.feature_store_online.redis_user_arn" in \
        platform["feature_store_identity"].body.attributes["elasticache_connect_arns"].expr_text
    assert "modules/feast_redis/main.tf" in tree.files
    assert not any(n in online for n in ("auth_token", "password", "passwords"))
    assert "auth_token" not in tree.files["live/dev/platform/main.tf"]
