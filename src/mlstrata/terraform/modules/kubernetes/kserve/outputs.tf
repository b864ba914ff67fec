output "serving_namespaces" {
  description = "Namespace of each serving class."
  value       = { for name, c in var.classes : name => c.namespace }
}

output "serving_placements" {
  description = "Node selector and tolerations each class's InferenceService must carry (its GPU pool's)."
  value       = { for name, c in var.classes : name => { node_selector = c.node_selector, tolerations = c.tolerations } }
}

output "kserve_releases" {
  description = "The ordered KServe releases: cert-manager, Knative (with a class that scales to zero), CRDs, controller, runtimes."
  value = concat([helm_release.cert_manager.name], helm_release.knative_operator[*].name,
    helm_release.knative_serving[*].name, [
      helm_release.kserve_crd.name,
      helm_release.kserve.name,
      helm_release.kserve_runtimes.name,
  ])
}
