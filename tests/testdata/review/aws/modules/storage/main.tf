variable "name" {
  type        = string
  description = "Prefix of the bucket names."
}

resource "aws_s3_bucket" "artifacts" { # EXPECT: MLR006
  bucket = "${var.name}-artifacts"
}

resource "aws_s3_bucket_versioning" "artifacts" { # EXPECT: MLR003
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" { # EXPECT: MLR003
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "artifacts" { # EXPECT: MLR002
  bucket = aws_s3_bucket.artifacts.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.artifacts.arn}/*"
    }]
  })
}

resource "aws_db_instance" "metadata" { # EXPECT: MLR003
  identifier          = "${var.name}-metadata"
  engine              = "postgres"
  instance_class      = "db.t4g.micro"
  storage_encrypted   = true
  deletion_protection = false
}
