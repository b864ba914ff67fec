# The target of the other buckets' server access logs: SSE-S3, because AWS documents SSE-S3 as the
# default encryption for server access log destination buckets, and a bucket policy that lets the S3
# logging service deliver. https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
module "bucket" {
  source = "../s3_bucket"

  name                              = var.name
  kms_key_arn                       = null
  lifecycle_rule_id                 = "expire-logs"
  retention_days                    = var.retention_days
  noncurrent_version_retention_days = 30
  receives_access_logs              = true
  protect                           = var.protect
  tags                              = var.tags
}

# Releases before the shared s3_bucket module declared these here; the moves keep existing buckets and
# their settings in place (no destroy and create). https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = aws_s3_bucket.access_logs
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
  from = aws_s3_bucket_policy.this
  to   = module.bucket.aws_s3_bucket_policy.this
}
