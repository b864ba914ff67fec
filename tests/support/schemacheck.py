"""Check Terraform code against provider schemas, offline.

Every `resource` / `data` block whose type belongs to a provider we hold a schema for must use a type,
arguments and nested blocks that exist in that schema, set every required argument and block, and set
no read-only (computed-only) attribute. The schemas are the trimmed JSON files written by
`scripts/extract_provider_schema.py` from the cdktf prebuilt-provider packages.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, closest, error, warning
from mlstrata.hcl import UNKNOWN, Attribute, Block, Body, HclFile, Value, dynamic_blocks, parse_file

# Terraform meta-arguments, accepted in every resource and data block.
META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})


@dataclass(frozen=True, slots=True)
class AttributeSchema:
    """One argument. `nested` is set for object-valued arguments (`x = {...}` or `x = [{...}]`)."""

    required: bool
    type: str
    nested: BlockSchema | None = None
    nesting: str = ""  # single | list | set | map, for nested arguments
    block_syntax: str = ""  # "rejected": `x { }` is an error; "unknown": cdktf cannot tell


@dataclass(frozen=True, slots=True)
class NestedBlockSchema:
    """A nested block type: how it nests, how many are needed, and what it holds."""

    nesting: str
    min_items: int
    max_items: int | None
    block: BlockSchema


@dataclass(frozen=True, slots=True)
class BlockSchema:
    """Arguments, nested blocks and read-only attribute names of a resource, data source or block."""

    attributes: Mapping[str, AttributeSchema]
    blocks: Mapping[str, NestedBlockSchema]
    computed_only: frozenset[str] = frozenset()
    recursive: bool = False  # a recursive struct the extractor did not expand: contents not checked

    def names(self) -> list[str]:
        """Every name that may appear in the body, for "did you mean" hints."""
        return sorted({*self.attributes, *self.blocks})


@dataclass(frozen=True)
class ProviderSchema:
    """The trimmed schema of one provider, with the full lists of its type names."""

    provider: str
    source: Mapping[str, str]
    resources: Mapping[str, BlockSchema]
    data_sources: Mapping[str, BlockSchema]
    resource_types: frozenset[str]
    data_source_types: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.source.get('provider', self.provider)} {self.source.get('provider_version', '')}".strip()


@dataclass(frozen=True)
class ProviderSchemas:
    """Provider schemas by type prefix (`aws`, `helm`)."""

    providers: Mapping[str, ProviderSchema] = field(default_factory=dict)

    def for_type(self, type_name: str, provider: str | None = None) -> ProviderSchema | None:
        """The schema of the provider a resource type belongs to, if we hold it: the one its `provider`
        meta-argument names (`google-beta`, `google-beta.west`), else the one of its type prefix."""
        if provider is not None:
            return self.providers.get(provider.split(".", 1)[0])
        return self.providers.get(type_name.split("_", 1)[0])


# ---------------------------------------------------------------------------------------------- loading


def _block_schema(data: Mapping[str, Any]) -> BlockSchema:
    attributes: dict[str, AttributeSchema] = {}
    for name, a in data.get("attributes", {}).items():
        nested = _block_schema(a["object"]) if "object" in a else None
        attributes[name] = AttributeSchema(
            required=bool(a.get("required", False)),
            type=str(a.get("type", "any")),
            nested=nested,
            nesting=str(a.get("nesting", "")),
            block_syntax=str(a.get("block_syntax", "")),
        )
    blocks = {
        name: NestedBlockSchema(
            nesting=str(b.get("nesting", "list")),
            min_items=int(b.get("min_items", 0)),
            max_items=b.get("max_items"),
            block=_block_schema(b),
        )
        for name, b in data.get("blocks", {}).items()
    }
    return BlockSchema(
        attributes=attributes,
        blocks=blocks,
        computed_only=frozenset(data.get("computed_only", [])),
        recursive=bool(data.get("recursive", False)),
    )


def load_provider_schema(path: Path) -> ProviderSchema:
    """Load one trimmed schema file; a malformed file raises `DiagnosticsError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ProviderSchema(
            provider=str(data["provider"]),
            source=dict(data.get("_header", {})),
            resources={k: _block_schema(v) for k, v in data.get("resources", {}).items()},
            data_sources={k: _block_schema(v) for k, v in data.get("data_sources", {}).items()},
            resource_types=frozenset(data.get("resource_types", data.get("resources", {}))),
            data_source_types=frozenset(data.get("data_source_types", data.get("data_sources", {}))),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DiagnosticsError(
            [
                error(
                    f"Cannot load provider schema: {exc}",
                    where=Where(str(path)),
                    hint="Regenerate it with scripts/extract_provider_schema.py.",
                    code="schema.load",
                )
            ]
        ) from exc


def load_schemas(paths: Iterable[Path]) -> ProviderSchemas:
    """Load trimmed schema files (one per provider) into a `ProviderSchemas`."""
    providers: dict[str, ProviderSchema] = {}
    for path in paths:
        schema = load_provider_schema(path)
        providers[schema.provider] = schema
    return ProviderSchemas(providers)


# ---------------------------------------------------------------------------------------------- checking


def tf_files(paths: Iterable[Path]) -> list[Path]:
    """The .tf files named or found under the given paths, sorted, skipping `.terraform` folders."""
    out: set[Path] = set()
    for p in paths:
        if p.is_dir():
            out.update(f for f in p.rglob("*.tf") if ".terraform" not in f.relative_to(p).parts)
        elif p.suffix == ".tf":
            out.add(p)
    return sorted(out)


def check_tree(paths: list[Path], schema: ProviderSchemas) -> list[Diagnostic]:
    """Parse every .tf file under `paths` and check its resources and data sources against `schema`."""
    out: list[Diagnostic] = []
    for path in tf_files(paths):
        out.extend(check_file(parse_file(path), schema))
    return out


def check_file(hcl: HclFile, schema: ProviderSchemas) -> list[Diagnostic]:
    """Syntax errors of an already parsed file plus the schema findings, in source order."""
    out = list(hcl.errors)
    for block in hcl.body.blocks:
        if block.type in ("resource", "data"):
            _Checker(hcl.filename, out).resource(block, schema)
    return sorted(out, key=lambda d: (d.where.line, d.where.column) if d.where else (0, 0))


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    # Terraform's wording (`Did you mean "x"?`); the match itself comes from the one shared helper
    match = closest(name, candidates)
    return f'Did you mean "{match}"?' if match else ""


class _Checker:
    """Checks one resource or data block; appends diagnostics to `out`."""

    def __init__(self, filename: str, out: list[Diagnostic]) -> None:
        self.filename = filename
        self.out = out
        self.address = ""

    def where(self, line: int, column: int) -> Where:
        return Where(self.filename, line, column)

    def emit(self, summary: str, line: int, column: int, code: str, detail: str = "", hint: str = "") -> None:
        self.out.append(
            error(summary, where=self.where(line, column), path=self.address, code=code, detail=detail, hint=hint)
        )

    def resource(self, block: Block, schemas: ProviderSchemas) -> None:
        if len(block.labels) != 2:
            return  # Terraform itself reports the label count
        type_name, name = block.labels
        meta = block.body.attributes.get("provider")
        provider = schemas.for_type(type_name, meta.expr_text if meta is not None else None)
        if provider is None:
            return
        is_data = block.type == "data"
        self.address = f"data.{type_name}.{name}" if is_data else f"{type_name}.{name}"
        noun = "data source" if is_data else "resource type"
        known = provider.data_source_types if is_data else provider.resource_types
        if type_name not in known:
            other = provider.resource_types if is_data else provider.data_source_types
            hint = _did_you_mean(type_name, known)
            if type_name in other:
                hint = f'"{type_name}" is a {"resource" if is_data else "data source"} of this provider.'
            self.emit(
                f'Unknown {noun} "{type_name}"',
                block.line,
                block.column,
                "schema.unknown_type",
                detail=f"{provider.label} has no {noun} named {type_name!r}.",
                hint=hint,
            )
            return
        body_schema = (provider.data_sources if is_data else provider.resources).get(type_name)
        if body_schema is None:
            self.out.append(
                warning(
                    f'No schema extracted for {noun} "{type_name}"; not checked',
                    where=self.where(block.line, block.column),
                    path=self.address,
                    code="schema.not_extracted",
                    hint="Regenerate the trimmed schema with scripts/extract_provider_schema.py --scan.",
                )
            )
            return
        self.body(block.body, body_schema, type_name, block, top=True)

    def body(self, body: Body, schema: BlockSchema, context: str, owner: Block, top: bool = False) -> None:
        """Check one body against a block schema; `context` names it in messages."""
        if schema.recursive:
            return
        set_names: set[str] = set()
        for name, attr in body.attributes.items():
            if top and name in META_ARGUMENTS:
                continue
            self.attribute(name, attr, schema, context)
            if attr.value is not None:  # a literal null leaves the argument unset
                set_names.add(name)
        counts: Counter[str] = Counter()
        for block in dynamic_blocks(body):
            if top and block.type in META_BLOCKS:
                continue
            if block.type == "dynamic":
                continue  # a dynamic block without a label: Terraform reports it
            if self.nested_block(block, schema, context, counts):
                set_names.add(block.type)
        self.missing(schema, set_names, counts, context, owner)

    def attribute(self, name: str, attr: Attribute, schema: BlockSchema, context: str) -> None:
        spec = schema.attributes.get(name)
        if spec is not None:
            if spec.nested is not None:
                self.object_value(name, attr, spec, context)
            return
        if name in schema.computed_only:
            self.emit(
                f'Read-only attribute "{name}" cannot be set',
                attr.line,
                attr.column,
                "schema.read_only",
                detail=f"{context}: {name} is computed by the provider.",
                hint="Remove it; read it from the resource instead.",
            )
        elif name in schema.blocks:
            self.emit(
                f'"{name}" is a block, not an argument',
                attr.line,
                attr.column,
                "schema.block_as_argument",
                detail=f"{context}: write `{name} {{ ... }}` (or a dynamic block), not `{name} = ...`.",
            )
        else:
            self.emit(
                f'Unsupported argument "{name}"',
                attr.line,
                attr.column,
                "schema.unknown_argument",
                detail=f"{context} has no argument named {name!r}.",
                hint=_did_you_mean(name, schema.names()),
            )

    def nested_block(self, block: Block, schema: BlockSchema, context: str, counts: Counter[str]) -> bool:
        """Check a nested block; True when it sets something the schema knows."""
        name = block.type
        nested = schema.blocks.get(name)
        inner = f"{context}.{name}"
        if nested is not None:
            if not block.dynamic:
                counts[name] += 1
                if nested.max_items is not None and counts[name] == nested.max_items + 1:
                    self.emit(
                        f'Too many "{name}" blocks',
                        block.line,
                        block.column,
                        "schema.too_many_blocks",
                        detail=f"{context} allows at most {nested.max_items} {name} block(s).",
                    )
            self.body(block.body, nested.block, inner, block)
            return True
        spec = schema.attributes.get(name)
        if spec is not None and spec.nested is not None and spec.block_syntax != "rejected":
            # A list/set-of-object argument: Terraform also accepts block syntax for these.
            self.body(block.body, spec.nested, inner, block)
            return True
        if spec is not None:
            shape = "[{ ... }]" if spec.nesting in ("list", "set") else "{ ... }"
            self.emit(
                f'"{name}" is an argument, not a block',
                block.line,
                block.column,
                "schema.argument_as_block",
                detail=f"{context}: write `{name} = {shape if spec.nested else '...'}`, not `{name} {{ ... }}`.",
            )
            return True
        if name in schema.computed_only:
            self.emit(
                f'Read-only attribute "{name}" cannot be set',
                block.line,
                block.column,
                "schema.read_only",
                detail=f"{context}: {name} is computed by the provider.",
            )
            return False
        self.emit(
            f'Unsupported block type "{name}"',
            block.line,
            block.column,
            "schema.unknown_block",
            detail=f"{context} has no nested block named {name!r}.",
            hint=_did_you_mean(name, schema.names()),
        )
        return False

    def missing(
        self, schema: BlockSchema, set_names: set[str], counts: Counter[str], context: str, owner: Block
    ) -> None:
        for name, spec in schema.attributes.items():
            if spec.required and name not in set_names:
                self.emit(
                    f'Missing required argument "{name}"',
                    owner.line,
                    owner.column,
                    "schema.missing_argument",
                    detail=f"{context} requires {name!r}.",
                )
        for name, nested in schema.blocks.items():
            if nested.min_items > 0 and name not in set_names:
                self.emit(
                    f'Missing required block "{name}"',
                    owner.line,
                    owner.column,
                    "schema.missing_block",
                    detail=f"{context} needs at least {nested.min_items} {name} block(s).",
                )

    def object_value(self, name: str, attr: Attribute, spec: AttributeSchema, context: str) -> None:
        """Check the keys of literal objects given to an object-valued argument (at any depth)."""
        self.objects(name, attr.partial_value, spec, context, attr)

    def objects(self, name: str, value: Value, spec: AttributeSchema, context: str, attr: Attribute) -> None:
        nested = spec.nested
        if nested is None:
            return
        objects: list[Value]
        if spec.nesting in ("list", "set"):
            objects = value if isinstance(value, list) else []
        elif spec.nesting == "map":
            objects = list(value.values()) if isinstance(value, dict) else []
        else:
            objects = [value]
        for obj in objects:
            if obj is UNKNOWN or not isinstance(obj, dict):
                continue
            for key, item in obj.items():
                child = nested.attributes.get(key)
                if child is not None:
                    self.objects(f"{name}.{key}", item, child, context, attr)
                    continue
                if key in nested.blocks:
                    continue
                ro = key in nested.computed_only
                self.emit(
                    f'Read-only attribute "{key}" in "{name}" cannot be set'
                    if ro
                    else f'Unsupported attribute "{key}" in "{name}"',
                    attr.line,
                    attr.column,
                    "schema.read_only" if ro else "schema.unknown_argument",
                    detail=f"{context}.{name} objects have no settable attribute {key!r}.",
                    hint="" if ro else _did_you_mean(key, nested.names()),
                )
            for key, child in nested.attributes.items():
                if child.required and obj.get(key) is None:
                    self.emit(
                        f'Missing required attribute "{key}" in "{name}"',
                        attr.line,
                        attr.column,
                        "schema.missing_argument",
                        detail=f"Every {context}.{name} object needs {key!r}.",
                    )
