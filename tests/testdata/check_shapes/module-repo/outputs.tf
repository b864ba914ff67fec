output "cluster_name" {
  description = "The EKS cluster's name."
  value       = try(aws_eks_cluster.this[0].name, null)
}

output "node_groups" {
  description = "The node groups, by name."
  value       = module.node_group
}

output "artifact_bucket_arn" {
  description = "ARN of the artifact bucket."
  value       = module.artifacts.arn
}
