output "role_arn" {
  description = "ARN of the SageMaker execution role; the release layer passes it to CreateModel."
  value       = aws_iam_role.this.arn
}
