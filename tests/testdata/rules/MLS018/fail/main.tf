resource "aws_db_instance" "metadata" {
  identifier = "metadata"
  username   = "mlflow"
  password   = "Xq7vLp2mR9wKz4Tb" # MLS018
}

variable "api_token" {
  description = "Token for the model hub."
  type        = string
  default     = "hf-9fK2pQ7xLm4vZ8rT3wYb" # MLS018
}

resource "kubernetes_secret" "hub" {
  metadata {
    name = "hub"
  }
  data = { HUB_PASSWORD = "s3cr3t-Pa55-w0rd" } # MLS018
}

# AKIAIOSFODNN7EXAMPLE is the example key id of the AWS documentation.
locals {
  deploy_key = "AKIAIOSFODNN7EXAMPLE" # MLS018
}
