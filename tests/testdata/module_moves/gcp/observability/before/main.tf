locals {
  stack_enabled = var.prometheus || var.grafana
}

# https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
resource "helm_release" "kube_prometheus_stack" {
  count = local.stack_enabled ? 1 : 0

  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.kube_prometheus_stack_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 900
  max_history      = 10

  values = [yamlencode({
    prometheus = {
      enabled = var.prometheus
      prometheusSpec = {
        retention                               = var.prometheus_retention
        serviceMonitorSelectorNilUsesHelmValues = false
        podMonitorSelectorNilUsesHelmValues     = false
      }
    }
    grafana = {
      enabled = var.grafana
      # The admin password comes from an existing Kubernetes secret, never from Terraform values.
      admin = {
        existingSecret = var.grafana_admin_secret_name
        userKey        = "admin-user"
        passwordKey    = "admin-password"
      }
    }
    alertmanager = {
      enabled = var.prometheus
    }
    # GKE manages the control plane: there is no etcd, scheduler or controller manager to scrape.
    kubeEtcd              = { enabled = false }
    kubeScheduler         = { enabled = false }
    kubeControllerManager = { enabled = false }
  })]
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

  values = [yamlencode({
    serviceMonitor = {
      enabled = var.prometheus
    }
    # Only GPU nodes: GKE labels them with their accelerator type.
    affinity = {
      nodeAffinity = {
        requiredDuringSchedulingIgnoredDuringExecution = {
          nodeSelectorTerms = [{
            matchExpressions = [{
              key      = "cloud.google.com/gke-accelerator"
              operator = "Exists"
            }]
          }]
        }
      }
    }
    tolerations = [
      {
        key      = "nvidia.com/gpu"
        operator = "Exists"
        effect   = "NoSchedule"
      },
    ]
    # GKE installs the NVIDIA driver and libraries under /home/kubernetes/bin/nvidia on the node
    # (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#installing_drivers).
    extraHostVolumes = [
      {
        name     = "nvidia-install-dir-host"
        hostPath = "/home/kubernetes/bin/nvidia"
      },
    ]
    extraVolumeMounts = [
      {
        name      = "nvidia-install-dir-host"
        mountPath = "/usr/local/nvidia"
        readOnly  = true
      },
    ]
    extraEnv = [
      {
        name  = "LD_LIBRARY_PATH"
        value = "/usr/local/nvidia/lib64"
      },
    ]
  })]

  depends_on = [helm_release.kube_prometheus_stack]
}
