locals {
  access = { for i, a in var.state_access : i => merge(a, { account = split(":", a.principal_arn)[4] }) }
}

data "aws_partition" "current" {}

# The deploy roles' use of the state key; the default key policy and the deletion guard come from kms_key.
data "aws_iam_policy_document" "key_policy" {
  # Each environment's deploy role, in its own account, encrypts and decrypts its state objects. The
  # principal is the account (always a valid principal, even before the role exists) narrowed to the
  # role by aws:PrincipalArn. https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
  dynamic "statement" {
    for_each = local.access

    content {
      sid       = "DeployRole${statement.key}UsesKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.value.account}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }
    }
  }
}

# Alias names may not contain dots; bucket names may.
module "key" {
  source = "../kms_key"

  description             = "Terraform state in s3://${var.bucket_name}"
  alias                   = replace(var.bucket_name, ".", "-")
  deletion_window_in_days = 30
  policy_documents        = [data.aws_iam_policy_document.key_policy.json]
  protect                 = var.protect
  tags                    = var.tags
}

# Every state write is a new version, so a corrupted or deleted state can be restored; every released
# S3 lock file (use_lockfile) leaves a delete marker, removed once no versions are left behind it.
# deny_other_encryption: state is SSE-KMS with this key, an upload asking for anything else is refused.
module "bucket" {
  source = "../s3_bucket"

  name                              = var.bucket_name
  kms_key_arn                       = module.key.key_arn
  lifecycle_rule_id                 = "expire-noncurrent-state-versions"
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  access_log_bucket                 = var.access_log_bucket
  deny_other_encryption             = true
  policy_documents                  = [data.aws_iam_policy_document.bucket.json]
  protect                           = var.protect
  tags                              = var.tags
}

# The state bucket's own statements; the shared ones (TLS only, encryption, deletion guard) come from
# the s3_bucket module.
data "aws_iam_policy_document" "bucket" {
  # Every environment's deploy role reads and writes only its own environment's state and lock files
  # (<prefix>/<env>/...), whatever account it is in. S3 native locking writes <key>.tflock next to the
  # state. https://developer.hashicorp.com/terraform/language/backend/s3#s3-bucket-permissions
  # mlstrata's change journal is written by the same role, beside the state (<key>.journal/<entry>.json):
  # PutObject to append, GetObject and ListBucket for `mlstrata history`.
  dynamic "statement" {
    for_each = local.access

    content {
      sid       = "DeployRole${statement.key}ListsItsPrefix"
      actions   = ["s3:ListBucket"]
      resources = [module.bucket.bucket_arn]

      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.value.account}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }

      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${statement.value.key_prefix}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.access

    content {
      sid       = "DeployRole${statement.key}UsesItsState"
      actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
      resources = ["${module.bucket.bucket_arn}/${statement.value.key_prefix}/*"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${data.aws_partition.current.partition}:iam::${statement.value.account}:root"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = [statement.value.principal_arn]
      }
    }
  }

  # The change journal is append-only for every principal: each entry is a new object written with
  # If-None-Match (S3 conditional writes), so a write without it, which could replace an entry, is refused,
  # and no entry or version of one is deleted. Multipart uploads carry no If-None-Match and are refused too.
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html
  statement {
    sid       = "DenyJournalOverwrite"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${module.bucket.bucket_arn}/*.tfstate.journal/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
  }

  statement {
    sid       = "DenyJournalDeletion"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${module.bucket.bucket_arn}/*.tfstate.journal/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

# Releases before the shared s3_bucket module declared these here; the moves keep the state bucket and
# its settings in place (no destroy and create). https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
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

# The state key came from this module's own resources before it moved to kms_key.
moved {
  from = aws_kms_key.this
  to   = module.key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.key.aws_kms_alias.this
}
