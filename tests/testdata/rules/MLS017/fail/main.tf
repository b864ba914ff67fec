resource "aws_iam_role" "serving" {
  name = "model-serving"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" } # MLS017
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "registry" {
  statement {
    actions   = ["sagemaker:DescribeModelPackage"]
    resources = ["*"]
    principals { # MLS017
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "registry" {
  model_package_group_name = "fraud"
  resource_policy          = data.aws_iam_policy_document.registry.json
}
