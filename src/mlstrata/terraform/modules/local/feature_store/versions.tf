terraform {
  required_version = ">= 1.10"

  required_providers {
    mlstrata = {
      source  = "local.mlstrata.dev/mlstrata/mlstrata"
      version = "0.1.0"
    }
  }
}
