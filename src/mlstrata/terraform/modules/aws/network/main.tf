data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

# Zone names are per account (us-east-1a is a different building in each account) and some zones are
# closed to most accounts (ap-northeast-1b) or to EKS: pick available zones, by zone ID, at plan time.
# https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
data "aws_availability_zones" "available" {
  state = "available"

  # Opt-in Local/Wavelength zones are not regular AZs.
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }

  # EKS rejects control-plane subnets in these zone IDs with UnsupportedAvailabilityZoneException.
  # https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
  exclude_zone_ids = var.exclude_zone_ids
}

locals {
  zone_id_to_name = zipmap(data.aws_availability_zones.available.zone_ids, data.aws_availability_zones.available.names)
  # Pinned zone IDs (e.g. a capacity block's zone) first, then the region's other zones by zone ID. Zone
  # IDs are numbered in the order AWS opens zones, so a new zone sorts last and does not shift the choice.
  candidates = distinct(concat(var.include_zone_ids, sort(data.aws_availability_zones.available.zone_ids)))
  zone_ids   = slice(local.candidates, 0, min(var.az_count, length(local.candidates)))
  azs        = [for id in local.zone_ids : local.zone_id_to_name[id]]
  az_index   = { for i, az in local.azs : az => i }

  # Private subnets take the first /3 blocks of the VPC (8192 addresses each in a /16) because EKS pods
  # get VPC addresses (https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html); public subnets
  # only hold NAT gateways and load balancers and share the last /3 block in /6 pieces.
  private_cidrs = { for az, i in local.az_index : az => cidrsubnet(var.cidr, 3, i) }
  public_cidrs  = { for az, i in local.az_index : az => cidrsubnet(cidrsubnet(var.cidr, 3, 7), 3, i) }

  nat_azs = var.single_nat_gateway ? slice(local.azs, 0, 1) : local.azs
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })

  lifecycle {
    # e.g. us-west-1 offers most accounts two zones; EKS needs two.
    precondition {
      condition     = length(local.azs) >= 2
      error_message = "The region offers fewer than two usable availability zones to this account."
    }
    precondition {
      condition     = alltrue([for z in var.include_zone_ids : contains(data.aws_availability_zones.available.zone_ids, z)])
      error_message = "A zone ID in include_zone_ids is not available in this region for this account (or is excluded)."
    }
  }
}

# Adopting the default security group removes all its rules, so nothing can use it by accident.
# https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-default-deny" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  for_each = local.az_index

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = local.public_cidrs[each.key]
  # Nothing launched here should get a public address implicitly; load balancers and NAT use their own.
  map_public_ip_on_launch = false

  # https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html (subnet tagging)
  tags = merge(var.tags, {
    Name                     = "${var.name}-public-${each.key}"
    "kubernetes.io/role/elb" = "1"
  })
}

resource "aws_subnet" "private" {
  for_each = local.az_index

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = local.private_cidrs[each.key]

  # private_subnet_tags: e.g. karpenter.sh/discovery, by which Karpenter's EC2NodeClasses select these subnets.
  tags = merge(var.tags, var.private_subnet_tags, {
    Name                              = "${var.name}-private-${each.key}"
    "kubernetes.io/role/internal-elb" = "1"
  })
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_azs)

  domain = "vpc"
  tags   = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_azs)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id
  tags          = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  for_each = local.az_index

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

# One private route table per AZ, so switching single_nat_gateway only changes routes, not associations.
resource "aws_route_table" "private" {
  for_each = local.az_index

  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route" "private_nat" {
  for_each = local.az_index

  route_table_id         = aws_route_table.private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? local.azs[0] : each.key].id
}

resource "aws_route_table_association" "private" {
  for_each = local.az_index

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

# Dataset and checkpoint traffic to S3 stays on the AWS network instead of being billed per GB through
# the NAT gateways. https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [for az in local.azs : aws_route_table.private[az].id]
  tags              = merge(var.tags, { Name = "${var.name}-s3" })
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vpc-flow-logs/${var.name}"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.flow_log_kms_key_arn
  tags              = var.tags
}

# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
data "aws_iam_policy_document" "flow_log_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    # Confused-deputy protection: only flow logs of this account may assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ec2:*:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*"]
    }
  }
}

data "aws_iam_policy_document" "flow_log" {
  statement {
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 22)}-flow-log-"
  assume_role_policy = data.aws_iam_policy_document.flow_log_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "write-flow-logs"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.flow_log.json
}

resource "aws_flow_log" "this" {
  vpc_id = aws_vpc.this.id
  # REJECT and 10-minute aggregation by default: what security review needs, at a fraction of the
  # ingestion cost of every accepted packet every minute. https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.this.arn
  iam_role_arn             = aws_iam_role.this.arn
  max_aggregation_interval = var.flow_log_aggregation_seconds
  tags                     = merge(var.tags, { Name = var.name })

  # CreateFlowLogs checks only that the service can assume the role (the provider retries "Unable to assume
  # given IAM role" while a new role's trust propagates, hashicorp/terraform-provider-aws#29323), never what
  # the role may do: created beside the role's write policy, the flow log starts delivering before it may
  # write and reports "Access error". https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
  depends_on = [aws_iam_role_policy.this]
}
