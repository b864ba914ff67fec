"""`review` on plans made by real Terraform: the quickstart's dev/base unit on the local target (create,
update, replace, destroy), and the engine's checked-in plans of Terraform 1.11.4 and 1.15.5 (drift)."""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import CliResult
from support.cli import mlstrata as run_cli

from mlstrata.review.gate import UnitReview, review_files

REPO = Path(__file__).resolve().parents[2]
ENGINE_PLANS = REPO / "tests" / "testdata" / "engine" / "plans"

Planner = Callable[[Callable[[str], str]], UnitReview]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> tuple[UnitReview, Planner]:
    """Plan and apply dev/base once; return the create review and a function that plans a spec edit."""
    root = tmp_path_factory.mktemp("review-quickstart")
    spec = root / "platform.yaml"
    original = (REPO / "examples" / "quickstart" / "platform.yaml").read_text()
    spec.write_text(original)
    env = {**os.environ, "XDG_DATA_HOME": str(root / "xdg"), "NO_COLOR": "1"}
    env.pop("MLSTRATA_TERRAFORM", None)
    plan_json = root / "infra" / "live" / "dev" / "base" / ".mlstrata" / "plan.json"

    def mlstrata(*args: str) -> None:
        proc = run_cli(*args, cwd=root, env=env, process=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def plan(edit: Callable[[str], str]) -> UnitReview:
        spec.write_text(edit(original))
        mlstrata("render")
        mlstrata("plan", "--env", "dev", "--layer", "base", "--no-review")  # reviewed below, directly
        kept = root / f"plan-{len(list(root.glob('plan-*.json')))}.json"
        shutil.copy(plan_json, kept)
        # reviewed where `mlstrata plan` left it: unit, env and source are found from the path
        reviews, problems = review_files([plan_json], spec=None)
        assert problems == []
        return reviews[0]

    created = plan(lambda text: text)
    mlstrata("apply", "--env", "dev", "--layer", "base", "--yes")
    RUNS[0] = lambda *args: run_cli(*args, cwd=root, env=env, process=True)
    ROOTS[0] = root
    return created, plan


RUNS: dict[int, Callable[..., CliResult]] = {}  # the quickstart's CLI, for tests that change more than a plan
ROOTS: dict[int, Path] = {}


def _findings(review: UnitReview) -> list[tuple[str, str, str]]:
    return [(d.code, d.severity.value, d.path) for d in review.findings]


def test_create_has_only_the_new_gpu_pool_with_its_cost(quickstart: tuple[UnitReview, Planner]) -> None:
    created, _ = quickstart
    assert (created.unit, created.env, created.protected) == ("dev/base", "dev", False)
    assert created.counts.add == 10 and created.counts.destroy == 0
    assert _findings(created) == [("MLR004", "info", "module.gpu_pool_training.mlstrata_gpu_pool.this")]
    (finding,) = created.findings
    assert "GPU pool created: g6.2xlarge x 0-2" in finding.summary
    assert finding.where is not None and finding.where.file.endswith("modules/gpu_pool/main.tf")
    # no --spec: the region is unknown, so the pool is reported unpriced rather than free
    assert "unpriced" in finding.summary and "region is unknown" in finding.detail


def test_retention_change_is_an_update_without_findings(quickstart: tuple[UnitReview, Planner]) -> None:
    _, plan = quickstart
    review = plan(lambda text: text.replace("retention_days: 90", "retention_days: 30"))
    assert (review.counts.add, review.counts.change, review.counts.destroy) == (0, 1, 0)
    assert review.findings == []


def test_renamed_registry_is_a_blocking_replace_at_its_block(quickstart: tuple[UnitReview, Planner]) -> None:
    _, plan = quickstart
    review = plan(lambda text: text.replace("platform: quickstart", "platform: quickstart-v2"))
    registry = [d for d in review.findings if d.path == "module.model_registry.mlstrata_model_registry.this"]
    (finding,) = registry
    assert (finding.code, finding.severity.value) == ("MLR001", "error")
    assert "model registry `quickstart-dev` is replaced" in finding.summary
    assert "`name` quickstart-dev -> quickstart-v2-dev" in finding.detail
    assert finding.where is not None and finding.where.file.endswith("modules/model_registry/main.tf")
    source = Path(finding.where.file).read_text().splitlines()[finding.where.line - 1]
    assert source.startswith('resource "mlstrata_model_registry" "this"')
    assert {d.code for d in review.findings} == {"MLR001"}


def test_deleting_a_model_blocks_only_when_mlflow_holds_versions_of_it(
        quickstart: tuple[UnitReview, Planner]) -> None:
    """The version count comes from the provider's read of the real MLflow registry (the plan's refreshed
    state): no versions, a plain delete (info); versions, blocking. Versions registered between the review
    and the apply are refused by the provider: nobody reviewed losing them."""
    mlflow = importlib.import_module("mlflow")
    _, plan = quickstart
    run, root = RUNS[0], ROOTS[0]
    db = root / "infra" / ".mlstrata" / "platform" / "dev" / "registries" / "quickstart-dev" / "mlflow.db"
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{db}", registry_uri=f"sqlite:///{db}")
    address = 'module.model_registry.mlstrata_registered_model.this["recommender"]'
    without = lambda text: text.replace(  # noqa: E731
        '    recommender: { description: "Home page recommendations", tags: { team: growth } }\n', "")

    review = plan(without)
    assert review.counts.destroy == 1
    assert _findings(review) == [("MLR001", "info", address)]
    assert "registered model `recommender` is destroyed: it has no versions" in review.findings[0].summary

    # a version registered after that plan was reviewed: the provider refuses the delete, the model stays
    client.create_model_version("recommender", source=str(root / "model"), description="v1")
    applied = run("apply", "--env", "dev", "--layer", "base", "--yes")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "has 1 version(s) now, 0 when the plan was made: not deleted" in applied.stderr
    assert [m.name for m in client.search_registered_models()] == ["fraud-detector", "recommender"]

    client.create_model_version("recommender", source=str(root / "model"), description="v2")
    review = plan(without)
    assert _findings(review) == [("MLR001", "error", address)]
    assert "registered model `recommender` is destroyed: its 2 versions, stages and aliases would be lost" in (
        review.findings[0].summary)
    # registering versions is not drift: the count is what the provider observes, not configuration
    drift = run("drift", "--env", "dev", "--layer", "base", "--format", "json")
    assert drift.returncode == 0, drift.stdout + drift.stderr


@pytest.mark.parametrize("version", ["1.11.4", "1.15.5"])
def test_engine_plans_drift_is_reported_apart_and_plain_resources_pass(version: str) -> None:
    reviews, problems = review_files([ENGINE_PLANS / version / "changes.json"])
    assert problems == []
    (review,) = reviews
    assert review.drifted == 1 and review.counts.destroy == 3
    assert _findings(review) == [("MLR006", "info", "drifty_file.f")]
    # a refresh-only plan: drift, nothing to change; a no-op plan: nothing
    (refresh,), _ = review_files([ENGINE_PLANS / version / "refresh.json"])
    assert [d.code for d in refresh.findings] == ["MLR006"] and refresh.checked == 0
    (noop,), _ = review_files([ENGINE_PLANS / version / "noop.json"])
    assert noop.findings == [] and noop.checked == 0
