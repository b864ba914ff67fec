"""Where the pipelines find things, relative to the repository root they are rendered into."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ACCEPT_FILE = "mlstrata-accept.yaml"


@dataclass(frozen=True)
class CiSettings:
    spec: str  # the spec, relative to the repository root (POSIX)
    repo: str  # the rendered Terraform tree, relative to the repository root
    accept_file: str = ACCEPT_FILE  # the acceptance file reviewers commit, relative to the repository root
    branch: str = "main"
    retention_days: int = 7  # saved plans may hold sensitive values: keep them briefly
    drift_cron: str = "17 4 * * *"


def settings_for(root: Path, spec: Path, repo: Path, branch: str = "main") -> CiSettings:
    def rel(path: Path) -> str:
        return PurePosixPath(os.path.relpath(path.resolve(), root.resolve())).as_posix()

    accept = PurePosixPath(rel(spec)).parent / ACCEPT_FILE  # beside the spec
    return CiSettings(spec=rel(spec), repo=rel(repo), accept_file=accept.as_posix(), branch=branch)
