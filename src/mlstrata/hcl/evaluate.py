"""Evaluating Terraform expressions where that is well defined, and saying UNKNOWN where it is not.

Known: literals, `var.x` (a default, a tfvars value or a module call's argument), `local.x`, operators,
conditionals, templates, `for` expressions and a set of pure functions. Unknown: anything read from a
resource, data source, module output, `each`/`count`, the workspace, files, or an unsupported function.
An unknown condition never picks a branch: `c ? a : b` is only known when `c` is, or when `a == b`.

Each value read from a variable carries the place it came from (`Origin`), so a finding can point at
the tfvars line or the module call argument that decided it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import tree_sitter
import tree_sitter_hcl

from mlstrata.diagnostics import Where
from mlstrata.hcl import UNKNOWN, Attribute, Value, is_known
from mlstrata.hcl.literals import number, strip_indent, unescape_heredoc, unescape_quoted
from mlstrata.hcl.reader import unwrap_expression

Node = tree_sitter.Node
_PREFIX = b"x = "
# `var.name`, `local.a.b`, `aws_iam_role.this.arn`: a name and attribute steps, the commonest expression by far;
# evaluated without parsing (what `_Run.traversal` does for it). Keywords and literals are never such a head.
_DOTTED = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_NOT_A_HEAD = frozenset({"true", "false", "null", "for", "in", "if", "else", "endif", "endfor"})
# Where an expression can read a variable or a local: `var`/`local`, then a dot and a name (Evaluator.text reads them
# only so, as `_dotted` and `_Run.traversal` do); spaces, newlines and comments may stand between them.
_READ = re.compile(r"\b(var|local)\b(?:\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*))?")


# Values of expression texts that read no variable or local: the same wherever they appear (Evaluator.text); values
# are never mutated by their readers. Bounded (past the bound nothing is added); a check clears it at its end.
_CONTEXT_FREE: dict[str, Value] = {}
MAX_CONTEXT_FREE = 50_000
_UNSET = object()


def forget_context_free() -> None:
    """Drop the memo of context-free values (a check calls it at its end, with its other per-run caches)."""
    _CONTEXT_FREE.clear()


@dataclass(frozen=True, slots=True)
class Bound:
    """A variable's value and where it was set (default, tfvars or module call argument)."""

    value: Value
    where: Where | None = None

    def __reduce__(self) -> tuple[type[Bound], tuple[Value, Where | None]]:
        # check workers send every module call's arguments; a slots dataclass's default pickling reads its
        # fields() anew for each object, several times slower
        return Bound, (self.value, self.where)


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def _parse_expression(text: str) -> tuple[bytes, tree_sitter.Tree]:
    src = _PREFIX + text.encode("utf-8") + b"\n"
    return src, _parser().parse(src)


@lru_cache(maxsize=4096)
def _expression(text: str) -> tuple[bytes, Node | None]:
    """The parsed expression's source and node (a node keeps its tree alive), found once per text."""
    src, tree = _parse_expression(text)
    return src, _expression_node(tree)


def _expression_node(tree: tree_sitter.Tree) -> Node | None:
    root = tree.root_node
    if root.has_error:
        return None
    body = root.named_child(0)
    attr = body.named_child(0) if body is not None else None
    if attr is None or attr.type != "attribute":
        return None
    expr = attr.children[-1]
    return expr if expr.type == "expression" else None


