"""GPU probing and pool checks at the store level, with nvidia-smi stand-in executables."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_harness import FAKE_SMI_2X_H100, FAKE_SMI_NO_DEVICES

from mlstrata.provider.store import gpu
from mlstrata.provider.store.errors import StoreError
from mlstrata.provider.store.layout import Layout


def test_parse_query_csv_with_and_without_units() -> None:
    plain = "NVIDIA A100-SXM4-40GB, 40960, 535.104.05\nTesla T4, 15360, 535.104.05\n"
    with_units = "name, memory.total [MiB], driver_version\nNVIDIA L4, 23034 MiB, 550.90.07\n"
    assert gpu.parse_query_csv(plain) == [
        ("NVIDIA A100-SXM4-40GB", 40960, "535.104.05"),
        ("Tesla T4", 15360, "535.104.05"),
    ]
    assert gpu.parse_query_csv(with_units) == [("NVIDIA L4", 23034, "550.90.07")]


def test_parse_cuda_version_from_query_log_and_banner() -> None:
    assert gpu.parse_cuda_version("Driver Version    : 550.54.15\nCUDA Version      : 12.4\n") == "12.4"
    banner = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |"
    assert gpu.parse_cuda_version(banner) == "12.2"
    assert gpu.parse_cuda_version("nothing here") == ""


def test_probe_reads_a_real_process() -> None:
    facts = gpu.probe_gpus(str(FAKE_SMI_2X_H100), use_cache=False)
    assert (facts.count, facts.model, facts.memory_mib) == (2, "NVIDIA H100 80GB HBM3", 81559)
    assert (facts.driver_version, facts.cuda_version) == ("550.54.15", "12.4")


def test_probe_without_devices_or_executable() -> None:
    none = gpu.probe_gpus(str(FAKE_SMI_NO_DEVICES), use_cache=False)
    assert none.count == 0 and "No devices were found" in none.source
    missing = gpu.probe_gpus("/nonexistent/nvidia-smi", use_cache=False)
    assert missing.count == 0 and "could not run" in missing.source


def test_env_var_names_the_executable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(gpu.ENV_VAR, str(FAKE_SMI_2X_H100))
    assert gpu.probe_gpus(use_cache=False).count == 2


def test_capacity_check_says_what_was_found() -> None:
    facts = gpu.probe_gpus(str(FAKE_SMI_2X_H100), use_cache=False)
    gpu.check_capacity(gpu.GpuPoolConfig("train", min=2, max=4, desired=2), facts)
    with pytest.raises(StoreError) as caught:
        gpu.check_capacity(gpu.GpuPoolConfig("train", min=3, max=4, desired=3), facts)
    diagnostic = caught.value.diagnostics[0]
    assert diagnostic.summary == "GPU pool 'train' needs at least 3 GPU(s) but this host has 2"
    assert "NVIDIA H100 80GB HBM3" in diagnostic.detail and str(FAKE_SMI_2X_H100) in diagnostic.detail


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (gpu.GpuPoolConfig("p", min=2, max=1, desired=1), "min <= desired <= max"),
        (gpu.GpuPoolConfig("p", max=1, capacity="RESERVED"), "unknown capacity"),
        (gpu.GpuPoolConfig("p", max=1, taints=("gpu:NoSchedule:x",)), "key=value:Effect"),
    ],
)
def test_bad_shapes_are_rejected(config: gpu.GpuPoolConfig, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        gpu.check_pool(config)


def test_pool_round_trip(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path / "root", secrets_dir=tmp_path / "s")
    facts = gpu.probe_gpus(str(FAKE_SMI_2X_H100), use_cache=False)
    config = gpu.GpuPoolConfig(
        "train", min=1, max=2, desired=1, instance_types=("h100",), labels={"tier": "gpu"},
        taints=("nvidia.com/gpu=present:NoSchedule",),
    )  # fmt: skip
    gpu.apply_pool(layout, config, facts)
    found = gpu.read_pool(layout, "train", facts)
    assert found is not None and found.config == config and found.facts == facts
    gpu.delete_pool(layout, "train")
    assert gpu.read_pool(layout, "train", facts) is None
    assert list(layout.root.iterdir()) == []
