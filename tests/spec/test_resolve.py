from __future__ import annotations

from pathlib import Path

from mlstrata.spec.load import load_spec, load_text
from mlstrata.spec.models import ServingEndpointShape
from mlstrata.spec.resolve import deep_merge, resolve
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
AWS_DEV = """
platform: acme-ml
target: aws
region: eu-west-1
state: { backend: s3, bucket: b-tfstate }
environments:
  dev: { account: "111111111111" }
"""


def test_overrides_resolve_per_environment() -> None:
    loaded = load_spec(REPO / "examples" / "aws" / "platform.yaml", targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    assert envs["dev"].gpu_pools["training"].instance_types == ["g6.2xlarge"]
    assert envs["dev"].gpu_pools["training"].scaling.max == 2
    # keys the override does not mention keep the declared value
    assert envs["dev"].gpu_pools["training"].scaling.min == 0
    assert envs["dev"].gpu_pools["training"].scaling.desired == "autoscaler"
    assert envs["prod"].gpu_pools["training"].instance_types == ["p5.48xlarge"]
    assert envs["prod"].gpu_pools["training"].scaling.max == 4
    assert envs["dev"].gpu_pools["serving"].capacity == "spot"
    assert envs["staging"].gpu_pools["serving"].capacity == "on_demand"
    assert envs["prod"].protect and not envs["dev"].protect


def test_promoters_list_applies_to_every_stage() -> None:
    loaded = load_text(AWS_DEV + """  prod: { account: "333333333333", region: eu-central-1 }
model_registry:
  stages: [dev, prod]
  promoters: ["arn:aws:iam::111111111111:role/ci"]
cluster: { admins: ["arn:aws:iam::111111111111:role/admin"] }
observability: { grafana: false }
""", targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    assert envs["dev"].promoters == {"dev": ["arn:aws:iam::111111111111:role/ci"],
                                     "prod": ["arn:aws:iam::111111111111:role/ci"]}
    assert envs["prod"].region == "eu-central-1"
    assert envs["dev"].region == "eu-west-1"


def test_deep_merge_replaces_lists_and_merges_maps() -> None:
    base = {"scaling": {"min": 0, "max": 4}, "instance_types": ["a", "b"]}
    merged = deep_merge(base, {"scaling": {"max": 2}, "instance_types": ["c"]})
    assert merged == {"scaling": {"min": 0, "max": 2}, "instance_types": ["c"]}
    assert base["scaling"] == {"min": 0, "max": 4}


def test_unused_metadata_store_is_a_warning_not_an_error() -> None:
    loaded = load_text("""
platform: acme-ml
target: aws
region: us-east-1
state: { backend: s3, bucket: b-tfstate }
environments:
  dev: { account: "111111111111" }
pipelines:
  needs: [identity]
  metadata_store: {}
cluster: { admins: ["arn:aws:iam::111111111111:role/admin"] }
observability: { grafana: false }
""", targets=TARGETS)
    assert [d.code for d in loaded.warnings] == ["spec.unused"]


def test_serving_endpoints_resolve_per_environment_with_the_default_stage() -> None:
    loaded = load_spec(REPO / "examples" / "aws" / "platform.yaml", targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    dev, prod = envs["dev"].serving["fraud-api"], envs["prod"].serving["fraud-api"]
    # the dev override changes only the keys it names
    def bounds(shape: ServingEndpointShape) -> tuple[int, int, bool]:
        a = shape.autoscaling
        return a.min_replicas, a.max_replicas, a.scale_to_zero

    assert bounds(dev) == (0, 1, True) and bounds(prod) == (1, 4, False)
    assert dev.autoscaling.target_concurrency == 8
    # each environment reads its own registry stage unless the class names one
    assert (dev.stage, prod.stage) == ("dev", "prod")
    assert dev.gpu_pool == "serving" and dev.alias == "champion"


def test_service_defaults_follow_the_target() -> None:
    from mlstrata.spec.resolve import online_store, serving_engine

    aws = load_spec(REPO / "examples" / "aws" / "platform.yaml", targets=TARGETS).platform
    local = load_spec(REPO / "examples" / "quickstart" / "platform.yaml", targets=TARGETS).platform
    assert (serving_engine(aws), online_store(aws)) == ("kserve", "dynamodb")
    assert (serving_engine(local), online_store(local)) == ("local", "sqlite")
    bare = aws.model_copy(update={"serving": None, "feature_store": None})
    assert (serving_engine(bare), online_store(bare)) == ("kserve", "dynamodb")


def test_an_endpoint_class_is_not_deployed_off_the_promotion_path_unless_it_names_a_stage() -> None:
    loaded = load_text(AWS_DEV + """  qa: { account: "222222222222" }
  sandbox: { account: "222222222222" }
  prod: { account: "333333333333" }
model_registry:
  stages: [dev, prod]
  models: { fraud-detector: {} }
serving:
  endpoints:
    fraud-api:
      model: fraud-detector
      overrides: { sandbox: { stage: dev } }
cluster: { admins: ["arn:aws:iam::111111111111:role/admin"] }
observability: { grafana: false }
""", targets=TARGETS)
    envs = resolve(loaded.platform, loaded.source.data)
    assert envs["qa"].serving == {} and envs["dev"].serving["fraud-api"].stage == "dev"
    assert envs["sandbox"].serving["fraud-api"].stage == "dev"
    (warned,) = [w for w in loaded.warnings if w.code == "spec.serving_stage"]
    assert "not deployed in `qa`" in warned.summary and "overrides: {qa: {stage: <stage>}}" in warned.hint
