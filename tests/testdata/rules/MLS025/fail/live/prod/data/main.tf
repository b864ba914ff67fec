terraform {
  backend "s3" {}
}

resource "aws_dynamodb_table" "features" { # MLS025
  name     = "features"
  hash_key = "id"
}

resource "aws_db_instance" "direct" {
  identifier          = "direct"
  deletion_protection = false # MLS025
}

module "db_off" {
  source  = "../../../modules/db"
  protect = false # MLS025
}

module "db_default" { # MLS025
  source = "../../../modules/db"
}

module "bucket" { # MLS025
  source = "../../../modules/bucket"
}
