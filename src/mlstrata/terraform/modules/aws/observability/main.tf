# The Helm releases live in the shared monitoring_stack module (one copy for every cloud); this module is
# AWS's interface to it: EKS needs nothing beyond where the DCGM exporter runs.
module "stack" {
  source = "../monitoring_stack"

  namespace                           = var.namespace
  kube_prometheus_stack               = var.prometheus || var.grafana
  prometheus                          = var.prometheus
  grafana                             = var.grafana
  dcgm_exporter                       = var.dcgm_exporter
  prometheus_retention                = var.prometheus_retention
  grafana_admin_secret_name           = var.grafana_admin_secret_name
  kube_prometheus_stack_chart_version = var.kube_prometheus_stack_chart_version
  dcgm_exporter_chart_version         = var.dcgm_exporter_chart_version

  dcgm_exporter_values = {
    nodeSelector = var.dcgm_exporter_node_selector
    # GPU pools are usually tainted so that only GPU workloads land there; the exporter must run on them.
    tolerations = [
      {
        key      = "nvidia.com/gpu"
        operator = "Exists"
        effect   = "NoSchedule"
      },
    ]
  }
}

# State of releases installed before monitoring_stack existed moves into it (nothing is reinstalled).
# https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = helm_release.kube_prometheus_stack
  to   = module.stack.helm_release.kube_prometheus_stack
}

moved {
  from = helm_release.dcgm_exporter
  to   = module.stack.helm_release.dcgm_exporter
}
