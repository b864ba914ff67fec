output "role_name" {
  description = "Name of the node role (EC2NodeClass spec.role, aws_iam_role_policy_attachment.role)."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the node role (aws_eks_node_group.node_role_arn, access entries)."
  value       = aws_iam_role.this.arn
}
