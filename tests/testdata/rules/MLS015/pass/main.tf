resource "aws_iam_policy" "reader" {
  name = "model-reader"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::acme-ml-models", "arn:aws:s3:::acme-ml-models/*"]
    }]
  })
}

# Deny everything is fine; a service wildcard is not "*".
data "aws_iam_policy_document" "guard" {
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
  statement {
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::acme-ml-scratch/*"]
  }
}
