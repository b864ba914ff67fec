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

# ---- Karpenter (autoscaler = karpenter): the controller, then one EC2NodeClass and NodePool per GPU pool ----
# Its IAM roles, access entry, interruption queue and EventBridge rules come from the karpenter module in
# the base layer. https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/

# CRDs in their own release, so chart upgrades upgrade them too (Helm installs a chart's crds/ only once).
# https://karpenter.sh/docs/upgrading/upgrade-guide/#crd-upgrades
resource "helm_release" "karpenter_crd" {
  count = var.karpenter == null ? 0 : 1

  name        = "karpenter-crd"
  repository  = "oci://public.ecr.aws/karpenter"
  chart       = "karpenter-crd"
  version     = var.karpenter_chart_version
  namespace   = "kube-system"
  atomic      = true
  timeout     = 600
  max_history = 10
}

resource "helm_release" "karpenter" {
  count = var.karpenter == null ? 0 : 1

  name        = "karpenter"
  repository  = "oci://public.ecr.aws/karpenter"
  chart       = "karpenter"
  version     = var.karpenter_chart_version
  namespace   = "kube-system"
  skip_crds   = true
  atomic      = true
  timeout     = 600
  max_history = 10

  values = [yamlencode({
    settings = {
      clusterName       = var.cluster_name
      interruptionQueue = var.karpenter.interruption_queue
      # Capacity Blocks as capacity type `reserved` (Karpenter >= 1.6). https://karpenter.sh/docs/tasks/odcrs/
      featureGates = { reservedCapacity = anytrue([for p in var.karpenter_node_pools : contains(p.capacity_types, "reserved")]) }
    }
    # Credentials from EKS Pod Identity (karpenter module: kube-system/karpenter), not an IRSA annotation.
    serviceAccount = { create = true, name = "karpenter" }
    replicas       = var.karpenter.replicas
    # The controller must not run on capacity it manages: the untainted system node group.
    nodeSelector = { "mlstrata.dev/pool" = "system" }
  })]

  depends_on = [helm_release.karpenter_crd]
}

# EC2NodeClasses and NodePools are custom resources: a kubernetes_manifest would need their CRDs at plan
# time, before the release above has installed them on a new cluster. A small local chart applies them
# as one more release instead, after the controller is up (README.md, "Karpenter").
resource "helm_release" "karpenter_node_pools" {
  count = var.karpenter != null && length(var.karpenter_node_pools) > 0 ? 1 : 0

  name        = "karpenter-node-pools"
  chart       = "${path.module}/karpenter-node-pools"
  namespace   = "kube-system"
  atomic      = true
  timeout     = 300
  max_history = 10

  values = [yamlencode(local.karpenter_node_pools_values)]

  depends_on = [helm_release.karpenter]
}
