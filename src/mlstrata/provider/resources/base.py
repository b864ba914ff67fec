"""What every resource of the provider shares: schema helpers, state checks and error handling.

Resources subclass `ResourceBase` and implement `do_create`, `do_read`, `do_delete` and `do_import` on plain
dicts, and `do_update` where an update is more than the create of the planned state. The base turns store
errors (`DiagnosticsError`) into Terraform diagnostics, so Terraform reports them with the resource's address.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, TypeVar

from msgpack.ext import ExtType
from tf import schema as tf_schema  # type: ignore[import-untyped]
from tf import types as tf_types

from mlstrata.diagnostics import Diagnostic, DiagnosticsError
from mlstrata.provider.store.database import PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout

State = dict[str, Any]
T = TypeVar("T")
Unknown: Any = tf_types.Unknown
String: Any = tf_types.String
Number: Any = tf_types.Number
Bool: Any = tf_types.Bool
List: Any = tf_types.List
Map: Any = tf_types.Map
NO_DEFAULT: Any = tf_types.Unknown


class StoreModule:
    """A `store` module imported by the first attribute read, not when the resource's module is imported.

    Terraform starts the provider 3-4 times per unit per plan or apply, and some starts only serve the schema
    or validate other resource types: the store modules (~35 ms of imports together) are paid by those that
    use them. `importlib.import_module` holds the import lock, so the plugin's threads may race to the first use.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


def known(value: object) -> bool:
    """True when Terraform knows the value (it is not `Unknown`).

    Terraform >= 1.6 sends *refined* unknowns (e.g. "a string starting with `x-`") as msgpack
    extension 12, which `tf` 1.2.0 passes through undecoded: those are unknown too.
    """
    return value is not Unknown and not isinstance(value, ExtType)


def attribute(
    name: str,
    kind: Any,
    description: str,
    *,
    required: bool = False,
    computed: bool = False,
    sensitive: bool = False,
    replace: bool = False,
    default: Any = NO_DEFAULT,
) -> Any:
    """A schema attribute, optional unless required.

    An optional attribute that is not `computed` and has a `default` is null in state while
    the configuration leaves it out, and the default applies: so removing it from the
    configuration, or changing its value outside Terraform, plans a change back to the default.
    `computed` attributes with a default show the default in plans instead (used for attributes
    that force replacement).
    """
    return tf_schema.Attribute(
        name,
        kind,
        description=description,
        required=required,
        optional=not required,
        computed=computed,
        sensitive=sensitive,
        requires_replace=replace or None,
        default=default,
    )


def output(name: str, kind: Any, description: str, *, sensitive: bool = False, default: Any = NO_DEFAULT) -> Any:
    """A computed-only attribute (set by the provider, never in configuration)."""
    return tf_schema.Attribute(name, kind, description=description, computed=True, sensitive=sensitive, default=default)


def schema(description: str, attributes: list[Any], version: int = 1) -> Any:
    return tf_schema.Schema(version=version, attributes=attributes, description=description)


def _to_tf(diags: Any, diagnostic: Diagnostic, attributes: set[str], subject: str) -> None:
    detail = diagnostic.detail
    if subject:
        # Terraform names the resource address for plan and create/update errors, not for
        # deletes; naming the object here keeps every error traceable.
        detail = f"{detail}\n\nObject: {subject}" if detail else f"Object: {subject}"
    if diagnostic.hint:
        detail = f"{detail}\n\nHint: {diagnostic.hint}" if detail else f"Hint: {diagnostic.hint}"
    path = [diagnostic.path] if diagnostic.path in attributes else None
    if diagnostic.is_error:
        diags.add_error(diagnostic.summary, detail, path=path)
    else:
        diags.add_warning(diagnostic.summary, detail, path=path)


class ProviderContext(Protocol):
    """What a resource needs of the provider it runs in (`mlstrata.provider.plugin.MlstrataProvider`):
    where its store lives, the PostgreSQL server if configured, and secret scrubbing for messages."""

    @property
    def layout(self) -> Layout: ...

    @property
    def server(self) -> PgServer | None: ...

    def scrub(self, text: str) -> str: ...


