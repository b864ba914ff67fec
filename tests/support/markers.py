"""Which tests are integration tests (the rest are unit, or e2e under tests/e2e/): tests/conftest.py marks them."""

from __future__ import annotations

# Tests that run real Terraform, a provider process or PostgreSQL (by file, relative to tests/); everything
# under e2e/ is e2e; the rest is unit. Select with `-m unit`, `-m "not e2e"` ...
INTEGRATION = {
    "cli/test_cli.py",
    "engine/test_engine_config.py",
    "engine/test_engine_faults.py",
    "engine/test_engine_lifecycle.py",
    "engine/test_engine_orchestrate.py",
    "engine/test_engine_pg_backend.py",
    "engine/test_engine_pg_first_up.py",
    "engine/test_engine_progress.py",
    "engine/test_engine_saved_plans.py",
    "engine/test_engine_units_and_diags.py",
    "provider/test_provider_plugin.py",
    "provider/test_provider_terraform_bucket.py",
    "provider/test_provider_terraform_metadata_store.py",
    "provider/test_provider_terraform_postgres.py",
    "provider/test_provider_terraform_registry.py",
    "render/test_aws_modules_terraform.py",
    "render/test_checkov.py",
    "render/test_checkov_azure.py",
    "render/test_checkov_coverage.py",
    "render/test_checkov_gcp.py",
    "review/test_review_real.py",
    "targets/test_azure_first_apply.py",
}
