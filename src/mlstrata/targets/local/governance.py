"""The local target's governance hooks: the journal beside each unit's state (a file next to the local
backend's state file, a table in the pg backend's schema) and the override file that points rollback's scratch
units at the real repository's state and platform folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mlstrata.diagnostics import Diagnostic, error
from mlstrata.governance.journal import FileJournal, JournalStore, PgJournal
from mlstrata.hcl.write import Block, Comment, render_file
from mlstrata.repo import JOURNAL_SUFFIX, STATE_DIR, unit_dir
from mlstrata.spec.models import Platform
from mlstrata.targets.local.state import pg_schema, platform_root, state_path


def journal(platform: Platform, repo: Path, env: str, layer: str,
            environ: Mapping[str, str]) -> tuple[JournalStore | None, list[Diagnostic]]:
    """Local backend: `<state file>.journal.jsonl` beside it; pg: the table in the unit's state schema."""
    if platform.state.backend == "pg":
        conn = environ.get("PG_CONN_STR") or os.environ.get(platform.state.conn_str_env or "", "")
        if not conn:
            return None, [error(f"${platform.state.conn_str_env} is not set: the journal lives with the state",
                                code="journal.pg_conn")]
        return PgJournal(conn, pg_schema(platform, env, layer)), []
    return FileJournal(repo.resolve() / STATE_DIR / env / f"{layer}{JOURNAL_SUFFIX}"), []


def rollback_override(platform: Platform, repo: Path, env: str, layer: str, rendered: Mapping[str, str]) -> str:
    """The scratch unit's state backend (local backend), the base layer's remote state and the provider's
    platform folder, all pointed at the real repository."""
    unit = unit_dir(repo, env, layer)
    items: list[Block | Comment] = [Comment("Written by `mlstrata rollback`: plan this older configuration "
                                            "against the real repository's state and platform folder.")]
    if platform.state.backend == "local":
        items.append(Block("terraform").add(Block("backend", ["local"]).attr(
            "path", str((unit / state_path(env, layer)).resolve()))))
    items.append(Block("provider", ["mlstrata"]).attr(
        "root", str((repo / platform_root(env)).resolve())))
    has_remote = any('data "terraform_remote_state" "base"' in text for text in rendered.values())
    if has_remote and platform.state.backend == "local":
        items.append(Block("data", ["terraform_remote_state", "base"]).attr(
            "config", {"path": str((unit / state_path(env, "base")).resolve())}))
    return render_file(items)
