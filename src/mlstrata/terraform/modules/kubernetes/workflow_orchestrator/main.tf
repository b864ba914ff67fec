locals {
  # Argo's workflow archive in the pipeline metadata database; the credentials come from a Kubernetes
  # secret (keys username, password) that exists before this release, never through Terraform.
  # https://argo-workflows.readthedocs.io/en/stable/workflow-archive/
  persistence = var.metadata_store_host == null ? {} : {
    archive = true
    postgresql = {
      host      = var.metadata_store_host
      port      = var.metadata_store_port
      database  = var.metadata_store_database
      tableName = "argo_workflows"
      userNameSecret = {
        name = var.metadata_store_credentials_secret
        key  = "username"
      }
      passwordSecret = {
        name = var.metadata_store_credentials_secret
        key  = "password"
      }
      ssl     = true
      sslMode = "require"
    }
  }
}

# Argo Workflows from the Argo project's chart (argoproj/argo-helm, charts/argo-workflows), version pinned.
# Workflows run in one namespace as one service account, which carries the cloud identity the pipeline
# dependencies were granted to: artifacts are read and written with that identity (useSDKCreds), no keys.
# https://argo-workflows.readthedocs.io/en/stable/configure-artifact-repository/
resource "helm_release" "argo_workflows" {
  name             = "argo-workflows"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-workflows"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 900
  max_history      = 10

  values = [yamlencode({
    # The release owns its CRDs (templates/, upgraded with the chart) and keeps them on uninstall, so
    # removing the release never deletes the workflows users submitted.
    crds = {
      install = true
      keep    = true
    }
    controller = {
      workflowNamespaces = [var.namespace]
      persistence        = local.persistence
      workflowDefaults = {
        spec = {
          serviceAccountName = var.service_account
          podMetadata = {
            labels = var.workflow_pod_labels
          }
        }
      }
      nodeSelector = var.node_selector
    }
    server = {
      nodeSelector = var.node_selector
    }
    workflow = {
      serviceAccount = {
        create      = true
        name        = var.service_account
        annotations = var.service_account_annotations
      }
      rbac = {
        create = true
      }
    }
    useStaticCredentials = false
    artifactRepository   = var.artifact_repository
  })]
}
