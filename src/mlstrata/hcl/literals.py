"""Decoding HCL literal text: quoted-string escapes, numbers and heredoc bodies."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.DOTALL)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_INT = re.compile(r"[0-9]+")
# HCL's number grammar: digits, an optional fraction, an optional exponent (hclsyntax spec, "Numeric Literals").
# No sign (that is the unary minus), no hex, no underscores, no inf/nan: Python's float() accepts all of those.
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _replace(m: re.Match[str]) -> str:
    text = m.group(0)
    if text == "$${":
        return "${"
    if text == "%%{":
        return "%{"
    esc = m.group(1)
    if esc in _SIMPLE:
        return _SIMPLE[esc]
    if esc[0] in "uU" and len(esc) > 1:
        return chr(int(esc[1:], 16))
    return text  # HCL rejects other escapes; keep the text rather than guess


def unescape_quoted(raw: str) -> str:
    """The value of the text between the quotes of a template-free quoted string."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    return _ESCAPE.sub(_replace, raw)


def unescape_heredoc(raw: str) -> str:
    """Heredocs interpret no backslash escapes, only the `$${` and `%%{` template escapes."""
    return raw.replace("$${", "${").replace("%%{", "%{")


def strip_indent(text: str) -> str:
    """`<<-` heredocs: remove the smallest leading-space count of the non-blank lines from every line."""
    lines = text.split("\n")
    widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    if not widths:
        return text
    cut = min(widths)
    return "\n".join(line[cut:] if line.strip() else line.lstrip(" \t") for line in lines)


def number(text: str) -> int | float:
    """An HCL numeric literal as int when integral in form, else float.

    Raises ValueError for text HCL does not read as a number (callers report it at the literal's position)."""
    if _INT.fullmatch(text):
        return int(text)
    if not NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not an HCL number")
    return float(text)
