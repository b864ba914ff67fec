from __future__ import annotations

from pathlib import Path

from mlstrata.spec.load import load_spec, load_text
from mlstrata.spec.resolve import deep_merge, resolve
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]


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
    loaded = load_text("""
platform: acme-ml
target: aws
region: eu-west-1
state: { backend: s3, bucket: b-tfstate }
environments:
  dev: { account: "111111111111" }
  prod: { account: "333333333333", region: eu-central-1 }
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
