resource "mlstrata_artifact_bucket" "this" {
  name           = var.name
  versioning     = var.versioning
  retention_days = var.retention_days
  access         = var.access
  # A protected environment never deletes a bucket that still holds artifacts.
  force_destroy = !var.protect
}
