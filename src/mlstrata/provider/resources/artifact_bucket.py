"""mlstrata_artifact_bucket: a directory-backed bucket with versioning, retention and access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from mlstrata.provider.resources.base import (
    Bool,
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
from mlstrata.provider.store.layout import check_name

if TYPE_CHECKING:
    from mlstrata.provider.store import bucket as store
else:  # imported by the first call that needs it: a start that serves the schema never does
    store = StoreModule("mlstrata.provider.store.bucket")


def _config(values: State) -> store.BucketConfig:
    return store.BucketConfig(
        name=str(values["name"]),
        versioning=bool(values["versioning"]),
        retention_days=int(values["retention_days"]),
        access=dict(values["access"] or {}),
    )


class ArtifactBucket(ResourceBase):
    name = "artifact_bucket"
    description = (
        "A folder-backed artifact bucket under the provider's root: objects/, kept versions/ and a "
        "metadata file. Retention is enforced on apply; `objects_past_retention` shows what is due."
    )
    attributes: ClassVar[list[Any]] = [
        output("id", String(), "The bucket name."),
        attribute("name", String(), "Bucket name (folder name under <root>/buckets).", required=True, replace=True),
        attribute("versioning", Bool(), "Keep replaced objects as versions.", default=False),
        attribute(
            "retention_days",
            Number(),
            "Expire objects older than this many days; 0 keeps them.",
            default=0,
        ),
        attribute("access", Map(String()), "Service account name -> READ or WRITE.", default={}),
        attribute(
            "force_destroy",
            Bool(),
            "Delete the bucket even when it still holds objects.",
            default=False,
        ),
        output("path", String(), "Absolute path of the bucket folder."),
        output("uri", String(), "file:// URI of the bucket's objects folder."),
        output("objects_past_retention", Number(), "Objects older than the retention, expired on apply.", default=0),
    ]

    def check(self, config: State) -> None:
        if known(config.get("name")) and config.get("name") is not None:
            check_name("bucket", str(config["name"]))
        access = config.get("access")
        days = config.get("retention_days")
        probe = store.BucketConfig(
            name="probe",
            retention_days=int(days) if known(days) and days is not None else 0,
            access={k: v for k, v in (access or {}).items() if known(v)} if known(access) else {},
        )
        store.check_config(probe)

    def _state(self, found: store.Bucket, force_destroy: Any) -> State:
        return self.state(
            id=found.config.name,
            name=found.config.name,
            versioning=found.config.versioning,
            retention_days=found.config.retention_days,
            access=dict(sorted(found.config.access.items())),
            force_destroy=bool(force_destroy),
            path=str(found.path),
            uri=found.uri,
            objects_past_retention=found.objects_past_retention,
        )

    def plan_update(self, prior: State, planned: State) -> State:
        # Apply expires what is past retention, so the count planned after apply is 0.
        planned["objects_past_retention"] = 0
        return planned

    def do_create(self, planned: State) -> State:
        return self._state(store.apply_bucket(self.layout, _config(planned)), planned["force_destroy"])

    def do_read(self, current: State) -> State | None:
        found = store.read_bucket(self.layout, str(current["name"]))
        return None if found is None else self._state(found, current.get("force_destroy"))

    def do_delete(self, current: State) -> None:
        store.delete_bucket(self.layout, str(current["name"]), force=bool(current.get("force_destroy")))

    def do_import(self, import_id: str) -> State | None:
        found = store.read_bucket(self.layout, import_id)
        return None if found is None else self._state(found, False)
