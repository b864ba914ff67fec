"""The GitLab pipelines' API scripts, run as the pipeline has them against GitLab's REST API shapes
(support/gitlab_api.py): the one merge-request note (created once, then updated, found past the first page),
drift issues (opened, updated, closed), and the merge pipeline fetching the merge request's saved plans so the
apply jobs apply exactly what was reviewed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

from ruamel.yaml import YAML
from support.cli import mlstrata
from support.gitlab_api import TOKEN, GitLabProject, gitlab_api
from support.scratch_repo import REPO_ROOT, git

from mlstrata.ci import gitlab, steps

MARKER = "<!-- mlstrata:pr-comment -->"


def _run(script: str, cwd: Path, api: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI_API_V4_URL": api, "CI_PROJECT_ID": "42", "MLSTRATA_GITLAB_TOKEN": TOKEN, **extra}
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)


def test_the_one_note_is_updated_even_past_the_first_page(tmp_path: Path) -> None:
    project = GitLabProject()
    others = [{"id": i, "body": f"review remark {i}"} for i in range(1, 131)]
    others[109]["body"] = f"{MARKER}\nold plan summary"
    project.notes[7] = others
    (tmp_path / "mlstrata-ci").mkdir()
    (tmp_path / "mlstrata-ci" / "comment.md").write_text(f"{MARKER}\nnew plan summary\n", encoding="utf-8")
    with gitlab_api(project) as api:
        done = _run(gitlab.UPSERT_NOTE, tmp_path, api, CI_MERGE_REQUEST_IID="7")
        assert done.returncode == 0, done.stderr
        assert len(project.notes[7]) == 130 and project.notes[7][109]["body"] == f"{MARKER}\nnew plan summary\n"
        assert sum(MARKER in n["body"] for n in project.notes[7]) == 1
        # a merge request without the note gets one, and a second run updates it
        for _ in range(2):
            done = _run(gitlab.UPSERT_NOTE, tmp_path, api, CI_MERGE_REQUEST_IID="8")
            assert done.returncode == 0, done.stderr
        assert [n["body"] for n in project.notes[8]] == [f"{MARKER}\nnew plan summary\n"]
        # a bad token fails the job (no silent success)
        done = _run(gitlab.UPSERT_NOTE, tmp_path, api, CI_MERGE_REQUEST_IID="8", MLSTRATA_GITLAB_TOKEN="wrong")
        assert done.returncode != 0 and "401" in done.stderr


def test_drift_issues_are_opened_updated_and_closed(tmp_path: Path) -> None:
    project = GitLabProject()
    folder = tmp_path / "mlstrata-ci" / "mlstrata-drift"
    folder.mkdir(parents=True)
    title = "Drift in prod/base"

    def report(status: str, body: str) -> None:
        (folder / "body.md").write_text(body, encoding="utf-8")
        (folder / "issues.tsv").write_text(f"prod/base\t{status}\t{title}\t{folder / 'body.md'}\n"
                                           f"dev/base\tclean\tDrift in dev/base\t{folder / 'body.md'}\n",
                                           encoding="utf-8")

    with gitlab_api(project) as api:
        report("drift", "2 changes")
        assert _run(gitlab.DRIFT_ISSUES, tmp_path, api).returncode == 0
        report("drift", "3 changes")
        assert _run(gitlab.DRIFT_ISSUES, tmp_path, api).returncode == 0
        assert [(i["title"], i["description"], i["state"]) for i in project.issues] == [
            (title, "3 changes", "opened")]
        assert project.issues[0]["labels"] == ["mlstrata-drift"]
        report("clean", "")
        assert _run(gitlab.DRIFT_ISSUES, tmp_path, api).returncode == 0
        assert [i["state"] for i in project.issues] == ["closed"]


def _plan_zip(key: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("exit-code", "2\n"), ("tfplan", "binary plan"), ("plan.json", "{}"),
                           ("plan.meta.json", '{"reviewed": true}')):
            archive.writestr(f"mlstrata-ci/mlstrata-plan-{key}/{name}", text)
        archive.writestr("mlstrata-ci/not-a-plan.txt", "only the unit's plan folder is unpacked")
    return buffer.getvalue()


def test_the_merge_pipeline_applies_the_merge_requests_saved_plans(tmp_path: Path) -> None:
    """`affected` on the default branch finds the merged MR's latest plan child pipeline and unpacks each affected
    unit's saved plan; the apply job restores it (no second plan)."""
    merge_sha = "c0ffee" * 6 + "abcd"
    project = GitLabProject(
        commit_mrs={merge_sha: [{"iid": 3, "state": "merged"}]},
        mr_pipelines={3: [{"id": 900}, {"id": 800}]},  # newest first; 900 was cancelled before its plan ran
        bridges={900: [{"name": "plan", "downstream_pipeline": None}],
                 800: [{"name": "plan", "downstream_pipeline": {"id": 801}}]},
        jobs={801: [{"id": 5, "name": "plan dev/base", "artifacts_file": {"filename": "artifacts.zip"}},
                    {"id": 6, "name": "plan dev/platform"}, {"id": 7, "name": "comment"}]},
        artifacts={5: _plan_zip("dev-base")})
    affected = tmp_path / "mlstrata-ci" / "mlstrata-affected"
    affected.mkdir(parents=True)
    (affected / "affected.json").write_text(json.dumps({"units": [{"unit": "dev/base"}, {"unit": "dev/platform"}]}),
                                            encoding="utf-8")
    with gitlab_api(project) as api:
        done = _run(gitlab.FETCH_PLANS, tmp_path, api, CI_COMMIT_SHA=merge_sha)
    assert done.returncode == 0, done.stderr
    assert "dev/base: the plan of job 5 (merge request !3, pipeline 801)" in done.stdout
    assert "dev/platform: no saved plan in merge request pipeline 801" in done.stdout
    saved = tmp_path / "mlstrata-ci" / "mlstrata-plan-dev-base"
    assert sorted(p.name for p in saved.iterdir()) == ["exit-code", "plan.json", "plan.meta.json", "tfplan"]
    assert not (tmp_path / "mlstrata-ci" / "not-a-plan.txt").exists()
    # the apply job's restore step puts exactly those files where `mlstrata apply` reads the saved plan
    restore = _run(steps.RESTORE_PLAN, tmp_path, api, MLSTRATA_REPO="infra", UNIT_ENV="dev", UNIT_LAYER="base",
                   UNIT_KEY="dev-base")
    assert restore.returncode == 0, restore.stderr
    assert (tmp_path / "infra/live/dev/base/.mlstrata/plan.meta.json").read_text(encoding="utf-8") == \
        '{"reviewed": true}'
    missing = _run(steps.RESTORE_PLAN, tmp_path, api, MLSTRATA_REPO="infra", UNIT_ENV="dev", UNIT_LAYER="platform",
                   UNIT_KEY="dev-platform")
    assert missing.returncode == 1 and "no saved plan for dev/platform" in missing.stderr


def test_the_rendered_pipeline_runs_these_scripts(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "platform.yaml").write_text(
        (REPO_ROOT / "examples" / "aws" / "platform.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    done = mlstrata("ci", "gitlab", cwd=tmp_path, process=True)  # this interpreter's mlstrata: CI has no venv on PATH
    assert done.returncode == 0, done.stderr
    doc = YAML(typ="safe").load((tmp_path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert doc["affected"]["script"] == [steps.AFFECTED_JSON, gitlab.FETCH_PLANS]
    assert doc["affected"]["artifacts"]["paths"] == ["mlstrata-ci/"]
    for name in (k for k in doc if k.startswith("apply ")):
        script = doc[name]["script"]
        assert script[-2:] == [steps.RESTORE_PLAN, steps.APPLY] and steps.PLAN_UNIT not in script
        assert "affected" in doc[name]["needs"]  # its artifacts (the fetched plans) reach the job
    assert doc["drift-report"]["script"][-1] == gitlab.DRIFT_ISSUES
