locals {
  system_node_selector = var.node_selector
}

# KServe's dependency for its webhook certificates. Version as in KServe's own quick install
# (kserve/kserve hack/setup/quick-install: CERT_MANAGER_VERSION=v1.17.0); the chart installs its CRDs.
# https://cert-manager.io/docs/installation/helm/
resource "helm_release" "cert_manager" {
  name             = "cert-manager"
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = var.cert_manager_chart_version
  namespace        = "cert-manager"
  create_namespace = true
  atomic           = true
  wait             = true
  timeout          = 600
  max_history      = 10

  values = [yamlencode({
    crds         = { enabled = true }
    nodeSelector = local.system_node_selector
    webhook      = { nodeSelector = local.system_node_selector }
    cainjector   = { nodeSelector = local.system_node_selector }
  })]
}

# Scale to zero needs KServe's Knative mode (formerly Serverless): Standard mode runs Deployments with an
# HPA, which keeps at least one replica (kserve/kserve#3514; KServe docs, "Scale down and from Zero is not
# supported in RawDeployment mode"). With a class that scales to zero, Knative Serving is installed first:
# the Knative Operator chart (https://knative.github.io/operator, knative/operator config/charts), then a
# KnativeServing resource with Kourier as its ingress (no Istio), from the chart in this module.
resource "helm_release" "knative_operator" {
  count = var.knative ? 1 : 0

  name             = "knative-operator"
  repository       = "https://knative.github.io/operator"
  chart            = "knative-operator"
  version          = var.knative_operator_chart_version
  namespace        = "knative-operator"
  create_namespace = true
  atomic           = true
  wait             = true
  timeout          = 600
  max_history      = 10

  depends_on = [helm_release.cert_manager]
}

resource "helm_release" "knative_serving" {
  count = var.knative ? 1 : 0

  name             = "knative-serving"
  chart            = "${path.module}/knative-serving"
  namespace        = "knative-serving"
  create_namespace = true
  atomic           = true
  wait             = true
  timeout          = 600
  max_history      = 10

  values = [yamlencode({
    version      = var.knative_serving_version
    nodeSelector = local.system_node_selector
  })]

  depends_on = [helm_release.knative_operator]
}

# CRDs, controller and runtimes are three releases applied in order, each waiting for the previous one to
# be ready: installed together, InferenceServices and ServingRuntimes reach the API server before the
# controller's validating webhook serves, and are rejected (kserve/kserve#3894).
# Charts: oci://ghcr.io/kserve/charts/{kserve-crd,kserve-resources,kserve-runtime-configs}
# (kserve/kserve charts/*/Chart.yaml, version v0.20.0).
resource "helm_release" "kserve_crd" {
  name             = "kserve-crd"
  repository       = "oci://ghcr.io/kserve/charts"
  chart            = "kserve-crd"
  version          = var.kserve_chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  wait             = true
  timeout          = 600
  max_history      = 10

  # After Knative: the controller looks for Knative's CRDs when it starts. knative_serving returns only when
  # its hook Job has seen the KnativeServing Ready (knative-serving/templates/wait-ready.yaml).
  depends_on = [helm_release.cert_manager, helm_release.knative_serving]
}

resource "helm_release" "kserve" {
  name        = "kserve"
  repository  = "oci://ghcr.io/kserve/charts"
  chart       = "kserve-resources"
  version     = var.kserve_chart_version
  namespace   = var.namespace
  atomic      = true
  wait        = true
  timeout     = 900
  max_history = 10

  values = [yamlencode({
    kserve = {
      controller = {
        # Standard (formerly RawDeployment): plain Deployments and HPAs, no Knative or Istio to run.
        deploymentMode = "Standard"
        nodeSelector   = local.system_node_selector
        gateway = {
          # No ingress controller is assumed: endpoints are cluster-internal Services until the release
          # layer exposes them.
          disableIngressCreation = true
          # Knative routes through Kourier, not Istio: no Istio VirtualService on top.
          disableIstioVirtualHost = var.knative
        }
      }
    }
  })]

  depends_on = [helm_release.kserve_crd]
}

resource "helm_release" "kserve_runtimes" {
  name        = "kserve-runtime-configs"
  repository  = "oci://ghcr.io/kserve/charts"
  chart       = "kserve-runtime-configs"
  version     = var.kserve_chart_version
  namespace   = var.namespace
  atomic      = true
  wait        = true
  timeout     = 600
  max_history = 10

  values = [yamlencode({
    kserve = {
      servingruntime = { enabled = true }
    }
  })]

  depends_on = [helm_release.kserve]
}

# One namespace per serving class, from the chart in this module: a ResourceQuota bounding what the
# class may request (its GPU ceiling = max replicas x GPUs per replica), the service account its
# InferenceService runs as, and a ConfigMap with the placement (node affinity and tolerations of the
# declared GPU pool) and scaling bounds the release layer copies into the InferenceService.
resource "helm_release" "serving_class" {
  for_each = var.classes

  name             = "serving-class-${each.key}"
  chart            = "${path.module}/serving-class"
  namespace        = each.value.namespace
  create_namespace = true
  atomic           = true
  max_history      = 10

  values = [yamlencode({
    serviceAccount = {
      name        = each.value.service_account
      annotations = lookup(var.service_account_annotations, each.key, {})
    }
    quota = {
      gpus = each.value.gpu_quota
      pods = each.value.pod_quota
    }
    placement = {
      nodeSelector = each.value.node_selector
      tolerations  = each.value.tolerations
    }
    scaling = {
      minReplicas    = each.value.min_replicas
      maxReplicas    = each.value.max_replicas
      scaleToZero    = each.value.scale_to_zero
      deploymentMode = each.value.scale_to_zero ? "Knative" : "Standard"
    }
  })]

  depends_on = [helm_release.kserve_runtimes]
}
