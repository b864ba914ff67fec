"""What the local target's units output, read by name: what exists per environment and how to open each
registry's MLflow UI (the names are those `render.py` gives its outputs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SUMMARY_COLUMNS = ("environment", "registry", "models", "service accounts", "artifact stores", "GPUs on host",
                   "metadata store")


@dataclass(frozen=True)
class RegistryUi:
    env: str
    command: str
    admin_password_file: object


def summary_row(env: str, values: Mapping[str, object]) -> list[str]:
    """One environment's row of the 'what exists now' table, from its units' outputs."""
    accounts = values.get("registry_service_account_password_files")
    stores = sorted(k.removeprefix("artifact_bucket_").removesuffix("_uri") for k in values
                    if k.startswith("artifact_bucket_"))
    gpus = sorted(f"{k.removeprefix('gpu_pool_').removesuffix('_gpus')}: {v}" for k, v in values.items()
                  if k.startswith("gpu_pool_") and k.endswith("_gpus"))
    models = values.get("registry_model_names")
    return [env, str(values.get("registry_id", "-")),
            ", ".join(str(m) for m in models) if isinstance(models, list) and models else "-",
            ", ".join(sorted(accounts)) if isinstance(accounts, dict) else "-",
            ", ".join(stores) or "-", ", ".join(gpus) or "-",
            "yes" if values.get("metadata_store_uri") else "-"]


def registry_uis(per_env: Mapping[str, Mapping[str, object]]) -> list[RegistryUi]:
    """How to open each environment's MLflow UI, where its registry says."""
    return [RegistryUi(env, str(values["registry_ui_command"]), values.get("registry_admin_password_file"))
            for env, values in per_env.items() if "registry_ui_command" in values]
