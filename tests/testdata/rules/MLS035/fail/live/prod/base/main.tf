provider "aws" {
  region = "us-east-1"
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
}

resource "aws_kms_key" "nodes" {
  description         = "node volumes"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.key.json
}

# The key is right here and its policy knows nothing of Auto Scaling.
resource "aws_launch_template" "system" {
  name_prefix = "system-"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted  = true
      kms_key_id = aws_kms_key.nodes.arn # MLS035
    }
  }
}

# Passed into a module: judged by the keys this configuration defines.
module "pool" { # MLS035
  source      = "../../../modules/pool"
  kms_key_arn = aws_kms_key.nodes.arn
}
