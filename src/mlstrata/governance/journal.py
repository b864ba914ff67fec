"""The change journal: who changed which unit, from which spec revision, with which plan and review verdict.

Every apply and destroy appends, per unit, a `started` entry before Terraform runs and a `finished` or
`failed` entry after; both carry the same `run` id. A run with no end entry was interrupted (the process
was killed) unless its process is still alive. The journal lives beside the unit's state, where the target
says (`Target.journal`); the stores are here:

- `FileJournal`: one JSON object per line, appended under an exclusive lock and fsynced before Terraform
  starts (local backend: `<state file>.journal.jsonl` next to the state file);
- `PgJournal`: the table `mlstrata_journal` in the unit's state schema; a trigger refuses UPDATE and DELETE;
- the S3 store (targets/aws/journal.py): one object per entry under the state key, conditional writes;
- `repo_journal`: a backend that cannot hold it yet (gcs, azurerm): a file in the rendered repository, with
  a warning saying so.

mlstrata only ever appends; nothing in it rewrites or deletes entries.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from mlstrata.diagnostics import Diagnostic, Where, error, warning
from mlstrata.repo import JOURNAL_DIR, JOURNAL_SUFFIX

TABLE = "mlstrata_journal"
SCHEMA_VERSION = 1
PHASES = ("started", "finished", "failed")

# CI systems and the variable naming who started the run
_CI_ACTORS = (("GITHUB_ACTIONS", "GITHUB_ACTOR"), ("GITLAB_CI", "GITLAB_USER_LOGIN"),
              ("BUILDKITE", "BUILDKITE_BUILD_CREATOR"), ("CIRCLECI", "CIRCLE_USERNAME"),
              ("JENKINS_URL", "BUILD_USER_ID"))


class JournalStore(Protocol):
    @property
    def location(self) -> str:
        """Where the journal is, for messages."""
        ...

    def append(self, entry: Mapping[str, Any]) -> None:
        """Append one entry durably (raises OSError or a driver error when it cannot)."""
        ...

    def read(self) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
        """All entries, oldest first, and problems (an unreadable line, an unreachable database)."""
        ...


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------- local file


@dataclass(frozen=True)
class FileJournal:
    path: Path

    @property
    def location(self) -> str:
        return str(self.path)

    def append(self, entry: Mapping[str, Any]) -> None:
        line = (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # concurrent runs on other units of the env, or a lock-waiting one
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock

    def read(self) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            return [], [error(f"cannot read the journal: {exc}", where=Where(str(self.path)), code="journal.read")]
        out, problems = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = None
            if isinstance(entry, dict):
                out.append(entry)
            else:  # a line cut short by a crash of the machine itself: say so, keep the rest
                problems.append(warning("a journal line is not a complete entry (skipped)",
                                        where=Where(str(self.path), number), code="journal.torn_line"))
        return out, problems


# ---------------------------------------------------------------------------- PostgreSQL


_CREATE = f"""
create schema if not exists {{schema}};
create table if not exists {{schema}}.{TABLE} (
    seq bigserial primary key,
    run text not null,
    phase text not null check (phase in ('started', 'finished', 'failed')),
    at timestamptz not null,
    entry jsonb not null
);
create or replace function {{schema}}.{TABLE}_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the mlstrata journal is append-only';
end $$;
drop trigger if exists {TABLE}_append_only on {{schema}}.{TABLE};
create trigger {TABLE}_append_only before update or delete or truncate on {{schema}}.{TABLE}
    for each statement execute function {{schema}}.{TABLE}_append_only();
