"""The provider itself: its configuration schema, its resources, and `serve()`.

Start-up imports only the `tf` framework, gRPC and this package's light modules; MLflow is
imported by the store on the first write that needs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tf import schema as tf_schema  # type: ignore[import-untyped]
from tf import types as tf_types

from mlstrata.provider import ADDRESS, POSTGRES_DSN_ENV, TYPE_PREFIX
from mlstrata.provider.resources import RESOURCES
from mlstrata.provider.resources.base import ResourceBase, known
from mlstrata.provider.store.database import PgServer
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout, default_secrets_dir


def _absolute(diags: Any, config: dict[str, Any], key: str) -> None:
    value = config.get(key)
    if known(value) and value is not None and not os.path.isabs(str(value)):
        diags.add_error(f"{key} must be an absolute path", f"Got {value!r}.", path=[key])


class MlstrataProvider:
    """The `tf` framework's Provider: configuration plus the resource registry."""

    def __init__(self) -> None:
        self._layout: Layout | None = None
        self._server: PgServer | None = None

    @property
    def layout(self) -> Layout:
        if self._layout is None:
            raise StoreError("the mlstrata provider is not configured", hint="Set root in the provider block.")
        return self._layout

    @property
    def server(self) -> PgServer | None:
        return self._server

    def scrub(self, text: str) -> str:
        return self._server.scrub(text) if self._server is not None else text

    # -- the framework's Provider API ---------------------------------------------------------
    def get_model_prefix(self) -> str:
        return TYPE_PREFIX

    def full_name(self) -> str:
        return ADDRESS

    def get_provider_schema(self, diags: Any) -> Any:
        attr = tf_schema.Attribute
        return tf_schema.Schema(
            version=1,
            attributes=[
                attr("root", tf_types.String(), description="Absolute folder of this environment's platform.",
                     required=True),
                attr("secrets_dir", tf_types.String(), optional=True,
                     description="Absolute folder for generated secrets (default "
                     "$XDG_DATA_HOME/mlstrata/secrets or ~/.local/share/mlstrata/secrets)."),
                attr("postgres_dsn", tf_types.String(), optional=True, sensitive=True,
                     description="postgresql:// URL of the server for postgres-backed registries and stores "
                     f"(default: ${POSTGRES_DSN_ENV}, which keeps it out of plans and state)."),
            ],
        )  # fmt: skip

    def validate_config(self, diags: Any, config: dict[str, Any]) -> None:
        _absolute(diags, config, "root")
        _absolute(diags, config, "secrets_dir")
        dsn = config.get("postgres_dsn")
        if known(dsn) and dsn:
            try:
                PgServer.parse(str(dsn))
            except StoreError as exc:
                diags.add_error(exc.diagnostics[0].summary, exc.diagnostics[0].hint, path=["postgres_dsn"])

    def configure_provider(self, diags: Any, config: dict[str, Any]) -> None:
        root = config.get("root")
        if not known(root) or not root:
            diags.add_error("root is not known", "The provider's root must be known before planning.")
            return
        secrets_dir = config.get("secrets_dir")
        secrets = Path(str(secrets_dir)) if known(secrets_dir) and secrets_dir else default_secrets_dir()
        self._server = None  # a reattached provider is configured once per Terraform run: nothing carries over
        self._layout = Layout(root=Path(str(root)), secrets_dir=secrets)
        dsn = config.get("postgres_dsn")
        if not (known(dsn) and dsn):
            dsn = os.environ.get(POSTGRES_DSN_ENV) or None
        if dsn:
            try:
                self._server = PgServer.parse(str(dsn))
            except StoreError as exc:
                diags.add_error(exc.diagnostics[0].summary, exc.diagnostics[0].hint, path=["postgres_dsn"])

    def get_data_sources(self) -> list[Any]:
        return []

    def get_resources(self) -> list[type[ResourceBase]]:
        return list(RESOURCES.values())

    def get_functions(self) -> list[Any]:
        return []

    def new_resource(self, klass: type[ResourceBase]) -> ResourceBase:
        return klass(self)

    def new_data_source(self, klass: Any) -> Any:
        return klass(self)

    def new_function(self, klass: Any) -> Any:
        return klass(self)


def _servicer_class() -> type:
    """The framework's gRPC servicer, extended to run `plan()` for creations too.

    `tf` 1.2.0 only calls a resource's plan() hook for updates. Checks that must fail a plan
    but not a destroy (a GPU pool asking for more GPUs than the host has) cannot live in
    validate(), which Terraform also runs before destroying, so creations get the hook here.
    """
    from tf import provider as tf_provider
    from tf.gen import tfplugin_pb2 as pb  # type: ignore[import-untyped]
    from tf.iface import PlanContext  # type: ignore[import-untyped]
    from tf.utils import Diagnostics, read_dynamic_value  # type: ignore[import-untyped]

    base: Any = tf_provider.ProviderServicer

    class _Servicer(base):  # type: ignore[misc]
        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            response = base.PlanResourceChange(self, request, context)
            creating = read_dynamic_value(request.prior_state) is None
            proposed = read_dynamic_value(request.proposed_new_state)
            if not creating or proposed is None or any(d.severity == pb.Diagnostic.ERROR for d in response.diagnostics):
                return response
            diags = Diagnostics()
            klass = self._get_res_cls(request.type_name)
            planned = read_dynamic_value(response.planned_state) or proposed
            self.app.new_resource(klass).plan(PlanContext(diags, request.type_name, set()), None, planned)
            response.diagnostics.extend(diags.to_pb())
            return response

    return _Servicer


REATTACH_FLAG = "--reattach"  # served for one unit's Terraform runs by mlstrata's engine (engine/served.py)


def serve(argv: list[str]) -> int:
    """Serve the provider on the plugin protocol (Terraform starts this; `--dev` for debugging).

    With `--reattach` (mlstrata's engine starts it so that one process serves all the Terraform runs of one
    unit operation, which Terraform reaches through `TF_REATTACH_PROVIDERS`) it serves as `--dev` does, on a
    socket in a folder only its user can open, prints where (the `TF_REATTACH_PROVIDERS` line) and exits when
    its standard input closes: when the engine is done with it, or dies."""
    from tf import provider as tf_provider
    from tf import runner

    from mlstrata.provider.tls import server_certificate

    # run_provider() builds its servicer from this module attribute; see _servicer_class().
    tf_provider.ProviderServicer = _servicer_class()
    # and its TLS identity from this one: ours is cached without importing cryptography (see tls.py)
    runner._self_signed_cert = server_certificate
    if REATTACH_FLAG in argv:
        import threading

        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # the engine waits for the line
        threading.Thread(target=_exit_when_stdin_closes, name="stdin-watch", daemon=True).start()
        argv = [a for a in argv if a != REATTACH_FLAG] + ["--dev"]
    runner.run_provider(MlstrataProvider(), argv)
    return 0


def _exit_when_stdin_closes() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)
