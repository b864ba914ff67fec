# The in-cluster monitoring every cloud's observability module installs: kube-prometheus-stack and NVIDIA's
# DCGM exporter. The clouds differ only in where the exporter runs and what the chart must not scrape; they
# pass that as values, and keep their own managed-service resources (Azure Monitor) in their own module.

# https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
resource "helm_release" "kube_prometheus_stack" {
  count = var.kube_prometheus_stack ? 1 : 0

  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.kube_prometheus_stack_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 900
  max_history      = 10

  values = [yamlencode(merge({
    prometheus = {
      enabled = var.prometheus
      prometheusSpec = {
        retention = var.prometheus_retention
        # Pick up ServiceMonitors from every release (dcgm-exporter's included), not only those
        # labelled with this release's name.
        serviceMonitorSelectorNilUsesHelmValues = false
        podMonitorSelectorNilUsesHelmValues     = false
      }
    }
    grafana = {
      enabled = var.grafana
      # The admin password never passes through Terraform: either an existing Kubernetes secret (which
      # must exist in the namespace before this release), or, with none named, a random password the
      # chart generates into its own secret in the cluster.
      admin = var.grafana_admin_secret_name == null ? {} : {
        existingSecret = var.grafana_admin_secret_name
        userKey        = "admin-user"
        passwordKey    = "admin-password"
      }
    }
    alertmanager = {
      enabled = var.prometheus
    }
  }, var.kube_prometheus_stack_values))]
}

# https://github.com/NVIDIA/dcgm-exporter/tree/main/deployment
resource "helm_release" "dcgm_exporter" {
  count = var.dcgm_exporter ? 1 : 0

  name             = "dcgm-exporter"
  repository       = "https://nvidia.github.io/dcgm-exporter/helm-charts"
  chart            = "dcgm-exporter"
  version          = var.dcgm_exporter_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 600
  max_history      = 10

  values = [yamlencode(merge({
    # The ServiceMonitor CRD comes from kube-prometheus-stack; without it there is nothing to scrape it.
    serviceMonitor = {
      enabled = var.kube_prometheus_stack && var.prometheus
    }
  }, var.dcgm_exporter_values))]

  depends_on = [helm_release.kube_prometheus_stack]
}
