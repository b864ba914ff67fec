# Modelled on bucket and queue policies of ML platforms: deny-by-default guards, org-scoped access.

resource "aws_s3_bucket_policy" "models" {
  bucket = "acme-models"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::acme-models", "arn:aws:s3:::acme-models/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "OrgReadOnly"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = ["s3:GetObject"]
        Resource  = "arn:aws:s3:::acme-models/*"
        Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-abc123def4" } }
      },
    ]
  })
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = "https://sqs.us-east-1.amazonaws.com/111122223333/events"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "s3.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = "arn:aws:sqs:us-east-1:111122223333:events"
        Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:s3:::acme-models" } }
      },
    ]
  })
}

resource "aws_kms_key" "models" {
  description = "Model artifacts"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRoot"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::111122223333:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_s3_bucket_policy" "public_models" {
  bucket = "acme-public-models"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = "*" # MLS017
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::acme-public-models/*"
      },
    ]
  })
}
