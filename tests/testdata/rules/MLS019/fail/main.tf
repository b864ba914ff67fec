resource "random_password" "db" {
  length = 32
}

output "db_password" { # MLS019
  value = random_password.db.result
}

output "connection" { # MLS019
  value = aws_db_instance.metadata.password
}
