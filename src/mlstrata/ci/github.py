"""GitHub Actions: a pull-request workflow (checks, affected, one plan job per unit, one comment), a merge
workflow (apply the saved plans unit by unit in dependency order, each in its GitHub environment), a nightly
drift workflow (one issue per drifted unit), CODEOWNERS and a script that creates the environments."""

from __future__ import annotations

from typing import Any

from mlstrata.ci import steps
from mlstrata.ci.order import UnitRef, environment_order, runner_envs, runner_label, unit_refs
from mlstrata.ci.settings import CiSettings
from mlstrata.spec.models import Platform

CHECKOUT = "actions/checkout@v4"
SETUP_PYTHON = "actions/setup-python@v5"
UPLOAD = "actions/upload-artifact@v4"
DOWNLOAD = "actions/download-artifact@v4"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@v4"
GCP_AUTH = "google-github-actions/auth@v2"
AZURE_LOGIN = "azure/login@v2"
USE_KUBELOGIN = "azure/use-kubelogin@v1"
RUNNER = "ubuntu-latest"
PR_WORKFLOW = "mlstrata-pr.yml"
APPLY_WORKFLOW = "mlstrata-apply.yml"
DRIFT_WORKFLOW = "mlstrata-drift.yml"
RUN_URL = "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
PLAN_PATH = f"{steps.CI_DIR}/mlstrata-plan-${{{{ matrix.key }}}}/"
DRIFT_PATH = f"{steps.CI_DIR}/mlstrata-drift-${{{{ matrix.env }}}}/"
UPSERT_COMMENT = f"""\
marker='{'<!-- mlstrata:pr-comment -->'}'
id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \\
  --jq ".[] | select(.body | contains(\\"$marker\\")) | .id" | head -n 1)
if [ -n "$id" ]; then
  gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F body=@{steps.CI_DIR}/comment.md --silent
else
  gh api -X POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F body=@{steps.CI_DIR}/comment.md --silent
fi
"""

LAST_DRIFT = f"""\
run_id=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow {DRIFT_WORKFLOW} --status success --limit 1 \\
  --json databaseId --jq '.[0].databaseId // empty')
if [ -n "$run_id" ]; then
  gh run download "$run_id" --repo "$GITHUB_REPOSITORY" --name mlstrata-drift \\
    --dir {steps.CI_DIR}/mlstrata-drift || true
fi
"""

FIND_PLANS = f"""\
# the pull request this push merged, and its last plan run: the apply jobs download that run's saved plans
head=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '.[0].head.sha // empty')
run_id=""
if [ -n "$head" ]; then
  run_id=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow {PR_WORKFLOW} --commit "$head" --limit 1 \\
    --json databaseId --jq '.[0].databaseId // empty')
fi
echo "plan_run=$run_id" >> "$GITHUB_OUTPUT"
"""

DRIFT_ISSUES = f"""\
gh label create mlstrata-drift --repo "$GITHUB_REPOSITORY" --color D93F0B \\
  --description "Infrastructure drift found by mlstrata" 2>/dev/null || true
while IFS=$'\\t' read -r unit status title body; do
  number=$(gh issue list --repo "$GITHUB_REPOSITORY" --label mlstrata-drift --state open --limit 200 \\
    --json number,title --jq ".[] | select(.title == \\"$title\\") | .number" | head -n 1)
  if [ "$status" = drift ]; then
    if [ -n "$number" ]; then
      gh issue edit "$number" --repo "$GITHUB_REPOSITORY" --body-file "$body"
    else
      gh issue create --repo "$GITHUB_REPOSITORY" --title "$title" --label mlstrata-drift --body-file "$body"
    fi
  elif [ "$status" = clean ] && [ -n "$number" ]; then
    gh issue close "$number" --repo "$GITHUB_REPOSITORY" --comment "No drift in $unit any more ($RUN_URL)."
  fi
done < {steps.CI_DIR}/mlstrata-drift/issues.tsv
"""


RUNNER_SUMMARY = f"""\
review="{steps.CI_DIR}/mlstrata-runner-$UNIT_ENV/review.md"
if [ -f "$review" ]; then cat "$review" >> "$GITHUB_STEP_SUMMARY"; fi
"""


def _setup(settings: CiSettings, fetch_all: bool = False) -> list[dict[str, Any]]:
    checkout: dict[str, Any] = {"uses": CHECKOUT}
    if fetch_all:
        checkout["with"] = {"fetch-depth": 0}
    return [checkout,
            {"uses": SETUP_PYTHON, "with": {"python-version": "3.11"}},
            {"name": "Install mlstrata", "run": steps.install()}]


