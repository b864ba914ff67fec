resource "mlstrata_metadata_store" "this" {
  name    = var.name
  backend = var.backend
}
