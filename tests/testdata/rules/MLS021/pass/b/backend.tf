terraform {
  backend "s3" {
    bucket         = "acme-ml-tfstate"
    key            = "b.tfstate"
    region         = "us-east-1"
    dynamodb_table = "tf-locks"
  }
}
