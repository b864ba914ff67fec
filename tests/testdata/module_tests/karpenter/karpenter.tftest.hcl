# Plans of the karpenter module against a mocked hashicorp/aws provider (no AWS account needed): the real
# provider's schema and argument validation (IAM and EventBridge name_prefix lengths, SQS limits, event
# pattern JSON) run on every argument.
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1", region = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111111111111:role/karpenter-1", name = "karpenter-1" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:111111111111:acme-ml-prod-karpenter", url = "https://sqs.us-east-1.amazonaws.com/111111111111/acme-ml-prod-karpenter" }
  }
}

variables {
  # The longest cluster name the spec allows through: every name and prefix below is cut to fit.
  cluster_name              = "a-platform-name-of-forty-characters-long-and-an-environment-name-also-rather-long-to-reach-100-chars"
  cluster_security_group_id = "sg-0123456789abcdef0"
  kms_key_arn               = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  tags                      = { "mlstrata:environment" = "prod", "mlstrata:platform" = "acme-ml" }
}

run "karpenter_for_a_long_cluster_name" {
  command = plan

  # IAM caps name_prefix at 38 characters, EventBridge rule name_prefix at 38, SQS queue names at 80.
  # https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html ;
  # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html
  # (the node role's prefix: module node_role refuses one over 38 characters, so this plan would fail)
  assert {
    condition     = length(aws_iam_role.controller.name_prefix) <= 38
    error_message = "IAM name_prefix must fit 38 characters"
  }
  assert {
    condition     = alltrue([for r in aws_cloudwatch_event_rule.interruption : length(r.name_prefix) <= 38])
    error_message = "EventBridge rule name_prefix must fit 38 characters"
  }
  assert {
    condition     = length(aws_sqs_queue.interruption.name) <= 80
    error_message = "SQS queue names have at most 80 characters"
  }

  # Nodes join through an EC2_LINUX access entry. https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
  assert {
    condition     = aws_eks_access_entry.node.type == "EC2_LINUX"
    error_message = "the node role needs an EC2_LINUX access entry"
  }

  # The chart's service account in kube-system gets the controller role through Pod Identity.
  assert {
    condition     = aws_eks_pod_identity_association.controller.namespace == "kube-system" && aws_eks_pod_identity_association.controller.service_account == "karpenter"
    error_message = "the Pod Identity association must name kube-system/karpenter"
  }

  # Four event sources, each rule targeting the queue. https://karpenter.sh/docs/concepts/disruption/#interruption
  assert {
    condition = toset([for r in aws_cloudwatch_event_rule.interruption : jsondecode(r.event_pattern)["detail-type"][0]]) == toset([
      "AWS Health Event", "EC2 Instance Rebalance Recommendation", "EC2 Instance State-change Notification",
    "EC2 Spot Instance Interruption Warning"])
    error_message = "the interruption rules must cover health events, rebalance recommendations, state changes and spot warnings"
  }
  assert {
    condition     = length(aws_cloudwatch_event_target.interruption) == 4
    error_message = "every rule needs the queue as its target"
  }

  # Encrypted (SSE-SQS) and short-lived: events older than five minutes describe nodes already gone.
  assert {
    condition     = aws_sqs_queue.interruption.sqs_managed_sse_enabled && aws_sqs_queue.interruption.message_retention_seconds == 300
    error_message = "the interruption queue must be encrypted and keep messages 5 minutes"
  }

  # EC2NodeClasses select the cluster security group by this tag.
  assert {
    condition     = aws_ec2_tag.cluster_security_group.key == "karpenter.sh/discovery" && aws_ec2_tag.cluster_security_group.value == var.cluster_name
    error_message = "the cluster security group must carry karpenter.sh/discovery = <cluster>"
  }
}
