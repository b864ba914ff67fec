data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  # Karpenter's own tags on what it creates (EC2NodeClass / NodePool names); the policy below only lets
  # it launch, tag and terminate resources carrying them for this cluster.
  # https://karpenter.sh/docs/reference/cloudformation/ (KarpenterControllerPolicy)
  cluster_tag = "aws:RequestTag/kubernetes.io/cluster/${var.cluster_name}"
  owned_tag   = "aws:ResourceTag/kubernetes.io/cluster/${var.cluster_name}"
}

# ---- controller identity: EKS Pod Identity for kube-system/karpenter ----

data "aws_iam_policy_document" "controller_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

# IAM caps name_prefix at 38 characters: 27 + "-karpenter-".
resource "aws_iam_role" "controller" {
  name_prefix        = "${substr(var.cluster_name, 0, 27)}-karpenter-"
  description        = "Karpenter controller of EKS cluster ${var.cluster_name}"
  assume_role_policy = data.aws_iam_policy_document.controller_assume.json
  tags               = var.tags
}

# Karpenter v1's controller policy, scoped to this cluster, region and account.
# https://karpenter.sh/docs/reference/cloudformation/ ; https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
data "aws_iam_policy_document" "controller" {
  statement {
    sid = "LaunchFromSharedResources"
    resources = [
      "arn:${local.partition}:ec2:${local.region}::image/*",
      "arn:${local.partition}:ec2:${local.region}::snapshot/*",
      "arn:${local.partition}:ec2:${local.region}:*:security-group/*",
      "arn:${local.partition}:ec2:${local.region}:*:subnet/*",
      "arn:${local.partition}:ec2:${local.region}:*:capacity-reservation/*",
    ]
    actions = ["ec2:RunInstances", "ec2:CreateFleet"]
  }

  statement {
    sid       = "LaunchFromOwnLaunchTemplates"
    resources = ["arn:${local.partition}:ec2:${local.region}:*:launch-template/*"]
    actions   = ["ec2:RunInstances", "ec2:CreateFleet"]

    condition {
      test     = "StringEquals"
      variable = local.owned_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid = "CreateTaggedForThisCluster"
    resources = [
      "arn:${local.partition}:ec2:${local.region}:*:fleet/*",
      "arn:${local.partition}:ec2:${local.region}:*:instance/*",
      "arn:${local.partition}:ec2:${local.region}:*:volume/*",
      "arn:${local.partition}:ec2:${local.region}:*:network-interface/*",
      "arn:${local.partition}:ec2:${local.region}:*:launch-template/*",
      "arn:${local.partition}:ec2:${local.region}:*:spot-instances-request/*",
    ]
    actions = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"]

    condition {
      test     = "StringEquals"
      variable = local.cluster_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }

    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid = "TagOnCreate"
    resources = [
      "arn:${local.partition}:ec2:${local.region}:*:fleet/*",
      "arn:${local.partition}:ec2:${local.region}:*:instance/*",
      "arn:${local.partition}:ec2:${local.region}:*:volume/*",
      "arn:${local.partition}:ec2:${local.region}:*:network-interface/*",
      "arn:${local.partition}:ec2:${local.region}:*:launch-template/*",
      "arn:${local.partition}:ec2:${local.region}:*:spot-instances-request/*",
    ]
    actions = ["ec2:CreateTags"]

    condition {
      test     = "StringEquals"
      variable = local.cluster_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid       = "TagOwnInstances"
    resources = ["arn:${local.partition}:ec2:${local.region}:*:instance/*"]
    actions   = ["ec2:CreateTags"]

    condition {
      test     = "StringEquals"
      variable = local.owned_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }

    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
    }
  }

  statement {
    sid = "DeleteOwnInstances"
    resources = [
      "arn:${local.partition}:ec2:${local.region}:*:instance/*",
      "arn:${local.partition}:ec2:${local.region}:*:launch-template/*",
    ]
    actions = ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]

    condition {
      test     = "StringEquals"
      variable = local.owned_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  # Describe calls cannot be scoped to resources; they are pinned to this region.
  statement {
    sid       = "RegionalReads"
    resources = ["*"]
    actions = [
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeCapacityReservations",
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceTypeOfferings",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplates",
      "ec2:DescribePlacementGroups",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSpotPriceHistory",
      "ec2:DescribeSubnets",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  # The EKS-optimized AMI ids (amiSelectorTerms alias) are public SSM parameters.
  statement {
    sid       = "AmiParameters"
    resources = ["arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"]
    actions   = ["ssm:GetParameter"]
  }

  statement {
    sid       = "Pricing"
    resources = ["*"]
    actions   = ["pricing:GetProducts"]
  }

  statement {
    sid       = "InterruptionQueue"
    resources = [aws_sqs_queue.interruption.arn]
    actions   = ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
  }

  statement {
    sid       = "PassNodeRole"
    resources = [module.node_role.role_arn]
    actions   = ["iam:PassRole"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }

  # Karpenter creates one instance profile per EC2NodeClass for the node role, tagged with the cluster,
  # region and node class; it may only touch profiles carrying those tags.
  statement {
    sid       = "CreateInstanceProfiles"
    resources = ["arn:${local.partition}:iam::${local.account_id}:instance-profile/*"]
    actions   = ["iam:CreateInstanceProfile"]

    condition {
      test     = "StringEquals"
      variable = local.cluster_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/topology.kubernetes.io/region"
      values   = [local.region]
    }

    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  statement {
    sid       = "TagOwnInstanceProfiles"
    resources = ["arn:${local.partition}:iam::${local.account_id}:instance-profile/*"]
    actions   = ["iam:TagInstanceProfile"]

    condition {
      test     = "StringEquals"
      variable = local.owned_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/topology.kubernetes.io/region"
      values   = [local.region]
    }

    condition {
      test     = "StringEquals"
      variable = local.cluster_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/topology.kubernetes.io/region"
      values   = [local.region]
    }

    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }

    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  statement {
    sid       = "ManageOwnInstanceProfiles"
    resources = ["arn:${local.partition}:iam::${local.account_id}:instance-profile/*"]
    actions   = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]

    condition {
      test     = "StringEquals"
      variable = local.owned_tag
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/topology.kubernetes.io/region"
      values   = [local.region]
    }

    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  statement {
    sid       = "ReadInstanceProfiles"
    resources = ["arn:${local.partition}:iam::${local.account_id}:instance-profile/*"]
    actions   = ["iam:GetInstanceProfile"]
  }

  # Spot launches run as EC2's service-linked role AWSServiceRoleForEC2Spot, which a new account lacks until
  # its first Spot request; CreateFleet then creates it with the caller's credentials, or fails every Spot
  # launch with AuthFailure.ServiceLinkedRoleCreationNotPermitted (terraform-aws-modules/terraform-aws-eks#2565,
  # aws/karpenter-provider-aws#504). Not created here: the role is the account's, shared with every other Spot
  # user, and a create where it exists fails ("has been taken"). This permission creates that one role only.
  # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html
  statement {
    sid       = "CreateSpotServiceLinkedRole"
    resources = ["arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot"]
    actions   = ["iam:CreateServiceLinkedRole"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["spot.amazonaws.com"]
    }
  }

  statement {
    sid       = "DiscoverApiEndpoint"
    resources = ["arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.cluster_name}"]
    actions   = ["eks:DescribeCluster"]
  }

  # Node volumes are encrypted with the platform key: EC2 uses it on behalf of the principal that calls
  # CreateFleet, here the controller, so the controller needs the key through EC2 only. Without it
  # instances terminate at launch ("Client.InternalError: Client error on launch").
  # https://karpenter.sh/docs/troubleshooting/#node-terminates-before-ready-on-failed-encrypted-ebs-volume
  # (aws/karpenter-provider-aws#1407, #3767)
  statement {
    sid       = "NodeVolumeKey"
    resources = [var.kms_key_arn]
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ec2.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "NodeVolumeKeyGrants"
    resources = [var.kms_key_arn]
    actions   = ["kms:CreateGrant"]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ec2.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role_policy" "controller" {
  name   = "karpenter-controller"
  role   = aws_iam_role.controller.id
  policy = data.aws_iam_policy_document.controller.json
}

# The chart's service account (kube-system/karpenter) gets the role through the Pod Identity agent
# (an EKS add-on of the eks_cluster module). https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
resource "aws_eks_pod_identity_association" "controller" {
  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = var.service_account
  role_arn        = aws_iam_role.controller.arn
  tags            = var.tags
}

# ---- node identity: the role of every instance Karpenter launches ----

# IAM caps name_prefix at 38 characters: 26 + "-karpenter-node-" would be 42, so 22 + 16. With IMDS hop
# limit 1 a pod cannot reach this role's credentials.
module "node_role" {
  source = "../node_role"

  name_prefix = "${substr(var.cluster_name, 0, 22)}-karpenter-node-"
  description = "Nodes Karpenter launches for EKS cluster ${var.cluster_name}"
  tags        = var.tags
}

# Nodes join through an access entry of type EC2_LINUX (Bottlerocket too): EKS maps the role to
# system:nodes itself; the cluster uses authentication mode API, so there is no aws-auth ConfigMap.
# https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
resource "aws_eks_access_entry" "node" {
  cluster_name  = var.cluster_name
  principal_arn = module.node_role.role_arn
  type          = "EC2_LINUX"
  tags          = var.tags
}

# ---- interruption queue: spot interruptions, rebalance recommendations, state changes, health events ----

# Karpenter drains a node when EC2 or AWS Health announces its end, instead of losing its pods.
# Messages older than 5 minutes describe nodes already gone. SQS-managed encryption (SSE-SQS): EventBridge
# can write to it without a grant on a customer key. https://karpenter.sh/docs/concepts/disruption/#interruption
resource "aws_sqs_queue" "interruption" {
  name                      = "${substr(var.cluster_name, 0, 70)}-karpenter"
  message_retention_seconds = 300
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "EventsWrite"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "sqs.amazonaws.com"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "interruption" {
  queue_url = aws_sqs_queue.interruption.id
  policy    = data.aws_iam_policy_document.queue.json
}

locals {
  # The four event sources of Karpenter's interruption handling.
  # https://karpenter.sh/docs/concepts/disruption/#interruption ;
  # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html ;
  # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html
  interruption_events = {
    health       = { source = "aws.health", detail_type = "AWS Health Event", what = "AWS Health scheduled changes" }
    rebalance    = { source = "aws.ec2", detail_type = "EC2 Instance Rebalance Recommendation", what = "EC2 rebalance recommendations" }
    spot         = { source = "aws.ec2", detail_type = "EC2 Spot Instance Interruption Warning", what = "EC2 Spot interruption warnings" }
    state_change = { source = "aws.ec2", detail_type = "EC2 Instance State-change Notification", what = "EC2 instance state changes" }
  }
}

resource "aws_cloudwatch_event_rule" "interruption" {
  for_each = local.interruption_events

  name_prefix   = "${substr(var.cluster_name, 0, 22)}-${substr(each.key, 0, 12)}-"
  description   = "Karpenter of ${var.cluster_name}: ${each.value.what}"
  event_pattern = jsonencode({ source = [each.value.source], detail-type = [each.value.detail_type] })
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "interruption" {
  for_each = local.interruption_events

  rule      = aws_cloudwatch_event_rule.interruption[each.key].name
  target_id = "karpenter-interruption-queue"
  arn       = aws_sqs_queue.interruption.arn
}

# ---- discovery: EC2NodeClasses select the cluster's security group (and the private subnets, tagged
# by the network module) by karpenter.sh/discovery = <cluster>. ----

# EKS creates the cluster security group; its tags are added here, without taking it over.
resource "aws_ec2_tag" "cluster_security_group" {
  resource_id = var.cluster_security_group_id
  key         = "karpenter.sh/discovery"
  value       = var.cluster_name
}

# Releases before the shared node_role module declared the node role here; the moves keep the role and
# its attachments in place. https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
moved {
  from = aws_iam_role.node
  to   = module.node_role.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.node
  to   = module.node_role.aws_iam_role_policy_attachment.this
}
