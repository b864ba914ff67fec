terraform {
  backend "gcs" {
    bucket = "acme-ml-tfstate"
  }
}
