"""Generate a corpus of real-world-like Terraform for `mlstrata check` benchmarks.

Each "repository" has the layout teams use: reusable modules (network, EKS with node groups, S3
buckets configured through separate resources, RDS, IAM roles and policies, queues, Lambda, KMS, GKE
node pools, SageMaker registry) in modules/<name>/{main,variables,outputs,versions}.tf, and live roots
live/<env>/<layer>/{backend,providers,main,terraform.tfvars}. Choices (names, counts, which settings a
bucket or node group forgets) come from a seeded random generator, so the corpus is the same on every
run. All text is written by these templates; no third-party code is used.

    python benchmarks/check_corpus.py OUT_DIR [--repos N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = [
    "fraud",
    "reco",
    "search",
    "vision",
    "speech",
    "ranking",
    "forecast",
    "churn",
    "nlp",
    "ads",
    "pricing",
    "risk",
    "catalog",
    "feeds",
    "embeddings",
    "llm",
    "ocr",
    "anomaly",
]
ENVS = ["dev", "staging", "prod"]


def _var(name: str, typ: str, desc: str | None, default: str | None = None) -> str:
    lines = [f'variable "{name}" {{']
    if desc is not None:
        lines.append(f'  description = "{desc}"')
    if typ:
        lines.append(f"  type        = {typ}")
    if default is not None:
        lines.append(f"  default     = {default}")
    if typ == "string" and default is None:
        lines += [
            "",
            "  validation {",
            f"    condition     = length(var.{name}) > 0 && length(var.{name}) <= 256",
            f'    error_message = "{name} must be 1 to 256 characters long."',
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _versions(rnd: random.Random, providers: tuple[str, ...] = ("aws",)) -> str:
    out = [
        "terraform {",
        f'  required_version = ">= 1.{rnd.choice([5, 6, 7, 9, 10])}"',
        "  required_providers {",
    ]
    for p in providers:
        out += [
            f"    {p} = {{",
            f'      source  = "hashicorp/{p}"',
            f'      version = ">= {rnd.randint(4, 6)}.0"',
            "    }",
        ]
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


def _outputs(pairs: list[tuple[str, str, str]]) -> str:
    return "\n".join(
        f'output "{n}" {{\n  description = "{d}"\n  value       = {v}\n}}\n' for n, v, d in pairs
    )


def network(rnd: random.Random, name: str) -> dict[str, str]:
    zones = rnd.randint(2, 4)
    main = f"""# Network for {name}: one VPC, public and private subnets per zone, NAT for egress.
locals {{
  azs        = slice(var.azs, 0, {zones})
  nat_count  = var.single_nat_gateway ? 1 : length(local.azs)
  public_tags = merge(var.tags, {{ "kubernetes.io/role/elb" = "1" }})
}}

resource "aws_vpc" "this" {{
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  enable_dns_support   = true
  tags                 = merge(var.tags, {{ Name = var.name }})
}}

resource "aws_internet_gateway" "this" {{
  vpc_id = aws_vpc.this.id
  tags   = var.tags
}}

resource "aws_subnet" "public" {{
  count                   = length(local.azs)
  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.cidr, 8, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false
  tags                    = local.public_tags
}}

resource "aws_subnet" "private" {{
  count             = length(local.azs)
  vpc_id            = aws_vpc.this.id
  cidr_block        = cidrsubnet(var.cidr, 4, count.index + 1)
  availability_zone = local.azs[count.index]
  tags              = merge(var.tags, {{ "kubernetes.io/role/internal-elb" = "1" }})
}}

resource "aws_eip" "nat" {{
  count  = local.nat_count
  domain = "vpc"
  tags   = var.tags
}}

resource "aws_nat_gateway" "this" {{
  count         = local.nat_count
  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = var.tags
}}

resource "aws_route_table" "private" {{
  count  = length(local.azs)
  vpc_id = aws_vpc.this.id

  route {{
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
  }}

  tags = var.tags
}}

resource "aws_route_table_association" "private" {{
  count          = length(local.azs)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}}

resource "aws_flow_log" "this" {{
  count                = var.flow_logs ? 1 : 0
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow[0].arn
  iam_role_arn         = var.flow_log_role_arn
}}

