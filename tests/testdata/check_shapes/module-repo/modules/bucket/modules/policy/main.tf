variable "bucket" {
  description = "Bucket name."
  type        = string
}

variable "bucket_arn" {
  description = "Bucket ARN."
  type        = string
}

variable "readers" {
  description = "Principals allowed to read."
  type        = list(string)
}

data "aws_iam_policy_document" "this" {
  statement {
    sid     = "Read"
    actions = ["s3:GetObject"]

    principals {
      type        = "AWS"
      identifiers = var.readers
    }

    resources = ["${var.bucket_arn}/*"]
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket
  policy = data.aws_iam_policy_document.this.json
}
