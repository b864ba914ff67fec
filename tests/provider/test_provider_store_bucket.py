"""Buckets at the store level: no Terraform."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from mlstrata.provider.store import bucket
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout

DAY = 86400.0
NOW = time.time()


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(root=tmp_path / "root", secrets_dir=tmp_path / "secrets")


def _age(path: Path, days: float) -> None:
    stamp = NOW - days * DAY
    os.utime(path, (stamp, stamp))


def test_apply_writes_config_and_read_returns_it(layout: Layout) -> None:
    config = bucket.BucketConfig("art", versioning=True, retention_days=7, access={"ci": "WRITE", "bi": "READ"})
    made = bucket.apply_bucket(layout, config, now=NOW)
    assert made.path == layout.root / "buckets" / "art"
    meta = json.loads((made.path / bucket.META_FILE).read_text())
    assert meta["access"] == {"bi": "READ", "ci": "WRITE"}
    assert list(meta) == sorted(meta)
    found = bucket.read_bucket(layout, "art", now=NOW)
    assert found is not None and found.config == config
    assert found.uri == (made.path / "objects").as_uri()


def test_read_missing_bucket_is_none(layout: Layout) -> None:
    assert bucket.read_bucket(layout, "nope") is None


def test_expire_objects_removes_only_old_objects(layout: Layout) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art"), now=NOW).path
    old = bucket.put_object(path, "runs/1/model.bin", b"old")
    new = bucket.put_object(path, "runs/2/model.bin", b"new")
    _age(old, 10)
    _age(new, 1)
    assert bucket.expire_objects(path, 0, now=NOW) == []
    assert bucket.expire_objects(path, 5, now=NOW) == ["runs/1/model.bin"]
    assert not old.exists() and not old.parent.exists()
    assert new.read_bytes() == b"new"


def test_apply_enforces_retention_and_read_counts_what_is_due(layout: Layout) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art"), now=NOW).path
    _age(bucket.put_object(path, "a", b"1"), 40)
    _age(bucket.put_object(path, "b", b"2"), 2)
    found = bucket.read_bucket(layout, "art", now=NOW)
    assert found is not None and found.objects_past_retention == 0
    (path / bucket.META_FILE).write_text(json.dumps({"name": "art", "retention_days": 30}))
    found = bucket.read_bucket(layout, "art", now=NOW)
    assert found is not None and found.objects_past_retention == 1
    after = bucket.apply_bucket(layout, bucket.BucketConfig("art", retention_days=30), now=NOW)
    assert after.objects_past_retention == 0
    assert sorted(p.name for p in (path / "objects").iterdir()) == ["b"]


def test_versioning_keeps_replaced_objects(layout: Layout) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art", versioning=True), now=NOW).path
    first = bucket.put_object(path, "m.bin", b"v1")
    _age(first, 3)
    bucket.put_object(path, "m.bin", b"v2")
    bucket.put_object(path, "m.bin", b"v3")
    assert bucket.get_object(path, "m.bin") == b"v3"
    versions = bucket.list_versions(path, "m.bin")
    assert len(versions) == 2
    kept = [(path / "versions" / "m.bin" / v).read_bytes() for v in versions]
    assert kept == [b"v1", b"v2"]
    assert bucket.expire_objects(path, 2, now=NOW) == [f"versions/m.bin/{versions[0]}"]


def test_without_versioning_put_overwrites(layout: Layout) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art"), now=NOW).path
    bucket.put_object(path, "m.bin", b"v1")
    bucket.put_object(path, "m.bin", b"v2")
    assert bucket.get_object(path, "m.bin") == b"v2"
    assert bucket.list_versions(path, "m.bin") == []


def test_access_list_is_enforced_by_put_and_get(layout: Layout) -> None:
    config = bucket.BucketConfig("art", access={"trainer": "WRITE", "viewer": "READ"})
    path = bucket.apply_bucket(layout, config, now=NOW).path
    bucket.put_object(path, "x", b"1", account="trainer")
    assert bucket.get_object(path, "x", account="viewer") == b"1"
    with pytest.raises(StoreError, match="no WRITE access"):
        bucket.put_object(path, "x", b"2", account="viewer")
    with pytest.raises(StoreError, match="no READ access"):
        bucket.get_object(path, "x", account="stranger")


@pytest.mark.parametrize("key", ["", "/abs", "../escape", "a/../../b"])
def test_bad_keys_are_rejected(layout: Layout, key: str) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art"), now=NOW).path
    with pytest.raises(StoreError, match="invalid object key"):
        bucket.put_object(path, key, b"x")


def test_bad_config_is_rejected(layout: Layout) -> None:
    with pytest.raises(StoreError, match="not READ or WRITE"):
        bucket.apply_bucket(layout, bucket.BucketConfig("art", access={"x": "ADMIN"}))
    with pytest.raises(StoreError, match="retention_days"):
        bucket.apply_bucket(layout, bucket.BucketConfig("art", retention_days=-1))
    with pytest.raises(StoreError, match="invalid bucket name"):
        bucket.apply_bucket(layout, bucket.BucketConfig("../up"))


def test_delete_refuses_non_empty_bucket_unless_forced(layout: Layout) -> None:
    path = bucket.apply_bucket(layout, bucket.BucketConfig("art"), now=NOW).path
    bucket.put_object(path, "x", b"1")
    with pytest.raises(StoreError, match="still holds 1 object"):
        bucket.delete_bucket(layout, "art")
    bucket.delete_bucket(layout, "art", force=True)
    assert not layout.root.exists() or list(layout.root.iterdir()) == []
