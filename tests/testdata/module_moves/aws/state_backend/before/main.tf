data "aws_caller_identity" "current" {}

locals {
  access = { for i, a in var.state_access : i => merge(a, { account = split(":", a.principal_arn)[4] }) }
}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "key_policy" {
  # Default key policy: the account administers and uses the key through IAM policies, which is how
  # Terraform callers get kms:GenerateDataKey/Decrypt for the state objects.
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

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

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544).
  # kms:PutKeyPolicy stays allowed, so protect = false and an apply lift this again.
  dynamic "statement" {
    for_each = var.protect ? [1] : []

    content {
      sid       = "DenyKeyDeletionWhileProtected"
      effect    = "Deny"
      actions   = ["kms:DisableKey", "kms:ScheduleKeyDeletion"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Terraform state in s3://${var.bucket_name}"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key_policy.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  # Alias names may not contain dots; bucket names may.
  name          = "alias/${replace(var.bucket_name, ".", "-")}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = false
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Every state write is a new version, so a corrupted or deleted state can be restored.
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    # Every released S3 lock file (use_lockfile) leaves a delete marker; drop those with no versions left.
    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.bucket_name}/"
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

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
      resources = [aws_s3_bucket.this.arn]

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
      resources = ["${aws_s3_bucket.this.arn}/${statement.value.key_prefix}/*"]

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
    resources = ["${aws_s3_bucket.this.arn}/*.tfstate.journal/*"]

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
    resources = ["${aws_s3_bucket.this.arn}/*.tfstate.journal/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  # State is SSE-KMS with this key; an upload asking for anything else is refused.
  statement {
    sid       = "DenyOtherEncryption"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEqualsIfExists"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  # Terraform deletes the bucket policy before the bucket, so DeleteBucketPolicy is denied as well.
  dynamic "statement" {
    for_each = var.protect ? [1] : []

    content {
      sid       = "DenyBucketDeletionWhileProtected"
      effect    = "Deny"
      actions   = ["s3:DeleteBucket", "s3:DeleteBucketPolicy"]
      resources = [aws_s3_bucket.this.arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # Destroyed first, so a refused destroy leaves every other bucket setting in place.
  depends_on = [
    aws_s3_bucket_lifecycle_configuration.this,
    aws_s3_bucket_logging.this,
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_versioning.this,
  ]
}
