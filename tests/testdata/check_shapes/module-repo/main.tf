locals {
  create = var.create && var.name != ""
  common_tags = merge(var.tags, {
    "module" = "module-repo"
  })
}

resource "aws_eks_cluster" "this" {
  count = local.create ? 1 : 0

  name     = var.name
  role_arn = "arn:aws:iam::111111111111:role/${var.name}-cluster"
  version  = "1.31"

  vpc_config {
    subnet_ids              = ["subnet-1", "subnet-2"]
    endpoint_public_access  = true
    endpoint_private_access = true
  }

  tags = local.common_tags
}

module "node_group" {
  source   = "./modules/node-group"
  for_each = local.create ? var.node_groups : {}

  cluster_name   = try(aws_eks_cluster.this[0].name, "")
  name           = try(each.value.name, each.key)
  instance_types = try(each.value.instance_types, ["m6i.large"])
  ami_type       = try(each.value.ami_type, "AL2023_x86_64_STANDARD")
  max_size       = try(each.value.max_size, 3)
  tags           = local.common_tags
}

module "artifacts" {
  source = "./modules/bucket"

  bucket        = "${var.name}-artifacts"
  sse_algorithm = var.artifact_bucket_sse
  tags          = local.common_tags
}
