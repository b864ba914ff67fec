terraform {
  backend "s3" {}
}

resource "aws_dynamodb_table" "features" {
  name                        = "features"
  hash_key                    = "id"
  deletion_protection_enabled = true
}

resource "aws_s3_bucket" "models" {
  bucket = "acme-ml-models"
  lifecycle {
    prevent_destroy = true
  }
}

module "db" {
  source  = "../../../modules/db"
  protect = true
}