resource "aws_cloudwatch_log_group" "flow" {{
  count             = var.flow_logs ? 1 : 0
  name              = "/vpc/${{var.name}}/flow"
  retention_in_days = {rnd.choice([14, 30, 90, 365])}
}}
"""
    variables = (
        _var("name", "string", "Name prefix.")
        + _var("cidr", "string", "VPC CIDR.", '"10.0.0.0/16"')
        + _var("azs", "list(string)", "Availability zones.")
        + _var("single_nat_gateway", "bool", "One NAT gateway for all zones.", "true")
        + _var("flow_logs", "bool", "Enable flow logs.", "true")
        + _var("flow_log_role_arn", "string", None if rnd.random() < 0.3 else "Role for flow logs.", "null")
        + _var("tags", "map(string)", "Tags.", "{}")
    )
    outputs = _outputs(
        [
            ("vpc_id", "aws_vpc.this.id", "VPC id."),
            ("private_subnet_ids", "aws_subnet.private[*].id", "Private subnets."),
            ("public_subnet_ids", "aws_subnet.public[*].id", "Public subnets."),
        ]
    )
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def eks(rnd: random.Random, name: str) -> dict[str, str]:
    groups = []
    for i in range(rnd.randint(1, 3)):
        gpu = rnd.random() < 0.7
        itype = rnd.choice(["g6e.xlarge", "g5.2xlarge", "p4d.24xlarge", "g6.4xlarge"]) if gpu else "m7i.large"
        ami = (
            rnd.choice(["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA", "AL2_x86_64_GPU"])
            if gpu
            else "AL2023_x86_64_STANDARD"
        )
        taint = gpu and rnd.random() < 0.7
        labels = rnd.random() < 0.8
        ignore = rnd.random() < 0.4
        gname = f"{'gpu' if gpu else 'system'}-{i}"
        block = [
            f'resource "aws_eks_node_group" "{gname.replace("-", "_")}" {{',
            "  cluster_name    = aws_eks_cluster.this.name",
            f'  node_group_name = "{gname}"',
            "  node_role_arn   = aws_iam_role.node.arn",
            "  subnet_ids      = var.subnet_ids",
            f'  instance_types  = ["{itype}"]',
            f'  ami_type        = "{ami}"',
        ]
        if rnd.random() < 0.7:
            block.append(f'  capacity_type   = "{rnd.choice(["ON_DEMAND", "SPOT"])}"')
        if labels:
            block.append(
                f'  labels          = {{ workload = "{rnd.choice(["training", "inference", "system"])}" }}'
            )
        block += [
            "",
            "  scaling_config {",
            f"    min_size     = {rnd.randint(0, 1)}",
            f"    max_size     = var.max_nodes_{i}",
            "    desired_size = 1",
            "  }",
        ]
        if taint:
            block += [
                "",
                "  taint {",
                '    key    = "nvidia.com/gpu"',
                '    value  = "true"',
                '    effect = "NO_SCHEDULE"',
                "  }",
            ]
        if ignore:
            block += ["", "  lifecycle {", "    ignore_changes = [scaling_config[0].desired_size]", "  }"]
        block += ["", "  tags = var.tags", "}", ""]
        groups.append("\n".join(block))
    main = f"""data "aws_iam_policy_document" "cluster_assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "cluster" {{
  name               = "${{var.name}}-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
}}

resource "aws_iam_role_policy_attachment" "cluster" {{
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}}

resource "aws_eks_cluster" "this" {{
  name     = var.name
  version  = "{rnd.choice(["1.31", "1.32", "1.33"])}"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {{
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = {str(rnd.random() < 0.3).lower()}
  }}

  encryption_config {{
    resources = ["secrets"]
    provider {{
      key_arn = var.kms_key_arn
    }}
  }}

  enabled_cluster_log_types = ["api", "audit"]
  tags                      = var.tags
}}

data "aws_iam_policy_document" "node_assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "node" {{
  name               = "${{var.name}}-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
}}

resource "aws_iam_role_policy_attachment" "node" {{
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/${{each.value}}"
}}

""" + "\n".join(groups)
    variables = (
        _var("name", "string", "Cluster name.")
        + _var("subnet_ids", "list(string)", "Subnets.")
        + _var("kms_key_arn", "string", "Key for secrets encryption.")
        + "".join(
            _var(f"max_nodes_{i}", "number", "Maximum nodes.", str(rnd.randint(2, 16)))
            for i in range(len(groups))
        )
        + _var("tags", "map(string)" if rnd.random() < 0.8 else "", "Tags.", "{}")
    )
    outputs = _outputs(
        [
            ("cluster_name", "aws_eks_cluster.this.name", "Cluster name."),
            ("cluster_endpoint", "aws_eks_cluster.this.endpoint", "API endpoint."),
            ("node_role_arn", "aws_iam_role.node.arn", "Node role."),
        ]
    )
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def bucket(rnd: random.Random, name: str) -> dict[str, str]:
    parts = [
        """resource "aws_s3_bucket" "this" {
  bucket        = var.name
  force_destroy = false
  tags          = var.tags
}
"""
    ]
    if rnd.random() < 0.8:
        parts.append("""resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}
