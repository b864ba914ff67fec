"""Deterministic YAML for pipeline files: keys in the order built, scripts as literal blocks."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString


def _literal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def dump(document: dict[str, Any], header: str) -> str:
    """`header` (comment lines) then the document."""
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(_literal(document), buffer)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comments + buffer.getvalue()
