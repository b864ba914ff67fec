resource "aws_s3_bucket" "models" { # MLS012
  bucket = "acme-ml-models"
}

resource "aws_s3_bucket" "datasets" {
  bucket = "acme-ml-datasets"
}

resource "aws_s3_bucket_public_access_block" "datasets" { # MLS012
  bucket                  = aws_s3_bucket.datasets.id
  block_public_acls       = true
  block_public_policy     = false # MLS012
  ignore_public_acls      = true
}
