"""Extract a trimmed Terraform provider schema from a cdktf prebuilt-provider wheel.

The PyPI packages `cdktf-cdktf-provider-<name>` carry a jsii assembly (`_jsii/*.jsii.tgz`): a JSON
description of the generated bindings (`package/.jsii`) plus the generated JavaScript (`package/lib/`).
Both were generated from `terraform providers schema -json`, so together they let us recover, offline:

- every resource and data source type: the class docs link ends in the Terraform type name;
- its arguments: the `<Name>Config` struct; each property has an `optional` flag, a type and a docs link
  ending in `#<terraform_name>` (cdktf renames properties: camelCase, `self` -> `selfAttribute`,
  `getX` -> `fetchX`, ..., so names come from the links, never from case conversion);
- nested blocks: cdktf documents every block property as "<name> block." and types it as a struct
  (max_items = 1, or nesting "single") or a list of structs;
- nested list/set/nesting mode: the generated JavaScript's HCL synthesis (`type: "list" | "set" | "struct"`);
- computed-only (read-only) attributes: getters of the generated classes that have no config property;
  their Terraform names come from the getter bodies (`getStringAttribute('arn')`).

What the cdktf data cannot tell (recorded honestly in the output):
- A struct-typed property that is *not* documented as a block is an attribute whose value is an object or
  a collection of objects. It is either a plugin-framework nested attribute (only `name = {...}` /
  `name = [{...}]` is accepted) or a plain object-typed attribute (type `list(object(...))`, for which
  Terraform also accepts block syntax). cdktf types both alike. Where a child's required flag differs
  from the attribute's own, it cannot be a plain object type (cdktf copies the parent's flags onto
  object-type children), so block syntax is known to be rejected; otherwise it is "unknown".
- min_items: cdktf only keeps "at least one" (min_items >= 1 -> required); max_items only when it is 1.
- Optional+computed attributes look like optional ones; defaults, validators, conflicts and deprecations
  are not in the data.
- For nesting "single" blocks cdktf marks the block required when all its children are; Terraform never
  requires a single block to be present, so it is recorded as optional.

Usage:
    python scripts/extract_provider_schema.py --wheel WHEEL --provider aws --scan DIR --out FILE
    python scripts/extract_provider_schema.py --wheel WHEEL --provider helm --types helm_release --out FILE
    python scripts/extract_provider_schema.py --wheel WHEEL --provider aws --all --out /tmp/aws-all.json
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import io
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = "scripts/extract_provider_schema.py"
FORMAT_VERSION = 1

# Properties cdktf adds for Terraform meta-arguments; never part of a provider schema.
CDKTF_META_PROPS = frozenset({"connection", "count", "dependsOn", "forEach", "lifecycle", "provider", "provisioners"})

_DOCS_LINK = re.compile(
    r"\{@link (https://registry\.terraform\.io/providers/([^/\s]+)/([^/\s]+)/([^/\s]+)/docs\S*) ([^}]+)\}"
)
_ANCHOR = re.compile(r"\{@link https://registry\.terraform\.io/\S*#([A-Za-z0-9_-]+) [^}]*\}")
_TOP_LEVEL = re.compile(r"^(?:function (\w+)\(|class (\w+) extends)", re.MULTILINE)
_HCL_ENTRY = re.compile(
    r"^\s+\"?([A-Za-z0-9_-]+)\"?: \{\n\s+value: [^\n]*\n\s+isBlock: (true|false),\n"
    r"\s+type: \"(\w+)\",\n\s+storageClassType: \"(\w+)\",",
    re.MULTILINE,
)
_GETTER = re.compile(r"^    get (\w+)\(\) \{\n(.*?)\n    \}", re.MULTILINE | re.DOTALL)
_ATTR_CALL = re.compile(r"(?:Attribute|interpolationForAttribute)\('([^']+)'\)")
_STORED = re.compile(r"this\._(\w+) = new [\w.]+\(this, \"([^\"]+)\"")
_RETURN_STORED = re.compile(r"^\s*return this\._(\w+);$")


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class Wheel:
    """What we read from the wheel: package metadata, the jsii assembly and (some) generated JS."""

    package: str
    version: str
    assembly: dict[str, Any]
    readme: str
    js: dict[str, str] = field(default_factory=dict)  # lib-relative dir -> concatenated JS text


def _jsii_member(zf: zipfile.ZipFile) -> str:
    names = [n for n in zf.namelist() if n.endswith(".jsii.tgz") and "/_jsii/" in n]
    if len(names) != 1:
        raise SystemExit(f"expected one _jsii/*.jsii.tgz in the wheel, found {names}")
    return names[0]


def _metadata(zf: zipfile.ZipFile) -> tuple[str, str]:
    meta = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
    if len(meta) != 1:
        raise SystemExit("wheel has no single .dist-info/METADATA")
    msg = email.parser.Parser().parsestr(zf.read(meta[0]).decode("utf-8"), headersonly=True)
    return str(msg["Name"]), str(msg["Version"])


def _tar_members(zf: zipfile.ZipFile, member: str) -> Iterator[tuple[tarfile.TarInfo, tarfile.TarFile]]:
    with zf.open(member) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
        for info in tar:
            yield info, tar


def read_wheel(path: Path) -> Wheel:
    """Read package metadata, the jsii assembly and README from a cdktf provider wheel (one tar pass)."""
    with zipfile.ZipFile(path) as zf:
        package, version = _metadata(zf)
        member = _jsii_member(zf)
        assembly_text: bytes | None = None
        readme = ""
        for info, tar in _tar_members(zf, member):
            if info.name in ("package/.jsii", "package/README.md"):
                fh = tar.extractfile(info)
                if fh is None:
                    continue
                data = fh.read()
                if info.name == "package/.jsii":
                    assembly_text = data
                else:
                    readme = data.decode("utf-8", "replace")
            if assembly_text is not None and readme:
                break
    if assembly_text is None:
        raise SystemExit("no package/.jsii in the jsii tarball")
    assembly = json.loads(assembly_text)
    if str(assembly.get("schema", "")).startswith("jsii/file-redirect"):
        raise SystemExit("compressed (redirected) jsii assemblies are not supported by this script")
    return Wheel(package=package, version=version, assembly=assembly, readme=readme)


def load_js(path: Path, wheel: Wheel, dirs: set[str]) -> None:
    """Load the generated JS of the given lib directories (second tar pass) into `wheel.js`."""
    chunks: dict[str, list[str]] = {d: [] for d in dirs}
    with zipfile.ZipFile(path) as zf:
        for info, tar in _tar_members(zf, _jsii_member(zf)):
            parts = info.name.split("/")
            if len(parts) < 4 or parts[0] != "package" or parts[1] != "lib" or not info.name.endswith(".js"):
                continue
            if parts[2] in chunks:
                fh = tar.extractfile(info)
                if fh is not None:
                    chunks[parts[2]].append(fh.read().decode("utf-8"))
    for d, texts in chunks.items():
        wheel.js[d] = "\n".join(texts)


# ---------------------------------------------------------------------------------------------- JS index


@dataclass
class HclEntry:
    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str  # cdktf storage class ("string", "stringList", "S3BucketVersioningList", ...)


@dataclass
class JsIndex:
    """Facts recovered from the generated JavaScript of one or more lib directories."""

    hcl: dict[str, dict[str, HclEntry]] = field(default_factory=dict)  # struct/class name -> tf name -> entry
    getters: dict[str, dict[str, str]] = field(default_factory=dict)  # class name -> camel getter -> tf name

    def add(self, text: str) -> None:
        starts = list(_TOP_LEVEL.finditer(text))
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            chunk = text[m.start() : end]
            if m.group(1):
                fn = m.group(1)
                if fn.endswith("ToHclTerraform"):
                    struct = fn[0].upper() + fn[1 : -len("ToHclTerraform")]
                    self.hcl[struct] = _hcl_entries(chunk)
            else:
                cls = m.group(2)
                self.getters[cls] = _getters(chunk)
                entries = _hcl_entries(chunk)
                if entries:
                    self.hcl[cls] = entries


def _hcl_entries(chunk: str) -> dict[str, HclEntry]:
    return {m.group(1): HclEntry(m.group(2) == "true", m.group(3), m.group(4)) for m in _HCL_ENTRY.finditer(chunk)}


def _getters(chunk: str) -> dict[str, str]:
    stored = {m.group(1): m.group(2) for m in _STORED.finditer(chunk)}
    out: dict[str, str] = {}
    for m in _GETTER.finditer(chunk):
        name, body = m.group(1), m.group(2)
        call = _ATTR_CALL.search(body)
        if call:
            out[name] = call.group(1)
            continue
        ret = _RETURN_STORED.match(body)
        if ret and ret.group(1) in stored:
            out[name] = stored[ret.group(1)]
    return out


# ---------------------------------------------------------------------------------------------- assembly


def _anchor(docs: dict[str, str]) -> str | None:
    for key in ("summary", "remarks"):
        m = _ANCHOR.search(docs.get(key, ""))
        if m:
            return m.group(1)
    return None


def _strip_resolvable(t: dict[str, Any]) -> dict[str, Any]:
    if "union" in t:
        rest = [x for x in t["union"]["types"] if x.get("fqn") != "cdktf.IResolvable"]
        if len(rest) == 1:
            return _strip_resolvable(rest[0])
        return {"primitive": "any"}
    return t


@dataclass(frozen=True)
class TypeShape:
    """A jsii property type reduced to what matters: containers and an element (primitive or struct)."""

    containers: tuple[str, ...]  # outermost first: "array" | "map"
    primitive: str | None
    struct: str | None


def _shape(t: dict[str, Any]) -> TypeShape:
    t = _strip_resolvable(t)
    containers: list[str] = []
    while "collection" in t:
        containers.append(t["collection"]["kind"])
        t = _strip_resolvable(t["collection"]["elementtype"])
    if "primitive" in t:
        return TypeShape(tuple(containers), t["primitive"], None)
    fqn = t.get("fqn", "")
    if fqn == "cdktf.IResolvable" or not fqn:
        return TypeShape(tuple(containers), "any", None)
    return TypeShape(tuple(containers), None, fqn)


_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "any", "json": "any", "date": "string"}


def _type_string(shape: TypeShape, entry: HclEntry | None) -> str:
    inner = "object" if shape.struct else _PRIMITIVES.get(shape.primitive or "any", "any")
    for i, kind in enumerate(reversed(shape.containers)):
        outermost = i == len(shape.containers) - 1
        if kind == "map":
            inner = f"map({inner})"
        elif outermost and entry is not None and entry.kind == "set":
            inner = f"set({inner})"
        else:
            inner = f"list({inner})"
    return inner


class Extractor:
    """Turns jsii structs (plus the JS index) into the trimmed schema dictionaries."""

    def __init__(self, types: dict[str, Any], js: JsIndex, assembly_name: str) -> None:
        self.types = types
        self.js = js
        self.prefix = assembly_name + "."
        self.warnings: list[str] = []

    def resource(self, class_fqn: str) -> dict[str, Any]:
        cls = self.types[class_fqn]
        params = cls["initializer"]["parameters"]
        config_fqn = next(p["type"]["fqn"] for p in params if p["name"] == "config")
        return self.struct(config_fqn, owner_class=cls["name"], stack=(), top=True)

    def struct(self, fqn: str, owner_class: str, stack: tuple[str, ...], top: bool = False) -> dict[str, Any]:
        """Schema of one struct: attributes, blocks and computed-only names."""
        if fqn in stack:
            return {"attributes": {}, "blocks": {}, "computed_only": [], "recursive": True}
        st = self.types[fqn]
        hcl = self.js.hcl.get(owner_class if top else st["name"], {})
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        camel_names: set[str] = set()
        for prop in st.get("properties", []):
            if top and prop["name"] in CDKTF_META_PROPS:
                continue
            tf = _anchor(prop.get("docs", {}))
            if tf is None:
                self.warnings.append(f"{fqn}.{prop['name']}: no docs anchor, skipped")
                continue
            camel_names.add(prop["name"])
            entry = hcl.get(tf)
            if hcl and entry is None:
                self.warnings.append(f"{fqn}.{prop['name']}: docs name {tf!r} not found in generated JS")
            shape = _shape(prop["type"])
            optional = bool(prop.get("optional", False))
            summary = prop.get("docs", {}).get("summary", "")
            if shape.struct and shape.struct.startswith(self.prefix):
                child = self.struct(shape.struct, owner_class, (*stack, fqn))
                if summary.startswith(f"{tf} block"):
                    blocks[tf] = self._block(shape, entry, optional, child)
                else:
                    attributes[tf] = self._object_attribute(shape, entry, optional, child)
            else:
                attributes[tf] = {"required": not optional, "type": _type_string(shape, entry)}
        js_class = owner_class if top else st["name"] + "OutputReference"
        computed = [
            n for n in self._computed_only(fqn, js_class, camel_names) if n not in attributes and n not in blocks
        ]
        return {"attributes": attributes, "blocks": blocks, "computed_only": computed}

    def _block(self, shape: TypeShape, entry: HclEntry | None, optional: bool, child: dict[str, Any]) -> dict[str, Any]:
        if shape.containers == ("map",):
            nesting, max_items = "map", None
        elif shape.containers:
            nesting, max_items = (entry.kind if entry and entry.kind in ("list", "set") else "list"), None
        elif entry is not None and entry.kind in ("list", "set"):
            nesting, max_items = entry.kind, 1
        else:
            # A bare struct with no JS evidence of list/set is a nesting-mode "single" block.
            nesting, max_items = "single", 1
        required = (not optional) and nesting in ("list", "set")
        out: dict[str, Any] = {"nesting": nesting, "min_items": 1 if required else 0, **child}
        if max_items is not None:
            out["max_items"] = max_items
        return out

    def _object_attribute(
        self, shape: TypeShape, entry: HclEntry | None, optional: bool, child: dict[str, Any]
    ) -> dict[str, Any]:
        if shape.containers == ("map",):
            nesting = "map"
        elif shape.containers:
            nesting = entry.kind if entry and entry.kind in ("list", "set") else "list"
        else:
            nesting = "single"
        # cdktf copies an object type's optional/required flags onto its children, so a child whose flag
        # differs from the parent's proves a framework nested attribute, which rejects block syntax.
        mixed = any(a.get("required") != (not optional) for a in child["attributes"].values())
        block_syntax = "rejected" if mixed else "unknown"
        return {
            "required": not optional,
            "type": _type_string(shape, entry),
            "nesting": nesting,
            "block_syntax": block_syntax,
            "object": child,
        }

    def _computed_only(self, fqn: str, js_class: str, camel_names: set[str]) -> list[str]:
        getters = self.js.getters.get(js_class)
        if getters is None:
            return []
        cls_fqn = fqn.rsplit(".", 1)[0] + "." + js_class
        cls = self.types.get(cls_fqn)
        if cls is None:
            # A Config struct's class is the resource class, named differently; find it by name.
            cls = next((t for t in self.types.values() if t.get("name") == js_class and t["kind"] == "class"), None)
        if cls is None:
            return []
        out: set[str] = set()
        prop_names = {p["name"] for p in cls.get("properties", []) if not p.get("static")}
        for prop in cls.get("properties", []):
            name = prop["name"]
            if prop.get("static") or name in camel_names or name == "internalValue":
                continue
            if name.endswith("Input") and name[: -len("Input")] in prop_names:
                continue
            tf = getters.get(name)
            if tf is None:
                self.warnings.append(f"{js_class}.{name}: no Terraform name in generated JS, skipped")
                continue
            out.add(tf)
        return sorted(out)


# ---------------------------------------------------------------------------------------------- driver


@dataclass(frozen=True)
class TypeRef:
    kind: str  # "resources" | "data_sources"
    name: str  # Terraform type name
    class_fqn: str
    lib_dir: str


def catalog(assembly: dict[str, Any]) -> tuple[dict[tuple[str, str], TypeRef], dict[str, str]]:
    """All resource/data source classes of the assembly, and provider facts from the docs links."""
    refs: dict[tuple[str, str], TypeRef] = {}
    provider: dict[str, str] = {}
    for fqn, t in assembly["types"].items():
        base = t.get("base")
        if t.get("kind") != "class" or base not in (
            "cdktf.TerraformResource",
            "cdktf.TerraformDataSource",
            "cdktf.TerraformProvider",
        ):
            continue
        m = _DOCS_LINK.search(t.get("docs", {}).get("summary", ""))
        if m is None:
            continue
        if base == "cdktf.TerraformProvider":
            provider = {"namespace": m.group(2), "name": m.group(3), "version": m.group(4)}
            continue
        kind = "resources" if base == "cdktf.TerraformResource" else "data_sources"
        filename = t["locationInModule"]["filename"]  # src/<dir>/index.ts
        lib_dir = filename.split("/")[1]
        refs[(kind, m.group(5).strip())] = TypeRef(kind, m.group(5).strip(), fqn, lib_dir)
    return refs, provider


def scan_types(dirs: Iterable[Path], prefix: str) -> set[tuple[str, str]]:
    """Resource/data types with the provider's prefix used in the .tf files under the given dirs."""
    found: set[tuple[str, str]] = set()
    dirs = list(dirs)
    if not dirs:
        return found
    src = str(Path(__file__).resolve().parent.parent / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    from mlstrata.hcl import parse_file

    for d in dirs:
        files = [d] if d.is_file() else sorted(p for p in d.rglob("*.tf") if ".terraform" not in p.parts)
        for f in files:
            parsed = parse_file(f)
            for block in parsed.body.blocks:
                if block.type in ("resource", "data") and block.labels and block.labels[0].startswith(prefix):
                    kind = "resources" if block.type == "resource" else "data_sources"
                    found.add((kind, block.labels[0]))
    return found


def parse_type_args(values: Iterable[str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for v in values:
        for item in v.split(","):
            item = item.strip()
            if not item:
                continue
            if item.startswith("data."):
                out.add(("data_sources", item[len("data.") :]))
            else:
                out.add(("resources", item))
    return out


def _command(args: argparse.Namespace) -> str:
    """The command line that regenerates the file (wheel by file name: its location is local)."""
    parts = ["python", SCRIPT, "--wheel", args.wheel.name, "--provider", args.provider]
    if args.all:
        parts.append("--all")
    for scanned in args.scan or []:
        parts += ["--scan", scanned.as_posix()]
    for types in args.types or []:
        parts += ["--types", types]
    return " ".join([*parts, "--out", args.out.as_posix()])


def build(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    wheel = read_wheel(args.wheel)
    refs, provider = catalog(wheel.assembly)
    if provider.get("name") != args.provider:
        raise SystemExit(f"wheel is for provider {provider.get('name')!r}, not {args.provider!r}")
    readme_version = re.search(r"provider version (\S+)", wheel.readme)
    if readme_version and readme_version.group(1) != provider["version"]:
        raise SystemExit(f"README says {readme_version.group(1)}, docs links say {provider['version']}")

    if args.all:
        wanted = set(refs)
    else:
        wanted = parse_type_args(args.types or []) | scan_types(args.scan or [], args.provider + "_")
    missing = sorted(f"{k}:{n}" for k, n in wanted if (k, n) not in refs)
    notes = [f"not in provider {args.provider} {provider['version']}: {m}" for m in missing]
    selected = sorted((refs[w] for w in wanted if w in refs), key=lambda r: (r.kind, r.name))

    load_js(args.wheel, wheel, {r.lib_dir for r in selected})
    out: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        # "_header" sorts first in the sorted output, so provenance opens the file.
        "_header": {
            "command": _command(args),
            "generated_by": SCRIPT,
            "package": wheel.package,
            "package_sha256": hashlib.sha256(args.wheel.read_bytes()).hexdigest(),
            "package_version": wheel.version,
            "jsii_assembly": f"{wheel.assembly['name']}@{wheel.assembly['version']}",
            "provider": f"registry.terraform.io/{provider['namespace']}/{provider['name']}",
            "provider_version": provider["version"],
        },
        "provider": args.provider,
        "resource_types": sorted(n for k, n in refs if k == "resources"),
        "data_source_types": sorted(n for k, n in refs if k == "data_sources"),
        "resources": {},
        "data_sources": {},
    }
    warnings: list[str] = []
    for ref in selected:
        # One JS index per generated module: struct names are only unique within a module.
        js = JsIndex()
        js.add(wheel.js[ref.lib_dir])
        ex = Extractor(wheel.assembly["types"], js, wheel.assembly["name"])
        out[ref.kind][ref.name] = ex.resource(ref.class_fqn)
        warnings.extend(ex.warnings)
    return out, notes + warnings


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help="cdktf-cdktf-provider-<name> wheel")
    ap.add_argument("--provider", required=True, help="provider name (type prefix), e.g. aws")
    ap.add_argument("--scan", type=Path, action="append", help="directory or .tf file to scan for types")
    ap.add_argument("--types", action="append", help="comma-separated types; data sources as data.<type>")
    ap.add_argument("--all", action="store_true", help="every type (exploration only; large)")
    ap.add_argument("--out", type=Path, required=True, help="output JSON file")
    args = ap.parse_args(argv)
    if not (args.all or args.scan or args.types):
        ap.error("give --types, --scan or --all")
    schema, notes = build(args)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    buf = io.StringIO()
    json.dump(schema, buf, indent=1, sort_keys=True)
    buf.write("\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buf.getvalue(), encoding="utf-8")
    n = len(schema["resources"]) + len(schema["data_sources"])
    print(f"wrote {args.out}: {n} types, {args.out.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
