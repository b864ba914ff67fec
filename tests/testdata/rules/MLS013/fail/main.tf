resource "aws_s3_bucket" "models" { # MLS013
  bucket = "acme-ml-models"
}

resource "aws_s3_bucket" "datasets" {
  bucket = "acme-ml-datasets"
}

resource "aws_s3_bucket_policy" "datasets" { # MLS013
  bucket = aws_s3_bucket.datasets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111111111111:role/reader" }
      Action    = ["s3:GetObject"]
      Resource  = "${aws_s3_bucket.datasets.arn}/*"
    }]
  })
}
