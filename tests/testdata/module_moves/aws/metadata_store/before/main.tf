data "aws_partition" "current" {}

locals {
  engine_major = split(".", var.engine_version)[0]
  log_exports  = ["postgresql", "upgrade"]
}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.name}-"
  description = "Private subnets of metadata store ${var.name}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-db-"
  description = "PostgreSQL metadata store ${var.name}: 5432 from allowed security groups only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

# count, not for_each: security group IDs from other modules are often unknown at plan time, and only
# the list's length must be known for count. No egress rule: the database never opens connections.
resource "aws_vpc_security_group_ingress_rule" "this" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from an allowed security group"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
  tags                         = var.tags
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-postgres${local.engine_major}-"
  family      = "postgres${local.engine_major}"
  description = "Metadata store ${var.name}: TLS only, connection and slow-query logging"
  tags        = var.tags

  # Clients must use TLS. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  # DDL only: logging every statement ("all") would write query parameters, which can hold secrets, to logs.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  # A major version upgrade needs a new group of the new family before the instance switches to it.
  lifecycle {
    create_before_destroy = true
  }
}

# Pre-created so RDS logs land in encrypted groups with a retention instead of never-expiring ones.
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html
resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

# Enhanced monitoring publishes OS metrics through this role.
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html
resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 20)}-rds-monitoring-"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# A fixed final_snapshot_identifier makes the second destroy of a re-created database fail (the
# snapshot name exists). The suffix is the creation time, kept for the instance's life.
resource "terraform_data" "final_snapshot_suffix" {
  input = formatdate("YYYYMMDDhhmmss", plantimestamp())

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.db_name
  username       = var.master_username
  port           = 5432

  # The password is generated and rotated by RDS in Secrets Manager; it never appears in Terraform
  # configuration, plan or state. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = var.kms_key_arn
  iam_database_authentication_enabled = true

  allocated_storage = var.allocated_storage_gb
  # Storage autoscaling up to 4x: a full disk stops the metadata store, and growth is only billed when used.
  max_allocated_storage = var.allocated_storage_gb * 4
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  backup_retention_period = var.backup_retention_days
  copy_tags_to_snapshot   = true
  # Keep automated backups after the instance is deleted; they expire with their retention period.
  delete_automated_backups = false

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544):
  # RDS deletion protection is enforced by the API, and a protected database leaves a final snapshot.
  deletion_protection       = var.protect
  skip_final_snapshot       = !var.protect
  final_snapshot_identifier = var.protect ? "${var.name}-final-${terraform_data.final_snapshot_suffix.output}" : null

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false

  enabled_cloudwatch_logs_exports       = local.log_exports
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.this.arn

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy_attachment.this,
  ]
}
