"""The provider under real Terraform: bucket and GPU pool lifecycles, and errors as diagnostics."""

from __future__ import annotations

import json
import os
import re
import time

from provider_harness import FAKE_SMI_2X_H100, FAKE_SMI_NO_DEVICES, Unit

from mlstrata.provider.store.bucket import META_FILE, put_object

BUCKET = """
resource "mlstrata_artifact_bucket" "art" {
  name           = "%(name)s"
  retention_days = %(days)d
  access         = { trainer = "WRITE", viewer = "READ" }
}
"""


def _bucket(name: str = "artifacts", days: int = 30) -> str:
    return BUCKET % {"name": name, "days": days}


def test_bucket_full_lifecycle(unit: Unit) -> None:
    unit.write(_bucket())
    unit.init()
    unit.apply()
    path = unit.root / "buckets" / "artifacts"
    meta = json.loads((path / META_FILE).read_text())
    assert (meta["retention_days"], meta["access"]) == (30, {"trainer": "WRITE", "viewer": "READ"})
    assert unit.plan_rc()[0] == 0

    # Update in place: objects stay.
    put_object(path, "model.bin", b"weights")
    unit.write(_bucket(days=7))
    rc, out = unit.plan_rc()
    assert rc == 2 and "update in-place" in out and re.search(r"retention_days\s+= 30 -> 7", out)
    unit.apply()
    assert json.loads((path / META_FILE).read_text())["retention_days"] == 7
    assert (path / "objects" / "model.bin").read_bytes() == b"weights"

    # Drift: a change made outside Terraform.
    meta = json.loads((path / META_FILE).read_text())
    (path / META_FILE).write_text(json.dumps({**meta, "versioning": True}))
    rc, out = unit.plan_rc("-refresh-only")
    assert rc == 2 and "versioning" in out and "changed outside of Terraform" in out
    unit.apply()
    assert json.loads((path / META_FILE).read_text())["versioning"] is False

    # Retention is enforced on apply.
    stale = time.time() - 10 * 86400
    os.utime(path / "objects" / "model.bin", (stale, stale))
    rc, out = unit.plan_rc()
    assert rc == 2 and re.search(r"objects_past_retention\s+= 1 -> 0", out)
    unit.apply()
    assert not (path / "objects" / "model.bin").exists()

    # Replace: the name cannot change in place.
    unit.write(_bucket(name="artifacts-v2", days=7))
    rc, out = unit.plan_rc()
    assert rc == 2 and "must be replaced" in out and "forces replacement" in out
    unit.apply()
    assert not path.exists() and (unit.root / "buckets" / "artifacts-v2" / META_FILE).is_file()

    # Deleted outside Terraform: planned again and recreated.
    path = unit.root / "buckets" / "artifacts-v2"
    for item in sorted(path.rglob("*"), reverse=True):
        item.rmdir() if item.is_dir() else item.unlink()
    path.rmdir()
    rc, out = unit.plan_rc()
    assert rc == 2 and "will be created" in out
    unit.apply()
    assert (path / META_FILE).is_file()

    # Import after the state forgot it.
    unit.run("state", "rm", "mlstrata_artifact_bucket.art")
    unit.run("import", "-input=false", "mlstrata_artifact_bucket.art", "artifacts-v2")
    assert unit.plan_rc()[0] == 0

    unit.destroy()
    assert unit.leftovers() == []


def test_provider_errors_are_diagnostics_naming_the_resource(unit: Unit) -> None:
    # An error while creating: Terraform names the resource address.
    unit.write(
        _bucket() + 'resource "mlstrata_model_registry" "reg" {\n  name = "dev"\n  artifact_bucket = "nope"\n}\n'
    )
    unit.init()
    failed = unit.run("apply", "-auto-approve", "-input=false", check=False)
    assert failed.returncode == 1
    flat = " ".join(failed.stderr.split())  # Terraform wraps diagnostics; where depends on the paths in them
    assert "Error: artifact bucket 'nope' does not exist" in flat
    assert "with mlstrata_model_registry.reg" in flat
    assert "Traceback" not in failed.stderr + failed.stdout

    # An error while deleting: Terraform gives no address, the diagnostic names the object.
    unit.write(_bucket())
    put_object(unit.root / "buckets" / "artifacts", "keep.bin", b"x")
    failed = unit.run("destroy", "-auto-approve", "-input=false", check=False)
    assert failed.returncode == 1
    flat = " ".join(failed.stderr.split())
    assert "Error: bucket 'artifacts' still holds 1 object(s)" in flat
    assert 'Object: mlstrata_artifact_bucket "artifacts"' in flat
    assert "mlstrata_artifact_bucket.art: Destroying..." in failed.stdout
    assert "set force_destroy = true" in flat

    # An error while planning.
    unit.write(_bucket() + 'resource "mlstrata_gpu_pool" "train" {\n  name = "train"\n  min = 1\n  max = 2\n}\n')
    rc, out = unit.plan_rc()
    assert rc == 1
    flat = " ".join(out.split())  # Terraform wraps diagnostics; where depends on the paths in them
    assert "Error: GPU pool 'train' needs at least 1 GPU(s) but this host has 0" in flat
    assert "with mlstrata_gpu_pool.train" in flat and "No devices were found" in flat


POOL = """
resource "mlstrata_gpu_pool" "train" {
  name           = "train"
  min            = 2
  max            = 4
  instance_types = ["h100"]
  labels         = { tier = "gpu" }
  taints         = ["nvidia.com/gpu=present:NoSchedule"]
}
output "gpus" {
  value = join(",", [for k in ["gpu_count", "gpu_model", "gpu_memory_mib", "driver_version", "cuda_version"] :
    tostring(mlstrata_gpu_pool.train[k])])
}
"""


def test_gpu_pool_reports_the_hosts_gpus(unit: Unit) -> None:
    two = {"MLSTRATA_NVIDIA_SMI": str(FAKE_SMI_2X_H100)}
    none = {"MLSTRATA_NVIDIA_SMI": str(FAKE_SMI_NO_DEVICES)}
    unit.write(POOL)
    unit.init()
    unit.apply(env=two)
    assert unit.output("gpus") == "2,NVIDIA H100 80GB HBM3,81559,550.54.15,12.4"
    assert unit.plan_rc(env=two)[0] == 0
    # The GPUs went away: drift, and the pool can still be destroyed.
    rc, out = unit.plan_rc("-refresh-only", env=none)
    assert rc == 2 and re.search(r"gpu_count\s+= 2 -> 0", out)
    unit.destroy(env=none)
    assert unit.leftovers() == []
