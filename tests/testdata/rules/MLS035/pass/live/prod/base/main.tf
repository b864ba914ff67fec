provider "aws" {
  region = "us-east-1"
}

data "aws_caller_identity" "current" {}

locals {
  autoscaling_role = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
  statement {
    sid       = "AutoScalingEbs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.autoscaling_role]
    }
  }
}

resource "aws_kms_key" "nodes" {
  description         = "node volumes"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
}

resource "aws_launch_template" "system" {
  name_prefix = "system-"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted  = true
      kms_key_id = aws_kms_key.nodes.arn
    }
  }
}

module "pool" {
  source      = "../../../modules/pool"
  kms_key_arn = aws_kms_key.nodes.arn
}
