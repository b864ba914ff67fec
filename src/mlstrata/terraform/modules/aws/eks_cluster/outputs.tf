output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded certificate authority data of the cluster."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "ID of the security group EKS created for the control plane and managed nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider for IRSA."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer" {
  description = "OIDC issuer host and path without \"https://\", as used in IRSA trust-policy condition keys."
  value       = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
}

output "cluster_version" {
  description = "Kubernetes version of the control plane; node groups take it so they follow upgrades."
  value       = aws_eks_cluster.this.version

  # Node groups read this, so none is created before the CNI and the Pod Identity agent are set up.
  depends_on = [aws_eks_addon.before_nodes]
}

output "system_node_group_name" {
  description = "Name of the untainted system node group."
  value       = aws_eks_node_group.system.node_group_name
}

output "cluster_autoscaler_role_arn" {
  description = "IAM role of cluster-autoscaler (EKS Pod Identity), or null."
  value       = one(aws_iam_role.cluster_autoscaler[*].arn)
}
