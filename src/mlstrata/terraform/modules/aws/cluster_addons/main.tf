locals {
  gpu_toleration = {
    key      = "nvidia.com/gpu"
    operator = "Exists"
    effect   = "NoSchedule"
  }
}

# The AL2023 NVIDIA AMIs ship the driver and container toolkit but not the Kubernetes device plugin:
# without it nodes advertise no nvidia.com/gpu and GPU pods stay Pending. Bottlerocket NVIDIA variants
# run their own, so the DaemonSet only goes to nodes labelled for it.
# https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html ; https://github.com/NVIDIA/k8s-device-plugin
resource "helm_release" "nvidia_device_plugin" {
  count = var.nvidia_device_plugin ? 1 : 0

  name        = "nvidia-device-plugin"
  repository  = "https://nvidia.github.io/k8s-device-plugin"
  chart       = "nvidia-device-plugin"
  version     = var.nvidia_device_plugin_chart_version
  namespace   = "kube-system"
  atomic      = true
  timeout     = 600
  max_history = 10

  values = [yamlencode({
    nodeSelector = { (var.device_plugin_node_label) = "true" }
    tolerations  = [local.gpu_toleration]
  })]
}

# https://github.com/kubernetes/autoscaler/tree/master/charts/cluster-autoscaler
# Credentials come from EKS Pod Identity (eks_cluster module: kube-system/cluster-autoscaler); node
# groups are found by the tags EKS puts on their Auto Scaling groups.
resource "helm_release" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  name        = "cluster-autoscaler"
  repository  = "https://kubernetes.github.io/autoscaler"
  chart       = "cluster-autoscaler"
  version     = var.cluster_autoscaler_chart_version
  namespace   = "kube-system"
  atomic      = true
  timeout     = 600
  max_history = 10

  values = [yamlencode({
    cloudProvider = "aws"
    awsRegion     = var.region
    autoDiscovery = { clusterName = var.cluster_name }
    rbac = {
      serviceAccount = { create = true, name = "cluster-autoscaler" }
    }
    extraArgs = {
      # GPU pools scale from zero: balance similar groups, and never remove the last system node.
      balance-similar-node-groups   = true
      skip-nodes-with-system-pods   = true
      skip-nodes-with-local-storage = false
      expander                      = "least-waste"
    }
    nodeSelector = { "mlstrata.dev/pool" = "system" }
    # The autoscaler's minor must match the cluster's: the image, not the chart, carries it.
    # https://github.com/kubernetes/autoscaler/tree/master/cluster-autoscaler#releases
    image = var.cluster_autoscaler_image_tag == null ? tomap({}) : tomap({ tag = var.cluster_autoscaler_image_tag })
  })]
}

# EFA pools: the EFA device plugin advertises vpc.amazonaws.com/efa to pods.
# https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
resource "helm_release" "efa_device_plugin" {
  count = var.efa_device_plugin ? 1 : 0

  name        = "aws-efa-k8s-device-plugin"
  repository  = "https://aws.github.io/eks-charts"
  chart       = "aws-efa-k8s-device-plugin"
  version     = var.efa_device_plugin_chart_version
  namespace   = "kube-system"
  atomic      = true
  timeout     = 600
  max_history = 10

  values = [yamlencode({
    nodeSelector = { "mlstrata.dev/efa" = "true" }
    tolerations  = [local.gpu_toleration]
  })]
}
