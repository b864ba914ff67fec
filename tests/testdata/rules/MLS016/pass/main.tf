data "aws_iam_policy_document" "pipeline" {
  statement {
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["arn:aws:s3:::acme-ml-artifacts/*"]
  }
  statement {
    actions   = ["ec2:DescribeSubnets", "ec2:DescribeVpcs"]
    resources = ["*"]
  }
}

# In a key policy "*" means this key.
data "aws_iam_policy_document" "key" {
  statement {
    actions   = ["kms:Encrypt", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
}

resource "aws_kms_key" "models" {
  description = "models"
  policy      = data.aws_iam_policy_document.key.json
}