def names_read(expr_text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(the variables, the locals) an expression may read, found in its text: every name the evaluator can read,
    and maybe more (a `var.x` inside a string). None when the text has `var` or `local` without a dot and a name
    after it (a comment between, a `for` variable so named): what it reads is not known from the text."""
    variables: set[str] = set()
    locals_: set[str] = set()
    for m in _READ.finditer(expr_text):
        if m[2] is None:
            return None
        (variables if m[1] == "var" else locals_).add(m[2])
    return frozenset(variables), frozenset(locals_)


class Evaluator:
    """Evaluates expressions of one module, with its variables bound and its locals known.

    `origins` collects the places of the variable values read during the last `value()` call.
    """

    def __init__(self, variables: Mapping[str, Bound], locals_: Mapping[str, Attribute]) -> None:
        self.variables = variables
        self.locals = locals_
        self._local_values: dict[str, tuple[Value, tuple[Where, ...]]] = {}
        self._in_progress: set[str] = set()
        self.origins: list[Where] = []
        # id(attr) -> (attr, value, origins): rules read the same attributes again (a call's arguments, count and
        # for_each); the attribute is kept so that its id is not reused by another one while this evaluator lives
        self._values: dict[int, tuple[Attribute, Value, tuple[Where, ...]]] = {}
        # variables and locals read so far (bound or not): an evaluation that read none is context-free
        self._reads = 0

    # -- public

    def value(self, attr: Attribute | None, scope: Mapping[str, Value] | None = None) -> Value:
        """The attribute's value, or UNKNOWN. Literal attributes need no parsing; each other one is evaluated
        once per evaluator (values are never mutated by their readers) unless a scope binds names in it."""
        self.origins = []
        if attr is None:
            return None
        if attr.kind == "literal":
            return attr.value
        if scope:
            return self.text(attr.expr_text, scope)
        known = self._values.get(id(attr))
        if known is not None:
            self.origins = list(known[2])
            return known[1]
        value = self.text(attr.expr_text)
        self._values[id(attr)] = (attr, value, tuple(self.origins))
        return value

    def text(self, expr_text: str, scope: Mapping[str, Value] | None = None) -> Value:
        """The value of an expression given as source text.

        An expression that reads no variable and no local (`"arn:aws:s3:::${aws_s3_bucket.this.id}/*"`, a
        `jsonencode({...})` of literals and resource attributes) has the same value in every module and in every
        call of one, so it is evaluated once per process (`_CONTEXT_FREE`): a check evaluates the same texts
        generically and again per call of their module. Measured on two of the real-world corpus's repositories
        (terraform-aws-eks and data-on-eks, one process, valgrind instruction counts of the check without its
        imports): 2.788e9 -> 2.767e9 instructions (-0.8%)."""
        if not scope:
            known = _CONTEXT_FREE.get(expr_text, _UNSET)
            if known is not _UNSET:
                return known  # type: ignore[return-value]
        dotted = _DOTTED.fullmatch(expr_text)
        if dotted is not None and dotted[1] not in _NOT_A_HEAD and not (scope and dotted[1] in scope):
            return self._dotted(dotted[1], dotted[2][1:].split("."))
        src, node = _expression(expr_text)
        if node is None:
            return UNKNOWN
        reads = self._reads
        try:
            value = _Run(self, src, dict(scope or {})).ev(node)
        except (
            RecursionError,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            ZeroDivisionError,
            OverflowError,
        ):
            return UNKNOWN  # not remembered: a RecursionError depends on the stack it met
        if not scope and reads == self._reads and len(_CONTEXT_FREE) < MAX_CONTEXT_FREE:
            _CONTEXT_FREE[expr_text] = value
        return value

    def _dotted(self, head: str, names: list[str]) -> Value:
        if head == "var":
            value = self.variable(names[0])
        elif head == "local":
            value = self.local(names[0])
        else:
            return UNKNOWN  # a resource, data source, module, each, count, path... : known only to Terraform
        for key in names[1:]:
            value = value.get(key, UNKNOWN) if isinstance(value, dict) else UNKNOWN
            if value is UNKNOWN:
                return UNKNOWN
        return value

    def local(self, name: str) -> Value:
        self._reads += 1
        if name in self._local_values:
            value, origins = self._local_values[name]
            self.origins.extend(origins)
            return value
        attr = self.locals.get(name)
        if attr is None or name in self._in_progress:
            return UNKNOWN
        self._in_progress.add(name)
        saved = self.origins
        self.origins = []
        try:
            value = attr.value if attr.kind == "literal" else self.text(attr.expr_text)
        finally:
            self._in_progress.discard(name)
        found = tuple(self.origins)
        self.origins = saved + list(found)
        self._local_values[name] = (value, found)
        return value

    def variable(self, name: str) -> Value:
        self._reads += 1
        bound = self.variables.get(name)
        if bound is None:
            return UNKNOWN
        if bound.where is not None:
            self.origins.append(bound.where)
        return bound.value


class _Run:
    """One evaluation: the source bytes and the names bound by enclosing `for` expressions."""

    def __init__(self, ev: Evaluator, src: bytes, scope: dict[str, Value]) -> None:
        self.e = ev
        self.src = src
        self.scope = scope

    def text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def ev(self, node: Node) -> Value:
        kind = node.type
        method = _DISPATCH.get(kind)
        if method is None:
            return UNKNOWN
        return method(self, node)

    # -- node kinds

    def expression(self, node: Node) -> Value:
        kids = node.children
        if len(kids) == 1:
            return self.ev(kids[0])
        if kids[0].type == "(":
            return self.ev(kids[1])
        return self.traversal(kids)

    def traversal(self, kids: list[Node]) -> Value:
        head = kids[0]
        rest = kids[1:]
        if head.type == "variable_expr":
            name = self.text(head)
            if name in ("var", "local") and rest and rest[0].type == "get_attr":
                attr_name = self.text(rest[0])[1:].strip()
                value = self.e.variable(attr_name) if name == "var" else self.e.local(attr_name)
                rest = rest[1:]
            elif name in self.scope:
                value = self.scope[name]
            else:
                return UNKNOWN
        else:
            value = self.ev(head)
        for step in rest:
            value = self.step(value, step)
            if value is UNKNOWN:
                return UNKNOWN
        return value

    def step(self, value: Value, node: Node) -> Value:
        if node.type == "get_attr":
            key = self.text(node)[1:].strip()
            return value.get(key, UNKNOWN) if isinstance(value, dict) else UNKNOWN
        if node.type == "index":
            inner = node.named_child(0)
            if inner is None:
                return UNKNOWN
            if inner.type == "legacy_index":
                digits = self.text(inner).lstrip(".")
                return _index(value, int(digits)) if digits.isdigit() else UNKNOWN
            key_node = inner.named_child(0)
            index_key = self.ev(key_node) if key_node is not None else UNKNOWN
            return _index(value, index_key)
        if node.type == "splat":
            splat = node.named_child(0)
            if splat is None or not isinstance(value, list):
                return UNKNOWN
            out: list[Value] = []
            for item in value:
                current: Value = item
                for sub in splat.named_children:
                    current = self.step(current, sub)
                out.append(current)
            return out
        return UNKNOWN

    def variable_expr(self, node: Node) -> Value:
        name = self.text(node)
        return self.scope.get(name, UNKNOWN)

    def literal_value(self, node: Node) -> Value:
        lit = node.children[0]
        kind = lit.type
        if kind == "string_lit":
            return unescape_quoted(self.text(lit)[1:-1])
        if kind == "numeric_lit":
            try:
                return number(self.text(lit))
            except ValueError:
                return UNKNOWN  # the reader reports it at its position
        if kind == "bool_lit":
            return self.text(lit) == "true"
        return None

    def collection_value(self, node: Node) -> Value:
        coll = node.children[0]
        if coll.type == "tuple":
            return [self.ev(c) for c in coll.children if c.type == "expression"]
        out: dict[str, Value] = {}
        for elem in coll.children:
            if elem.type != "object_elem" or len(elem.children) != 3:
                continue
            key_node, val_node = elem.children[0], elem.children[2]
            inner = unwrap_expression(key_node)
            if inner is not None and inner.type == "variable_expr":
                key: Value = self.text(inner)
            else:
                key = self.ev(key_node)
            if not isinstance(key, str):
                return UNKNOWN
            out[key] = self.ev(val_node)
        return out

    def template_expr(self, node: Node) -> Value:
        tmpl = node.children[0]
        if tmpl.type == "heredoc_template":
            return self.heredoc(tmpl)
        parts: list[str] = []
        for child in tmpl.children:
            if child.type == "template_literal":
                parts.append(unescape_quoted(self.text(child)))
            elif child.type == "template_interpolation":
                inner = next((c for c in child.children if c.type == "expression"), None)
                value = self.ev(inner) if inner is not None else UNKNOWN
                text = _to_string(value)
                if text is None:
                    return UNKNOWN
                parts.append(text)
            elif child.type == "template_directive":
                return UNKNOWN
        return "".join(parts)

    def heredoc(self, node: Node) -> Value:
        parts: list[str] = []
        idents = [c for c in node.named_children if c.type == "heredoc_identifier"]
        if len(idents) < 2:
            return UNKNOWN
        start = self.src.find(b"\n", idents[0].end_byte) + 1
        end = self.src.rfind(b"\n", 0, idents[-1].start_byte) + 1
        pos = start
        for child in node.named_children:
            if child.type in ("template_interpolation", "template_directive"):
                if child.type == "template_directive":
                    return UNKNOWN
                parts.append(unescape_heredoc(self.src[pos : child.start_byte].decode("utf-8", "replace")))
                inner = next((c for c in child.children if c.type == "expression"), None)
                text = _to_string(self.ev(inner) if inner is not None else UNKNOWN)
                if text is None:
                    return UNKNOWN
                parts.append(text)
                pos = child.end_byte
        if pos < end:
            parts.append(unescape_heredoc(self.src[pos:end].decode("utf-8", "replace")))
        text = "".join(parts)
        first = node.named_child(0)
        if first is not None and self.text(first).startswith("<<-"):
            text = strip_indent(text)
        return text

    def conditional(self, node: Node) -> Value:
        chain = _conditional_chain(node)
        return UNKNOWN if chain is None else self._choose(chain, 0)

    def _choose(self, chain: tuple[list[Node], list[Node], Node], i: int) -> Value:
        """`conds[i] ? values[i] : (conds[i+1] ? values[i+1] : ... last)`."""
        conds, values, last = chain
        if i == len(conds):
            return self.ev(last)
        before = len(self.e.origins)
        cond = self.ev(conds[i])
        if cond is True or cond is False:
            # the value comes from the chosen branch: its origins first, so a finding points at that value
            # (a call's `node_count_per_zone`), not at what chose it
            decided_by = self.e.origins[before:]
            self.e.origins = self.e.origins[:before]
            value = self.ev(values[i]) if cond else self._choose(chain, i + 1)
            self.e.origins = self.e.origins + decided_by
            return value
        a, b = self.ev(values[i]), self._choose(chain, i + 1)
        return a if is_known(a) and a == b else UNKNOWN

    def operation(self, node: Node) -> Value:
        return self.ev(node.children[0])

    def unary_operation(self, node: Node) -> Value:
        op = node.children[0].type
        operand = self.operand(node.children[1:])
        if op == "!":
            return (not operand) if isinstance(operand, bool) else UNKNOWN
        if op == "-" and _is_number(operand):
            return -operand  # type: ignore[operator]
        return UNKNOWN

    def operand(self, nodes: list[Node]) -> Value:
        if nodes and nodes[0].type == "(":
            nodes = nodes[1:-1]
        if len(nodes) == 1:
            return self.ev(nodes[0])
        return self.traversal(nodes)

    def binary_operation(self, node: Node) -> Value:
        kids = node.children
        op_index = next((i for i, k in enumerate(kids) if k.type in _BINARY and i > 0), -1)
        if op_index < 0:
            return UNKNOWN
        op = kids[op_index].type
        left = self.operand(kids[:op_index])
        if op == "&&" and left is False:
            return False
        if op == "||" and left is True:
            return True
        right = self.operand(kids[op_index + 1 :])
        return _BINARY[op](left, right)

    def function_call(self, node: Node) -> Value:
        name = self.text(node.children[0])
        args_node = next((c for c in node.children if c.type == "function_arguments"), None)
        arg_nodes = [c for c in args_node.children if c.type == "expression"] if args_node is not None else []
        if name == "try":
            for arg in arg_nodes:
                value = self.ev(arg)
                if value is not UNKNOWN:
                    return value if is_known(value) else UNKNOWN
            return UNKNOWN
        func = FUNCTIONS.get(name)
        if func is None:
            return UNKNOWN
        if args_node is not None and any(c.type == "ellipsis" for c in args_node.children):
            return UNKNOWN
        return func(*[self.ev(a) for a in arg_nodes])

    def for_expr(self, node: Node) -> Value:
        inner = node.children[0]
        intro = next((c for c in inner.children if c.type == "for_intro"), None)
        if intro is None:
            return UNKNOWN
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        source_node = next((c for c in intro.children if c.type == "expression"), None)
        source = self.ev(source_node) if source_node is not None else UNKNOWN
        if isinstance(source, dict):
            pairs: list[tuple[Value, Value]] = list(source.items())
        elif isinstance(source, list):
            pairs = list(enumerate(source))
        else:
            return UNKNOWN
        cond = next((c for c in inner.children if c.type == "for_cond"), None)
        bodies = [c for c in inner.children if c.type == "expression"]
        is_object = inner.type == "for_object_expr"
        out_list: list[Value] = []
        out_map: dict[str, Value] = {}
        saved = dict(self.scope)
        try:
            for key, val in pairs:
                if len(names) == 2:
                    self.scope[names[0]], self.scope[names[1]] = key, val
                elif names:
                    self.scope[names[0]] = val
                if cond is not None:
                    keep = self.ev(cond.children[-1])
                    if keep is not True:
                        if keep is False:
                            continue
                        return UNKNOWN
                if is_object and len(bodies) >= 2:
                    k = self.ev(bodies[0])
                    if not isinstance(k, str):
                        return UNKNOWN
                    out_map[k] = self.ev(bodies[1])
                elif bodies:
                    out_list.append(self.ev(bodies[0]))
        finally:
            self.scope = saved
        return out_map if is_object else out_list


def _index(value: Value, key: Value) -> Value:
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        return value[key] if -len(value) <= key < len(value) else UNKNOWN
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key, UNKNOWN)
    return UNKNOWN


def _is_number(v: Value) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _to_string(v: Value) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if _is_number(v):
        return _number_text(v)  # type: ignore[arg-type]
    return None


def _number_text(v: float) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _arith(op: Callable[[float, float], float]) -> Callable[[Value, Value], Value]:
    def run(a: Value, b: Value) -> Value:
        a, b = _coerce_number(a), _coerce_number(b)
        if not (_is_number(a) and _is_number(b)):
            return UNKNOWN
        result = op(a, b)  # type: ignore[arg-type]
        return (
            int(result)
            if isinstance(result, float) and result.is_integer() and math.isfinite(result)
            else result
        )

    return run


def _coerce_number(v: Value) -> Value:
    if isinstance(v, str):
        try:
            return number(v)
        except ValueError:
            return UNKNOWN
    return v


def _compare(op: Callable[[float, float], bool]) -> Callable[[Value, Value], Value]:
    def run(a: Value, b: Value) -> Value:
        a, b = _coerce_number(a), _coerce_number(b)
        if not (_is_number(a) and _is_number(b)):
            return UNKNOWN
        return op(a, b)  # type: ignore[arg-type]

    return run


def _equal(a: Value, b: Value) -> Value:
    if not (is_known(a) and is_known(b)):
        return UNKNOWN
    return (a == b and type(a) is type(b)) or (_is_number(a) and _is_number(b) and a == b)


def _logic(want: bool) -> Callable[[Value, Value], Value]:
    def run(a: Value, b: Value) -> Value:
        if a is want or b is want:
            return want
        if isinstance(a, bool) and isinstance(b, bool):
            return not want
        return UNKNOWN

    return run


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": _arith(lambda a, b: a + b),
    "-": _arith(lambda a, b: a - b),
    "*": _arith(lambda a, b: a * b),
    "/": _arith(lambda a, b: a / b),
    "%": _arith(lambda a, b: math.fmod(a, b)),
    "==": _equal,
    "!=": lambda a, b: (not r) if isinstance(r := _equal(a, b), bool) else UNKNOWN,
    "<": _compare(lambda a, b: a < b),
    ">": _compare(lambda a, b: a > b),
    "<=": _compare(lambda a, b: a <= b),
    ">=": _compare(lambda a, b: a >= b),
    "&&": _logic(False),
    "||": _logic(True),
}


# -- functions (pure ones only; each returns UNKNOWN on arguments it cannot handle)


def _strings(*args: Value) -> bool:
    return all(isinstance(a, str) for a in args)


def _f_concat(*lists: Value) -> Value:
    out: list[Value] = []
    for item in lists:
        if not isinstance(item, list):
            return UNKNOWN
        out.extend(item)
    return out


def _f_merge(*maps: Value) -> Value:
    out: dict[str, Value] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            return UNKNOWN
        out.update(item)
    return out


def _f_length(v: Value) -> Value:
    return len(v) if isinstance(v, (list, dict, str)) else UNKNOWN


def _f_coalesce(*args: Value) -> Value:
    for a in args:
        if a is UNKNOWN:
            return UNKNOWN
        if a is not None and a != "":
            return a
    return UNKNOWN


def _f_toset(v: Value) -> Value:
    if not isinstance(v, list) or not is_known(v):
        return UNKNOWN
    try:
        return sorted(set(v), key=lambda x: (str(type(x)), x))
    except TypeError:
        return UNKNOWN


def _f_lookup(m: Value, key: Value, *default: Value) -> Value:
    if not isinstance(m, dict) or not isinstance(key, str):
        return UNKNOWN
    if key in m:
        return m[key]
    return default[0] if default else UNKNOWN


def _f_contains(coll: Value, item: Value) -> Value:
    if not isinstance(coll, list) or not is_known(coll) or not is_known(item):
        return UNKNOWN
    return item in coll


def _f_flatten(v: Value) -> Value:
    if not isinstance(v, list):
        return UNKNOWN
    out: list[Value] = []
    for item in v:
        if isinstance(item, list):
            flat = _f_flatten(item)
            if not isinstance(flat, list):
                return UNKNOWN
            out.extend(flat)
        elif item is UNKNOWN:
            return UNKNOWN
        else:
            out.append(item)
    return out


def _f_format(fmt: Value, *args: Value) -> Value:
    if not isinstance(fmt, str) or not all(_to_string(a) is not None for a in args):
        return UNKNOWN
    parts = fmt.split("%%")
    values = iter(args)
    out = []
    for part in parts:
        pieces = part.split("%")
        text = pieces[0]
        for piece in pieces[1:]:
            if not piece or piece[0] not in "sdvq":
                return UNKNOWN
            arg = next(values, None)
            if arg is None:
                return UNKNOWN
            text += (json.dumps(arg) if piece[0] == "q" else _to_string(arg) or "") + piece[1:]
        out.append(text)
    return "%".join(out)


def _f_jsondecode(v: Value) -> Value:
    if not isinstance(v, str):
        return UNKNOWN
    try:
        return json.loads(v)  # type: ignore[no-any-return]
    except ValueError:
        return UNKNOWN


def _string_func(f: Callable[..., Value]) -> Callable[..., Value]:
    def run(*args: Value) -> Value:
        return f(*args) if _strings(*args) else UNKNOWN

    return run


def _num_func(f: Callable[..., Value]) -> Callable[..., Value]:
    def run(*args: Value) -> Value:
        return f(*args) if args and all(_is_number(a) for a in args) else UNKNOWN

    return run


def _f_tostring(v: Value) -> Value:
    text = _to_string(v)
    return UNKNOWN if text is None else text


def _f_tonumber(v: Value) -> Value:
    return _coerce_number(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else UNKNOWN


def _f_tobool(v: Value) -> Value:
    if isinstance(v, bool):
        return v
    return {"true": True, "false": False}.get(v, UNKNOWN) if isinstance(v, str) else UNKNOWN


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "concat": _f_concat,
    "merge": _f_merge,
    "length": _f_length,
    "coalesce": _f_coalesce,
    "tolist": lambda v: v if isinstance(v, list) else UNKNOWN,
    "toset": _f_toset,
    "tomap": lambda v: v if isinstance(v, dict) else UNKNOWN,
    "tostring": _f_tostring,
    "tonumber": _f_tonumber,
    "tobool": _f_tobool,
    "lower": _string_func(str.lower),
    "upper": _string_func(str.upper),
    "trimspace": _string_func(str.strip),
    "startswith": _string_func(str.startswith),
    "endswith": _string_func(str.endswith),
    "replace": _string_func(lambda s, a, b: UNKNOWN if a.startswith("/") else s.replace(a, b)),
    "split": _string_func(lambda sep, s: s.split(sep)),
    "join": lambda sep, items: (
        sep.join(items) if isinstance(sep, str) and isinstance(items, list) and _strings(*items) else UNKNOWN
    ),
    "lookup": _f_lookup,
    "contains": _f_contains,
    "distinct": lambda v: list(dict.fromkeys(v)) if isinstance(v, list) and is_known(v) else UNKNOWN,
    "flatten": _f_flatten,
    "compact": lambda v: (
        [x for x in v if x not in (None, "")] if isinstance(v, list) and is_known(v) else UNKNOWN
    ),
    "keys": lambda v: sorted(v) if isinstance(v, dict) else UNKNOWN,
    "values": lambda v: [v[k] for k in sorted(v)] if isinstance(v, dict) else UNKNOWN,
    "max": _num_func(max),
    "min": _num_func(min),
    "abs": _num_func(abs),
    "ceil": _num_func(math.ceil),
    "floor": _num_func(math.floor),
    "format": _f_format,
    "jsonencode": lambda v: v,  # kept as data: policy rules read the structure, not the text
    "jsondecode": _f_jsondecode,
    "one": lambda v: (
        (v[0] if len(v) == 1 else None if not v else UNKNOWN) if isinstance(v, list) else UNKNOWN
    ),
}


# The functions above whose result may hold a string that none of their arguments holds (a joined or formatted
# string, a number written out), and those whose result may hold an object with keys that no object among their
# arguments has (decoded from a string); every other one passes on, picks or cuts the strings and objects it is
# given, or returns none. rules.placement reads these to skip expressions that cannot build the keys it looks for;
# tests/hcl/test_evaluate.py checks every other function against them.
BUILDS_STRINGS = frozenset({"format", "join", "replace", "lower", "upper", "tostring"})
BUILDS_KEYS = frozenset({"jsondecode"})


def _conditional_chain(node: Node) -> tuple[list[Node], list[Node], Node] | None:
    """A conditional as Terraform reads it: (conditions, their values, the last alternative).

    HCL's conditional is right-associative: `a ? 1 : b ? 2 : 3` is `a ? 1 : (b ? 2 : 3)` (hashicorp/hcl,
    hclsyntax/parser.go parseTernaryConditional: the false branch is a whole expression). tree-sitter-hcl 1.2.0 parses
    it left-associatively, as `(a ? 1 : b) ? 2 : 3`: a condition that is an unparenthesised conditional is such a
    mis-nesting (written in parentheses it would be an `expression` holding `(`), so it is unfolded into a chain."""
    exprs = [c for c in node.children if c.type not in ("?", ":")]
    if len(exprs) != 3:
        return None
    cond, value, otherwise = exprs
    inner = cond.children[0] if cond.type == "expression" and cond.child_count == 1 else None
    if inner is None or inner.type != "conditional":
        return [cond], [value], otherwise
    head = _conditional_chain(inner)
    if head is None:
        return None
    conds, values, last = head
    return [*conds, last], [*values, value], otherwise

_DISPATCH: dict[str, Callable[[_Run, Node], Value]] = {
    "expression": _Run.expression,
    "variable_expr": _Run.variable_expr,
    "literal_value": _Run.literal_value,
    "collection_value": _Run.collection_value,
    "template_expr": _Run.template_expr,
    "conditional": _Run.conditional,
    "operation": _Run.operation,
    "unary_operation": _Run.unary_operation,
    "binary_operation": _Run.binary_operation,
    "function_call": _Run.function_call,
    "for_expr": _Run.for_expr,
}
