"""The shell scripts the pipelines run, in one place: GitHub Actions and GitLab CI run the same commands, and
the end-to-end test runs these very scripts on the local target.

Scripts read their inputs from environment variables only (never from `${{ }}` expressions pasted into the
script, which would let a branch name inject shell): MLSTRATA_SPEC, MLSTRATA_REPO (the rendered tree),
MLSTRATA_ACCEPT_FILE (the acceptance file a reviewer commits; used when it exists), UNIT_ENV, UNIT_LAYER,
UNIT_KEY (`<env>-<layer>`), BASE_SHA, RUN_URL. Everything a job writes for later jobs goes
under `mlstrata-ci/<artifact name>/`.
"""

from __future__ import annotations

from mlstrata import __version__
from mlstrata.repo import WORK_DIR, unit_path
from mlstrata.spec.models import LAYERS

CI_DIR = "mlstrata-ci"
AFFECTED = f"{CI_DIR}/mlstrata-affected/affected.json"
SAVED = f'"$MLSTRATA_REPO/{unit_path("$UNIT_ENV", "$UNIT_LAYER")}/{WORK_DIR}"'
PLAN_FILES = ("tfplan", "plan.json", "plan.meta.json")
COMMON = '--spec "$MLSTRATA_SPEC" --out "$MLSTRATA_REPO"'
# kubelogin for the platform layer's helm provider, one version on both CI engines. The sha256 of the release's
# kubelogin-linux-amd64.zip is the one the release publishes (kubelogin-linux-amd64.zip.sha256), as Microsoft's
# Homebrew tap records it for this version (Azure/homebrew-kubelogin, Formula/kubelogin.rb and
# downloads/kubelogin-linux-amd64.zip.sha256, written by its workflow after checking the published file).
# Bump both together.
KUBELOGIN_VERSION = "v0.2.20"
KUBELOGIN_LINUX_AMD64_SHA256 = "2e92450a929dd2aec4da818b40dd4fda97aaeae2d6cd9c1074cc1371210f4ab9"


def plan_artifact(key: str) -> str:
    return f"mlstrata-plan-{key}"


def install() -> str:
    return f'python -m pip install "mlstrata=={__version__}"\n'


VALIDATE = 'mlstrata validate --spec "$MLSTRATA_SPEC"\n'
RENDER_CHECK = f"mlstrata render {COMMON} --check\n"
CHECK = 'mlstrata check "$MLSTRATA_REPO"\n'


def pipelines_check(provider: str) -> str:
    return f'mlstrata ci {provider} --spec "$MLSTRATA_SPEC" --out "$MLSTRATA_REPO" --check\n'


AFFECTED_JSON = f"""\
mkdir -p {CI_DIR}/mlstrata-affected
mlstrata affected {COMMON} --base "$BASE_SHA" --format json > {AFFECTED}
"""

# the reviewer-committed acceptance file, when there is one (findings it accepts for this plan's changes)
ACCEPT = 'accept=""\nif [ -f "$MLSTRATA_ACCEPT_FILE" ]; then accept="--accept-file $MLSTRATA_ACCEPT_FILE"; fi\n'

PLAN_UNIT = ACCEPT + f"""\
dir="{CI_DIR}/mlstrata-plan-$UNIT_KEY"
mkdir -p "$dir"
rc=0
# shellcheck disable=SC2086  # $accept is empty or two words
mlstrata plan {COMMON} --env "$UNIT_ENV" --layer "$UNIT_LAYER" --detailed-exitcode --format json $accept \\
  > "$dir/plan-report.json" || rc=$?
echo "$rc" > "$dir/exit-code"
for file in {" ".join(PLAN_FILES)}; do
  if [ -f {SAVED}/"$file" ]; then cp {SAVED}/"$file" "$dir/"; fi
done
# 0: no changes, 2: changes; 1: the plan failed or the review blocks it (the job fails, the comment says why)
[ "$rc" -ne 1 ]
"""

