"""mlstrata_gpu_pool: a GPU pool's declared shape, checked against the host's real GPUs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    List,
    Map,
    Number,
    ResourceBase,
    State,
    StoreModule,
    String,
    attribute,
    known,
    output,
)

if TYPE_CHECKING:
    from mlstrata.provider.store import gpu as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.gpu")


def _config(values: State) -> store.GpuPoolConfig:
    desired = values.get("desired")
    low = int(values["min"])
    return store.GpuPoolConfig(
        name=str(values["name"]),
        min=low,
        max=int(values["max"]),
        desired=int(desired) if known(desired) and desired is not None else low,
        instance_types=tuple(values.get("instance_types") or ()),
        labels=dict(values.get("labels") or {}),
        taints=tuple(values.get("taints") or ()),
        capacity=str(values.get("capacity") or "ON_DEMAND"),
    )


class GpuPool(ResourceBase):
    name = "gpu_pool"
    description = (
        "A GPU pool: declared shape and bounds, plus the host's GPUs as nvidia-smi reports them "
        "(MLSTRATA_NVIDIA_SMI names another nvidia-smi executable). Planning a pool whose min "
        "exceeds the GPUs present fails."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The pool name."),
        attribute("name", String(), "Pool name.", required=True, replace=True),
        attribute("min", Number(), "Fewest GPUs the pool needs.", required=True),
        attribute("max", Number(), "Most GPUs the pool may use.", required=True),
        attribute("desired", Number(), "GPUs wanted now (default: min)."),
        attribute("instance_types", List(String()), "Instance types the pool may use.", default=[]),
        attribute("labels", Map(String()), "Labels for the pool's nodes.", default={}),
        attribute("taints", List(String()), 'Taints as "key=value:Effect".', default=[]),
        attribute("capacity", String(), "ON_DEMAND or SPOT.", default="ON_DEMAND"),
        output("gpu_count", Number(), "GPUs present on this host."),
        output("gpu_model", String(), "Their model(s)."),
        output("gpu_memory_mib", Number(), "Memory of the smallest GPU, in MiB."),
        output("driver_version", String(), "NVIDIA driver version."),
        output("cuda_version", String(), "CUDA version the driver supports."),
    ]

    def check(self, config: State) -> None:
        needed = ("name", "min", "max", "desired", "instance_types", "labels", "taints", "capacity")
        if not all(known(config.get(k)) for k in needed) or any(config.get(k) is None for k in ("name", "min", "max")):
            return
        store.check_pool(_config(config))

    def plan_create(self, planned: State) -> None:
        store.check_capacity(_config(planned), store.probe_gpus())

    def plan_update(self, prior: State, planned: State) -> State:
        # Only a raised min is checked: Terraform plans every resource before a destroy too,
        # and a pool whose GPUs went away must stay destroyable (gpu_count shows the drift).
        if known(planned.get("min")) and int(planned["min"]) > int(prior.get("min") or 0):
            store.check_capacity(_config(planned), store.probe_gpus())
        return planned

    def normalize(self, state: State | None, reference: State | None) -> State | None:
        out = super().normalize(state, reference)
        # desired defaults to min: null in state while the configuration leaves it out.
        if out is not None and (reference is None or reference.get("desired") is None) and out["desired"] == out["min"]:
            out["desired"] = None
        return out

    def _state(self, found: store.GpuPool) -> State:
        config, facts = found.config, found.facts
        return self.state(
            id=config.name,
            name=config.name,
            min=config.min,
            max=config.max,
            desired=config.desired,
            instance_types=list(config.instance_types),
            labels=dict(sorted(config.labels.items())),
            taints=list(config.taints),
            capacity=config.capacity,
            gpu_count=facts.count,
            gpu_model=facts.model,
            gpu_memory_mib=facts.memory_mib,
            driver_version=facts.driver_version,
            cuda_version=facts.cuda_version,
        )

    def do_create(self, planned: State) -> State:
        return self._state(store.apply_pool(self.layout, _config(planned)))

    def do_read(self, current: State) -> State | None:
        found = store.read_pool(self.layout, str(current["name"]))
        return None if found is None else self._state(found)

    def do_delete(self, current: State) -> None:
        store.delete_pool(self.layout, str(current["name"]))

    def do_import(self, import_id: str) -> State | None:
        found = store.read_pool(self.layout, import_id)
        return None if found is None else self._state(found)
