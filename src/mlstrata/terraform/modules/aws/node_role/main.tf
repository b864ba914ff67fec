data "aws_partition" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = var.name_prefix
  description        = var.description
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# What a node needs to join the cluster and pull images; no AmazonEKS_CNI_Policy: the VPC CNI gets its own
# role through IRSA (eks_cluster module), so a pod that reaches the instance's credentials (IMDS hop limit 1
# stops that) could not change the VPC's network interfaces either.
# https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
# https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html
resource "aws_iam_role_policy_attachment" "this" {
  for_each = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly"])

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}
