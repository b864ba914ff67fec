variable "bucket" {
  description = "Bucket name."
  type        = string
}

variable "sse_algorithm" {
  description = "aws:kms or AES256."
  type        = string
  default     = "aws:kms"
}

variable "tags" {
  description = "Tags."
  type        = map(string)
  default     = {}
}

resource "aws_s3_bucket" "this" {
  bucket = var.bucket
  tags   = var.tags
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.sse_algorithm
    }
  }
}

module "policy" {
  source = "./modules/policy"

  bucket     = aws_s3_bucket.this.id
  bucket_arn = aws_s3_bucket.this.arn
  readers    = ["*"]
}

output "arn" {
  description = "The bucket's ARN."
  value       = aws_s3_bucket.this.arn
}
