"""CODEOWNERS and environment reviewers from the spec's owners; the pre-commit hooks of this repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.scratch_repo import REPO_ROOT, ScratchRepo, git

from mlstrata.ci.codeowners import env_reviewers, github_codeowners, gitlab_codeowners
from mlstrata.ci.settings import CiSettings
from mlstrata.diagnostics import DiagnosticsError
from mlstrata.spec.load import load_spec, load_text
from mlstrata.targets.registry import TARGETS

AWS = REPO_ROOT / "examples" / "aws" / "platform.yaml"
QUICKSTART = (REPO_ROOT / "examples" / "quickstart" / "platform.yaml").read_text(encoding="utf-8")


def without_owners(spec: str) -> str:
    """An example spec with its `owners` section (and the comment above it) taken out."""
    start = spec.index("# Who owns what")
    end = spec.index("\n\n", spec.index("owners:"))
    return spec[:start] + spec[end + 2:]


def test_codeowners_per_environment_and_layer() -> None:
    platform = load_spec(AWS).platform
    text = github_codeowners(platform, CiSettings(spec="platform.yaml", repo="infra"), "header")
    assert text is not None
    rules = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    assert rules == [
        ["*", "@acme/platform"],
        ["/infra/live/dev/base/", "@acme/platform"],
        ["/infra/live/dev/platform/", "@acme/ml"],
        ["/infra/live/staging/base/", "@acme/platform"],
        ["/infra/live/staging/platform/", "@acme/ml"],
        ["/infra/live/prod/base/", "@acme/platform", "@acme/ml-leads"],
        ["/infra/live/prod/platform/", "@acme/ml", "@acme/platform", "@acme/ml-leads"],
    ]
    # the same owners review a protected environment's applies
    assert env_reviewers(platform, "prod") == ["@acme/platform", "@acme/ml-leads", "@acme/ml"]
    unowned = without_owners(QUICKSTART)
    assert "owners" not in unowned
    assert github_codeowners(load_text(unowned).platform, CiSettings("platform.yaml", "infra"), "h") is None


def test_gitlab_sections_make_prod_need_both() -> None:
    text = gitlab_codeowners(load_spec(AWS).platform, CiSettings(spec="platform.yaml", repo="infra"), "h")
    assert text is not None
    assert "[layers]\n/infra/live/*/base/ @acme/platform\n/infra/live/*/platform/ @acme/ml\n" in text
    assert "[environments]\n/infra/live/prod/ @acme/platform @acme/ml-leads\n" in text


@pytest.mark.parametrize(("change", "message"), [
    ("owners:\n  default: ['@acme/platform']\n  environments: {qa: ['@acme/ml']}\n",
     "owners.environments.qa: owners for unknown environment `qa`"),
    ("owners:\n  default: ['@acme/platform']\n  layers: {bsae: ['@acme/ml']}\n",
     "did you mean `base`?"),
    ("owners:\n  default: ['acme platform']\n", "owners.default[0]"),
])
def test_owners_are_checked(change: str, message: str) -> None:
    with pytest.raises(DiagnosticsError) as exc:
        load_text(without_owners(QUICKSTART) + change)
    assert any(message in d.headline() + " " + d.hint for d in exc.value.diagnostics), exc.value.diagnostics


def test_a_ci_role_needs_a_plan_role() -> None:
    spec = AWS.read_text(encoding="utf-8").replace("    plan_role: arn:aws:iam::333333333333:role/acme-ml-plan\n", "")
    with pytest.raises(DiagnosticsError) as exc:
        load_text(spec)
    [d] = exc.value.diagnostics
    assert d.path == "environments.prod.ci_role" and "plan_role" in d.summary and d.where is not None
    bad = AWS.read_text(encoding="utf-8").replace("role/acme-ml-plan\n", "role/acme-ml-plan\n", 1).replace(
        "arn:aws:iam::111111111111:role/acme-ml-ci", "acme-ml-ci")
    with pytest.raises(DiagnosticsError) as exc:
        load_text(bad, targets=TARGETS)  # the form of a CI identity is the target's (Target.ci_identity)
    assert [d.path for d in exc.value.diagnostics] == ["environments.dev.ci_role"]


def _try_repo(repo: ScratchRepo, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    """pre-commit's own `try-repo` of this repository's hooks, offline (the hooks use the mlstrata on PATH)."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT), hook, "--all-files",
                           "--color", "never"], cwd=repo.root, env=env, capture_output=True, text=True, check=False)


@pytest.mark.slow  # pre-commit builds a virtualenv and installs mlstrata into it: ~16 s CPU
def test_pre_commit_hooks_try_repo(tmp_path: Path) -> None:
    repo = ScratchRepo(tmp_path / "team-repo", QUICKSTART)
    for hook in ("mlstrata-validate", "mlstrata-render-check", "mlstrata-check"):
        done = _try_repo(repo, hook, tmp_path / "pre-commit-home")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Passed" in done.stdout
    # a hand edit of a rendered file fails render --check; a broken spec fails validate
    main = repo.infra / "live" / "dev" / "base" / "main.tf"
    main.write_text(main.read_text(encoding="utf-8") + "\n# hand edit\n", encoding="utf-8")
    git(repo.root, "add", "-A")
    done = _try_repo(repo, "mlstrata-render-check", tmp_path / "pre-commit-home")
    assert done.returncode == 1 and "Failed" in done.stdout and "out of date" in done.stdout
    repo.spec.write_text(QUICKSTART.replace("max: 2, desired: 0", "max: 2, desired: 5"), encoding="utf-8")
    git(repo.root, "add", "-A")
    done = _try_repo(repo, "mlstrata-validate", tmp_path / "pre-commit-home")
    assert done.returncode == 1 and "desired" in done.stdout


