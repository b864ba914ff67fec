"""`affected` on a scratch git repository: table-driven changes and the units they touch, in order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.scratch_repo import REPO_ROOT, ScratchRepo, git

from mlstrata.ci.affected import NO_COMMIT, affected
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
    ("override for dev touches dev only", _override_dev, None, ["dev/base"], []),
    ("module change touches every caller", None, _edit_module, ["dev/base", "staging/base", "prod/base"], []),
    ("hand-edited rendered file", None, _edit_unit_file, ["prod/platform"], []),
    ("platform-wide change: every unit along the promotion path", _platform_tag, None, ALL, []),
    ("pipelines change touches platform layers only", _pipelines, None,
     ["dev/platform", "staging/platform", "prod/platform"], []),
    # prod's registry no longer follows staging on the promotion path; dev renders as before
    ("deleted environment", _delete_staging, None, ["prod/base"], ["staging/base", "staging/platform"]),
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
