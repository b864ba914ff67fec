terraform {
  backend "s3" { # MLS021
    bucket = "acme-ml-tfstate"
    key    = "a.tfstate"
    region = "us-east-1"
  }
}
