data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  model_package_arns = [
    for arn in var.model_package_group_arns : "${replace(arn, ":model-package-group/", ":model-package/")}/*"
  ]

  all_bucket_arns = concat(var.artifact_bucket_arns, var.read_only_bucket_arns)

  # SageMaker resources of this account and region only (the execution role never reaches another's).
  sagemaker_arn = "arn:${data.aws_partition.current.partition}:sagemaker:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  logs_arn      = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"

  has_permissions = var.sagemaker_execution || length(concat(
    var.artifact_bucket_arns,
    var.read_only_bucket_arns,
    var.queue_arns,
    var.secret_arns,
    var.model_package_group_arns,
    var.kms_key_arns,
    var.dynamodb_table_prefixes,
    var.elasticache_connect_arns,
  )) > 0
}

# IRSA trust: only the one service account, and only for STS tokens.
# https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
# With sagemaker_execution, SageMaker Pipelines / training jobs of this account may assume it too.
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
data "aws_iam_policy_document" "assume" {
  dynamic "statement" {
    for_each = var.sagemaker_execution ? [1] : []

    content {
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = ["sagemaker.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [data.aws_caller_identity.current.account_id]
      }
    }
  }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "${var.purpose} ${var.namespace}/${var.service_account} (IRSA)"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
  tags                 = var.tags
}

# One statement per kind of resource, each only on the ARNs given; a statement with no resources would
# be invalid, so empty lists produce no statement.
data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = length(local.all_bucket_arns) > 0 ? [1] : []

    content {
      sid       = "ArtifactBuckets"
      actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
      resources = local.all_bucket_arns
    }
  }

  # e.g. the model registry of a stage the runner does not promote into: read, never overwrite.
  dynamic "statement" {
    for_each = length(var.read_only_bucket_arns) > 0 ? [1] : []

    content {
      sid       = "ReadOnlyObjects"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for arn in var.read_only_bucket_arns : "${arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.artifact_bucket_arns) > 0 ? [1] : []

    content {
      sid = "ArtifactObjects"
      actions = [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
      ]
      resources = [for arn in var.artifact_bucket_arns : "${arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(var.queue_arns) > 0 ? [1] : []

    content {
      sid = "Queues"
      actions = [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
      ]
      resources = var.queue_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []

    content {
      sid       = "Secrets"
      actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
      resources = var.secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.model_package_group_arns) > 0 ? [1] : []

    content {
      sid = "ModelRegistry"
      actions = [
        "sagemaker:CreateModelPackage",
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
        "sagemaker:UpdateModelPackage",
      ]
      resources = concat(var.model_package_group_arns, local.model_package_arns)
    }
  }

  # Feast on DynamoDB: apply creates and describes the tables, materialisation writes, serving reads
  # (https://docs.feast.dev/reference/online-stores/dynamodb, Permissions). DeleteTable is left out:
  # dropping an online table is a reviewed change, not something the runtime identity does.
  dynamic "statement" {
    for_each = length(var.dynamodb_table_prefixes) > 0 ? [1] : []

    content {
      sid = "OnlineTables"
      actions = [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:CreateTable",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
      ]
      resources = [
        for p in var.dynamodb_table_prefixes :
        "arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:table/${p}*"
      ]
    }
  }

  # ElastiCache IAM authentication: Connect on the replication group and the user.
  # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
  dynamic "statement" {
    for_each = length(var.elasticache_connect_arns) > 0 ? [1] : []

    content {
      sid       = "OnlineCache"
      actions   = ["elasticache:Connect"]
      resources = var.elasticache_connect_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_arns) > 0 ? [1] : []

    content {
      sid       = "Keys"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = var.kms_key_arns
    }
  }
}

# orchestrator: sagemaker: what a pipeline execution needs to run its steps as this role, scoped to this
# account and region: start the steps' jobs, pass this role (and only this role, only to SageMaker) to
# them, write their logs, pull images from this account's ECR.
# https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-access.html ;
# https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-pass-role
data "aws_iam_policy_document" "sagemaker" {
  count = var.sagemaker_execution ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.this.json]

  statement {
    sid = "SageMakerPipelineSteps"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateModel",
      "sagemaker:CreateProcessingJob",
      "sagemaker:CreateTrainingJob",
      "sagemaker:CreateTransformJob",
      "sagemaker:DescribeModel",
      "sagemaker:DescribePipeline",
      "sagemaker:DescribePipelineExecution",
      "sagemaker:DescribeProcessingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:DescribeTransformJob",
      "sagemaker:ListPipelineExecutionSteps",
      "sagemaker:StopProcessingJob",
      "sagemaker:StopTrainingJob",
      "sagemaker:StopTransformJob",
    ]
    resources = [
      "${local.sagemaker_arn}:model/*",
      "${local.sagemaker_arn}:pipeline/*",
      "${local.sagemaker_arn}:processing-job/*",
      "${local.sagemaker_arn}:training-job/*",
      "${local.sagemaker_arn}:transform-job/*",
    ]
  }

  statement {
    sid       = "PassOnlyThisRoleToSageMaker"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.this.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid = "SageMakerJobLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = ["${local.logs_arn}:log-group:/aws/sagemaker/*"]
  }

  statement {
    sid = "ImagesOfThisAccount"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:repository/*"]
  }

  # GetAuthorizationToken has no resource type: "*" is the only resource it accepts.
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  # Only list lengths decide this, so it is known at plan time even when the ARNs are not.
  count = local.has_permissions ? 1 : 0

  name   = "pipeline-dependencies"
  role   = aws_iam_role.this.id
  policy = var.sagemaker_execution ? data.aws_iam_policy_document.sagemaker[0].json : data.aws_iam_policy_document.this.json
}