class ResourceBase:
    """A Terraform resource type of this provider, as the `tf` framework expects it."""

    name: ClassVar[str]
    description: ClassVar[str]
    attributes: ClassVar[list[Any]]
    # raised when attributes are added: Terraform then hands older states to `upgrade`
    schema_version: ClassVar[int] = 1

    def __init__(self, provider: ProviderContext) -> None:
        self.provider = provider

    # -- the framework's class-level API -----------------------------------------------------
    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> Any:
        return schema(cls.description, cls.attributes, cls.schema_version)

    @classmethod
    def attribute_names(cls) -> set[str]:
        return {a.name for a in cls.attributes}

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Defaults of optional, non-computed attributes (null in state means the default)."""
        return {a.name: a.default for a in cls.attributes if not a.computed and a.default is not NO_DEFAULT}

    def fill(self, values: State) -> State:
        """`values` with null optional attributes replaced by their defaults."""
        filled = dict(values)
        for key, default in self.defaults().items():
            if filled.get(key) is None:
                filled[key] = default
        return filled

    def normalize(self, state: State | None, reference: State | None) -> State | None:
        """Null out default values where `reference` (plan or prior state; None on import) has null."""
        if state is None:
            return None
        out = dict(state)
        for key, default in self.defaults().items():
            if (reference is None or reference.get(key) is None) and out.get(key) == default:
                out[key] = None
        return out

    # -- helpers for subclasses --------------------------------------------------------------
    @property
    def layout(self) -> Layout:
        return self.provider.layout

    @property
    def server(self) -> PgServer | None:
        return self.provider.server

    def state(self, **values: Any) -> State:
        """A full state dict; every attribute of the schema must be given."""
        missing = self.attribute_names() - set(values)
        extra = set(values) - self.attribute_names()
        if missing or extra:
            raise AssertionError(f"{self.name}: state missing {sorted(missing)}, unexpected {sorted(extra)}")
        return values

    def subject(self, values: State | None) -> str:
        """`<type> "<id>"` for messages, from whichever identifying value is known."""
        for key in ("id", "name"):
            value = (values or {}).get(key)
            if known(value) and value:
                return f'mlstrata_{self.name} "{value}"'
        return ""

    def guard(self, ctx: Any, action: Callable[[], T], fallback: T, values: State | None = None) -> T:
        """Run `action`; report its errors as diagnostics on `ctx` and return `fallback` then."""
        try:
            return action()
        except DiagnosticsError as exc:
            for diagnostic in exc.diagnostics:
                _to_tf(ctx.diagnostics, diagnostic, self.attribute_names(), self.subject(values))
        except Exception as exc:
            ctx.diagnostics.add_error(
                f"mlstrata provider failed: {type(exc).__name__}",
                self.provider.scrub(str(exc))[:2000],
            )
        return fallback

    # -- hooks subclasses implement ----------------------------------------------------------
    def check(self, config: State) -> None:
        """Validate configuration (values may be None or Unknown); raise StoreError."""

    def plan_update(self, prior: State, planned: State) -> State:
        """Adjust the planned state of an update (computed values that will change)."""
        return planned

    def plan_create(self, planned: State) -> None:
        """Check a planned creation against the world (raise StoreError); see plugin._Servicer."""

    def do_create(self, planned: State) -> State:
        raise NotImplementedError

    def do_read(self, current: State) -> State | None:
        raise NotImplementedError

    def do_update(self, current: State, planned: State) -> State:
        """The store's apply brings an object to its configuration whatever it was, so by default an update is
        the create of the planned state; a resource whose update needs the prior state says so here."""
        return self.do_create(planned)

    def do_delete(self, current: State) -> None:
        raise NotImplementedError

    def do_import(self, import_id: str) -> State | None:
        raise NotImplementedError

    # -- the framework's instance-level API --------------------------------------------------
    def validate(self, diags: Any, type_name: str, config: State) -> None:
        names = self.attribute_names()
        for key in sorted(set(config) - names):
            diags.add_error(f"Unknown field {type_name}.{key}", f"{key!r} is not an attribute of {type_name}.")
        computed_only = {a.name for a in self.attributes if a.computed and not a.optional and not a.required}
        for key in sorted(computed_only & set(config)):
            if config[key] is not None:
                diags.add_error(f"{type_name}.{key} is read-only and cannot be set", path=[key])

        class _Ctx:
            diagnostics = diags

        self.guard(_Ctx(), lambda: self.check(config), None)

    def plan(self, ctx: Any, current: State | None, planned: State) -> State:
        if current is None:
            self.guard(ctx, lambda: self.plan_create(planned), None)
            return planned
        return self.guard(ctx, lambda: self.plan_update(current, planned), planned)

    def upgrade(self, ctx: Any, version: int, old: State) -> State:
        """A state written by an older schema: attributes added since are null until the next read fills
        them (Terraform refuses an object that lacks an attribute of the schema)."""
        return {**{name: None for name in self.attribute_names()}, **old}

    def create(self, ctx: Any, planned: State) -> State | None:
        return self.guard(ctx, lambda: self.normalize(self.do_create(self.fill(planned)), planned), None, planned)

    def read(self, ctx: Any, current: State) -> State | None:
        unchanged: State | None = current
        return self.guard(ctx, lambda: self.normalize(self.do_read(self.fill(current)), current), unchanged, current)

    def update(self, ctx: Any, current: State, planned: State) -> State | None:
        previous: State | None = current
        return self.guard(
            ctx,
            lambda: self.normalize(self.do_update(self.fill(current), self.fill(planned)), planned),
            previous,
            planned,
        )

    def delete(self, ctx: Any, current: State) -> None:
        self.guard(ctx, lambda: self.do_delete(self.fill(current)), None, current)

    def import_(self, ctx: Any, id: str) -> State | None:
        return self.guard(ctx, lambda: self.normalize(self.do_import(id), None), None, {"id": id})


def split_id(import_id: str, what: str) -> tuple[str, str]:
    """Split `<registry>/<rest>` import ids."""
    registry, sep, rest = import_id.partition("/")
    if not sep or not registry or not rest:
        raise StoreError(f"import id {import_id!r} is not <registry>/<{what}>", hint=f"Use e.g. dev/<{what}>.")
    return registry, rest
