"""What every cloud's bootstrap/state root shares: the root that creates the state store keeps its own state
local until that store exists."""

from __future__ import annotations

from collections.abc import Mapping

from mlstrata.hcl.write import Block, Comment


def local_state_versions(required_terraform: str, provider: str, source: Mapping[str, str], store: str,
                         backend: str, others: Mapping[str, Mapping[str, str]] | None = None) -> Block:
    """The root's `terraform` block: `provider` (its `source` and `version`) and `others` by name, and local state
    on purpose, with how to move it into the `store` (bucket, storage account) once the first apply created it."""
    providers = Block("required_providers").attr(provider, dict(source))
    for name, other in (others or {}).items():
        providers.attr(name, dict(other))
    versions = Block("terraform").attr("required_version", required_terraform).add(providers)
    versions.add(Comment(f"Local state on purpose: this root creates the {store} every other state lives in."))
    versions.add(Comment(f"Keep bootstrap/state/terraform.tfstate safe, or migrate it into the {store} once it"))
    versions.add(Comment(f'exists (add a backend "{backend}" block and run `terraform init -migrate-state`).'))
    # `mlstrata check` (MLS020) would flag the local backend of every rendered tree, where it is the design: the
    # suppression names the rule and why, so the finding shows as suppressed, never silently dropped
    versions.add(Comment(f"mlstrata:ignore MLS020 the {store} for remote state does not exist before this root's "
                         "first apply"))
    return versions.add(Block("backend", ["local"]))
