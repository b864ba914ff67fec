terraform {
  backend "s3" { # MLS022
    bucket       = "acme-ml-tfstate"
    key          = "prod/all.tfstate"
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

resource "aws_db_instance" "this" {
  identifier = "metadata"
}

resource "aws_sqs_queue" "this" {
  name = "jobs"
}

module "ml" {
  source = "../../../modules/ml"
}
