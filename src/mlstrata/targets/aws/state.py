"""Where the AWS target keeps Terraform state, and who reaches it: the state bucket's account, the key of each
unit's state and the environment's deploy role. The rendered backends, the
bootstrap root, the journal and parity read them here."""

from __future__ import annotations

from mlstrata.spec.models import EnvironmentSpec, Platform


def deploy_role(platform: Platform, env: EnvironmentSpec) -> str:
    if env.deploy_role:
        return env.deploy_role
    return f"arn:aws:iam::{env.account}:role/{platform.platform}-deploy"


def state_account(platform: Platform) -> str | None:
    """`state.account`, else the first protected environment's account, else the first environment's."""
    if platform.state.account:
        return platform.state.account
    envs = list(platform.environments.values())
    chosen = next((e for e in envs if e.protect), envs[0])
    return chosen.account


def key_prefix(platform: Platform) -> str:
    return platform.state.key_prefix or platform.platform


def state_key(platform: Platform, env: str, layer: str) -> str:
    return f"{key_prefix(platform)}/{env}/{layer}.tfstate"
