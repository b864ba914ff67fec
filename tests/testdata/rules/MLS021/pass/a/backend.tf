terraform {
  backend "s3" {
    bucket       = "acme-ml-tfstate"
    key          = "a.tfstate"
    region       = "us-east-1"
    use_lockfile = true
  }
}
