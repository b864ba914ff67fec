resource "mlstrata_metadata_store" "this" {
  name    = var.name
  backend = var.backend
  # A protected environment never deletes a store that holds pipeline metadata.
  force_destroy = !var.protect
}
