"""`affected` on a scratch git repository: table-driven changes and the units they touch, in order; a unit that
reads an affected unit's state is affected too (found in the rendered tree, per target)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from support.cli import mlstrata
from support.scratch_repo import REPO_ROOT, ScratchRepo, git

from mlstrata.ci.affected import NO_COMMIT, affected, state_readers
from mlstrata.diagnostics import DiagnosticsError
from mlstrata.spec.load import load_spec

QUICKSTART = (REPO_ROOT / "examples" / "quickstart" / "platform.yaml").read_text(encoding="utf-8")
ALL = ["dev/base", "dev/platform", "staging/base", "staging/platform", "prod/base", "prod/platform"]


def _override_dev(d: Any) -> None:
    d["gpu_pools"]["training"]["overrides"] = {"dev": {"scaling": {"max": 3}}}


def _edit_module(repo: ScratchRepo) -> None:
    main = repo.infra / "modules" / "gpu_pool" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "\n# tuned by hand\n", encoding="utf-8")


def _edit_unit_file(repo: ScratchRepo) -> None:
    main = repo.infra / "live" / "prod" / "platform" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "\n# hand edit\n", encoding="utf-8")


def _platform_tag(d: Any) -> None:
    d["platform"] = "quickstart-two"  # names every resource and state key


def _pipelines(d: Any) -> None:
    d["pipelines"]["needs"] = ["artifact_store", "identity"]  # no metadata store any more
    del d["pipelines"]["metadata_store"]


def _delete_staging(d: Any) -> None:
    del d["environments"]["staging"]
    d["model_registry"]["stages"] = ["dev", "prod"]
    del d["model_registry"]["promoters"]["staging"]


def _add_qa(d: Any) -> None:
    d["environments"]["qa"] = {}


CASES: list[tuple[str, Callable[[Any], None] | None, Callable[[ScratchRepo], None] | None, list[str], list[str]]] = [
    # name, spec change, file change, expected units in order, expected deleted units
    ("nothing changed", None, None, [], []),
    # dev/platform reads dev/base's outputs (terraform_remote_state): planned with it, applied after it
    ("override for dev touches dev only", _override_dev, None, ["dev/base", "dev/platform"], []),
    ("module change touches every caller and what reads them", None, _edit_module, ALL, []),
    ("hand-edited rendered file", None, _edit_unit_file, ["prod/platform"], []),
    ("platform-wide change: every unit along the promotion path", _platform_tag, None, ALL, []),
    ("pipelines change touches platform layers only", _pipelines, None,
     ["dev/platform", "staging/platform", "prod/platform"], []),
    # prod's registry no longer follows staging on the promotion path; dev renders as before
    ("deleted environment", _delete_staging, None, ["prod/base", "prod/platform"],
     ["staging/base", "staging/platform"]),
    ("new environment", _add_qa, None, ["qa/base", "qa/platform"], []),
]


@pytest.mark.parametrize(("name", "spec_change", "file_change", "units", "deleted"), CASES, ids=[c[0] for c in CASES])
def test_affected_units(tmp_path: Path, name: str, spec_change: Callable[[Any], None] | None,
                        file_change: Callable[[ScratchRepo], None] | None, units: list[str],
                        deleted: list[str]) -> None:
    repo = ScratchRepo(tmp_path / "infra-repo", QUICKSTART)
    git(repo.root, "checkout", "-q", "-b", "change")
    if spec_change is not None:
        repo.edit_spec(spec_change)
    if file_change is not None:
        file_change(repo)
    repo.commit(name)
    result = affected(load_spec(repo.spec), repo.spec, repo.infra, "main")
    assert [u.ref.id for u in result.units] == units
    assert [d["unit"] for d in result.deleted] == deleted
    assert all(u.reasons for u in result.units)
    matrix = result.github_matrix()["include"]
    assert [m["unit"] for m in matrix] == units and [m["order"] for m in matrix] == list(range(len(units)))


def test_reasons_name_the_cause(tmp_path: Path) -> None:
    repo = ScratchRepo(tmp_path / "r", QUICKSTART)
    repo.edit_spec(_override_dev)
    _edit_module(repo)
    result = affected(load_spec(repo.spec), repo.spec, repo.infra, "HEAD")  # uncommitted work counts too
    by_unit = {u.ref.id: u.reasons for u in result.units}
    assert by_unit["dev/base"] == ("spec: renders main.tf differently", "module: gpu_pool")
    assert by_unit["prod/base"] == ("module: gpu_pool",)
    assert by_unit["dev/platform"] == ("reads the state of dev/base, which is affected",)
    assert result.spec_changes == ["gpu_pools.training.overrides.dev.scaling.max"]


def test_promotion_order_not_declaration_order(tmp_path: Path) -> None:
    spec = QUICKSTART.replace("  dev: {}\n  staging: {}\n", "").replace(
        "    protect: true                 # changed only when named (--env prod); destroy also needs --reason\n",
        "    protect: true\n  staging: {}\n  dev: {}\n")
    repo = ScratchRepo(tmp_path / "r", spec)
    assert list(load_spec(repo.spec).platform.environments) == ["prod", "staging", "dev"]
    result = affected(load_spec(repo.spec), repo.spec, repo.infra, NO_COMMIT)
    assert [u.ref.id for u in result.units] == ALL


def test_unknown_base_is_bad_input(tmp_path: Path) -> None:
    repo = ScratchRepo(tmp_path / "r", QUICKSTART)
    with pytest.raises(DiagnosticsError) as exc:
        affected(load_spec(repo.spec), repo.spec, repo.infra, "no-such-branch")
    [d] = exc.value.diagnostics
    assert d.code == "affected.base" and "no-such-branch" in d.summary and d.hint


def _render(tmp_path: Path, spec_text: str) -> Path:
    repo = ScratchRepo(tmp_path, spec_text)
    return repo.infra


@pytest.mark.parametrize("example", ["quickstart", "aws", "gcp", "azure"])
def test_who_reads_whose_state_comes_from_the_rendered_tree(tmp_path: Path, example: str) -> None:
    spec = (REPO_ROOT / "examples" / example / "platform.yaml").read_text(encoding="utf-8")
    readers = state_readers(_render(tmp_path, spec))
    assert readers == {(e, "base"): {(e, "platform")} for e in ("dev", "staging", "prod")}


def test_a_platform_that_reads_nothing_is_not_a_reader(tmp_path: Path) -> None:
    """An environment off the promotion path renders a platform layer without `terraform_remote_state`: no layer
    name decides it, the rendered files do. With the pg backend the schema name is what matches."""
    spec = QUICKSTART.replace("  dev: {}\n", "  dev: {}\n  sandbox: {}\n").replace(
        "  backend: local ", "  backend: pg\n  conn_str_env: MY_PG   ")
    infra = _render(tmp_path, spec)
    assert 'backend "pg"' in (infra / "live" / "dev" / "base" / "backend.tf").read_text(encoding="utf-8")
    assert "terraform_remote_state" not in (infra / "live" / "sandbox" / "platform" / "main.tf").read_text()
    readers = state_readers(infra)
    assert readers == {(e, "base"): {(e, "platform")} for e in ("dev", "staging", "prod")}


def test_a_base_only_merge_plans_the_platform_that_reads_it_through_the_cli(tmp_path: Path) -> None:
    """What the pipelines run: `affected --format json` (the apply workflow's units), `github-matrix` (the plan
    jobs) and `gitlab` (the child pipeline) each carry dev/platform after a change to dev/base alone."""
    repo = ScratchRepo(tmp_path / "r", QUICKSTART)
    base = git(repo.root, "rev-parse", "HEAD")
    repo.edit_spec(_override_dev)
    repo.commit("dev: more GPUs")
    done = mlstrata("affected", "--base", base, "--format", "json", cwd=repo.root)
    assert done.returncode == 0, done.stderr
    units = json.loads(done.stdout)["units"]
    assert [(u["unit"], u["order"]) for u in units] == [("dev/base", 0), ("dev/platform", 1)]
    assert units[1]["reasons"] == ["reads the state of dev/base, which is affected"]
    matrix = mlstrata("affected", "--base", base, "--format", "github-matrix", cwd=repo.root)
    assert [m["unit"] for m in json.loads(matrix.stdout)["include"]] == ["dev/base", "dev/platform"]
    gitlab = mlstrata("affected", "--base", base, "--format", "gitlab", cwd=repo.root)
    assert [k for k in YAML(typ="safe").load(gitlab.stdout) if k.startswith("plan ")] == [
        "plan dev/base", "plan dev/platform"]
    human = mlstrata("affected", "--base", base, cwd=repo.root)
    assert human.stdout.splitlines() == ["1. dev/base: spec: renders main.tf differently",
                                         "2. dev/platform: reads the state of dev/base, which is affected"]


AZURE = (REPO_ROOT / "examples" / "azure" / "platform.yaml").read_text(encoding="utf-8")
PROD_PROTECTED = ("    protect: true                 # private AKS API server, Premium Service Bus, HA database, "
                  "geo-redundant storage\n")


def _max_training(d: Any) -> None:
    d["gpu_pools"]["training"]["scaling"]["max"] = 5


def test_a_protected_azure_environment_plans_on_its_runner_once_the_default_branch_created_it(
        tmp_path: Path) -> None:
    """prod's Key Vault and API server are private: once the default branch renders prod's runner root, its merge
    pipeline created the runner, so prod's plans run there (`runner`: its label). In the change that first makes
    prod protected nothing private of prod exists yet, and no runner either: those plans run on hosted runners."""
    assert PROD_PROTECTED in AZURE
    repo = ScratchRepo(tmp_path / "r", AZURE)
    repo.edit_spec(_max_training)
    result = affected(load_spec(repo.spec), repo.spec, repo.infra, "HEAD")
    runners = {u.ref.id: u.to_dict(0)["runner"] for u in result.units}
    # (dev overrides the training pool's max, so the change does not reach it)
    assert runners == {"staging/base": "", "staging/platform": "",
                       "prod/base": "mlstrata-acme-ml-prod", "prod/platform": "mlstrata-acme-ml-prod"}

    first = ScratchRepo(tmp_path / "first", AZURE.replace(PROD_PROTECTED, ""))
    git(first.root, "checkout", "-q", "-b", "protect-prod")
    first.spec.write_text(AZURE, encoding="utf-8")
    first.render()
    first.commit("protect prod")
    result = affected(load_spec(first.spec), first.spec, first.infra, "main")
    assert {u.ref.id for u in result.units} >= {"prod/base", "prod/platform"}
    assert all(u.ref.runner is None for u in result.units)
    assert all(u.ref.runner is None for u in affected(load_spec(repo.spec), repo.spec, repo.infra, NO_COMMIT).units)
