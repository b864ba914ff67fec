"""CODEOWNERS from the spec's `owners`, and the reviewers each protected environment requires.

The owners of `live/<env>/<layer>/` are the layer's owners plus the environment's; `default` owns the rest.
GitHub asks one approval from the owners listed on the last matching line. GitLab's sections are each
required, so there a protected environment owned by two teams needs both.
"""

from __future__ import annotations

from mlstrata.ci.order import environment_order
from mlstrata.ci.settings import CiSettings
from mlstrata.repo import LIVE, unit_path
from mlstrata.spec.models import LAYERS, OwnersSpec, Platform


def unit_owners(owners: OwnersSpec, env: str, layer: str) -> list[str]:
    base = owners.layers.get(layer, owners.default)
    return list(dict.fromkeys([*base, *owners.environments.get(env, [])]))


def env_reviewers(platform: Platform, env: str) -> list[str]:
    """Who must approve an apply to `env`: every owner of its units."""
    if platform.owners is None:
        return []
    return list(dict.fromkeys(o for layer in LAYERS for o in unit_owners(platform.owners, env, layer)))


def unreviewed_protected(platform: Platform) -> list[str]:
    """Protected environments no GitHub/GitLab user or team (an `@` owner) must approve: their applies wait for
    nobody (an e-mail owner cannot review a deployment)."""
    return [env for env in environment_order(platform) if platform.environments[env].protect
            and not any(o.startswith("@") for o in env_reviewers(platform, env))]


def _path(settings: CiSettings, sub: str) -> str:
    prefix = "" if settings.repo == "." else f"{settings.repo}/"
    return f"/{prefix}{sub}"


def github_codeowners(platform: Platform, settings: CiSettings, header: str) -> str | None:
    owners = platform.owners
    if owners is None:
        return None
    lines = [f"# {h}" for h in header.splitlines()]
    lines += ["# GitHub asks one approval from the owners on the last line that matches a file.", "",
              f"* {' '.join(owners.default)}"]
    for env in environment_order(platform):
        for layer in LAYERS:
            lines.append(f"{_path(settings, unit_path(env, layer) + '/')} {' '.join(unit_owners(owners, env, layer))}")
    return "\n".join(lines) + "\n"


def gitlab_codeowners(platform: Platform, settings: CiSettings, header: str) -> str | None:
    """Sections: the layer's owners and the environment's owners must each approve."""
    owners = platform.owners
    if owners is None:
        return None
    lines = [f"# {h}" for h in header.splitlines()]
    lines += ["# Every section that matches a file needs its own approval.", "", "[platform]",
              f"* {' '.join(owners.default)}", ""]
    lines.append("[layers]")
    for layer in LAYERS:
        layer_owners = owners.layers.get(layer, owners.default)
        lines.append(f"{_path(settings, unit_path('*', layer) + '/')} {' '.join(layer_owners)}")
    if owners.environments:
        lines += ["", "[environments]"]
        for env in environment_order(platform):
            if env in owners.environments:
                lines.append(f"{_path(settings, f'{LIVE}/{env}/')} {' '.join(owners.environments[env])}")
    return "\n".join(lines) + "\n"


def github_environments_script(platform: Platform, header: str) -> str:
    """A script an admin runs once (and after owners change): creates the GitHub environments the apply jobs
    use; protected ones require their owners' review and accept deployments from protected branches only."""
    lines = ["#!/usr/bin/env bash", *(f"# {h}" for h in header.splitlines()),
             "# Run with a token that may administer the repository:", "#   GH_REPO=owner/name bash "
             "<this file>", "set -euo pipefail", 'repo="${GH_REPO:?set GH_REPO=owner/name}"', "",
             "# @org/team or @user -> a reviewer object of the environments API (e-mail owners cannot review)",
             "reviewer() {", '  case "$1" in',
             '    @*/*) org="${1#@}"; team="${org#*/}"; org="${org%%/*}"',
             '      printf \'{"type":"Team","id":%s}\' "$(gh api "orgs/$org/teams/$team" --jq .id)" ;;',
             '    @*) printf \'{"type":"User","id":%s}\' "$(gh api "users/${1#@}" --jq .id)" ;;',
             "  esac", "}", ""]
    for env in environment_order(platform):
        spec = platform.environments[env]
        reviewers = [o for o in env_reviewers(platform, env) if o.startswith("@")]
        if spec.protect and reviewers:
            calls = ",".join(f"$(reviewer {o})" for o in reviewers)
            lines += [f"# {env}: protected; an apply waits for one of {', '.join(reviewers)}",
                      f'gh api -X PUT "repos/$repo/environments/{env}" --silent --input - <<JSON',
                      f'{{"prevent_self_review": true, "reviewers": [{calls}], '
                      '"deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}}',
                      "JSON"]
        else:
            lines += [f"# {env}{': protected, but the spec names no owners to review it' if spec.protect else ''}",
                      f'gh api -X PUT "repos/$repo/environments/{env}" --silent']
    return "\n".join(lines) + "\n"
