# A fresh project has almost no APIs enabled; every other module depends on this one so that the
# first apply does not fail with "API has not been used in project ... or it is disabled".
# disable_on_destroy = false: turning an API off would break whatever else lives in the project.
resource "google_project_service" "this" {
  for_each = toset(var.services)

  project                    = var.project_id
  service                    = each.value
  disable_on_destroy         = false
  disable_dependent_services = false
}