""")
    if rnd.random() < 0.8:
        algo = '"aws:kms"' if rnd.random() < 0.7 else '"AES256"'
        parts.append(f"""resource "aws_s3_bucket_server_side_encryption_configuration" "this" {{
  bucket = aws_s3_bucket.this.id
  rule {{
    bucket_key_enabled = true
    apply_server_side_encryption_by_default {{
      sse_algorithm     = {algo}
      kms_master_key_id = var.kms_key_arn
    }}
  }}
}}
""")
    if rnd.random() < 0.85:
        parts.append(f"""resource "aws_s3_bucket_public_access_block" "this" {{
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = {str(rnd.random() < 0.9).lower()}
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
""")
    if rnd.random() < 0.7:
        parts.append("""data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
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

  dynamic "statement" {
    for_each = length(var.reader_arns) > 0 ? [1] : []
    content {
      sid       = "Readers"
      actions   = ["s3:GetObject", "s3:ListBucket"]
      resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      principals {
        type        = "AWS"
        identifiers = var.reader_arns
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json
}
""")
    if rnd.random() < 0.6:
        parts.append(f"""resource "aws_s3_bucket_lifecycle_configuration" "this" {{
  bucket = aws_s3_bucket.this.id
  rule {{
    id     = "housekeeping"
    status = "Enabled"
    filter {{}}
    noncurrent_version_expiration {{
      noncurrent_days = {rnd.choice([30, 90, 365])}
    }}
    abort_incomplete_multipart_upload {{
      days_after_initiation = 7
    }}
  }}
}}
""")
    variables = (
        _var("name", "string", "Bucket name.")
        + _var("versioning", "bool", "Keep versions.", "true")
        + _var("kms_key_arn", "string", "KMS key.", "null")
        + _var("reader_arns", "list(string)", "Readers.", "[]")
        + _var("tags", "map(string)", "Tags.", "{}")
    )
    outputs = _outputs(
        [
            ("bucket_id", "aws_s3_bucket.this.id", "Bucket name."),
            ("bucket_arn", "aws_s3_bucket.this.arn", "Bucket ARN."),
        ]
    )
    return {
        "main.tf": "\n".join(parts),
        "variables.tf": variables,
        "outputs.tf": outputs,
        "versions.tf": _versions(rnd),
    }


def database(rnd: random.Random, name: str) -> dict[str, str]:
    literal = rnd.random() < 0.1
    password = '  password = "Gen3rated-Bench-Only"' if literal else "  manage_master_user_password = true"
    main = f"""resource "aws_db_subnet_group" "this" {{
  name_prefix = "${{var.name}}-"
  subnet_ids  = var.subnet_ids
}}

resource "aws_security_group" "this" {{
  name_prefix = "${{var.name}}-db-"
  vpc_id      = var.vpc_id

  ingress {{
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = var.allowed_security_group_ids
  }}
}}

resource "aws_db_parameter_group" "this" {{
  name_prefix = "${{var.name}}-"
  family      = "postgres16"

  parameter {{
    name  = "rds.force_ssl"
    value = "1"
  }}
}}

resource "aws_db_instance" "this" {{
  identifier            = var.name
  engine                = "postgres"
  engine_version        = "16.4"
  instance_class        = var.instance_class
  allocated_storage     = var.storage_gb
  max_allocated_storage = var.storage_gb * 4
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn
  username              = "app"
{password}
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  multi_az               = var.multi_az
  backup_retention_period = {rnd.choice([7, 14, 30])}
  deletion_protection    = var.deletion_protection
  skip_final_snapshot    = !var.deletion_protection
  publicly_accessible    = false
}}
"""
    variables = (
        _var("name", "string", "Identifier.")
        + _var("vpc_id", "string", "VPC.")
        + _var("subnet_ids", "list(string)", "Subnets.")
        + _var("allowed_security_group_ids", "list(string)", "Clients.", "[]")
        + _var("instance_class", "string", "Size.", '"db.t4g.medium"')
        + _var("storage_gb", "number", "Storage.", "50")
        + _var("multi_az", "bool", "Multi-AZ.", "false")
        + _var("kms_key_arn", "string", "Key.", "null")
        + _var("deletion_protection", "bool", "Deletion protection.", "false")
    )
    outputs = _outputs(
        [("endpoint", "aws_db_instance.this.endpoint", "Endpoint.")]
        + ([("db_password", "aws_db_instance.this.password", "Password.")] if literal else [])
    )
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def iam(rnd: random.Random, name: str) -> dict[str, str]:
    wide = rnd.random() < 0.2
    action = '"*"' if rnd.random() < 0.1 else '["s3:GetObject", "s3:PutObject", "s3:ListBucket"]'
    resource = '"*"' if wide else "var.bucket_arns"
    main = f"""data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {{
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }}
    condition {{
      test     = "StringEquals"
      variable = "${{var.oidc_issuer}}:sub"
      values   = ["system:serviceaccount:${{var.namespace}}:${{var.service_account}}"]
    }}
  }}
}}

