"""Map a plan's resource addresses back to the `resource` block in the source (file:line).

The plan's `configuration` section names each module call's `source`; local sources (`./`, `../`)
are followed from the root module directory, and the block is found with mlstrata's HCL reader.
A resource inside a non-local module (registry, git) is placed at the `module` block that calls it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlstrata.diagnostics import Where

if TYPE_CHECKING:
    from mlstrata.hcl import Block

_MODULE_STEP = re.compile(r'module\.([^.\[]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?')


def module_names(module_address: str) -> list[str]:
    """`module.a["x"].module.b[0]` -> ["a", "b"]."""
    return _MODULE_STEP.findall(module_address) if module_address else []


class SourceIndex:
    """Finds `resource`/`data`/`module` blocks in the module directories of one plan's configuration."""

    def __init__(self, root_dir: Path | None, configuration: Any) -> None:
        self.root_dir = root_dir
        self.root_module = configuration.get("root_module") if isinstance(configuration, dict) else None
        self._blocks: dict[str, dict[tuple[str, ...], Where]] = {}

    def _index(self, directory: str) -> dict[tuple[str, ...], Where]:
        found = self._blocks.get(directory)
        if found is not None:
            return found
        from mlstrata.hcl import parse_file  # the HCL reader only with code to read: a plan alone needs none
        found = {}
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".tf"))
        except OSError:
            names = []
        for name in names:
            path = os.path.join(directory, name)
            hcl = parse_file(path)
            for block in hcl.body.blocks:
                key = _key(block)
                if key is not None:
                    found.setdefault(key, Where(path, block.line, block.column))
        self._blocks[directory] = found
        return found

    def locate(self, module_address: str, mode: str, rtype: str, name: str) -> Where | None:
        """Where the block of this resource is declared; the calling `module` block when its module's
        source is not local; None when the root directory is unknown or nothing matches."""
        if self.root_dir is None:
            return None
        directory = str(self.root_dir)
        module = self.root_module
        call_site: Where | None = None
        for step in module_names(module_address):
            calls = module.get("module_calls") if isinstance(module, dict) else None
            call = calls.get(step) if isinstance(calls, dict) else None
            call_site = self._index(directory).get(("module", step))
            source = call.get("source") if isinstance(call, dict) else None
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                return call_site
            directory = os.path.normpath(os.path.join(directory, source))
            module = call.get("module") if isinstance(call, dict) else None
        block = "data" if mode == "data" else "resource"
        # a block removed from a module (the resource is being destroyed) is placed at the module's call
        return self._index(directory).get((block, rtype, name)) or call_site


def _key(block: Block) -> tuple[str, ...] | None:
    if block.type in ("resource", "data") and len(block.labels) == 2:
        return (block.type, block.labels[0], block.labels[1])
    if block.type == "module" and len(block.labels) == 1:
        return ("module", block.labels[0])
    return None
