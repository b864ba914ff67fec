resource "aws_s3_bucket" "checkpoints" { # MLS010
  bucket = "acme-ml-checkpoints"
}

resource "aws_s3_bucket" "datasets" {
  bucket = "acme-ml-datasets"
}

resource "aws_s3_bucket_versioning" "datasets" {
  bucket = aws_s3_bucket.datasets.bucket
  versioning_configuration {
    status = var.versioning
  }
}

variable "versioning" {
  description = "Versioning status."
  type        = string
}

# Linked by its literal name rather than a reference.
resource "aws_s3_bucket" "registry" {
  bucket = "acme-ml-registry"
}

resource "aws_s3_bucket_versioning" "registry" {
  bucket = "acme-ml-registry"
  versioning_configuration {
    status = "Suspended" # MLS010
  }
}

provider "aws" {
  region = "us-east-1"
}

terraform {
  backend "s3" {}
}