resource "aws_iam_role" "this" {{
  name               = "{name}-pipeline"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

resource "aws_iam_policy" "this" {{
  name = "{name}-pipeline"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid      = "Artifacts"
        Effect   = "Allow"
        Action   = {action}
        Resource = {resource}
      }},
      {{
        Sid      = "Queue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
        Resource = var.queue_arns
      }}
    ]
  }})
}}

resource "aws_iam_role_policy_attachment" "this" {{
  role       = aws_iam_role.this.name
  policy_arn = aws_iam_policy.this.arn
}}
"""
    variables = (
        _var("oidc_provider_arn", "string", "OIDC provider.")
        + _var("oidc_issuer", "string", "Issuer.")
        + _var("namespace", "string", "Namespace.", '"pipelines"')
        + _var("service_account", "string", "Service account.", '"runner"')
        + _var("bucket_arns", "list(string)", "Buckets.", "[]")
        + _var("queue_arns", "list(string)", "Queues.", "[]")
    )
    outputs = _outputs([("role_arn", "aws_iam_role.this.arn", "Role ARN.")])
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def queue(rnd: random.Random, name: str) -> dict[str, str]:
    main = f"""resource "aws_sqs_queue" "dead_letter" {{
  name                      = "${{var.name}}-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = var.kms_key_arn
}}

resource "aws_sqs_queue" "this" {{
  name                       = var.name
  visibility_timeout_seconds = {rnd.choice([30, 300, 900])}
  message_retention_seconds  = {rnd.choice([86400, 345600])}
  kms_master_key_id          = var.kms_key_arn
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = {rnd.randint(3, 10)}
  }})
}}

