resource "aws_s3_bucket" "models" { # MLS011
  bucket = "acme-ml-models"
}

resource "aws_s3_bucket" "features" {
  bucket = "acme-ml-features"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "features" {
  bucket = aws_s3_bucket.features.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256" # MLS011
    }
  }
}
