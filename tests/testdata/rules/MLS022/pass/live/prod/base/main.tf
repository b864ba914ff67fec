terraform {
  backend "s3" {
    bucket       = "acme-ml-tfstate"
    key          = "prod/base.tfstate"
    region       = "us-east-1"
    use_lockfile = true
  }
}

resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_eks_cluster" "this" {
  name     = "ml"
  role_arn = "arn:aws:iam::111111111111:role/eks"
  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}

resource "aws_iam_role" "nodes" {
  name               = "nodes"
  assume_role_policy = "{}"
}

resource "aws_kms_key" "this" {
  description = "cluster secrets"
}
