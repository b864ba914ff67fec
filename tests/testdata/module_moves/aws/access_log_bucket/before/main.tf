data "aws_caller_identity" "current" {}

# Named access_logs rather than this so that scanner exceptions that only make sense for a log-target
# bucket (no logging of its own, SSE-S3) can name it without covering every other bucket.
resource "aws_s3_bucket" "access_logs" {
  bucket        = var.name
  force_destroy = false
  tags          = var.tags
}

# With ACLs disabled, log delivery is authorised by the bucket policy below instead of the log-delivery ACL.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.access_logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3 rather than SSE-KMS: AWS documents SSE-S3 as the default encryption for server access log
# destination buckets. https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    # Only buckets of this account may deliver logs here (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]

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

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544).
  # DeleteBucketPolicy is denied too because Terraform deletes the policy before the bucket.
  dynamic "statement" {
    for_each = var.protect ? [1] : []

    content {
      sid       = "DenyBucketDeletionWhileProtected"
      effect    = "Deny"
      actions   = ["s3:DeleteBucket", "s3:DeleteBucketPolicy"]
      resources = [aws_s3_bucket.access_logs.arn]

      principals {
        type        = "*"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.this.json

  # Destroyed first, so a protected bucket keeps all its settings when a destroy is refused.
  depends_on = [
    aws_s3_bucket_lifecycle_configuration.this,
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_versioning.this,
  ]
}
