# A data service's security group: one TCP port, open only to the listed security groups. No egress
# rule: the services behind it (RDS, ElastiCache) never open connections.
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = var.description
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = var.name })

  # A changed description replaces the group; the new one must exist before the service moves to it.
  lifecycle {
    create_before_destroy = true
  }
}

# count, not for_each: security group IDs from other modules are often unknown at plan time, and only
# the list's length must be known for count.
resource "aws_vpc_security_group_ingress_rule" "this" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = var.rule_description
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
  tags                         = var.tags
}
