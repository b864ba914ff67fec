"""The rendered repository's layout, in one place: where units, modules and mlstrata's own files live.

```
<repo>/
  modules/<module>/...                 the target's modules, copied from the package
  live/<env>/<layer>/*.tf              one Terraform root (a unit) per environment x layer
  live/<env>/<layer>/.mlstrata/        per unit: saved plans, plan JSON, run logs
  bootstrap/...                        roots that must exist first (e.g. the state bucket)
  .mlstrata/                           per repository: render manifest and stamp, drift history, provider mirror,
                                       journals, rollback's scratch trees; the local target's states and platforms
```
The team's price overlay is `.mlstrata/prices.json` beside the spec (committed with it), not in the rendered tree.
Other people's trees may keep environments under `envs/` or `environments/` too; `env_of` reads those.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath

DEFAULT_SPEC = "platform.yaml"  # the spec file commands look for (beside or above the code `check` reads)
LIVE = "live"
ENV_DIRS = (LIVE, "envs", "environments")  # folders whose sub-folders are environments
WORK_DIR = ".mlstrata"  # per unit: plan files, plan JSON and run logs; per repository: the files below
MANIFEST = f"{WORK_DIR}/render-manifest.json"
STAMP = f"{WORK_DIR}/render-stamp.json"  # what the tree on disk was rendered from (not in git)
HISTORY_FILE = f"{WORK_DIR}/drift-history.jsonl"
PLUGINS_DIR = f"{WORK_DIR}/plugins"
CLI_CONFIG = f"{WORK_DIR}/terraform.tfrc"
JOURNAL_DIR = f"{WORK_DIR}/journal"  # <env>/<layer>.journal.jsonl of units whose state backend cannot hold it
STATE_DIR = f"{WORK_DIR}/state"  # the local target's state files (local backend) and their journals: <env>/<layer>.*
PLATFORM_DIR = f"{WORK_DIR}/platform"  # the local target's platforms (the provider's root), one folder per env
ROLLBACK_DIR = f"{WORK_DIR}/rollback"  # rollback's scratch trees, one per revision
PRICES_FILE = f"{WORK_DIR}/prices.json"  # relative to the spec's folder (see above)
JOURNAL_SUFFIX = ".journal.jsonl"
REPO_FROM_UNIT = "../../.."  # live/<env>/<layer>/ -> the repository
MODULES_FROM_UNIT = f"{REPO_FROM_UNIT}/modules"


def unit_dir(repo: Path, env: str, layer: str) -> Path:
    """The folder of one unit."""
    return repo / LIVE / env / layer


def unit_path(env: str, layer: str) -> str:
    """A unit's folder as a repository-relative POSIX path (`live/<env>/<layer>`)."""
    return f"{LIVE}/{env}/{layer}"


def unit_file(env: str, layer: str, name: str) -> str:
    """A unit's file as a repository-relative POSIX path (`live/<env>/<layer>/<name>`)."""
    return f"{unit_path(env, layer)}/{name}"


def split_unit_file(path: str) -> tuple[str, str, str] | None:
    """(env, layer, the path inside the unit) of a repository-relative POSIX path inside a unit, else None."""
    parts = path.split("/")
    return (parts[1], parts[2], "/".join(parts[3:])) if len(parts) > 3 and parts[0] == LIVE else None


def unit_of_file(path: str) -> str | None:
    """`<env>/<layer>` of a repository-relative path inside a unit, else None."""
    found = split_unit_file(path)
    return None if found is None else f"{found[0]}/{found[1]}"


def env_of(directory: str) -> str | None:
    """The environment a directory belongs to by its path: `live/<env>/...`, `envs/<env>`, ...

    Give the path relative to the repository root, so that directories above it do not count."""
    parts = PurePath(directory).parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in ENV_DIRS:
            return parts[i + 1]
    return None


def unit_of_path(path: Path) -> tuple[str | None, str | None, Path | None]:
    """(env, layer, unit folder) of a file below `live/<env>/<layer>/` (or `envs/<env>/...`); the
    layer is None when the path stops at the environment or goes into a dot-folder next."""
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in ENV_DIRS:
            layer = parts[i + 2] if i + 2 < len(parts) and not parts[i + 2].startswith(".") else None
            folder = Path(*parts[: i + 3]) if layer else Path(*parts[: i + 2])
            return parts[i + 1], layer, folder
    return None, None, None


def find_spec(paths: Sequence[Path]) -> Path | None:
    """A platform.yaml beside or above the scanned paths (up to the repository root)."""
    for path in paths:
        current = path.resolve()
        if current.is_file():
            current = current.parent
        while True:
            candidate = current / DEFAULT_SPEC
            if candidate.is_file():
                return candidate
            if (current / ".git").exists() or current.parent == current:
                break
            current = current.parent
    return None
