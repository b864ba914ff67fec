terraform {
  backend "s3" {}
}

resource "aws_db_instance" "direct" {
  identifier = "direct"
}

module "db_default" {
  source = "../../../modules/db"
}

module "bucket" {
  source = "../../../modules/bucket"
}
