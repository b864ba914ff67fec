# The hardening every bucket of the platform shares, in one place: the artifact, access-log and state
# buckets call this module and add only what is theirs (grants, log delivery, state prefixes).

data "aws_caller_identity" "current" {
  count = var.receives_access_logs ? 1 : 0
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  # Never let Terraform empty a bucket; a non-empty bucket fails to delete instead.
  force_destroy = false
  tags          = var.tags
}

# ACLs off: the bucket owner owns every object and only policies grant access; server access log
# delivery is then authorised by the bucket policy instead of the log-delivery ACL.
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
# works for readers in other accounts, and which AWS documents for server access log destination buckets.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    # Unset for SSE-S3: a bucket key applies to SSE-KMS only.
    bucket_key_enabled = var.kms_key_arn != null ? true : null

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
    id     = var.lifecycle_rule_id
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    # S3 accepts either an age or expired_object_delete_marker in one expiration, not both: without a
    # retention, only delete markers with no versions left behind them are cleaned up (a released S3
    # lock file leaves one on every state write).
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

data "aws_iam_policy_document" "hardening" {
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

  # With ACLs disabled, log delivery is authorised here instead of by the log-delivery ACL, and only
  # for buckets of this account (confused-deputy protection).
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
  dynamic "statement" {
    for_each = var.receives_access_logs ? [1] : []

    content {
      sid       = "S3ServerAccessLogDelivery"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "Service"
        identifiers = ["logging.s3.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [data.aws_caller_identity.current[0].account_id]
      }
    }
  }
}

# The caller's statements (grants, state prefixes) follow the shared ones in one policy (sids are unique),
# and the deletion guard comes last.
data "aws_iam_policy_document" "this" {
  source_policy_documents = concat([data.aws_iam_policy_document.hardening.json], var.policy_documents)

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
