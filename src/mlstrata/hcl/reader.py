"""Read HCL (Terraform's native syntax) with tree-sitter into `HclFile` values.

Only structure is turned into Python objects: bodies, blocks, attributes, and the values of literal
expressions. Non-literal expressions are kept as text (`expr_text`) and never walked.

Hostile input stays cheap: files over `MAX_FILE_BYTES`, blocks and literal values nested deeper than
`MAX_DEPTH`, and number literals longer than `MAX_NUMBER_CHARS` become diagnostics of that file.

Known gaps of the tree-sitter-hcl 1.2.0 grammar: a number with an exponent but no fraction (`1e3`)
is read as `1` followed by a name, giving a syntax error; JSON syntax (`.tf.json`) is not read.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import tree_sitter
import tree_sitter_hcl

from mlstrata.diagnostics import Diagnostic, DiagnosticsError, Where, error
from mlstrata.hcl.literals import number, strip_indent, unescape_heredoc, unescape_quoted
from mlstrata.hcl.model import UNKNOWN, Attribute, Block, Body, ExprKind, HclFile, Value
from mlstrata.hcl.syntax import syntax_errors
from mlstrata.userfiles import MiB, read_user_bytes

MAX_FILE_BYTES = 2 * MiB  # a 2 MiB single-line file parses in ~2.5 s and ~400 MB; real .tf files are far smaller
MAX_DEPTH = 64  # nested blocks and literal collections
MAX_NUMBER_CHARS = 100

Node = tree_sitter.Node

# The walk builds the model's named tuples with tuple.__new__, as their generated __new__ does, without its Python
# frame (Body's __new__ fills defaults the walk never needs).
_new = tuple.__new__



@cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_hcl.language())


def _kind(name: str, named: bool = True) -> int:
    """The grammar's id of a node kind: the walk compares `Node.kind_id`, an int, where `Node.type` would build a
    new str on every access."""
    kind_id = _language().id_for_node_kind(name, named)
    assert kind_id is not None, name
    return kind_id


ATTRIBUTE, BLOCK, BODY, EXPRESSION, IDENTIFIER = (
    _kind(n) for n in ("attribute", "block", "body", "expression", "identifier"))
LITERAL_VALUE, STRING_LIT, NUMERIC_LIT, BOOL_LIT, NULL_LIT = (
    _kind(n) for n in ("literal_value", "string_lit", "numeric_lit", "bool_lit", "null_lit"))
COLLECTION_VALUE, TUPLE, OBJECT, OBJECT_ELEM = (
    _kind(n) for n in ("collection_value", "tuple", "object", "object_elem"))
TEMPLATE_EXPR, HEREDOC_TEMPLATE, HEREDOC_IDENTIFIER, TEMPLATE_INTERPOLATION, TEMPLATE_DIRECTIVE = (
    _kind(n) for n in ("template_expr", "heredoc_template", "heredoc_identifier", "template_interpolation",
                       "template_directive"))
OPERATION, UNARY_OPERATION, VARIABLE_EXPR = (_kind(n) for n in ("operation", "unary_operation", "variable_expr"))
OPEN_PAREN, MINUS = _kind("(", named=False), _kind("-", named=False)

_KIND_OF: dict[int, ExprKind] = {
    VARIABLE_EXPR: "reference",
    _kind("function_call"): "function_call",
    _kind("conditional"): "conditional",
    OPERATION: "operation",
    _kind("for_expr"): "for",
    TEMPLATE_EXPR: "template",
    COLLECTION_VALUE: "collection",
    LITERAL_VALUE: "literal",
}


# -- parsing plain strings cheaply
#
# tree-sitter-hcl's external scanner hands the parser a quoted string's content one character at a time: each
# character that is not a space is a token of its own, a run of spaces one token (src/scanner.c, "handle all other
# quoted template or string literal characters"). String content thus costs the parser several times what code
# costs per byte: 100 KB of letters in one string parse at ~0.4 MB/s, code at ~2-3 MB/s, and descriptions make
# Azure/terraform-azurerm-aks's variables.tf (103 KB) the slowest file of the real-world corpus per byte. The reader
# never reads a plain string's content from the tree (it slices the source by the string's offsets), so the parser
# is given a copy of the source in which every plain string (no escape, no template) of _MASK_MIN or more characters
# keeps its first character and has spaces for the rest. On the real-world corpus that is 0.93 MB of its 4.5 MB in
# ~28k strings, and parsing takes ~40% less CPU (1.6-1.8 s -> 0.94-1.19 s on the busy machine, same-process A/B,
# finding and checking the strings included).
#
# The strings are found by a small lexer (the regex below): code, comments, heredocs and other strings are skipped
# whole; at anything it cannot follow (an unclosed comment, a string with nested braces in an interpolation) it stops
# masking for the rest of the file. Its judgement is then checked against the tree: every masked span must be
# exactly a `string_lit` of the masked tree, and that tree must have no error; otherwise the original source is
# parsed. Both hold only if the parser lexed each masked span as string content: the text before the first span is
# the same in both sources, each span holds no character that can end a string or start a template, so the parser
# is in the same state after each span in both, and the trees differ only in the extent of the `template_literal`
# inside those strings, which the reader does not read. tests/hcl/test_reader.py and the HCL fuzz test compare
# every result with a parse of the unmasked source.

_MASK_MIN = 6  # shorter strings save less parsing than finding and checking them costs
_PLAIN = rb'[^"\\$%\n]'  # neither ends a quoted string nor starts an escape or a template
# the content of a string masked: printable ASCII only. A control character (a NUL), a byte of a multi-byte character
# or an invalid UTF-8 byte can make the parser report an error in the string, which the masked copy would not have
# (the HCL fuzz test found a NUL in a resource type: masked, the file parsed clean)
_MASKED = rb'[^"\\$%\x00-\x1f\x7f-\xff]' + rb'{%d,}' % _MASK_MIN
_OTHER_STRING = (  # escapes, `$${`, and one level of interpolation holding no braces (strings inside it may)
    rb'"(?!' + _MASKED + rb'")'
    rb'(?:' + _PLAIN + rb'++|\\.|\$\$\{|%%\{|[$%](?!\{)|[$%]\{(?:[^{}"\n]++|"(?:[^"\\\n]++|\\.)*+")*+\})*+"'
)
_SKIPPED = (
    rb'(?:[^"#/<]++'  # code
    rb'|/(?![/*])|<(?!<)'  # a / or < that opens no comment or heredoc
    rb'|(?:#|//)[^\n]*+'  # a line comment
    rb'|/\*(?s:.*?)\*/'  # a block comment
    rb'|<<-?[ \t]*(?P<marker>[A-Za-z_][\w-]*+)[^\n]*+\n(?:(?s:.*?)\n)??[ \t]*(?P=marker)[ \t\r]*(?=\n)'  # heredoc
    rb'|' + _OTHER_STRING + rb')*+'
)
_NEXT_PLAIN_STRING = re.compile(
    _SKIPPED + rb'(?:"(?P<plain>' + _MASKED + rb')"|\Z|(?P<lost>(?s:.)))'
)


def plain_strings(src: bytes) -> list[tuple[int, int]]:
    """(start, end) byte offsets of the quoted plain strings of _MASK_MIN or more characters, quotes included, up to
    the first place the lexer cannot follow."""
    spans = []
    for m in _NEXT_PLAIN_STRING.finditer(src):
        start = m.start("plain")
        if start >= 0:
            spans.append((start - 1, m.end("plain") + 1))
        elif m.start("lost") >= 0:
            break
    return spans


def parse_tree(src: bytes) -> tree_sitter.Tree:
    """The syntax tree of `src`, parsed with its plain strings' content masked where that gives the same tree
    (but for the extent of those strings' `template_literal`); see above."""
    parser = tree_sitter.Parser(_language())
    spans = plain_strings(src)
    if not spans:
        return parser.parse(src)
    masked = bytearray(src)
    for start, end in spans:
        masked[start + 2 : end - 1] = b" " * (end - start - 3)
    tree = parser.parse(bytes(masked))
    root = tree.root_node
    if not root.has_error and all(_is_string_at(root, start, end) for start, end in spans):
        return tree
    return parser.parse(src)


def _is_string_at(root: Node, start: int, end: int) -> bool:
    node = root.descendant_for_byte_range(start, end)
    return node is not None and node.kind_id == STRING_LIT and node.start_byte == start and node.end_byte == end


class _Reader:
    """Converts one tree; holds the source and the diagnostics found while converting."""

    def __init__(self, src: bytes, filename: str) -> None:
        self.src = src
        self.filename = filename
        self.ascii = src.isascii()
        # An ASCII source's byte offsets are its character offsets: decoded once and sliced, instead of a slice
        # of bytes decoded for every name and expression (~180k decodes on the real-world corpus).
        self.chars = src.decode("ascii") if self.ascii else None
        self.errors: list[Diagnostic] = []
        self.depth = 0
        self.too_deep = False

    # -- positions

    def column(self, node: Node) -> int:
        """1-based column in characters (tree-sitter counts bytes)."""
        row_col = node.start_point.column
        if self.ascii or row_col == 0:
            return row_col + 1
        start = node.start_byte
        return len(self.src[start - row_col : start].decode("utf-8", "replace")) + 1

    def where(self, node: Node) -> Where:
        return Where(self.filename, node.start_point.row + 1, self.column(node))

    def text(self, node: Node) -> str:
        return self.span(node.start_byte, node.end_byte)

    def span(self, start: int, end: int) -> str:
        """The source between two byte offsets, as text."""
        if self.chars is not None:
            return self.chars[start:end]
        return self.src[start:end].decode("utf-8", "replace")

    # -- structure

    def deeper(self, node: Node) -> bool:
        """Enter one nesting level; False (and one diagnostic per file) past MAX_DEPTH."""
        if self.depth < MAX_DEPTH:
            self.depth += 1
            return True
        if not self.too_deep:
            self.too_deep = True
            self.errors.append(error(
                f"Nesting deeper than {MAX_DEPTH} levels", where=self.where(node),
                hint="Flatten the blocks or values here; Terraform code never needs to nest this deep.",
                code="hcl.too_deep"))
        return False

    def body(self, node: Node | None) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        if node is None or not self.deeper(node):
            return _new(Body, (attributes, blocks))
        try:
            self.body_items(node, attributes, blocks)
        finally:
            self.depth -= 1
        return _new(Body, (attributes, blocks))

    def body_items(self, node: Node, attributes: dict[str, Attribute], blocks: list[Block]) -> None:
        for child in node.children:
            kind = child.kind_id
            if kind == ATTRIBUTE:
                attr = self.attribute(child)
                if attr is None:
                    continue
                if attr.name in attributes:
                    self.duplicate(child, attr.name, attributes[attr.name].line)
                    continue
                attributes[attr.name] = attr
            elif kind == BLOCK:
                block = self.block(child)
                if block is not None:
                    blocks.append(block)

    def duplicate(self, node: Node, name: str, first_line: int) -> None:
        self.errors.append(
            error(
                f'Attribute redefined: "{name}" was already set at line {first_line}',
                where=self.where(node),
                hint="Each argument may be set only once in a block.",
                code="hcl.duplicate_attribute",
            )
        )

    def block(self, node: Node) -> Block | None:
        block_type = ""
        labels: list[str] = []
        body: Node | None = None
        for child in node.children:
            kind = child.kind_id
            if kind == IDENTIFIER:
                name = self.span(child.start_byte, child.end_byte)
                if block_type:
                    labels.append(name)
                else:
                    block_type = name
            elif kind == STRING_LIT:
                labels.append(unescape_quoted(self.string_raw(child)))
            elif kind == BODY:
                body = child
        if not block_type:
            return None
        start = node.start_point
        column = start.column + 1 if self.ascii else self.column(node)
        return _new(Block, (block_type, labels, self.body(body), start.row + 1, column, node.end_point.row + 1, False))

    def attribute(self, node: Node) -> Attribute | None:
        kids = node.children
        if len(kids) < 3:
            return None  # a broken attribute: the syntax pass reports it
        ident, expr = kids[0], kids[-1]
        if ident.kind_id != IDENTIFIER or expr.kind_id != EXPRESSION:
            return None
        value, known, kind = self.expression(expr)
        start = node.start_point
        chars = self.chars
        if chars is not None:
            name, text = chars[ident.start_byte : ident.end_byte], chars[expr.start_byte : expr.end_byte]
            column = start.column + 1
        else:
            name, text, column = self.text(ident), self.text(expr), self.column(node)
        return _new(Attribute, (name, text, start.row + 1, column, value if known else UNKNOWN, value, kind,
                                node.end_point.row + 1))

    # -- expressions

    def expression(self, expr: Node) -> tuple[Value, bool, ExprKind]:
        """(partial value, fully known, kind) of an `expression` node."""
        node = expr
        kind = node.kind_id
        while kind == EXPRESSION:  # Node.child(i): one node built, where Node.children builds all and a list
            count = node.child_count
            inner = node.child(0) if count == 1 else None
            if inner is None and count == 3:
                first = node.child(0)
                if first is not None and first.kind_id == OPEN_PAREN:
                    inner = node.child(1)
            if inner is None:
                return UNKNOWN, False, "reference"  # a traversal: var.x, a.b[0], x[*].y
            node = inner
            kind = node.kind_id
        if kind == LITERAL_VALUE:
            value, known = self.literal(node)
            return value, known, "literal"
        if kind == COLLECTION_VALUE:
            coll = node.children[0]
            coll_kind = coll.kind_id
            if (coll_kind != TUPLE and coll_kind != OBJECT) or not self.deeper(coll):
                return UNKNOWN, False, "other"
            try:
                value, known = self.tuple_value(coll) if coll_kind == TUPLE else self.object_value(coll)
            finally:
                self.depth -= 1
            return value, known, "literal" if known else "collection"
        if kind == TEMPLATE_EXPR:
            tmpl = node.children[0]
            if tmpl.kind_id == HEREDOC_TEMPLATE:
                value, known = self.heredoc(tmpl)
                return value, known, "literal" if known else "template"
            return UNKNOWN, False, "template"
        if kind == OPERATION:
            value, known = self.negative(node)
            return value, known, "literal" if known else "operation"
        return UNKNOWN, False, _KIND_OF.get(kind, "other")

    def literal(self, node: Node) -> tuple[Value, bool]:
        lit = node.children[0]
        kind = lit.kind_id
        if kind == STRING_LIT:
            raw = self.string_raw(lit)
            if "\n" in raw:
                self.multiline(lit)
            return unescape_quoted(raw), True
        if kind == NUMERIC_LIT:
            text = self.text(lit)
            if len(text) > MAX_NUMBER_CHARS:
                self.errors.append(error(
                    f"Number literal with {len(text)} characters is too long", where=self.where(lit),
                    hint=f"Numbers here have at most {MAX_NUMBER_CHARS} characters; quote it if it is an ID.",
                    code="hcl.number"))
                return UNKNOWN, False
            try:
                return number(text), True
            except ValueError:
                self.errors.append(error(
                    f"Invalid number literal {text[:40]!r}", where=self.where(lit),
                    hint="HCL numbers are decimal digits with an optional fraction and exponent (1, 0.5, 1e3); "
                         "quote the value if it is a string such as a hex ID.",
                    code="hcl.number"))
                return UNKNOWN, False
        if kind == BOOL_LIT:
            return self.src[lit.start_byte] == 0x74, True  # "t"rue
        if kind == NULL_LIT:
            return None, True
        return UNKNOWN, False

    def multiline(self, node: Node) -> None:
        self.errors.append(
            error(
                "Invalid multi-line string: quoted strings may not span lines",
                where=self.where(node),
                hint="Use a heredoc (<<-EOT ... EOT) or \\n escapes.",
                code="hcl.syntax",
            )
        )

    def string_raw(self, node: Node) -> str:
        """The text between the quotes of a string literal."""
        start, end = node.start_byte + 1, node.end_byte - 1
        if end < start or self.src[end] != 0x22:  # no closing quote (a syntax error)
            end = node.end_byte
        return self.span(start, end)

    def tuple_value(self, node: Node) -> tuple[Value, bool]:
        items: list[Value] = []
        known = True
        for child in node.children:
            if child.kind_id == EXPRESSION:
                value, ok, _ = self.expression(child)
                items.append(value)
                known = known and ok
        return items, known

    def object_value(self, node: Node) -> tuple[Value, bool]:
        items: dict[str, Value] = {}
        known = True
        for elem in node.children:
            if elem.kind_id != OBJECT_ELEM:
                continue
            parts = elem.children
            key = self.object_key(parts[0]) if len(parts) == 3 else None
            if key is None:
                return UNKNOWN, False  # a computed key: the object's shape is unknown
            val_node = parts[2]
            value, ok, _ = self.expression(val_node)
            items[key] = value
            known = known and ok
        return items, known

    def object_key(self, node: Node) -> str | None:
        inner = unwrap_expression(node)
        if inner is None:
            return None
        if inner.kind_id == VARIABLE_EXPR:
            return self.text(inner)  # a bare identifier key: `a = 1`
        if inner.kind_id == LITERAL_VALUE:
            value, _ = self.literal(inner)
            return value if isinstance(value, str) else None
        return None

    def heredoc(self, node: Node) -> tuple[Value, bool]:
        idents = [c for c in node.named_children if c.kind_id == HEREDOC_IDENTIFIER]
        for c in node.named_children:
            if c.kind_id in (TEMPLATE_INTERPOLATION, TEMPLATE_DIRECTIVE):
                return UNKNOWN, False
        if len(idents) < 2:
            return UNKNOWN, False
        src = self.src
        open_end = src.find(b"\n", idents[0].end_byte)
        close_line = src.rfind(b"\n", 0, idents[-1].start_byte) + 1
        ok = 0 <= open_end < close_line
        text = src[open_end + 1 : close_line].decode("utf-8", "replace") if ok else ""
        start = node.named_child(0)
        if start is not None and self.text(start).startswith("<<-"):
            text = strip_indent(text)
        return unescape_heredoc(text), True

    def negative(self, node: Node) -> tuple[Value, bool]:
        unary = node.named_child(0)
        if unary is None or unary.kind_id != UNARY_OPERATION or unary.child_count != 2:
            return UNKNOWN, False
        op, operand = unary.child(0), unary.child(1)
        if op is None or operand is None or op.kind_id != MINUS or operand.kind_id != LITERAL_VALUE:
            return UNKNOWN, False
        value, known = self.literal(operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value, known
        return UNKNOWN, False


def unwrap_expression(expr: Node) -> Node | None:
    """The single node an `expression` stands for, through parentheses; None for a traversal."""
    node = expr
    while node.kind_id == EXPRESSION:
        if node.named_child_count != 1:
            return None
        child = node.named_child(0)
        if child is None:
            return None
        node = child
    return node


def parse_text(text: str | bytes, filename: str = "<text>") -> HclFile:
    """Parse HCL source; syntax errors come back in `HclFile.errors`, never raised."""
    src = text.encode("utf-8") if isinstance(text, str) else text
    return read_tree(src, parse_tree(src), filename)


def read_tree(src: bytes, tree: tree_sitter.Tree, filename: str) -> HclFile:
    """The `HclFile` of a syntax tree of `src`."""
    reader = _Reader(src, filename)
    root = tree.root_node
    body_node = next((c for c in root.named_children if c.kind_id == BODY), None)
    body = reader.body(body_node)
    errors = syntax_errors(root, reader.where) if root.has_error else []
    return HclFile(filename=filename, body=body, errors=sorted(errors + reader.errors, key=_order))


def read_file(path: str | Path, bodies: dict[bytes, Body] | None = None) -> tuple[bytes, HclFile]:
    """Read and parse one .tf/.tfvars file: (its bytes, the parsed file). A file that cannot be read
    (missing, unreadable, not a regular file such as a FIFO, over MAX_FILE_BYTES) gives no bytes and an
    `HclFile` with one error that says why and how to fix it.

    With `bodies` (content digest -> body), a file whose bytes were parsed before without errors is not parsed
    again (copies are common: versions.tf, vendored module variants); its body is shared, never modified."""
    p = Path(path)
    try:
        src = read_user_bytes(p, what="file", code="hcl.read", max_bytes=MAX_FILE_BYTES)
    except DiagnosticsError as exc:
        return b"", HclFile(filename=str(p), body=Body(), errors=exc.diagnostics)
    if bodies is None:
        return src, parse_text(src, str(p))
    digest = hashlib.blake2b(src, digest_size=20).digest()
    body = bodies.get(digest)
    if body is not None:
        return src, HclFile(filename=str(p), body=body)
    parsed = parse_text(src, str(p))
    if not parsed.errors:  # errors name their file: a broken copy is parsed for its own name
        bodies[digest] = parsed.body
    return src, parsed


def parse_file(path: str | Path) -> HclFile:
    """Parse one .tf file; an unreadable file gives an `HclFile` with one error."""
    return read_file(path)[1]


def _order(d: Diagnostic) -> tuple[int, int]:
    return (d.where.line, d.where.column) if d.where else (0, 0)