"""


@dataclass(frozen=True)
class PgJournal:
    conn_str: str
    schema: str

    @property
    def location(self) -> str:
        return f"PostgreSQL table {self.schema}.{TABLE}"

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.conn_str, connect_timeout=10)

    def append(self, entry: Mapping[str, Any]) -> None:
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            # one creator at a time: parallel `create ... if not exists` race in PostgreSQL's catalog
            cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"{self.schema}.{TABLE}",))
            cur.execute("select to_regclass(%s)", (f"{self.schema}.{TABLE}",))
            row = cur.fetchone()
            if row is None or row[0] is None:
                cur.execute(sql.SQL(_CREATE).format(schema=sql.Identifier(self.schema)))
            cur.execute(sql.SQL("insert into {}.{} (run, phase, at, entry) values (%s, %s, %s, %s)").format(
                sql.Identifier(self.schema), sql.Identifier(TABLE)),
                (entry["run"], entry["phase"], entry["at"], json.dumps(entry, sort_keys=True)))

    def read(self) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
        from psycopg import sql

        try:
            with self._connect() as conn, conn.cursor() as cur:
                cur.execute("select to_regclass(%s)", (f"{self.schema}.{TABLE}",))
                row = cur.fetchone()
                if row is None or row[0] is None:
                    return [], []
                cur.execute(sql.SQL("select entry from {}.{} order by seq").format(
                    sql.Identifier(self.schema), sql.Identifier(TABLE)))
                return [dict(r[0]) for r in cur.fetchall()], []
        except Exception as exc:  # psycopg's errors: the server is down, refused, or the DSN is wrong
            return [], [error(f"cannot read the journal in {self.location}: {type(exc).__name__}: {exc}",
                              code="journal.read", hint="Check the state backend's connection ($PG_CONN_STR).")]


# ---------------------------------------------------------------------------- where


def repo_journal(repo: Path, env: str, layer: str, backend: str) -> tuple[JournalStore, list[Diagnostic]]:
    """The journal kept in the rendered repository, for a state backend that cannot hold it yet."""
    path = repo.resolve() / JOURNAL_DIR / env / f"{layer}{JOURNAL_SUFFIX}"
    return FileJournal(path), [warning(
        f"the journal of {env}/{layer} is kept in {path}: a journal inside the {backend} state backend is "
        "not implemented yet", code=FALLBACK_CODE,
        hint="Commit or archive that file; see README \"Governed change\" (the journal).")]


FALLBACK_CODE = "journal.local_fallback"


# ---------------------------------------------------------------------------- who and what


def _git(cwd: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def who(spec_dir: Path) -> dict[str, Any]:
    """OS user, git author, CI actor (when in CI), host and process."""
    try:
        user: str | None = getpass.getuser()
    except (KeyError, OSError):
        user = None
    name = os.environ.get("GIT_AUTHOR_NAME") or _git(spec_dir, "config", "user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or _git(spec_dir, "config", "user.email")
    author = f"{name} <{email}>" if name and email else name or email
    ci = next(((flag, os.environ.get(var)) for flag, var in _CI_ACTORS if os.environ.get(flag)), None)
    return {"os_user": user, "git_author": author, "ci": ci[0].lower() if ci else None,
            "ci_actor": ci[1] if ci else None, "host": socket.gethostname(), "pid": os.getpid()}


def spec_revision(spec_file: Path) -> dict[str, Any]:
    """The spec's git revision and whether the work tree differs from it (tracked changes, or an
    untracked spec); nulls outside git."""
    folder = spec_file.resolve().parent
    revision = _git(folder, "rev-parse", "HEAD")
    if revision is None:
        return {"file": str(spec_file), "revision": None, "dirty": None}
    changed = _git(folder, "status", "--porcelain", "--untracked-files=no")
    tracked = _git(folder, "ls-files", "--error-unmatch", spec_file.resolve().name)
    return {"file": str(spec_file), "revision": revision, "dirty": bool(changed) or tracked is None}


def run_context(spec_file: Path, command: str, operation: str, **extra: Any) -> dict[str, Any]:
    """What every journal entry of one command says about the run."""
    return {"command": command, "operation": operation, "who": who(spec_file.resolve().parent),
            "spec": spec_revision(spec_file), **extra}
