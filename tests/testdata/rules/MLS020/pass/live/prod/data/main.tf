terraform {
  backend "s3" {
    bucket       = "acme-ml-tfstate"
    key          = "prod/data.tfstate"
    region       = "us-east-1"
    use_lockfile = true
  }
}

provider "aws" {
  region = "us-east-1"
}
