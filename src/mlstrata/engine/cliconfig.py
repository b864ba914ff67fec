"""The Terraform CLI configuration and environment mlstrata gives every Terraform run.

mlstrata never relies on a user's `~/.terraformrc` or `TF_CLI_CONFIG_FILE` (which may point at a
missing or broken file): each run gets a config file written here and an environment built here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

# Variables that would change what a run does behind mlstrata's back (extra arguments, another
# data dir or workspace, another CLI config); dropped from the inherited environment.
_DROPPED = frozenset(
    {
        "TF_CLI_CONFIG_FILE",
        "TERRAFORM_CONFIG",
        "TF_DATA_DIR",
        "TF_WORKSPACE",
        "TF_PLUGIN_CACHE_DIR",
        "TF_IN_AUTOMATION",
        "TF_INPUT",
        "TF_CLI_ARGS",
    }
)


def hcl_string(value: str) -> str:
    """Quote a string for HCL (JSON escapes, plus `${`/`%{` so no template is ever evaluated)."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def render_cli_config(extra_blocks: Sequence[str] = (), plugin_cache_dir: Path | None = None) -> str:
    """The text of a CLI config: no update checks, an optional plugin cache, then the caller's blocks."""
    lines = ["# Written by mlstrata for its Terraform runs; regenerated on every run.", "disable_checkpoint = true"]
    if plugin_cache_dir is not None:
        lines.append(f"plugin_cache_dir = {hcl_string(str(plugin_cache_dir))}")
    text = "\n".join(lines) + "\n"
    for block in extra_blocks:
        text += "\n" + block.strip("\n") + "\n"
    return text


def write_cli_config(path: Path, extra_blocks: Sequence[str] = (), *, plugin_cache_dir: Path | None = None) -> Path:
    """Write a Terraform CLI config file atomically and return its path.

    `extra_blocks` are HCL blocks from the caller, for example a
    `provider_installation { filesystem_mirror { ... } }` block for mlstrata's local provider.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if plugin_cache_dir is not None:
        Path(plugin_cache_dir).mkdir(parents=True, exist_ok=True)
    text = render_cli_config(extra_blocks, plugin_cache_dir)
    fd, tmp = tempfile.mkstemp(prefix=".tfrc-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def default_plugin_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where providers are cached between runs: `$XDG_CACHE_HOME/mlstrata/plugin-cache`."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlstrata" / "plugin-cache"


def terraform_environ(
    cli_config: Path,
    *,
    plugin_cache_dir: Path | None = None,
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for one Terraform run: inherited variables minus risky ones, plus ours."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k not in _DROPPED and not k.startswith("TF_CLI_ARGS_")}
    env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    env["CHECKPOINT_DISABLE"] = "1"
    if plugin_cache_dir is not None:
        env["TF_PLUGIN_CACHE_DIR"] = str(plugin_cache_dir)
    if extra:
        env.update(extra)
    return env
