locals {
  reader_actions = ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
  writer_actions = concat(local.reader_actions, [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
  ])
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  # Never let Terraform empty a bucket of artifacts; a non-empty bucket fails to delete instead.
  force_destroy = false
  tags          = var.tags
}

# ACLs off: the bucket owner owns every object and only policies grant access.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
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

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

# The bucket key cuts KMS requests (and their cost) for many small objects.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
# kms_key_arn = null: SSE-S3, the S3-managed key, which (unlike the AWS managed aws/s3 KMS key) also
# works for readers in other accounts. https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = var.kms_key_arn != null

    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn != null ? "aws:kms" : "AES256"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

# One rule for the whole bucket: no overlapping rules for S3 to reconcile, no dynamic blocks to read.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    # S3 accepts either an age or expired_object_delete_marker in one expiration, not both: without a
    # retention, only delete markers with no versions left behind them are cleaned up.
    expiration {
      days                         = var.retention_days
      expired_object_delete_marker = var.retention_days == null ? true : null
    }
  }

  # Lifecycle rules on versions need versioning configured first.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.name}/"
}

data "aws_iam_policy_document" "this" {
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

  # Objects without encryption headers get the bucket default; only explicit other choices are refused.
  dynamic "statement" {
    for_each = var.deny_other_encryption ? [1] : []

    content {
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
        values   = [var.kms_key_arn != null ? "aws:kms" : "AES256"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.deny_other_encryption && var.kms_key_arn != null ? [1] : []

    content {
      sid       = "DenyOtherKmsKey"
      effect    = "Deny"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

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
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "AWS"
        identifiers = var.reader_principal_arns
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.writer_principal_arns) > 0 ? [1] : []

    content {
      sid       = "Writers"
      actions   = local.writer_actions
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "AWS"
        identifiers = var.writer_principal_arns
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
      resources = ["${aws_s3_bucket.this.arn}/*"]

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

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544).
  # Terraform deletes the bucket policy before the bucket, so DeleteBucketPolicy is denied as well;
  # PutBucketPolicy stays allowed, so protect = false followed by an apply lifts the protection.
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
  policy = data.aws_iam_policy_document.this.json

  # Created last and therefore destroyed first: with protect on, a destroy stops at the denied policy
  # deletion before any other bucket setting has been removed.
  depends_on = [
    aws_s3_bucket_lifecycle_configuration.this,
    aws_s3_bucket_logging.this,
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_versioning.this,
  ]
}
