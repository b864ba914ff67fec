# Modelled on controller policies of GPU platforms (cluster-autoscaler, DCGM/CloudWatch agents, ECR pulls).

data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid = "Describe"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:DescribeInstanceTypes",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "ScaleOwnGroups"
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/gpu"
      values   = ["owned"]
    }
  }
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  name   = "cluster-autoscaler"
  role   = "cluster-autoscaler"
  policy = data.aws_iam_policy_document.cluster_autoscaler.json
}

data "aws_iam_policy_document" "metrics" {
  statement {
    sid       = "PutMetricsHasNoResourceType"
    actions   = ["cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
  statement {
    sid       = "PullImages"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "ServiceWildcardIsNotEverything"
    actions   = ["s3:*"]
    resources = ["arn:aws:s3:::acme-models", "arn:aws:s3:::acme-models/*"]
  }
}

resource "aws_iam_role_policy" "metrics" {
  name   = "dcgm-exporter"
  role   = "dcgm-exporter"
  policy = data.aws_iam_policy_document.metrics.json
}

data "aws_iam_policy_document" "training" {
  statement {
    actions   = ["s3:PutObject", "s3:DeleteObject"] # MLS016
    resources = ["*"]
  }
  statement {
    actions   = ["*"] # MLS015
    resources = ["arn:aws:s3:::acme-models"]
  }
}

resource "aws_iam_role" "training" {
  name               = "training-pipeline"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_role_policy" "training" {
  name   = "training"
  role   = aws_iam_role.training.id
  policy = data.aws_iam_policy_document.training.json
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"]
    }
    condition {
      test     = "StringEquals"
      variable = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub"
      values   = ["system:serviceaccount:kubeflow:pipeline-runner"]
    }
  }
}
