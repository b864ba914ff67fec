terraform {
  backend "s3" { # MLS027
    bucket       = "acme-tfstate"
    key          = "acme/dev/base.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
