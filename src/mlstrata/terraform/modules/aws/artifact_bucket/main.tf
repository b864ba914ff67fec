locals {
  bucket_arn     = module.bucket.bucket_arn
  reader_actions = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
  writer_actions = concat(local.reader_actions, [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
  ])
}

module "bucket" {
  source = "../s3_bucket"

  name                              = var.name
  kms_key_arn                       = var.kms_key_arn
  versioning                        = var.versioning
  lifecycle_rule_id                 = "housekeeping"
  retention_days                    = var.retention_days
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  access_log_bucket                 = var.access_log_bucket
  deny_other_encryption             = var.deny_other_encryption
  policy_documents                  = [data.aws_iam_policy_document.this.json]
  protect                           = var.protect
  tags                              = var.tags
}

# The artifact bucket's own statements; the shared ones (TLS only, encryption, deletion guard) come
# from the s3_bucket module.
# The principals the spec names (readers, writers, promoters) may not exist yet when this policy is applied:
# a role created by a later layer (the pipeline runner), another account's role made after this one. S3, KMS
# and SageMaker reject a policy whose principal ARN does not exist ("Invalid principal in policy",
# MalformedPolicyDocumentException), so each grant names the principal's account, which always exists, narrowed to
# the exact ARNs by aws:PrincipalArn (a condition is not resolved to a principal ID, and keeps matching a role
# that is deleted and created again). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = var.deny_other_encryption && var.kms_key_arn != null ? [1] : []

    content {
      sid       = "DenyOtherKmsKey"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${local.bucket_arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "StringNotEqualsIfExists"
        variable = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        values   = [var.kms_key_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.reader_principal_arns) > 0 ? [1] : []

    content {
      sid       = "Readers"
      actions   = local.reader_actions
      resources = [local.bucket_arn, "${local.bucket_arn}/*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.reader_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.reader_principal_arns
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.writer_principal_arns) > 0 ? [1] : []

    content {
      sid       = "Writers"
      actions   = local.writer_actions
      resources = [local.bucket_arn, "${local.bucket_arn}/*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.writer_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.writer_principal_arns
      }
    }
  }

  # A promoted model version must not be overwritten or deleted by anyone but this stage's writers: an
  # Allow alone does not stop principals whose own IAM policies allow s3:PutObject on every bucket.
  dynamic "statement" {
    for_each = var.only_writers_write ? [1] : []

    content {
      sid       = "DenyWritesByOthers"
      effect    = "Deny"
      actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"]
      resources = ["${local.bucket_arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotEquals"
        variable = "aws:PrincipalArn"
        values   = length(var.writer_principal_arns) > 0 ? var.writer_principal_arns : ["arn:aws:iam::000000000000:role/none"]
      }
    }
  }
}

# Releases before the shared s3_bucket module declared these here; the moves keep existing buckets and
# their settings in place (no destroy and create). https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = aws_s3_bucket.this
  to   = module.bucket.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.this
  to   = module.bucket.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.this
  to   = module.bucket.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.this
  to   = module.bucket.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.bucket.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.this
  to   = module.bucket.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_logging.this
  to   = module.bucket.aws_s3_bucket_logging.this
}

moved {
  from = aws_s3_bucket_policy.this
  to   = module.bucket.aws_s3_bucket_policy.this
}
