"""Put the provider where Terraform finds it: a versioned filesystem mirror with a shell wrapper.

Layout (Terraform's "unpacked" mirror layout):
`<dir>/local.mlstrata.dev/mlstrata/mlstrata/0.1.0/<os>_<arch>/terraform-provider-mlstrata_v0.1.0`,
a two-line POSIX shell script that execs this interpreter on `-m mlstrata.provider`.
`cli_config_block()` gives the `provider_installation` block that makes `terraform init` use it.
"""

from __future__ import annotations

import base64
import hashlib
import platform
import shlex
import sys
from pathlib import Path

from mlstrata.provider import ADDRESS, HOSTNAME, TYPE, VERSION
from mlstrata.provider.store.files import write_atomic

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}
_OS = {"linux": "linux", "darwin": "darwin", "freebsd": "freebsd", "openbsd": "openbsd"}


def platform_string(system: str | None = None, machine: str | None = None) -> str:
    """Terraform's platform name for this host, e.g. `linux_amd64` or `darwin_arm64`."""
    system_name = (system or platform.system()).lower()
    machine_name = (machine or platform.machine()).lower()
    if system_name not in _OS:
        raise RuntimeError(f"the mlstrata provider's shell wrapper does not support {system_name!r}")
    arch = _ARCH.get(machine_name, machine_name)
    if machine_name.startswith("armv"):
        arch = "arm"
    return f"{_OS[system_name]}_{arch}"


def executable_name() -> str:
    return f"terraform-provider-{TYPE}_v{VERSION}"


def package_dir(plugin_dir: Path, platform_name: str | None = None) -> Path:
    """The folder holding the provider executable inside the mirror."""
    return plugin_dir / ADDRESS / VERSION / (platform_name or platform_string())


def wrapper_text(interpreter: str | None = None) -> str:
    """The wrapper script: exec the interpreter on the provider module, passing arguments on."""
    python = shlex.quote(interpreter or sys.executable)
    return f'#!/bin/sh\nexec {python} -m mlstrata.provider "$@"\n'


def install_provider(plugin_dir: Path, interpreter: str | None = None) -> Path:
    """Write the provider wrapper into the mirror at `plugin_dir`; return its path.

    Idempotent: an identical wrapper is left untouched (so Terraform's lock-file hash holds);
    otherwise it is replaced atomically.
    """
    target = package_dir(plugin_dir) / executable_name()
    text = wrapper_text(interpreter).encode()
    if target.is_file() and target.read_bytes() == text and target.stat().st_mode & 0o111:
        return target
    write_atomic(target, text, mode=0o755)
    return target


def package_hash(plugin_dir: Path, platform_name: str | None = None) -> str:
    """The `h1:` hash Terraform records in `.terraform.lock.hcl` for the installed package.

    Terraform's "h1" scheme: sha256 over the sorted lines `<sha256 hex>  <relative path>\\n` of
    every file in the package folder, base64-encoded.
    """
    folder = package_dir(plugin_dir, platform_name)
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def cli_config_block(plugin_dir: Path) -> str:
    """The `provider_installation` block of a Terraform CLI config that uses the mirror."""
    path = str(plugin_dir).replace("\\", "\\\\").replace('"', '\\"')
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{path}"\n'
        f'    include = ["{ADDRESS}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{HOSTNAME}/*/*"]\n'
        "  }\n"
        "}\n"
    )
