output "model_package_group_names" {
  description = "Model package group name per stage."
  value       = { for stage, group in aws_sagemaker_model_package_group.this : stage => group.model_package_group_name }
}

output "model_package_group_arns" {
  description = "Model package group ARN per stage."
  value       = { for stage, group in aws_sagemaker_model_package_group.this : stage => group.arn }
}
