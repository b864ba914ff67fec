data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

# EKS refuses an access entry for a principal that does not exist ("InvalidParameterException: The specified
# principalArn is invalid: invalid principal"; terraform-aws-modules/terraform-aws-eks#2969: an IAM Identity
# Center role named without its path), and only once the cluster has taken its ten-odd minutes to create. The
# admins that are roles of this account are looked up by their path at plan time instead: a missing one stops
# the plan, saying which. (Another account's roles cannot be read from here.)
# https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html
locals {
  account_admin_roles = {
    for arn in var.admin_principal_arns :
    arn => length(split("/", arn)) > 2 ? "/${join("/", slice(split("/", arn), 1, length(split("/", arn)) - 1))}/" : "/"
    if split(":", arn)[4] == data.aws_caller_identity.current.account_id && startswith(split(":", arn)[5], "role/")
  }
}

data "aws_iam_roles" "admin" {
  for_each = local.account_admin_roles

  path_prefix = each.value

  lifecycle {
    postcondition {
      condition     = contains([for a in self.arns : lower(a)], lower(each.key))
      error_message = "Cluster admin ${each.key} is not an IAM role of account ${data.aws_caller_identity.current.account_id} (none under path ${each.value}): EKS refuses an access entry for a principal that does not exist. Create the role first, or correct the ARN in the spec (cluster.admins or the environment's cluster_admins); an IAM Identity Center role's ARN includes its path, role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<permission set>_<id>."
    }
  }
}

# Read back so a subnet from another VPC fails at plan time rather than half-way through cluster creation.
data "aws_subnet" "this" {
  count = length(var.subnet_ids)

  id = var.subnet_ids[count.index]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

# IAM caps name_prefix at 38 characters: 29 + "-cluster-" (a 30-character name made it 39).
resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 29)}-cluster-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# The cluster role needs the key for secrets envelope encryption; the key policy delegates to IAM.
# https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
data "aws_iam_policy_document" "encryption" {
  statement {
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ListGrants"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "secrets-encryption"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.encryption.json
}

# Created before the cluster so EKS writes into an encrypted group with a retention instead of creating
# its own unencrypted, never-expiring one. https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
resource "aws_cloudwatch_log_group" "this" {
  name                        = "/aws/eks/${var.name}/cluster"
  retention_in_days           = var.log_retention_days
  kms_key_id                  = var.kms_key_arn
  deletion_protection_enabled = var.protect
  tags                        = var.tags
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.this.arn

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544);
  # EKS deletion protection is enforced by the API instead.
  deletion_protection = var.protect

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  # Access entries only: no aws-auth ConfigMap, and the creator gets no implicit admin rights.
  # https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = var.kms_key_arn
    }
  }

  # Extended support is billed at a higher hourly rate; STANDARD upgrades the cluster automatically at
  # the end of standard support. https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
  upgrade_policy {
    support_type = var.support_type
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for s in data.aws_subnet.this : s.vpc_id == var.vpc_id])
      error_message = "All subnet_ids must belong to vpc_id."
    }
  }

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
    aws_iam_role_policy_attachment.this,
  ]
}

resource "aws_eks_access_entry" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  type          = "STANDARD"
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.admin[each.key].principal_arn
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# IRSA. Provider 6.x resolves the issuer's thumbprint itself, so no tls provider is needed.
# https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

# The private endpoint answers only to the cluster security group unless other sources are admitted:
# CI runners (in the VPC, or peered) need 443 to run the platform layer's Helm releases.
# https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
resource "aws_vpc_security_group_ingress_rule" "api" {
  for_each = toset(var.api_access_cidrs)

  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  description       = "Kubernetes API from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
  tags              = var.tags
}

# ---- system node group: CoreDNS, the add-on controllers, the autoscaler and monitoring run here ----

# IAM caps name_prefix at 38 characters: 25 + "-system-node-". The VPC CNI uses its own IRSA role below.
module "system_node_role" {
  source = "../node_role"

  name_prefix = "${substr(var.name, 0, 25)}-system-node-"
  tags        = var.tags
}

resource "aws_launch_template" "system" {
  name_prefix            = "${var.name}-system-"
  description            = "System node group of EKS cluster ${var.name}"
  update_default_version = true

  # IMDSv2, hop limit 1: only host-network pods reach IMDS. https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 50
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-system" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Name = "${var.name}-system" })
  }

  tags = var.tags
}

# cluster-autoscaler owns the system group's size between min and max: read it back (as gpu_node_pool
# does) so that an apply does not scale it back to the minimum. By name, not through aws_eks_cluster.this:
# Terraform reads a data source that refers to a resource with planned changes only at apply, and a
# for_each over that result cannot be planned, so a new cluster (or any change to it) could not be planned.
# https://developer.hashicorp.com/terraform/language/data-sources#data-resource-behavior
data "aws_eks_clusters" "existing" {}

data "aws_eks_node_groups" "existing" {
  count = contains(data.aws_eks_clusters.existing.names, var.name) ? 1 : 0

  cluster_name = var.name
}

data "aws_eks_node_group" "system" {
  for_each = toset([for n in flatten(data.aws_eks_node_groups.existing[*].names) : n if n == "system"])

  cluster_name    = var.name
  node_group_name = each.value
}

