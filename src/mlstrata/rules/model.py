"""One Terraform module (a directory of .tf files) as rules see it: blocks by kind, with positions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from mlstrata.diagnostics import Where
from mlstrata.hcl import Attribute, Block, Body, HclFile

_REF = re.compile(r"\b(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass(frozen=True, slots=True)
class Item:
    """A top-level block (resource, data, module, variable, output, provider, terraform) and its file."""

    kind: str
    type: str  # resource/data type, provider name, or "" for module/variable/output
    name: str
    block: Block
    file: str

    @property
    def address(self) -> str:
        if self.kind == "resource":
            return f"{self.type}.{self.name}"
        if self.kind == "data":
            return f"data.{self.type}.{self.name}"
        if self.kind in ("module", "variable", "output"):
            return f"{'var' if self.kind == 'variable' else self.kind}.{self.name}"
        return self.kind

    @property
    def body(self) -> Body:
        return self.block.body

    @property
    def where(self) -> Where:
        return Where(self.file, self.block.line, self.block.column)

    def at(self, attr: Attribute | Block | None) -> Where:
        """The position of an attribute or nested block of this item (the item itself when None)."""
        if attr is None:
            return self.where
        return Where(self.file, attr.line, attr.column)

    def attr(self, name: str) -> Attribute | None:
        return self.block.body.attributes.get(name)


@dataclass(slots=True)
class ModuleView:
    """Everything declared in one directory; `tfvars` are the files Terraform loads by itself."""

    directory: str
    files: list[HclFile] = field(default_factory=list)
    resources: list[Item] = field(default_factory=list)
    data: list[Item] = field(default_factory=list)
    calls: list[Item] = field(default_factory=list)
    variables: dict[str, Item] = field(default_factory=dict)
    outputs: list[Item] = field(default_factory=list)
    providers: list[Item] = field(default_factory=list)
    terraform: list[Item] = field(default_factory=list)
    locals: dict[str, Attribute] = field(default_factory=dict)
    local_files: dict[str, str] = field(default_factory=dict)
    tfvars: list[HclFile] = field(default_factory=list)
    other_tfvars: list[HclFile] = field(default_factory=list)
    by_address: dict[str, Item] = field(default_factory=dict)
    types: set[str] = field(default_factory=set)  # of its resources and data sources

    @property
    def name(self) -> str:
        return PurePath(self.directory).name

    def resources_of(self, *types: str) -> list[Item]:
        return [r for r in self.resources if r.type in types]

    def data_of(self, *types: str) -> list[Item]:
        return [d for d in self.data if d.type in types]

    def backend(self) -> tuple[Item, Block] | None:
        """The `backend` (or `cloud`) block of the module's `terraform` blocks, if any."""
        for item in self.terraform:
            for block in item.body.blocks:
                if block.type in ("backend", "cloud"):
                    return item, block
        return None

    def referenced(self, expr_text: str, *types: str) -> list[Item]:
        """Items of the given types that an expression refers to (`aws_s3_bucket.this.id` → that bucket)."""
        out: list[Item] = []
        for m in _REF.finditer(expr_text):
            prefix = "data." if m.group(1) else ""
            if types and m.group(2) not in types:
                continue
            item = self.by_address.get(f"{prefix}{m.group(2)}.{m.group(3)}")
            if item is not None and item not in out:
                out.append(item)
        return out


def build_module(
    directory: str, files: list[HclFile], tfvars: list[HclFile], other_tfvars: list[HclFile]
) -> ModuleView:
    """Index the top-level blocks of a directory's parsed files."""
    view = ModuleView(directory=directory, files=files, tfvars=tfvars, other_tfvars=other_tfvars)
    for parsed in files:
        for block in parsed.body.blocks:
            _add(view, block, parsed.filename)
    return view


def _add(view: ModuleView, block: Block, file: str) -> None:
    kind, labels = block.type, block.labels
    if kind in ("resource", "data") and len(labels) == 2:
        item = Item(kind, labels[0], labels[1], block, file)
        (view.resources if kind == "resource" else view.data).append(item)
        view.by_address[item.address] = item
        view.types.add(item.type)
    elif kind == "module" and len(labels) == 1:
        item = Item("module", "", labels[0], block, file)
        view.calls.append(item)
        view.by_address[item.address] = item
    elif kind == "variable" and len(labels) == 1:
        view.variables.setdefault(labels[0], Item("variable", "", labels[0], block, file))
    elif kind == "output" and len(labels) == 1:
        view.outputs.append(Item("output", "", labels[0], block, file))
    elif kind == "provider" and len(labels) == 1:
        view.providers.append(Item("provider", labels[0], labels[0], block, file))
    elif kind == "terraform":
        view.terraform.append(Item("terraform", "", "", block, file))
    elif kind == "locals":
        for name, attr in block.body.attributes.items():
            view.locals.setdefault(name, attr)
            view.local_files.setdefault(name, file)