GCP = REPO_ROOT / "examples" / "gcp" / "platform.yaml"
WIF = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/acme-ml"


def test_gcp_ci_identities_are_service_accounts_behind_a_wif_provider() -> None:
    """GCP: ci_role/plan_role are service account emails; CI reaches them through the Workload Identity
    Federation provider, named with the project NUMBER (https://github.com/google-github-actions/auth#inputs)."""
    base = GCP.read_text(encoding="utf-8")
    roles = base.replace("    account: acme-ml-prod\n", "    account: acme-ml-prod\n"
                         "    ci_role: terraform-ci@acme-ml-prod.iam.gserviceaccount.com\n"
                         "    plan_role: terraform-plan@acme-ml-prod.iam.gserviceaccount.com\n")
    with pytest.raises(DiagnosticsError) as exc:
        load_text(roles)
    [d] = exc.value.diagnostics
    assert "gcp.workload_identity_provider" in d.summary and d.where is not None
    good = roles.replace("\ngcp:\n", f"\ngcp:\n  workload_identity_provider: {WIF}\n")
    assert load_text(good).platform.gcp is not None
    by_project_id = good.replace(WIF, WIF.replace("123456789012", "acme-ml-prod"))
    for bad, path in ((by_project_id, "gcp.workload_identity_provider"),
                      (good.replace("terraform-ci@acme-ml-prod.iam.gserviceaccount.com", "terraform-ci"),
                       "environments.prod.ci_role")):
        with pytest.raises(DiagnosticsError) as exc:
            load_text(bad, targets=TARGETS)
        assert [d.path for d in exc.value.diagnostics] == [path]


@pytest.mark.parametrize(("target", "good", "what"), [
    ("aws", "arn:aws-us-gov:iam::111111111111:role/ci/acme-ml-ci", "an IAM role ARN"),
    ("azure", "0f8fad5b-d9cb-469f-a165-70867728950e", "a client id"),
    ("gcp", "terraform-ci@acme-ml-prod.iam.gserviceaccount.com", "a service account email"),
])
def test_each_cloud_target_owns_the_form_of_its_ci_identities(target: str, good: str, what: str) -> None:
    identity = TARGETS[target].ci_identity
    assert identity is not None and identity.what == what
    assert identity.pattern.match(good) and not identity.pattern.match("acme-ml-ci")
    others = [t.ci_identity for name, t in TARGETS.items() if name not in (target, "local")]
    assert not any(o is not None and o.pattern.match(good) for o in others)  # no form passes for another's
    assert TARGETS["local"].ci_identity is None


def test_a_protected_environment_nobody_can_approve_is_named_when_the_pipelines_are_rendered(tmp_path: Path) -> None:
    """A deployment reviewer is a user or a team (GitHub environments, GitLab approval rules): with only e-mail
    owners, prod's applies would wait for nobody, so `mlstrata ci` names the environment and says how to fix it;
    with the AWS example's @-owners it says nothing of the kind."""
    from support.cli import mlstrata

    from mlstrata.ci.codeowners import unreviewed_protected

    assert unreviewed_protected(load_spec(AWS).platform) == []
    text = AWS.read_text(encoding="utf-8")
    for team in ("@acme/platform", "@acme/ml-leads", "@acme/ml"):
        text = text.replace(f'"{team}"', f'"{team[6:]}@acme.example"')
    assert "@acme/" not in text.split("owners:")[1].split("\n\n")[0]
    assert unreviewed_protected(load_text(text).platform) == ["prod"]
    for spec, expected in ((AWS.read_text(encoding="utf-8"), False), (text, True)):
        root = tmp_path / str(expected)
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        (root / "platform.yaml").write_text(spec, encoding="utf-8")
        done = mlstrata("ci", "github", cwd=root)
        assert done.returncode == 0, done.stderr
        said = " ".join(done.stderr.split())  # the console wraps long lines
        warned = "environment `prod` is protected, but no owner of its units is a user or team" in said
        assert warned is expected, done.stderr
        if expected:
            assert "Add one under `owners.environments.prod`" in said
            setup = (root / ".github" / "mlstrata" / "setup-environments.sh").read_text(encoding="utf-8")
            assert "# prod: protected, but the spec names no owners to review it" in setup


@pytest.mark.parametrize("example", ["aws", "azure", "gcp", "quickstart"])
def test_every_bundled_example_is_governed_by_owners(tmp_path: Path, example: str) -> None:
    """Our own examples show the governed setup: each names owners, so `mlstrata ci` renders CODEOWNERS and each
    protected environment's applies wait for an @-owner's approval; the command warns about neither (without
    owners it says "no `owners` in the spec", without an @-owner it names the environment: the test above)."""
    from support.cli import mlstrata

    from mlstrata.ci.codeowners import unreviewed_protected

    path = REPO_ROOT / "examples" / example / "platform.yaml"
    platform = load_spec(path, targets=TARGETS).platform
    protected = [env for env, spec in platform.environments.items() if spec.protect]
    assert platform.owners is not None and protected, example
    assert unreviewed_protected(platform) == []
    for env in protected:
        assert any(o.startswith("@") for o in env_reviewers(platform, env)), env
    root = tmp_path / example
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "platform.yaml").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    done = mlstrata("ci", "github", cwd=root)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert "warning" not in said and "no `owners`" not in said, done.stderr
    assert (root / ".github" / "CODEOWNERS").exists()