def _credentials(platform: Platform, role: str, region: str, account: str,
                 condition: str | None = None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Cloud credentials by OIDC only, as (steps, job environment): the job's short-lived GitHub token is
    exchanged for the role (AWS) or, through the Workload Identity Federation provider, for the service account
    (GCP), or handed to Terraform's azurerm provider and backend (Azure)."""
    step: dict[str, Any] = {}
    if platform.target == "aws":
        step["name"] = "AWS credentials (OIDC)"
        if condition:
            step["if"] = condition
        step.update({"uses": AWS_CREDENTIALS, "with": {"role-to-assume": role, "aws-region": region}})
        return [step], {}
    if platform.target == "gcp":
        # https://github.com/google-github-actions/auth#inputs: it writes a credentials file for the service
        # account and points GOOGLE_APPLICATION_CREDENTIALS at it, which the google provider and gcs backend read
        step["name"] = "Google Cloud credentials (Workload Identity Federation)"
        if condition:
            step["if"] = condition
        provider = platform.gcp.workload_identity_provider if platform.gcp is not None else None
        step.update({"uses": GCP_AUTH, "with": {"workload_identity_provider": provider or "",
                                                "service_account": role}})
        return [step], {}
    if platform.target == "azure":
        # the client id of an identity with a federated credential for this repository and environment: the
        # azurerm provider and backend exchange the job's token themselves (ARM_USE_OIDC); the platform layer's
        # helm provider gets its cluster token from `kubelogin get-token --login azurecli`, so the Azure CLI signs
        # in with the same federated credential (azure/login, OIDC) and kubelogin is installed
        # (https://github.com/Azure/use-kubelogin)
        tenant = platform.azure.tenant_id if platform.azure is not None else None
        login: dict[str, Any] = {"name": "Azure CLI sign-in (OIDC) for kubelogin"}
        kubelogin: dict[str, Any] = {"name": "kubelogin"}
        if condition:
            login["if"] = kubelogin["if"] = condition
        login.update({"uses": AZURE_LOGIN, "with": {"client-id": role, "tenant-id": tenant or "",
                                                    "subscription-id": account}})
        kubelogin.update({"uses": USE_KUBELOGIN, "with": {"kubelogin-version": steps.KUBELOGIN_VERSION}})
        return [login, kubelogin], {"ARM_USE_OIDC": "true", "ARM_CLIENT_ID": role, "ARM_TENANT_ID": tenant or "",
                                    "ARM_SUBSCRIPTION_ID": account}
    return [], {}


def _uses_roles(platform: Platform) -> bool:
    return platform.target in ("aws", "azure", "gcp") and any(e.plan_role for e in platform.environments.values())


def _unit_env(ref: UnitRef | None = None) -> dict[str, str]:
    if ref is None:
        return {"UNIT_ENV": "${{ matrix.env }}", "UNIT_LAYER": "${{ matrix.layer }}", "UNIT_KEY": "${{ matrix.key }}"}
    return {"UNIT_ENV": ref.env, "UNIT_LAYER": ref.layer, "UNIT_KEY": ref.key}


def _env(settings: CiSettings) -> dict[str, str]:
    return {"MLSTRATA_SPEC": settings.spec, "MLSTRATA_REPO": settings.repo,
            "MLSTRATA_ACCEPT_FILE": settings.accept_file}


def _runs_on(label: str | None) -> str | list[str]:
    """A protected Azure environment's jobs run on its self-hosted runner (the label its runner registers with);
    every other job on GitHub's hosted runners."""
    return ["self-hosted", label] if label else RUNNER


def _runner_jobs(platform: Platform, settings: CiSettings, env: str, needs: list[str],
                 condition: str) -> dict[str, dict[str, Any]]:
    """The environment's runner root (bootstrap/ci_runner/<env>) from a hosted runner, before its first unit:
    `runner-plan-<env>` plans it as the plan identity, reviews the plan (a blocking finding fails the job) and
    saves the plan file; `runner-<env>`, the environment's job (its required reviewers approve it before it
    starts, with the plan and its review in the plan job's summary:
    https://docs.github.com/actions/managing-workflow-runs/reviewing-deployments), applies exactly that file as
    the deploy identity. A no-op plan once the runner exists."""
    from mlstrata.targets.azure.render import azure_settings, ci_runner_dir

    spec = platform.environments[env]
    azure = azure_settings(platform)
    region = spec.region or platform.region
    root_env = {
        "UNIT_ENV": env, "RUNNER_DIR": ci_runner_dir(env),
        "TF_VAR_ci_engine": "github", "TF_VAR_github_owner": "${{ github.repository_owner }}",
        "TF_VAR_github_repository": "${{ github.event.repository.name }}",
    }
    artifact = steps.runner_artifact(env)
    plan_id = f"runner-plan-{env}"
    creds, creds_env = (_credentials(platform, spec.plan_role, region, spec.account or "")
                        if spec.plan_role else ([], {}))
    plan = {
        "name": f"runner plan {env}",
        "needs": needs,
        "if": condition,
        "runs-on": RUNNER,
        "permissions": {"contents": "read", "id-token": "write"},
        **({"env": creds_env} if creds_env else {}),
        "steps": [*_setup(settings), *creds,
                  {"name": f"Plan and review the runner root of {env} (bootstrap/ci_runner/{env})",
                   "env": {**root_env, "TF_VAR_registration_token": steps.RUNNER_TOKEN_AT_PLAN},
                   "run": steps.RUNNER_PLAN},
                  {"name": "The review in the job summary", "if": "always()", "env": {"UNIT_ENV": env},
                   "run": RUNNER_SUMMARY},
                  {"name": "Save the reviewed plan", "uses": UPLOAD,
                   "with": {"name": artifact, "path": f"{steps.CI_DIR}/{artifact}/",
                            "retention-days": settings.retention_days, "if-no-files-found": "error"}}],
    }
    creds, creds_env = (_credentials(platform, spec.ci_role, region, spec.account or "")
                        if spec.ci_role else ([], {}))
    apply = {
        "name": f"runner {env}",
        "needs": [*needs, plan_id],
        "if": condition,
        "runs-on": RUNNER,
        "environment": env,
        "concurrency": {"group": f"mlstrata-{env}-runner", "cancel-in-progress": False},
        "permissions": {"contents": "read", "id-token": "write"},
        **({"env": creds_env} if creds_env else {}),
        "steps": [*_setup(settings),
                  {"uses": DOWNLOAD, "with": {"name": artifact, "path": f"{steps.CI_DIR}/{artifact}"}},
                  *creds,
                  # an environment secret: only this job, once approved, reads it
                  {"name": f"Apply the reviewed plan of the runner root of {env}",
                   "env": {**root_env, "TF_VAR_registration_token": "${{ secrets.MLSTRATA_RUNNER_TOKEN }}"},
                   "run": steps.RUNNER_APPLY},
                  {"name": f"Allow the runner subnet of {env} on the state account",
                   "env": {"UNIT_ENV": env, "RUNNER_DIR": ci_runner_dir(env),
                           "STATE_SUBSCRIPTION": azure.state_subscription or "",
                           "STATE_RESOURCE_GROUP": azure.state_resource_group or f"{platform.platform}-tfstate",
                           "STATE_ACCOUNT": platform.state.bucket or ""},
                   "run": steps.RUNNER_NETWORK}],
    }
    return {plan_id: plan, f"runner-{env}": apply}


def pull_request_workflow(platform: Platform, settings: CiSettings) -> dict[str, Any]:
    creds, creds_env = (_credentials(platform, "${{ matrix.plan_role }}", "${{ matrix.region }}",
                                     "${{ matrix.account }}", "matrix.plan_role != ''")
                        if _uses_roles(platform) else ([], {}))
    checks = {
        "name": "validate, render --check, check, affected",
        "runs-on": RUNNER,
        "outputs": {"matrix": "${{ steps.affected.outputs.matrix }}", "count": "${{ steps.affected.outputs.count }}"},
        "steps": [*_setup(settings, fetch_all=True),
                  {"name": "Validate the spec", "run": steps.VALIDATE},
                  {"name": "The rendered tree is current", "run": steps.RENDER_CHECK},
                  {"name": "Guardrails", "run": steps.CHECK},
                  {"name": "The pipelines are current", "run": steps.pipelines_check("github")},
                  {"name": "Affected units", "id": "affected",
                   "env": {"BASE_SHA": "${{ github.event.pull_request.base.sha }}"},
                   "run": steps.AFFECTED_JSON + (
                       f'matrix=$(jq -c \'{{include: .units}}\' {steps.AFFECTED})\n'
                       'echo "matrix=$matrix" >> "$GITHUB_OUTPUT"\n'
                       f'echo "count=$(jq \'.units | length\' {steps.AFFECTED})" >> "$GITHUB_OUTPUT"\n')},
                  {"uses": UPLOAD, "with": {"name": "mlstrata-affected", "path": f"{steps.CI_DIR}/mlstrata-affected/",
                                            "retention-days": settings.retention_days}}],
    }
    plan_steps = [*_setup(settings), *creds,
                  {"name": "Plan ${{ matrix.unit }}", "env": _unit_env(), "run": steps.PLAN_UNIT},
                  {"name": "Save the plan", "if": "always()", "uses": UPLOAD,
                   "with": {"name": "mlstrata-plan-${{ matrix.key }}", "path": PLAN_PATH,
                            "retention-days": settings.retention_days, "if-no-files-found": "error"}}]
    plan = {
        "name": "plan ${{ matrix.unit }}",
        "needs": "checks",
        "if": "needs.checks.outputs.count != '0'",
        # a unit with a self-hosted runner (its `runner` label, set once the default branch created it) runs there
        "runs-on": ("${{ matrix.runner != '' && fromJSON(format('[\"self-hosted\",\"{0}\"]', matrix.runner)) "
                    f"|| '{RUNNER}' }}}}") if runner_envs(platform) else RUNNER,
        "permissions": {"contents": "read", "id-token": "write"},
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.checks.outputs.matrix) }}"},
        **({"env": creds_env} if creds_env else {}),
        "steps": plan_steps,
    }
    comment = {
        "name": "comment",
        "needs": ["checks", "plan"],
        "if": "always() && needs.checks.result == 'success'",
        "runs-on": RUNNER,
        "permissions": {"contents": "read", "actions": "read", "pull-requests": "write", "issues": "write"},
        "steps": [*_setup(settings),
                  {"uses": DOWNLOAD, "with": {"pattern": "mlstrata-*", "path": steps.CI_DIR}},
                  {"name": "Last nightly drift result", "env": {"GH_TOKEN": "${{ github.token }}"},
                   "run": LAST_DRIFT},
                  {"name": "Build the comment",
                   "env": {"RUN_URL": RUN_URL},
                   "run": steps.COMMENT},
                  {"name": "Post or update the one mlstrata comment",
                   "env": {"GH_TOKEN": "${{ github.token }}", "PR_NUMBER": "${{ github.event.pull_request.number }}"},
                   "run": UPSERT_COMMENT}],
    }
    return {"name": "mlstrata plan", "on": {"pull_request": {"branches": [settings.branch]}},
            "permissions": {"contents": "read"},
            "concurrency": {"group": "mlstrata-pr-${{ github.event.pull_request.number }}", "cancel-in-progress": True},
            "env": _env(settings), "defaults": {"run": {"shell": "bash"}},
            "jobs": {"checks": checks, "plan": plan, "comment": comment}}


