resource "aws_db_instance" "metadata" {
  identifier                  = "metadata"
  username                    = "mlflow"
  manage_master_user_password = true
}

variable "db_password" {
  description = "Set by CI from the secret store."
  type        = string
  sensitive   = true
}

resource "aws_secretsmanager_secret" "hub" {
  name = "hub-token"
}

locals {
  token_secret_arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:hub-token-AbCdEf"
  password_length  = 32
  secret_name      = "prod/mlflow/db"
  api_token        = "changeme"
  password         = var.db_password
  token_path       = "/var/run/secrets/token"
  description      = "the token is rotated every 30 days"
}
