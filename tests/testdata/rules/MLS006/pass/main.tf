resource "aws_eks_node_group" "gpu" {
  cluster_name    = "ml"
  node_role_arn   = "arn:aws:iam::111111111111:role/node"
  subnet_ids      = ["subnet-1"]
  node_group_name = "gpu"
  instance_types  = ["p4d.24xlarge"]
  capacity_type   = "SPOT"
}
