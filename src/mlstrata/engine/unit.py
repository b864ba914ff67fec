"""Units: one Terraform root per environment x layer (`live/<env>/<layer>/`), and their order."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from mlstrata.repo import LIVE, WORK_DIR

# Layers in apply order; within an environment each layer depends on the ones before it.
LAYER_ORDER: tuple[str, ...] = ("base", "platform")


_CONFIG_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@dataclass(frozen=True)
class Unit:
    """One Terraform root module: an environment x layer folder.

    `backend_config` is passed to `terraform init -backend-config=k=v` (do not put secrets
    here: Terraform records backend settings under `.terraform/`; pass those in `env`, e.g.
    `PG_CONN_STR`). `env` adds variables to every Terraform run of this unit.
    """

    env: str
    layer: str
    path: Path
    depends_on: tuple[str, ...] = ()
    backend_config: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    env_vars: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def id(self) -> str:
        """`<env>/<layer>`, the unit's name in messages and events."""
        return f"{self.env}/{self.layer}"

    @property
    def work_dir(self) -> Path:
        return self.path / WORK_DIR

    def sort_key(self) -> tuple[str, int, str]:
        return (self.env, layer_rank(self.layer), self.layer)


def layer_rank(layer: str) -> int:
    """Position of a layer in LAYER_ORDER; unknown layers come after the known ones."""
    try:
        return LAYER_ORDER.index(layer)
    except ValueError:
        return len(LAYER_ORDER)


def with_layer_dependencies(units: Iterable[Unit]) -> list[Unit]:
    """Give each unit a dependency on every lower-ranked layer of the same environment."""
    units = sorted(units, key=Unit.sort_key)
    out: list[Unit] = []
    for unit in units:
        deps = tuple(u.id for u in units if u.env == unit.env and layer_rank(u.layer) < layer_rank(unit.layer))
        out.append(Unit(unit.env, unit.layer, unit.path, deps, unit.backend_config, unit.env_vars))
    return out


def discover_units(repo: Path, envs: Sequence[str] | None = None, layers: Sequence[str] | None = None) -> list[Unit]:
    """Find `live/<env>/<layer>/` folders holding Terraform files, in dependency order.

    `envs`/`layers` narrow the selection; a dependency on an unselected unit is dropped (the
    caller chose to run only part of the graph).
    """
    live = Path(repo) / LIVE
    found: list[Unit] = []
    if not live.is_dir():
        return found
    for env_dir in sorted(p for p in live.iterdir() if p.is_dir()):
        if envs and env_dir.name not in envs:
            continue
        for layer_dir in sorted(p for p in env_dir.iterdir() if p.is_dir()):
            if layers and layer_dir.name not in layers:
                continue
            if any(layer_dir.glob("*.tf")) or any(layer_dir.glob("*.tf.json")):
                found.append(Unit(env_dir.name, layer_dir.name, layer_dir))
    return with_layer_dependencies(found)


def config_fingerprint(unit_path: Path) -> str:
    """A hash of what Terraform reads from a unit: its config, variable files, lock file and
    the local modules it calls (as recorded by `init` in `.terraform/modules/modules.json`)."""
    digest = hashlib.sha256()
    roots = [unit_path, *_local_module_dirs(unit_path)]
    for root in roots:
        for path in sorted(_config_files(root)):
            digest.update(os.path.relpath(path, unit_path).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _config_files(root: Path) -> Iterable[Path]:
    for path in root.iterdir():
        name = path.name
        if path.is_file() and (name.endswith(_CONFIG_SUFFIXES) or name == ".terraform.lock.hcl"):
            yield path


def _local_module_dirs(unit_path: Path) -> list[Path]:
    manifest = unit_path / ".terraform" / "modules" / "modules.json"
    try:
        data = orjson.loads(manifest.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return []
    dirs: set[Path] = set()
    for module in data.get("Modules", []) if isinstance(data, dict) else []:
        source = str(module.get("Source", ""))
        rel = module.get("Dir")
        # Local paths only: remote modules are copied under .terraform/ and pinned by init.
        if rel and source.startswith(("./", "../")):
            candidate = (unit_path / rel).resolve()
            if candidate.is_dir():
                dirs.add(candidate)
    return sorted(dirs)
