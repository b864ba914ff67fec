# Valid usage of the aws and helm schemas: the checker must report nothing here.

terraform {
  required_providers {
    aws  = { source = "hashicorp/aws", version = "6.25.0" }
    helm = { source = "hashicorp/helm", version = "3.1.1" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "enabled" {
  type    = bool
  default = true
}

variable "ingress_rules" {
  type = list(object({ from = number, to = number }))
}

variable "subnet_ids" {
  type = list(string)
}

resource "aws_kms_key" "this" {
  description         = "artifacts"
  enable_key_rotation = true
}

resource "aws_s3_bucket" "this" {
  bucket        = "mlstrata-artifacts"
  force_destroy = false
  tags          = { Name = "artifacts" }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    bucket_key_enabled = true

    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
  }
}

resource "aws_security_group" "this" {
  name   = "workers"
  vpc_id = "vpc-0123456789abcdef0"

  # ingress/egress are list-of-object arguments: Terraform accepts block syntax for them too.
  dynamic "ingress" {
    for_each = var.ingress_rules
    content {
      from_port   = ingress.value.from
      to_port     = ingress.value.to
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/16"]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_role" "cluster" {
  name               = "cluster"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.enabled ? [1] : []
    content {
      actions   = ["sts:TagSession"]
      resources = ["*"]
    }
  }
}

resource "aws_eks_cluster" "this" {
  count    = var.enabled ? 1 : 0
  name     = "training"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids = var.subnet_ids
  }

  depends_on = [aws_iam_role.cluster]
}

resource "helm_release" "this" {
  name       = "kuberay-operator"
  chart      = "kuberay-operator"
  repository = "https://ray-project.github.io/kuberay-helm/"

  set = [
    { name = "image.tag", value = "v1.2.2" },
    { name = var.enabled ? "a" : "b", value = "c" },
  ]

  postrender = {
    binary_path = "/usr/local/bin/kustomize"
  }
}

# Types of providers we hold no schema for are not checked.
resource "terraform_data" "marker" {
  input = "x"
}

resource "random_id" "suffix" {
  byte_length = 4
}

module "network" {
  source = "./network"
}
