terraform {
  backend "s3" {}
}

module "pool" {
  source    = "../../../modules/pool"
  max_nodes = 40
}
