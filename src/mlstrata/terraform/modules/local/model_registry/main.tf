# The registry's artifacts live in their own bucket, versioned, so a deleted model version can be restored.
resource "mlstrata_artifact_bucket" "this" {
  name           = "${var.name}-model-registry"
  versioning     = true
  retention_days = var.retention_days
  force_destroy  = !var.protect
}

resource "mlstrata_model_registry" "this" {
  name               = var.name
  artifact_bucket    = mlstrata_artifact_bucket.this.name
  backend            = var.backend
  default_permission = "NO_PERMISSIONS"
  port               = var.port
}

resource "mlstrata_registered_model" "this" {
  for_each = var.models

  registry_id = mlstrata_model_registry.this.id
  name        = each.key
  description = each.value.description
  tags        = each.value.tags
}

# Identities: one basic-auth user per principal named in the spec. Passwords are generated into
# 0600 files outside the repository; state holds only the file path.
resource "mlstrata_service_account" "this" {
  for_each = toset(var.service_accounts)

  registry_id = mlstrata_model_registry.this.id
  name        = each.key
}
