provider "aws" { # MLS020
  region = "us-east-1"
}