COMMENT = f"""\
rc=0
mlstrata parity {COMMON} --state none --format json > {CI_DIR}/parity.json || rc=$?
[ "$rc" -le 1 ]  # 1: unallowed differences, shown in the comment
mlstrata ci comment --affected {AFFECTED} --plans {CI_DIR} --parity {CI_DIR}/parity.json \\
  --drift {CI_DIR}/mlstrata-drift/drift.json --run-url "$RUN_URL" > {CI_DIR}/comment.md
"""

RESTORE_PLAN = f"""\
dir="{CI_DIR}/mlstrata-plan-$UNIT_KEY"
if [ ! -f "$dir/exit-code" ]; then
  echo "no saved plan for $UNIT_ENV/$UNIT_LAYER: plan it in a pull request first" >&2
  exit 1
fi
mkdir -p {SAVED}
# a deferred unit (planned after the units it reads are applied) has plan.meta.json only
for file in {" ".join(PLAN_FILES)}; do
  if [ -f "$dir/$file" ]; then cp "$dir/$file" {SAVED}/; fi
done
"""

APPLY = ACCEPT + f"""\
# a later layer goes on even when its saved plan had no changes: it was planned against the outputs of the layers
# it reads, which the jobs before this one may just have changed; `mlstrata apply` then plans it again, reviews
# that plan and applies it (one merge converges)
if [ "$(cat "{CI_DIR}/mlstrata-plan-$UNIT_KEY/exit-code")" = 0 ] && [ "$UNIT_LAYER" = {LAYERS[0]} ]; then
  echo "$UNIT_ENV/$UNIT_LAYER: the saved plan has no changes"
  exit 0
fi
# the review gate on exactly this plan first: a blocking finding not accepted for its changes in
# $MLSTRATA_ACCEPT_FILE stops the job with every finding shown, nothing applied; then it refuses a plan that is
# no longer current (state, configuration, modules or Terraform changed since)
# shellcheck disable=SC2086  # $accept is empty or two words
mlstrata apply {COMMON} --env "$UNIT_ENV" --layer "$UNIT_LAYER" --yes $accept
"""

DRIFT_ENV = f"""\
dir="{CI_DIR}/mlstrata-drift-$UNIT_ENV"
mkdir -p "$dir"
rc=0
mlstrata drift {COMMON} --env "$UNIT_ENV" --format json > "$dir/drift.json" || rc=$?
# 0: clean, 2: drift (reported as issues by the next job), 1: the check itself failed
[ "$rc" -ne 1 ]
"""

DRIFT_REPORT = f"""\
mlstrata ci drift-report --drift {CI_DIR} --out {CI_DIR}/mlstrata-drift
"""

# A protected Azure environment's self-hosted runner (bootstrap/ci_runner/<env>), brought up from a hosted runner
# before any job of the environment, through the same plan -> review gate -> saved-plan apply path as every unit,
# with the embedded Terraform that mlstrata runs everywhere else (>= 1.11: the registration token is an ephemeral
# variable, written to Key Vault through a write-only argument). Two jobs, because an environment's required
# reviewers approve a job before it starts: RUNNER_PLAN (no environment, the plan identity) plans the root, saves
# the plan file and stops on a blocking review finding; RUNNER_APPLY (the environment's job, after approval, the
# deploy identity) applies exactly that saved file; RUNNER_NETWORK then allows the runner's subnet on the state
# account, only while the account lacks that rule. Inputs: RUNNER_DIR (the root, relative to MLSTRATA_REPO),
# UNIT_ENV, MLSTRATA_SPEC, the root's TF_VAR_* (both jobs; the registration token's real value only in the apply
# job, see RUNNER_TOKEN_AT_PLAN), and for RUNNER_NETWORK STATE_SUBSCRIPTION, STATE_RESOURCE_GROUP, STATE_ACCOUNT.
# What the plan job passes for the registration token: the token only reaches a write-only argument (never a
# plan), so the plan does not depend on it, and Terraform asks for an ephemeral variable again when it applies a
# saved plan, "possibly to a different value" (hashicorp/terraform 23ebf2d). So only the environment's approved
# apply job reads the secret (a GitHub environment secret, a GitLab variable scoped to the environment).
RUNNER_TOKEN_AT_PLAN = "unused-when-planning"
RUNNER_TF = 'tf() { python -P -m mlstrata.engine.embedded_worker "$@"; }\ndir="$MLSTRATA_REPO/$RUNNER_DIR"\n'
RUNNER_PLAN_FILE = "runner.tfplan"


