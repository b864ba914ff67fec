# One resource per model owns all of its grants: a grant someone adds by hand is drift, and the
# next apply takes it away again.
resource "mlstrata_registry_permissions" "this" {
  for_each = toset(var.model_names)

  registry_id = var.registry_id
  model_name  = each.key
  grants      = var.grants
}
