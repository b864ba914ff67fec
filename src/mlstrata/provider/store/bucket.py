"""Directory-backed artifact buckets: versioning, retention and an access list.

A bucket is a folder `<root>/buckets/<name>/` with

- `.mlstrata-bucket.json`: its configuration (versioning, retention_days, access),
- `objects/<key>`: the current objects,
- `versions/<key>/<version-id>`: previous versions kept by `put_object` when versioning is on.

Retention: objects and kept versions whose modification time is older than `retention_days`
are expired by `expire_objects(bucket_dir, days, now)`, which the provider calls on apply and
which `mlstrata` can call as a command. The access list maps service-account names to READ or
WRITE; `put_object(..., account=...)` and `get_object(..., account=...)` enforce it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlstrata.provider.store import files
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout

META_FILE = ".mlstrata-bucket.json"
OBJECTS = "objects"
VERSIONS = "versions"
ACCESS_LEVELS = ("READ", "WRITE")
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class BucketConfig:
    """What a bucket should be: the part of a bucket that is declared."""

    name: str
    versioning: bool = False
    retention_days: int = 0
    access: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "format": 1,
            "name": self.name,
            "versioning": self.versioning,
            "retention_days": self.retention_days,
            "access": dict(sorted(self.access.items())),
        }


@dataclass(frozen=True)
class Bucket:
    """A bucket as found on disk."""

    config: BucketConfig
    path: Path
    objects_past_retention: int

    @property
    def uri(self) -> str:
        return (self.path / OBJECTS).as_uri()


def check_config(config: BucketConfig) -> None:
    """Reject a configuration the store cannot hold."""
    if config.retention_days < 0:
        raise StoreError(
            "retention_days must be 0 (keep forever) or more",
            hint="Set retention_days to a whole number of days.",
            path="retention_days",
        )
    for account, level in sorted(config.access.items()):
        if level not in ACCESS_LEVELS:
            raise StoreError(
                f"access level {level!r} for {account!r} is not READ or WRITE",
                hint='Use access = { "<service account>" = "READ" | "WRITE" }.',
                path="access",
            )


def _object_path(bucket_dir: Path, area: str, key: str) -> Path:
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or any(p in {"..", "."} for p in parts):
        raise StoreError(f"invalid object key {key!r}", hint="Use a relative key like 'models/a.bin'.")
    return bucket_dir.joinpath(area, *parts)


def _load_config(bucket_dir: Path) -> BucketConfig | None:
    try:
        data = files.read_json(bucket_dir / META_FILE)
    except ValueError as exc:
        raise StoreError(
            f"bucket metadata {bucket_dir / META_FILE} is not valid JSON",
            detail=str(exc),
            hint="Restore the file or run `terraform apply` to rewrite it.",
        ) from exc
    if data is None:
        return None
    access = data.get("access") or {}
    return BucketConfig(
        name=str(data.get("name", bucket_dir.name)),
        versioning=bool(data.get("versioning", False)),
        retention_days=int(data.get("retention_days", 0)),
        access={str(k): str(v) for k, v in access.items()},
    )


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, _dirs, names in os.walk(folder):
        found.extend(Path(dirpath) / n for n in names)
    return sorted(found)


def _past_retention(bucket_dir: Path, days: int, now: float) -> list[Path]:
    if days <= 0:
        return []
    cutoff = now - days * SECONDS_PER_DAY
    old: list[Path] = []
    for area in (OBJECTS, VERSIONS):
        old.extend(p for p in _files_under(bucket_dir / area) if p.lstat().st_mtime < cutoff)
    return old


def expire_objects(bucket_dir: Path, days: int, now: float | None = None) -> list[str]:
    """Delete objects and kept versions older than `days` days; return their keys, sorted.

    `days <= 0` keeps everything. Keys of kept versions read `versions/<key>/<version-id>`.
    """
    moment = time.time() if now is None else now
    expired: list[str] = []
    for path in _past_retention(bucket_dir, days, moment):
        path.unlink()
        files.prune_empty_parents(path.parent, bucket_dir / path.relative_to(bucket_dir).parts[0])
        relative = path.relative_to(bucket_dir)
        area = relative.parts[0]
        key = relative.relative_to(area).as_posix()
        expired.append(key if area == OBJECTS else f"{VERSIONS}/{key}")
    return sorted(expired)


def _check_access(config: BucketConfig, account: str | None, write: bool) -> None:
    if account is None:
        return
    level = config.access.get(account)
    if level == "WRITE" or (level == "READ" and not write):
        return
    wanted = "WRITE" if write else "READ"
    raise StoreError(
        f"service account {account!r} has no {wanted} access to bucket {config.name!r}",
        hint=f'Add "{account}" = "{wanted}" to the bucket\'s access list.',
    )


def _require_config(bucket_dir: Path) -> BucketConfig:
    config = _load_config(bucket_dir)
    if config is None:
        raise StoreError(f"no bucket at {bucket_dir}", hint="Create it with mlstrata_artifact_bucket.")
    return config


def put_object(bucket_dir: Path, key: str, data: bytes, *, account: str | None = None) -> Path:
    """Store `data` under `key`. With versioning on, the object it replaces is kept as a version.

    Kept versions live in `versions/<key>/<version-id>`; ids are sequence numbers (000001, ...),
    so they sort oldest first, and keep the replaced object's modification time for retention.
    Returns the object's path.
    """
    config = _require_config(bucket_dir)
    _check_access(config, account, write=True)
    target = _object_path(bucket_dir, OBJECTS, key)
    if config.versioning and target.exists():
        versions = _object_path(bucket_dir, VERSIONS, key)
        versions.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name) for p in versions.iterdir() if p.name.isdigit()]
        os.replace(target, versions / f"{max(numbers, default=0) + 1:06d}")
    files.write_atomic(target, data)
    return target


def get_object(bucket_dir: Path, key: str, *, account: str | None = None) -> bytes:
    """The current content of `key`."""
    config = _require_config(bucket_dir)
    _check_access(config, account, write=False)
    try:
        return _object_path(bucket_dir, OBJECTS, key).read_bytes()
    except FileNotFoundError as exc:
        raise StoreError(f"no object {key!r} in bucket {config.name!r}") from exc


def list_versions(bucket_dir: Path, key: str) -> list[str]:
    """Ids of the kept previous versions of `key`, oldest first."""
    folder = _object_path(bucket_dir, VERSIONS, key)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def _bucket(layout: Layout, config: BucketConfig, now: float) -> Bucket:
    path = layout.bucket_dir(config.name)
    pending = len(_past_retention(path, config.retention_days, now))
    return Bucket(config=config, path=path, objects_past_retention=pending)


def apply_bucket(layout: Layout, config: BucketConfig, now: float | None = None) -> Bucket:
    """Create or update a bucket to match `config`, then enforce its retention.

    An existing bucket folder is adopted: its objects are kept and its configuration rewritten.
    """
    check_config(config)
    moment = time.time() if now is None else now
    path = layout.bucket_dir(config.name)
    (path / OBJECTS).mkdir(parents=True, exist_ok=True)
    files.write_json(path / META_FILE, config.to_json())
    expire_objects(path, config.retention_days, moment)
    return _bucket(layout, config, moment)


def read_bucket(layout: Layout, name: str, now: float | None = None) -> Bucket | None:
    """The bucket as it is on disk, or None when it does not exist."""
    path = layout.bucket_dir(name)
    config = _load_config(path)
    if config is None:
        return None
    return _bucket(layout, config, time.time() if now is None else now)


def delete_bucket(layout: Layout, name: str, force: bool = False) -> None:
    """Delete a bucket; one that still holds objects needs `force`."""
    path = layout.bucket_dir(name)
    if not path.exists():
        return
    stored = _files_under(path / OBJECTS) + _files_under(path / VERSIONS)
    if stored and not force:
        raise StoreError(
            f"bucket {name!r} still holds {len(stored)} object(s)",
            detail=f"First: {stored[0].relative_to(path).as_posix()}",
            hint="Empty the bucket, or set force_destroy = true to delete it with its objects.",
        )
    files.remove_tree(path)
    files.prune_empty_parents(layout.buckets, layout.root)
