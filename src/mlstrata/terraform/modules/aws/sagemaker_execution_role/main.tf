# The execution role a SageMaker endpoint runs as: it pulls the serving image, reads the model versions of
# one registry stage, writes the endpoint's logs and metrics and, for asynchronous inference, its results.
# One module for every kind of endpoint (inference components, real-time, serverless, asynchronous).
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
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
  output_keys = distinct(compact([var.output_kms_key_arn, var.notification_kms_key_arn]))
}

# SageMaker of this account only: the confused-deputy condition of the SageMaker execution role.
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
    for_each = var.volume_kms_key_arn != null ? [1] : []

    content {
      sid       = "VolumeKey"
      actions   = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext"]
      resources = [var.volume_kms_key_arn]
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

  # Asynchronous inference: results and failures are written under the endpoint's own prefix only.
  # https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-create-endpoint-prerequisites.html
  dynamic "statement" {
    for_each = var.output_s3_prefix_arn != null ? [1] : []

    content {
      sid       = "AsyncOutput"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = ["${var.output_s3_prefix_arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(local.output_keys) > 0 ? [1] : []

    content {
      sid       = "AsyncOutputKeys"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = local.output_keys
    }
  }

  dynamic "statement" {
    for_each = length(var.notification_topic_arns) > 0 ? [1] : []

    content {
      sid       = "AsyncNotifications"
      actions   = ["sns:Publish"]
      resources = var.notification_topic_arns
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
