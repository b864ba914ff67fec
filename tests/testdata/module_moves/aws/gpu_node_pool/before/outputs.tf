output "node_group_name" {
  description = "Name of the EKS managed node group."
  value       = aws_eks_node_group.this.node_group_name
}

output "node_group_arn" {
  description = "ARN of the EKS managed node group."
  value       = aws_eks_node_group.this.arn
}

output "node_role_arn" {
  description = "ARN of the IAM role of the pool's nodes."
  value       = aws_iam_role.this.arn
}

output "launch_template_id" {
  description = "ID of the pool's launch template."
  value       = aws_launch_template.this.id
}
