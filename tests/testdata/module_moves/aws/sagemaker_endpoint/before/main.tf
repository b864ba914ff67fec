# A SageMaker real-time endpoint whose models are inference components: Terraform owns the endpoint, its
# instance type and its instance bounds; the release layer (CI/CD) adds the model version as an inference
# component (CreateInferenceComponent names this endpoint and variant) and scales its copies. No release
# changes this configuration, so no release makes Terraform update the endpoint.
# https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region

  model_package_arns = [
    for arn in var.model_package_group_arns : "${replace(arn, ":model-package-group/", ":model-package/")}/*"
  ]
}

# SageMaker of this account only: the confused-deputy condition of the SageMaker execution role.
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# IAM caps name_prefix at 38 characters: 32 + "-sm-".
resource "aws_iam_role" "this" {
  name_prefix          = "${substr(var.name, 0, 32)}-sm-"
  description          = "SageMaker endpoint ${var.name}: pulls the serving image, reads model versions of its registry stage"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "RegistryBuckets"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = var.registry_bucket_arns
  }

  # Model versions are read, never written: promotion is the release layer's, with its own role.
  statement {
    sid       = "ModelArtifacts"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = [for arn in var.registry_bucket_arns : "${arn}/*"]
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "RegistryKeys"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = var.kms_key_arns
    }
  }

  # The ML storage volume's key: SageMaker uses it as this role (CreateEndpointConfig KmsKeyId: "the KMS key
  # policy must grant permission to the IAM role"); the key policy delegates to IAM.
  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [1] : []

    content {
      sid       = "VolumeKey"
      actions   = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.model_package_group_arns) > 0 ? [1] : []

    content {
      sid       = "ModelPackages"
      actions   = ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"]
      resources = concat(var.model_package_group_arns, local.model_package_arns)
    }
  }

  # GetAuthorizationToken has no resource-level permissions; pulls are limited to this region's
  # repositories (AWS's Deep Learning Containers live in AWS-owned accounts, so not to this account's).
  # https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_id-based-policy-examples.html
  statement {
    sid       = "ImageToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "ImagePull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:${local.partition}:ecr:${local.region}:*:repository/*"]
  }

  # Container logs: /aws/sagemaker/Endpoints/<endpoint name> (and /aws/sagemaker/InferenceComponents/...).
  statement {
    sid     = "Logs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/sagemaker/Endpoints/${var.name}:*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/sagemaker/InferenceComponents/*:*",
    ]
  }

  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "sagemaker-endpoint"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

# Inference-component endpoints name no model here and carry the execution role themselves.
# managed_instance_scaling keeps min..max instances (min 0 lets an idle endpoint release them all);
# the live instance count is SageMaker's, never Terraform's. A change here is a new configuration
# and an UpdateEndpoint, which resets the instance count to initial_instance_count: the provider
# cannot retain it yet (hashicorp/terraform-provider-aws#48990), so initial_instance_count is the
# floor that keeps the endpoint serving through such an update.
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantManagedInstanceScaling.html
resource "aws_sagemaker_endpoint_configuration" "this" {
  name_prefix        = "${substr(var.name, 0, 36)}-"
  execution_role_arn = aws_iam_role.this.arn
  # Instance types with local NVMe storage reject a KMS key (CreateEndpointConfig KmsKeyId); their
  # instance store is encrypted by the hardware. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html#sagemaker-CreateEndpointConfig-request-KmsKeyId
  kms_key_arn = var.kms_key_arn

  production_variants {
    variant_name           = var.variant_name
    instance_type          = var.instance_type
    initial_instance_count = max(var.min_instances, 1)

    managed_instance_scaling {
      status             = "ENABLED"
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    routing_config {
      routing_strategy = "LEAST_OUTSTANDING_REQUESTS"
    }
  }

  tags = var.tags

  # An endpoint configuration cannot be changed and is in use by the endpoint: the new one is created
  # first, the endpoint moves to it, then the old one is deleted.
  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances (${var.min_instances}) is above max_instances (${var.max_instances})."
    }
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags
}
