output "project_services_enabled" {
  description = "The enabled services (depend on this output to order resources after the APIs)."
  value       = sort([for s in google_project_service.this : s.service])
}
