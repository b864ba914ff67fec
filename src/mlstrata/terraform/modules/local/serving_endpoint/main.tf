resource "mlstrata_serving_endpoint" "this" {
  name        = var.name
  registry_id = var.registry_id
  model       = var.model
  alias       = var.alias
}