# Untainted on purpose: every GPU pool is tainted, and pods without tolerations need somewhere to run.
resource "aws_eks_node_group" "system" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "system"
  node_role_arn   = module.system_node_role.role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.system_instance_types
  ami_type        = var.system_ami_type
  capacity_type   = "ON_DEMAND"
  version         = aws_eks_cluster.this.version
  labels          = { "mlstrata.dev/pool" = "system" }

  scaling_config {
    min_size     = var.system_min_size
    max_size     = var.system_max_size
    desired_size = coalesce(one([for g in data.aws_eks_node_group.system : g.scaling_config[0].desired_size]), var.system_min_size)
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.system.id
    version = aws_launch_template.system.latest_version
  }

  tags = var.tags

  # The CNI and the Pod Identity agent must be configured before the first node joins.
  depends_on = [
    module.system_node_role,
    aws_eks_addon.before_nodes,
  ]
}

# ---- managed add-ons ----

data "aws_iam_policy_document" "irsa" {
  for_each = local.irsa_service_accounts

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.this.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")}:sub"
      values   = ["system:serviceaccount:kube-system:${each.value}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

locals {
  # Add-ons whose controllers call AWS APIs get their own role through IRSA, never the node role.
  # https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html ; https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
  irsa_service_accounts = {
    vpc-cni            = "aws-node"
    aws-ebs-csi-driver = "ebs-csi-controller-sa"
  }
  irsa_short = {
    vpc-cni            = "cni"
    aws-ebs-csi-driver = "ebs-csi"
  }
  irsa_policies = {
    vpc-cni            = "AmazonEKS_CNI_Policy"
    aws-ebs-csi-driver = "service-role/AmazonEBSCSIDriverPolicy"
  }

  # Needed before any node joins (the CNI gives pods their addresses; the agent serves Pod Identity).
  # https://docs.aws.amazon.com/eks/latest/userguide/eks-add-ons.html
  addons_before_nodes = ["vpc-cni", "eks-pod-identity-agent", "kube-proxy"]
  # Need running nodes to become ACTIVE.
  addons_after_nodes = ["coredns", "aws-ebs-csi-driver"]
}

resource "aws_iam_role" "addon" {
  for_each = local.irsa_service_accounts

  name_prefix        = "${substr(var.name, 0, 24)}-${local.irsa_short[each.key]}-"
  assume_role_policy = data.aws_iam_policy_document.irsa[each.key].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "addon" {
  for_each = local.irsa_policies

  role       = aws_iam_role.addon[each.key].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

# The EBS CSI driver creates volumes encrypted with the platform key: it needs grants on it.
# https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html (KMS encryption)
data "aws_iam_policy_document" "ebs_csi_kms" {
  statement {
    actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    resources = [var.kms_key_arn]

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  statement {
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "ebs_csi_kms" {
  name   = "ebs-kms"
  role   = aws_iam_role.addon["aws-ebs-csi-driver"].id
  policy = data.aws_iam_policy_document.ebs_csi_kms.json
}

# The default add-on version for the cluster's Kubernetes version: raising kubernetes_version
# upgrades the add-ons with it.
data "aws_eks_addon_version" "this" {
  for_each = toset(concat(local.addons_before_nodes, local.addons_after_nodes))

  addon_name         = each.value
  kubernetes_version = aws_eks_cluster.this.version
}

resource "aws_eks_addon" "before_nodes" {
  for_each = toset(local.addons_before_nodes)

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  addon_version               = data.aws_eks_addon_version.this[each.value].version
  service_account_role_arn    = contains(keys(local.irsa_service_accounts), each.value) ? aws_iam_role.addon[each.value].arn : null
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = var.tags

  depends_on = [aws_iam_role_policy_attachment.addon]
}

resource "aws_eks_addon" "after_nodes" {
  for_each = toset(local.addons_after_nodes)

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  addon_version               = data.aws_eks_addon_version.this[each.value].version
  service_account_role_arn    = contains(keys(local.irsa_service_accounts), each.value) ? aws_iam_role.addon[each.value].arn : null
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = var.tags

  depends_on = [aws_eks_node_group.system, aws_iam_role_policy.ebs_csi_kms]
}

# ---- cluster-autoscaler identity (the Helm release lives in the platform layer) ----

data "aws_iam_policy_document" "pod_identity_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

# https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#iam-policy
# Scaling actions only on Auto Scaling groups EKS tagged as this cluster's node groups.
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid = "Describe"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "NodeGroups"
    actions   = ["eks:DescribeNodegroup"]
    resources = ["arn:${data.aws_partition.current.partition}:eks:*:*:nodegroup/${var.name}/*"]
  }

  statement {
    sid     = "ScaleOwnGroups"
    actions = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    # EKS names a managed node group's Auto Scaling group eks-<node group>-<id>.
    resources = ["arn:${data.aws_partition.current.partition}:autoscaling:*:${data.aws_caller_identity.current.account_id}:autoScalingGroup:*:autoScalingGroupName/eks-*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.name}"
      values   = ["owned"]
    }
  }
}

resource "aws_iam_role" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 34)}-ca-"
  assume_role_policy = data.aws_iam_policy_document.pod_identity_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  name   = "cluster-autoscaler"
  role   = aws_iam_role.cluster_autoscaler[0].id
  policy = data.aws_iam_policy_document.cluster_autoscaler.json
}

# https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
resource "aws_eks_pod_identity_association" "cluster_autoscaler" {
  count = var.cluster_autoscaler ? 1 : 0

  cluster_name    = aws_eks_cluster.this.name
  namespace       = "kube-system"
  service_account = "cluster-autoscaler"
  role_arn        = aws_iam_role.cluster_autoscaler[0].arn
  tags            = var.tags
}

# Releases before the shared node_role module declared the system nodes' role here; the moves keep the
# role and its attachments in place. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = aws_iam_role.system_node
  to   = module.system_node_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.system_node
  to   = module.system_node_role.aws_iam_role_policy_attachment.this
}