def runner_artifact(env: str) -> str:
    return f"mlstrata-runner-{env}"


RUNNER_SAVED = f'saved="{CI_DIR}/mlstrata-runner-$UNIT_ENV"\n'

RUNNER_PLAN = RUNNER_TF + RUNNER_SAVED + f"""\
mkdir -p "$saved"
export TF_IN_AUTOMATION=1
tf -chdir="$dir" init -input=false || exit 1
rc=0
tf -chdir="$dir" plan -input=false -detailed-exitcode -out={RUNNER_PLAN_FILE} || rc=$?
# 0: no changes, 2: changes; 1: the plan failed
if [ "$rc" -eq 1 ]; then exit 1; fi
tf -chdir="$dir" show -json {RUNNER_PLAN_FILE} > "$saved/plan.json" || exit 1
# the review gate on exactly this plan file: a blocking finding stops the job here, so the apply job never runs
if ! mlstrata review "$saved/plan.json" --spec "$MLSTRATA_SPEC" --env "$UNIT_ENV" --repo "$dir" \\
    --format markdown --output "$saved/review.md"; then
  if [ -f "$saved/review.md" ]; then cat "$saved/review.md"; fi
  echo "$RUNNER_DIR: the review gate blocks this plan, nothing is applied. Change the spec so that the plan no \\
longer does what the findings above name (each says how), or apply the root by hand (bootstrap/README.md)." >&2
  exit 1
fi
cat "$saved/review.md"
echo "$rc" > "$saved/exit-code"
cp "$dir/{RUNNER_PLAN_FILE}" "$saved/"
# the providers it was made with, under a name artifact uploads keep (actions/upload-artifact skips hidden files)
if [ -f "$dir/.terraform.lock.hcl" ]; then cp "$dir/.terraform.lock.hcl" "$saved/terraform.lock.hcl"; fi
"""

RUNNER_APPLY = RUNNER_TF + RUNNER_SAVED + f"""\
if [ ! -f "$saved/exit-code" ] || [ ! -f "$saved/{RUNNER_PLAN_FILE}" ]; then
  echo "$RUNNER_DIR: no reviewed plan (the runner plan job saves it): nothing is applied" >&2
  exit 1
fi
export TF_IN_AUTOMATION=1
# the providers the plan was made with
if [ -f "$saved/terraform.lock.hcl" ]; then cp "$saved/terraform.lock.hcl" "$dir/.terraform.lock.hcl"; fi
tf -chdir="$dir" init -input=false -lockfile=readonly || exit 1
if [ "$(cat "$saved/exit-code")" = 0 ]; then
  echo "$RUNNER_DIR: the reviewed plan has no changes"
else
  # exactly the reviewed plan file, never a new plan: Terraform refuses it when the state changed since it was made
  tf -chdir="$dir" apply -input=false "$PWD/$saved/{RUNNER_PLAN_FILE}" || exit 1
fi
"""

RUNNER_NETWORK = RUNNER_TF + """\
subnet=$(tf -chdir="$dir" output -raw runner_subnet_id)
if ! az storage account network-rule list --subscription "$STATE_SUBSCRIPTION" \\
    --resource-group "$STATE_RESOURCE_GROUP" --account-name "$STATE_ACCOUNT" \\
    --query "virtualNetworkRules[].virtualNetworkResourceId" --output tsv \\
    | grep --quiet --ignore-case --line-regexp --fixed-strings "$subnet"; then
  az storage account network-rule add --subscription "$STATE_SUBSCRIPTION" --resource-group "$STATE_RESOURCE_GROUP" \\
    --account-name "$STATE_ACCOUNT" --subnet "$subnet" --output none
fi
echo "the runner of $UNIT_ENV is up; its subnet is allowed on the state account"
"""
