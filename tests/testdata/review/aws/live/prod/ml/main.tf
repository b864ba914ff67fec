provider "aws" {
  region = "us-east-1"
}

module "storage" { # EXPECT: MLR001 MLR003 MLR005 MLR005
  source = "../../../modules/storage"
  name   = "acme-prod"
}

resource "aws_iam_policy" "pipeline" { # EXPECT: MLR002
  name = "pipeline"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:*"], Resource = "*" }]
  })
}

resource "aws_iam_role" "serving" { # EXPECT: MLR002
  name = "serving"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "sagemaker.amazonaws.com", AWS = "arn:aws:iam::999999999999:root" }
    }]
  })
}

resource "aws_iam_policy" "readonly" { # EXPECT-ALL: MLR007
  name = "readonly"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:Get*"], Resource = "*" }]
  })
}

resource "aws_eks_node_group" "gpu" { # EXPECT: MLR004
  cluster_name    = "ml"
  node_group_name = "gpu-training"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-1"]
  instance_types  = ["g6.2xlarge"]
  ami_type        = "AL2023_x86_64_NVIDIA"
  capacity_type   = "ON_DEMAND"
  scaling_config {
    min_size     = 0
    max_size     = 8
    desired_size = 2
  }
}

resource "aws_kms_key" "artifacts" { # EXPECT: MLR001
  description             = "artifacts"
  deletion_window_in_days = 7
  customer_master_key_spec = "RSA_2048"
}
