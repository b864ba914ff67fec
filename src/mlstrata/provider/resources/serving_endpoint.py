"""mlstrata_serving_endpoint: `mlflow models serve` for a registry's model, on a free loopback port."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Bool,
    ResourceBase,
    State,
    StoreModule,
    String,
    Unknown,
    attribute,
    known,
    output,
)

if TYPE_CHECKING:
    from mlstrata.provider.store import serving as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.serving")

# No Number attributes: with one, Terraform (1.11 and 1.15) holds every refresh-only plan of the unit as
# applyable (`plan -refresh-only -detailed-exitcode` exits 2 with "No changes"), as it does for units with a
# mlstrata_gpu_pool. The port is in `url`; the pid stays in the provider's record (endpoint.json).
_SETTINGS = ("registry_id", "model", "alias", "running")
_OUTPUTS = ("url", "model_version", "model_uri", "status", "log_file")


def _config(values: State) -> store.EndpointConfig:
    return store.EndpointConfig(
        name=str(values["name"]),
        registry=str(values["registry_id"]),
        model=str(values["model"]),
        alias=str(values.get("alias") or ""),
    )


class ServingEndpoint(ResourceBase):
    name = "serving_endpoint"
    description = (
        "A model serving endpoint: `mlflow models serve` (the provider's own MLflow) for the version of a "
        "registered model that `alias` points at, or the newest one, on a free loopback port; health-checked "
        "on /ping, stopped by its pid on destroy. With no version registered it waits; once one is, or when "
        "the server is gone, `running` reads false and the next apply starts it."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The endpoint name."),
        attribute("name", String(), "Endpoint name.", required=True, replace=True),
        attribute("registry_id", String(), "id of the mlstrata_model_registry it reads.", required=True,
                  replace=True),
        attribute("model", String(), "Registered model served.", required=True),
        attribute("alias", String(), "Registry alias selecting the version (empty: the newest).", default=""),
        attribute("running", Bool(), "Serve (true) or keep stopped (false). Reads false when the server is "
                  "gone or serves another version than the selected one.", default=True),
        output("url", String(), "Scoring URL base on a loopback port: POST <url>/invocations (empty while not "
               "serving). The server's pid is in endpoint.json beside its log; destroy stops its process group."),
        output("model_version", String(), "Version served (empty while waiting)."),
        output("model_uri", String(), "models:/<model>/<version> served."),
        output("status", String(), "serving, stopped, or waiting for a model version."),
        output("log_file", String(), "The server's log."),
    ]

    def check(self, config: State) -> None:
        name = config.get("name")
        if known(name) and name is not None:
            store.check_config(store.EndpointConfig(name=str(name), registry="x", model="x"))

    def _state(self, found: store.Endpoint) -> State:
        config = found.config
        return self.state(
            id=config.name, name=config.name, registry_id=config.registry, model=config.model, alias=config.alias,
            running=found.running, url=found.url,
            model_version=found.version, model_uri=found.model_uri, status=found.status, log_file=found.log_file,
        )

    def plan_update(self, prior: State, planned: State) -> State:
        # Terraform asks on every plan; only a real change restarts the server (new pid, maybe port).
        if any(planned.get(k) != prior.get(k) for k in _SETTINGS):
            for key in _OUTPUTS:
                planned[key] = Unknown
        return planned

    def _apply(self, values: State, port_hint: int) -> State:
        running = values.get("running")
        found = store.apply_endpoint(self.layout, self.server, _config(values),
                                     running=True if running is None else bool(running), port_hint=port_hint)
        return self._state(found)

    def do_create(self, planned: State) -> State:
        return self._apply(planned, 0)

    def do_read(self, current: State) -> State | None:
        found = store.read_endpoint(self.layout, self.server, str(current["name"]))
        return None if found is None else self._state(found)

    def do_update(self, current: State, planned: State) -> State:
        return self._apply(planned, store.port_of(str(current.get("url") or "")))

    def do_delete(self, current: State) -> None:
        store.delete_endpoint(self.layout, str(current["name"]))

    def do_import(self, import_id: str) -> State | None:
        found = store.read_endpoint(self.layout, self.server, import_id)
        return None if found is None else self._state(found)