def _job_id(prefix: str, ref: UnitRef) -> str:
    return f"{prefix}-{ref.key}"


def apply_workflow(platform: Platform, settings: CiSettings) -> dict[str, Any]:
    affected = {
        "name": "affected",
        "runs-on": RUNNER,
        "permissions": {"contents": "read", "pull-requests": "read", "actions": "read"},
        "outputs": {"units": "${{ steps.affected.outputs.units }}",
                    "plan_run": "${{ steps.plans.outputs.plan_run }}"},
        "steps": [*_setup(settings, fetch_all=True),
                  {"name": "Affected units", "id": "affected", "env": {"BASE_SHA": "${{ github.event.before }}"},
                   "run": steps.AFFECTED_JSON + f"echo \"units=$(jq -c '[.units[].unit]' {steps.AFFECTED})\" "
                   '>> "$GITHUB_OUTPUT"\n'},
                  {"name": "The merged pull request's plans", "id": "plans", "env": {"GH_TOKEN": "${{ github.token }}"},
                   "run": FIND_PLANS}],
    }
    jobs: dict[str, Any] = {"affected": affected}
    previous: list[str] = []
    runner_started: set[str] = set()
    for ref in unit_refs(platform):
        if ref.runner and ref.env not in runner_started:
            runner_started.add(ref.env)
            units = [r.id for r in unit_refs(platform) if r.env == ref.env]
            touched = " || ".join(f"contains(fromJSON(needs.affected.outputs.units), '{u}')" for u in units)
            runner_jobs = _runner_jobs(platform, settings, ref.env, ["affected", *previous],
                                       f"!cancelled() && !contains(needs.*.result, 'failure') && ({touched})")
            jobs.update(runner_jobs)
            previous += list(runner_jobs)
        job_id = _job_id("apply", ref)
        # every earlier unit, not only the one before: an unaffected unit is skipped, and a failure before it
        # must still stop this one
        needs = ["affected", *previous]
        creds, creds_env = (_credentials(platform, ref.ci_role, ref.region, ref.account or "")
                            if ref.ci_role else ([], {}))
        jobs[job_id] = {
            "name": f"apply {ref.id}",
            "needs": needs,
            # in dependency order: a unit runs only when nothing before it failed and it is affected
            "if": f"!cancelled() && !contains(needs.*.result, 'failure') && "
                  f"contains(fromJSON(needs.affected.outputs.units), '{ref.id}')",
            "runs-on": _runs_on(ref.runner),
            "environment": ref.env,
            "concurrency": {"group": f"mlstrata-{ref.key}", "cancel-in-progress": False},
            "permissions": {"contents": "read", "id-token": "write", "actions": "read"},
            **({"env": creds_env} if creds_env else {}),
            "steps": [*_setup(settings),
                      {"uses": DOWNLOAD, "with": {"name": steps.plan_artifact(ref.key),
                                                  "path": f"{steps.CI_DIR}/{steps.plan_artifact(ref.key)}",
                                                  "run-id": "${{ needs.affected.outputs.plan_run }}",
                                                  "github-token": "${{ github.token }}"}},
                      *creds,
                      {"name": "Restore the saved plan", "env": _unit_env(ref), "run": steps.RESTORE_PLAN},
                      {"name": f"Review gate, then apply {ref.id}", "env": _unit_env(ref), "run": steps.APPLY}],
        }
        previous.append(job_id)
    return {"name": "mlstrata apply", "on": {"push": {"branches": [settings.branch]}},
            "permissions": {"contents": "read"}, "env": _env(settings), "defaults": {"run": {"shell": "bash"}},
            "jobs": jobs}


