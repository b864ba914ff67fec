locals {
  managed        = var.prometheus_mode == "managed"
  stack_enabled  = !local.managed && (var.prometheus || var.grafana)
  managed_scrape = local.managed && var.prometheus
}

# ---- Azure Monitor managed Prometheus (prometheus_mode = "managed") ---------------------------------
# The cluster's monitor_metrics {} turns on the metrics add-on; these resources give it a workspace to
# write to. https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable
resource "azurerm_monitor_workspace" "this" {
  count = local.managed_scrape ? 1 : 0

  name                          = "${var.name}-prometheus"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  public_network_access_enabled = false
  tags                          = var.tags
}

resource "azurerm_monitor_data_collection_endpoint" "this" {
  count = local.managed_scrape ? 1 : 0

  name                          = "${var.name}-prometheus"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  kind                          = "Linux"
  public_network_access_enabled = false
  tags                          = var.tags
}

resource "azurerm_monitor_data_collection_rule" "this" {
  count = local.managed_scrape ? 1 : 0

  name                        = "${var.name}-prometheus"
  location                    = var.location
  resource_group_name         = var.resource_group_name
  kind                        = "Linux"
  data_collection_endpoint_id = azurerm_monitor_data_collection_endpoint.this[0].id

  destinations {
    monitor_account {
      monitor_account_id = azurerm_monitor_workspace.this[0].id
      name               = "prometheus"
    }
  }

  data_flow {
    streams      = ["Microsoft-PrometheusMetrics"]
    destinations = ["prometheus"]
  }

  data_sources {
    prometheus_forwarder {
      name    = "PrometheusDataSource"
      streams = ["Microsoft-PrometheusMetrics"]
    }
  }

  tags = var.tags
}

resource "azurerm_monitor_data_collection_rule_association" "rule" {
  count = local.managed_scrape ? 1 : 0

  name                    = "${var.name}-prometheus"
  target_resource_id      = var.cluster_id
  data_collection_rule_id = azurerm_monitor_data_collection_rule.this[0].id
}

resource "azurerm_monitor_data_collection_rule_association" "endpoint" {
  count = local.managed_scrape ? 1 : 0

  # The endpoint association must be named configurationAccessEndpoint.
  name                        = "configurationAccessEndpoint"
  target_resource_id          = var.cluster_id
  data_collection_endpoint_id = azurerm_monitor_data_collection_endpoint.this[0].id
}

# ---- kube-prometheus-stack (prometheus_mode = "kube_prometheus_stack") and the DCGM exporter ------------
# The Helm releases live in the shared monitoring_stack module (one copy for every cloud).
module "stack" {
  source = "../monitoring_stack"

  namespace                           = var.namespace
  kube_prometheus_stack               = local.stack_enabled
  prometheus                          = var.prometheus
  grafana                             = var.grafana
  dcgm_exporter                       = var.dcgm_exporter
  prometheus_retention                = var.prometheus_retention
  grafana_admin_secret_name           = var.grafana_admin_secret_name
  kube_prometheus_stack_chart_version = var.kube_prometheus_stack_chart_version
  dcgm_exporter_chart_version         = var.dcgm_exporter_chart_version

  dcgm_exporter_values = {
    nodeSelector = {
      "kubernetes.azure.com/accelerator" = "nvidia"
    }
    tolerations = [for key in var.toleration_keys : {
      key      = key
      operator = "Exists"
    }]
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

# Managed Prometheus scrapes only its default targets (kubelet, cAdvisor, kube-state-metrics, ...) until a
# scrape config names more. The metrics add-on's replica runs the jobs of this ConfigMap (key
# `prometheus-config`), which does not exist by default; it reads native Prometheus configuration, not
# ServiceMonitor CRDs. https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-validate
resource "kubernetes_config_map_v1" "ama_metrics_prometheus_config" {
  count = local.managed_scrape && var.dcgm_exporter ? 1 : 0

  metadata {
    name      = "ama-metrics-prometheus-config"
    namespace = "kube-system"
  }

  data = {
    "prometheus-config" = yamlencode({
      scrape_configs = [{
        job_name        = "dcgm-exporter"
        scrape_interval = "30s"
        kubernetes_sd_configs = [{
          role       = "pod"
          namespaces = { names = [var.namespace] }
        }]
        relabel_configs = [
          {
            source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
            regex         = "dcgm-exporter"
            action        = "keep"
          },
          {
            source_labels = ["__meta_kubernetes_pod_container_port_number"]
            regex         = "9400"
            action        = "keep"
          },
          {
            source_labels = ["__meta_kubernetes_pod_node_name"]
            target_label  = "node"
          },
        ]
      }]
    })
  }
}
