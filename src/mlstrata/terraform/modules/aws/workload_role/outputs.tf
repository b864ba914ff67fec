output "role_arn" {
  description = "ARN of the IRSA role; annotate the service account with eks.amazonaws.com/role-arn = this value."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the IRSA role."
  value       = aws_iam_role.this.name
}
