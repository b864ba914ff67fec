# Each offending line carries its expected diagnostics as markers: a comment "ERROR" + colon + summary.

resource "aws_s3_buckt" "typo" { # ERROR: Unknown resource type "aws_s3_buckt"
  bucket = "x"
}

data "aws_s3_bucket_versioning" "wrong_kind" { # ERROR: Unknown data source "aws_s3_bucket_versioning"
  bucket = "x"
}

resource "aws_s3_bucket" "bad_arguments" {
  bukcet = "x" # ERROR: Unsupported argument "bukcet"
  arn    = "arn:aws:s3:::x" # ERROR: Read-only attribute "arn" cannot be set

  tags { # ERROR: "tags" is an argument, not a block
    Name = "x"
  }

  versioning = { enabled = true } # ERROR: "versioning" is a block, not an argument
}

resource "aws_s3_bucket_versioning" "empty" { # ERROR: Missing required argument "bucket" ERROR: Missing required block "versioning_configuration"
}

resource "aws_eks_cluster" "null_name" { # ERROR: Missing required argument "name"
  name     = null
  role_arn = "arn:aws:iam::123456789012:role/cluster"

  vpc_config { # ERROR: Missing required argument "subnet_ids"
    vpc_id = "vpc-1" # ERROR: Read-only attribute "vpc_id" cannot be set
  }
}

resource "aws_eks_cluster" "two_vpc_configs" {
  name     = "x"
  role_arn = "arn:aws:iam::123456789012:role/cluster"

  vpc_config {
    subnet_ids = ["subnet-1"]
  }

  vpc_config { # ERROR: Too many "vpc_config" blocks
    subnet_ids = ["subnet-2"]
  }
}

data "aws_iam_policy_document" "nested" {
  statement {
    actions = ["s3:GetObject"]

    principal { # ERROR: Unsupported block type "principal"
      type        = "AWS"
      identifiers = ["*"]
    }
  }

  dynamic "statement" {
    for_each = ["a"]
    content {
      action = ["s3:PutObject"] # ERROR: Unsupported argument "action"
    }
  }
}
