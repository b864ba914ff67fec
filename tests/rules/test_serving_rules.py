"""The serving rules on the rendered AWS example: its classes land on their pools (MLS044 silent), and the
same tree with a class pointed at a pool that is not there, or without the pool's toleration, is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.rules.runner import run_check
from mlstrata.rules.serving import tolerated
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

REPO = Path(__file__).resolve().parents[2]
AWS_EXAMPLE = REPO / "examples" / "aws" / "platform.yaml"


def test_toleration_matching_follows_kubernetes() -> None:
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/: Equal needs key and
    value; Exists only the key; an empty key with Exists tolerates everything; an empty effect any effect."""
    taint = ("nvidia.com/gpu", "true", "NoSchedule")
    assert tolerated(taint, (("nvidia.com/gpu", "Equal", "true", "NoSchedule"),))
    assert tolerated(taint, (("nvidia.com/gpu", "Exists", "", ""),))
    assert tolerated(taint, (("", "Exists", "", ""),))
    assert not tolerated(taint, (("nvidia.com/gpu", "Equal", "false", "NoSchedule"),))
    assert not tolerated(taint, (("nvidia.com/gpu", "Equal", "true", "NoExecute"),))
    assert not tolerated(taint, ())


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "infra"
    write_tree(render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS)), out)
    return out


def _codes(root: Path, rule: str) -> list[str]:
    return [f"{d.where.file}:{d.where.line}" for d in run_check([root], spec=None, workers=1, select={rule}).findings
            if d.where is not None]


def test_rendered_classes_land_on_their_pools(example: Path, tmp_path: Path) -> None:
    assert _codes(example, "MLS044") == []
    main = example / "live" / "prod" / "platform" / "main.tf"
    text = main.read_text()
    assert '"mlstrata.dev/gpu-pool" = "serving"' in text
    broken = tmp_path / "broken"
    write_tree(render_tree(load_spec(AWS_EXAMPLE, targets=TARGETS)), broken)
    target = broken / "live" / "prod" / "platform" / "main.tf"
    target.write_text(text.replace('"mlstrata.dev/gpu-pool" = "serving"', '"mlstrata.dev/gpu-pool" = "training2"', 1))
    found = _codes(broken, "MLS044")
    assert len(found) == 1 and found[0].startswith(str(target))


def test_untolerated_gpu_pool_is_caught(tmp_path: Path) -> None:
    # a CPU-only class rendered against the spec, then its selector pointed at the tainted GPU pool by hand
    spec = AWS_EXAMPLE.read_text().replace("      gpu_pool: serving ", "      # gpu_pool: serving ")
    out = tmp_path / "infra"
    write_tree(render_tree(load_text(spec, targets=TARGETS)), out)
    main = out / "live" / "dev" / "platform" / "main.tf"
    assert _codes(out, "MLS044") == []
    main.write_text(main.read_text().replace('"mlstrata.dev/pool" = "system"\n      }\n      tolerations = []',
                                             '"mlstrata.dev/gpu-pool" = "serving"\n      }\n      tolerations = []', 1))
    assert len(_codes(out, "MLS044")) == 1


def test_warm_dev_gpu_endpoint_is_flagged_only_in_dev(tmp_path: Path) -> None:
    spec = AWS_EXAMPLE.read_text().replace(
        "autoscaling: { min_replicas: 0, max_replicas: 1, scale_to_zero: true }",
        "autoscaling: { min_replicas: 1, max_replicas: 1 }")
    assert spec != AWS_EXAMPLE.read_text()
    out = tmp_path / "infra"
    write_tree(render_tree(load_text(spec, targets=TARGETS)), out)
    found = _codes(out, "MLS045")
    assert len(found) == 1 and "/live/dev/platform/main.tf" in found[0]
