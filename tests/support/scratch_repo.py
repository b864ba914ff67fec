"""A scratch git repository holding a spec and its rendered tree, as a team's infrastructure repo would."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ruamel.yaml import YAML

from mlstrata.render.tree import render_tree, write_tree
from mlstrata.spec.load import load_spec

REPO_ROOT = Path(__file__).resolve().parents[2]

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> str:
    import os

    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return done.stdout.strip()


class ScratchRepo:
    def __init__(self, root: Path, spec_text: str) -> None:
        self.root = root
        self.spec = root / "platform.yaml"
        self.infra = root / "infra"
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")
        self.spec.write_text(spec_text, encoding="utf-8")
        self.render()
        self.commit("initial platform")

    def render(self) -> None:
        write_tree(render_tree(load_spec(self.spec)), self.infra)

    def edit_spec(self, change: object) -> None:
        """Apply `change(data)` to the YAML document (comments kept), write it and render."""
        yaml = YAML()
        data = yaml.load(self.spec.read_text(encoding="utf-8"))
        change(data)  # type: ignore[operator]
        with self.spec.open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)
        self.render()

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.root, "rev-parse", "HEAD")
