resource "aws_s3_bucket" "checkpoints" { # MLS014
  bucket = "acme-ml-checkpoints"
}

resource "aws_s3_bucket" "datasets" {
  bucket = "acme-ml-datasets"
}

resource "aws_s3_bucket_lifecycle_configuration" "datasets" { # MLS014
  bucket = aws_s3_bucket.datasets.id
  rule {
    id     = "uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}
