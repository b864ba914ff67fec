resource "mlstrata_feature_store" "this" {
  name          = var.name
  project       = var.project
  online_store  = var.online_store
  offline_store = var.offline_store
}