def drift_workflow(platform: Platform, settings: CiSettings) -> dict[str, Any]:
    include = []
    for env in environment_order(platform):
        spec = platform.environments[env]
        include.append({"env": env, "plan_role": spec.plan_role or "", "region": spec.region or platform.region,
                        "account": spec.account or "", **({"runs_on": _runs_on(runner_label(platform, env))}
                                                          if runner_envs(platform) else {})})
    creds, creds_env = (_credentials(platform, "${{ matrix.plan_role }}", "${{ matrix.region }}",
                                     "${{ matrix.account }}", "matrix.plan_role != ''")
                        if _uses_roles(platform) else ([], {}))
    drift = {
        "name": "drift ${{ matrix.env }}",
        "runs-on": "${{ matrix.runs_on }}" if runner_envs(platform) else RUNNER,
        "permissions": {"contents": "read", "id-token": "write"},
        "strategy": {"fail-fast": False, "matrix": {"include": include}},
        **({"env": creds_env} if creds_env else {}),
        "steps": [*_setup(settings), *creds,
                  {"name": "Drift of ${{ matrix.env }}", "env": {"UNIT_ENV": "${{ matrix.env }}"},
                   "run": steps.DRIFT_ENV},
                  {"if": "always()", "uses": UPLOAD,
                   "with": {"name": "mlstrata-drift-${{ matrix.env }}", "path": DRIFT_PATH,
                            "retention-days": settings.retention_days}}],
    }
    report = {
        "name": "one issue per drifted unit",
        "needs": "drift",
        "if": "always()",
        "runs-on": RUNNER,
        "permissions": {"contents": "read", "issues": "write"},
        "steps": [*_setup(settings),
                  {"uses": DOWNLOAD, "with": {"pattern": "mlstrata-drift-*", "path": steps.CI_DIR}},
                  {"name": "Drift report", "run": steps.DRIFT_REPORT},
                  {"uses": UPLOAD, "with": {"name": "mlstrata-drift", "path": f"{steps.CI_DIR}/mlstrata-drift/",
                                            "retention-days": 30}},
                  {"name": "Open, update or close the drift issues",
                   "env": {"GH_TOKEN": "${{ github.token }}",
                           "RUN_URL": RUN_URL},
                   "run": DRIFT_ISSUES}],
    }
    return {"name": "mlstrata drift",
            "on": {"schedule": [{"cron": settings.drift_cron}], "workflow_dispatch": None},
            "permissions": {"contents": "read"},
            "concurrency": {"group": "mlstrata-drift", "cancel-in-progress": False},
            "env": _env(settings), "defaults": {"run": {"shell": "bash"}}, "jobs": {"drift": drift, "report": report}}