resource "aws_sns_topic" "alerts" {{
  count             = var.alerts ? 1 : 0
  name              = "${{var.name}}-alerts"
  kms_master_key_id = var.kms_key_arn
}}
"""
    variables = (
        _var("name", "string", "Queue name.")
        + _var("kms_key_arn", "string", "Key.", "null")
        + _var("alerts", "bool", "Alert topic.", "false")
    )
    outputs = _outputs(
        [
            ("queue_arn", "aws_sqs_queue.this.arn", "Queue ARN."),
            ("queue_url", "aws_sqs_queue.this.url", "Queue URL."),
        ]
    )
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def function(rnd: random.Random, name: str) -> dict[str, str]:
    main = f"""data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "this" {{
  name               = "${{var.name}}-fn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

resource "aws_iam_role_policy_attachment" "logs" {{
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}}

resource "aws_lambda_function" "this" {{
  function_name = var.name
  role          = aws_iam_role.this.arn
  runtime       = "python3.{rnd.choice([11, 12, 13])}"
  handler       = "app.handler"
  filename      = var.package
  memory_size   = {rnd.choice([256, 512, 1024])}
  timeout       = {rnd.choice([30, 60, 300])}

  environment {{
    variables = {{
      STAGE     = var.stage
      LOG_LEVEL = "INFO"
    }}
  }}

  tracing_config {{
    mode = "Active"
  }}
}}

resource "aws_cloudwatch_log_group" "this" {{
  name              = "/aws/lambda/${{var.name}}"
  retention_in_days = 30
}}
"""
    variables = (
        _var("name", "string", "Function name.")
        + _var("package", "string", "Zip file.")
        + _var("stage", "string", "Stage.", '"dev"')
    )
    outputs = _outputs([("function_arn", "aws_lambda_function.this.arn", "Function ARN.")])
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def kms(rnd: random.Random, name: str) -> dict[str, str]:
    main = """data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "key_policy" {
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key_policy.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
"""
    variables = _var("description", "string", "What the key protects.") + _var("alias", "string", "Alias.")
    outputs = _outputs([("key_arn", "aws_kms_key.this.arn", "Key ARN.")])
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def gke(rnd: random.Random, name: str) -> dict[str, str]:
    taint = rnd.random() < 0.6
    main = (
        f"""resource "google_container_node_pool" "gpu" {{
  name     = "${{var.name}}-gpu"
  cluster  = var.cluster
  location = var.region

  autoscaling {{
    total_min_node_count = 0
    total_max_node_count = var.max_nodes
  }}

  management {{
    auto_repair  = true
    auto_upgrade = true
  }}

  node_config {{
    machine_type = "{rnd.choice(["a2-highgpu-1g", "g2-standard-8", "n1-standard-8"])}"
    disk_size_gb = 200
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]

    guest_accelerator {{
      type  = "{rnd.choice(["nvidia-tesla-a100", "nvidia-l4", "nvidia-tesla-t4"])}"
      count = 1
    }}
"""
        + (
            """
    taint {
      key    = "nvidia.com/gpu"
      value  = "present"
      effect = "NO_SCHEDULE"
    }
"""
            if taint
            else ""
        )
        + """
    labels = {
      workload = "gpu"
    }
  }
}
"""
    )
    variables = (
        _var("name", "string", "Pool name.")
        + _var("cluster", "string", "Cluster.")
        + _var("region", "string", "Region.")
        + _var("max_nodes", "number", "Maximum nodes.", "4")
    )
    outputs = _outputs([("pool_name", "google_container_node_pool.gpu.name", "Pool name.")])
    return {
        "main.tf": main,
        "variables.tf": variables,
        "outputs.tf": outputs,
        "versions.tf": _versions(rnd, ("google",)),
    }


def registry(rnd: random.Random, name: str) -> dict[str, str]:
    main = """resource "aws_sagemaker_model_package_group" "this" {
  for_each                        = toset(var.stages)
  model_package_group_name        = "${var.name}-${each.key}"
  model_package_group_description = "Models promoted to ${each.key}"
}

data "aws_iam_policy_document" "this" {
  for_each = toset(var.stages)

  statement {
    sid       = "Readers"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    resources = [aws_sagemaker_model_package_group.this[each.key].arn]
    principals {
      type        = "AWS"
      identifiers = var.reader_arns
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "this" {
  for_each                 = toset(var.stages)
  model_package_group_name = aws_sagemaker_model_package_group.this[each.key].model_package_group_name
  resource_policy          = data.aws_iam_policy_document.this[each.key].json
}
"""
    variables = (
        _var("name", "string", "Model name.")
        + _var("stages", "list(string)", "Stages.")
        + _var("reader_arns", "list(string)", "Readers.", "[]")
    )
    outputs = _outputs(
        [("group_arns", "{ for k, g in aws_sagemaker_model_package_group.this : k => g.arn }", "Group ARNs.")]
    )
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


def monitoring(rnd: random.Random, name: str) -> dict[str, str]:
    alarms = []
    for i in range(rnd.randint(6, 14)):
        metric = rnd.choice(
            [
                "CPUUtilization",
                "GPUUtilization",
                "ApproximateAgeOfOldestMessage",
                "Errors",
                "FreeStorageSpace",
                "5XXError",
            ]
        )
        alarms.append(f"""resource "aws_cloudwatch_metric_alarm" "a{i}" {{
  alarm_name          = "${{var.name}}-{metric.lower()}-{i}"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = {rnd.randint(1, 5)}
  metric_name         = "{metric}"
  namespace           = "{rnd.choice(["AWS/EC2", "AWS/SQS", "AWS/RDS", "AWS/Lambda", "CWAgent"])}"
  period              = {rnd.choice([60, 300])}
  statistic           = "Average"
  threshold           = {rnd.randint(1, 95)}
  alarm_description   = "{metric} of {name} above threshold for too long"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
  treat_missing_data  = "notBreaching"

  dimensions = {{
    Name = var.name
  }}

  tags = var.tags
}}
""")
    main = """resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

""" + "\n".join(alarms)
    variables = (
        _var("name", "string", "Prefix of alarm names.")
        + _var("kms_key_arn", "string", "Key.", "null")
        + _var("emails", "list(string)", "Who gets alerts.", "[]")
        + _var("tags", "map(string)", "Tags.", "{}")
    )
    outputs = _outputs([("topic_arn", "aws_sns_topic.alerts.arn", "Alert topic.")])
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": _versions(rnd)}


MODULES = {
    "network": network,
    "eks": eks,
    "bucket": bucket,
    "database": database,
    "iam": iam,
    "queue": queue,
    "function": function,
    "kms": kms,
    "gke": gke,
    "registry": registry,
    "monitoring": monitoring,
}


def live_root(rnd: random.Random, project: str, env: str, modules: list[str]) -> dict[str, str]:
    backend = [
        "terraform {",
        '  backend "s3" {',
        f'    bucket  = "{project}-tfstate"',
        f'    key     = "{env}/terraform.tfstate"',
        '    region  = "us-east-1"',
        "    encrypt = true",
    ]
    if rnd.random() < 0.7:
        backend.append("    use_lockfile = true")
    backend += ["  }", "}"]
    calls = []
    for m in modules:
        args = {
            "network": ['  name = "{p}-{e}"', '  azs  = ["us-east-1a", "us-east-1b", "us-east-1c"]'],
            "eks": [
                '  name        = "{p}-{e}"',
                "  subnet_ids  = module.network.private_subnet_ids",
                "  kms_key_arn = module.kms.key_arn",
            ],
            "bucket": ['  name       = "{p}-{e}-artifacts"', "  kms_key_arn = module.kms.key_arn"],
            "database": [
                '  name       = "{p}-{e}-metadata"',
                "  vpc_id     = module.network.vpc_id",
                "  subnet_ids = module.network.private_subnet_ids",
                f"  deletion_protection = {str(env == 'prod' and rnd.random() < 0.8).lower()}",
            ],
            "iam": ["  oidc_provider_arn = var.oidc_provider_arn", "  oidc_issuer       = var.oidc_issuer"],
            "queue": ['  name = "{p}-{e}-jobs"'],
            "function": [
                '  name    = "{p}-{e}-trigger"',
                '  package = "build/trigger.zip"',
                '  stage   = "{e}"',
            ],
            "kms": ['  description = "{p} {e}"', '  alias       = "{p}-{e}"'],
            "gke": ['  name    = "{p}"', '  cluster = "{p}-{e}"', '  region  = "us-central1"'],
            "registry": ['  name   = "{p}"', '  stages = ["{e}"]'],
            "monitoring": ['  name = "{p}-{e}"', "  kms_key_arn = module.kms.key_arn"],
        }[m]
        body = "\n".join(a.format(p=project, e=env) for a in args)
        calls.append(f'module "{m}" {{\n  source = "../../../modules/{m}"\n\n{body}\n}}\n')
    main = "\n".join(calls)
    variables = _var("oidc_provider_arn", "string", "OIDC provider of the cluster.", '""') + _var(
        "oidc_issuer", "string", "OIDC issuer.", '""'
    )
    providers = f"""provider "aws" {{
  region = "us-east-1"
  default_tags {{
    tags = {{
      project     = "{project}"
      environment = "{env}"
    }}
  }}
}}
"""
    tfvars = f'oidc_issuer = "oidc.eks.us-east-1.amazonaws.com/id/{rnd.randrange(16**8):08X}"\n'
    return {
        "backend.tf": "\n".join(backend) + "\n",
        "main.tf": main,
        "variables.tf": variables,
        "providers.tf": providers,
        "terraform.tfvars": tfvars,
    }


def generate(out: Path, repos: int = 34, seed: int = 7) -> list[Path]:
    """Write the corpus under `out`; returns the files written."""
    rnd = random.Random(seed)
    written: list[Path] = []
    for r in range(repos):
        project = f"{rnd.choice(WORDS)}-{r:03d}"
        repo = out / project
        chosen = sorted(rnd.sample(sorted(MODULES), k=rnd.randint(4, 7)))
        if "kms" not in chosen:
            chosen.append("kms")
        if "eks" in chosen and "network" not in chosen:
            chosen.append("network")
        for name in chosen:
            for fname, text in MODULES[name](rnd, project).items():
                written.append(_write(repo / "modules" / name / fname, text))
        for env in ENVS:
            for fname, text in live_root(rnd, project, env, chosen).items():
                written.append(_write(repo / "live" / env / "main" / fname, text))
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repos", type=int, default=34)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    files = generate(args.out, args.repos, args.seed)
    size = sum(f.stat().st_size for f in files)
    tf = sum(1 for f in files if f.suffix == ".tf")
    print(f"{len(files)} files ({tf} .tf), {size / 1e6:.2f} MB in {args.out}")


if __name__ == "__main__":
    main()
