resource "aws_iam_policy" "admin" {
  name = "pipeline-admin"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*" # MLS015
      Resource = "*"
    }]
  })
}

data "aws_iam_policy_document" "serving" {
  statement {
    actions   = ["*"] # MLS015
    resources = ["arn:aws:s3:::acme-ml-models/*"]
  }
}
