output "controller_role_arn" {
  description = "IAM role of the Karpenter controller (EKS Pod Identity)."
  value       = aws_iam_role.controller.arn
}

output "node_role_name" {
  description = "IAM role of the nodes Karpenter launches (EC2NodeClass spec.role)."
  value       = aws_iam_role.node.name
}

output "node_role_arn" {
  description = "ARN of the node role (it has an EC2_LINUX access entry)."
  value       = aws_iam_role.node.arn
}

output "interruption_queue_name" {
  description = "SQS queue of interruption events (chart value settings.interruptionQueue)."
  value       = aws_sqs_queue.interruption.name
}

output "discovery_tag" {
  description = "Tag (key and value) on the cluster security group and the private subnets that EC2NodeClasses select by."
  value       = { key = aws_ec2_tag.cluster_security_group.key, value = aws_ec2_tag.cluster_security_group.value }
}
