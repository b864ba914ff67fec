locals {
  # ElastiCache ids: at most 40 characters, no trailing hyphen; the user ids carry a suffix.
  id           = trimsuffix(substr(var.name, 0, 40), "-")
  default_user = "${trimsuffix(substr(var.name, 0, 32), "-")}-default"
  feast_user   = "${trimsuffix(substr(var.name, 0, 34), "-")}-feast"
}

resource "aws_elasticache_subnet_group" "this" {
  name        = local.id
  description = "Private subnets of Feast online store ${var.name}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-redis-"
  description = "Feast online store ${var.name}: 6379 from allowed security groups only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-redis" })

  lifecycle {
    create_before_destroy = true
  }
}

# count, not for_each: security group IDs from other modules are often unknown at plan time.
resource "aws_vpc_security_group_ingress_rule" "this" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "Redis from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
  tags                         = var.tags
}

# Role-based access with IAM authentication: no password exists, so none can reach state or logs.
# Every user group must contain a user named "default"; this one is switched off.
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html
resource "aws_elasticache_user" "default" {
  user_id       = local.default_user
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"

  authentication_mode {
    type = "no-password-required"
  }

  tags = var.tags
}

# IAM authentication needs the user id and user name to be the same, and Redis OSS 7 or later.
# https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
resource "aws_elasticache_user" "feast" {
  user_id       = local.feast_user
  user_name     = local.feast_user
  engine        = "redis"
  access_string = "on ~* +@all -@dangerous"

  authentication_mode {
    type = "iam"
  }

  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = local.id
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default.user_id, aws_elasticache_user.feast.user_id]
  tags          = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = local.id
  description          = "Feast online store ${var.name}"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  subnet_group_name    = aws_elasticache_subnet_group.this.name
  security_group_ids   = [aws_security_group.this.id]
  user_group_ids       = [aws_elasticache_user_group.this.user_group_id]

  # Two nodes in two zones with automatic failover; one node is enough where nothing is protected.
  num_cache_clusters         = var.protect ? 2 : 1
  automatic_failover_enabled = var.protect
  multi_az_enabled           = var.protect

  # Encrypted at rest with the platform key and in transit (TLS required for every client).
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"

  auto_minor_version_upgrade = true
  snapshot_retention_limit   = var.protect ? 7 : 1
  final_snapshot_identifier  = var.protect ? "${local.id}-final" : null
  apply_immediately          = !var.protect

  tags = var.tags
}
