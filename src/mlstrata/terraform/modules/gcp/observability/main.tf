# The Helm releases live in the shared monitoring_stack module (one copy for every cloud); this module is
# GKE's interface to it: what a managed control plane does not expose, and how the exporter finds GPUs.
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

  kube_prometheus_stack_values = {
    # GKE manages the control plane: there is no etcd, scheduler or controller manager to scrape.
    kubeEtcd              = { enabled = false }
    kubeScheduler         = { enabled = false }
    kubeControllerManager = { enabled = false }
  }

  dcgm_exporter_values = {
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
