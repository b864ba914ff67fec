"""Where the local target keeps each unit's state: a file under `.mlstrata/state/` (local backend) or a schema
of the PostgreSQL database (pg backend); and each environment's platform, under `.mlstrata/platform/`. The
rendered backends and provider, the journal, rollback and the unmanaged-object scan read them here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlstrata.repo import PLATFORM_DIR, REPO_FROM_UNIT, STATE_DIR

if TYPE_CHECKING:  # a type only: `drift` of a current tree (the unmanaged scan) must not load the spec models
    from mlstrata.spec.models import Platform


def state_path(env: str, layer: str) -> str:
    """Local backend state file, relative to a unit directory (live/<env>/<layer>)."""
    return f"{REPO_FROM_UNIT}/{STATE_DIR}/{env}/{layer}.tfstate"


def pg_schema(platform: Platform, env: str, layer: str) -> str:
    """The pg backend's schema of a unit: its state table, and the journal table beside it."""
    return f"{platform.platform}_{env}_{layer}".replace("-", "_")


def platform_root(env: str) -> str:
    """The folder of an environment's local platform (the provider's `root`), relative to the repository."""
    return f"{PLATFORM_DIR}/{env}"
