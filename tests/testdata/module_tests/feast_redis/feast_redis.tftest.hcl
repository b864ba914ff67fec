# Plans of the feast_redis module against a mocked hashicorp/aws provider (no AWS account needed): the real
# provider's schema and argument validation run on every argument.
mock_provider "aws" {
  mock_resource "aws_elasticache_user" {
    defaults = { arn = "arn:aws:elasticache:us-east-1:111111111111:user:acme-ml-prod-feast" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { arn = "arn:aws:elasticache:us-east-1:111111111111:replicationgroup:acme-ml-prod-feast" }
  }
}

variables {
  name                       = "acme-ml-prod-feast"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0a", "subnet-0b"]
  allowed_security_group_ids = ["sg-0123456789abcdef0"]
  kms_key_arn                = "arn:aws:kms:us-east-1:111111111111:key/0d8f2a4c-1111-2222-3333-444455556666"
  protect                    = true
}

run "protected_online_store" {
  command = plan

  # Encrypted at rest with the customer key and in transit, TLS required of every client.
  # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
  assert {
    condition = (aws_elasticache_replication_group.this.at_rest_encryption_enabled
      && aws_elasticache_replication_group.this.transit_encryption_enabled
    && aws_elasticache_replication_group.this.transit_encryption_mode == "required")
    error_message = "the online store must be encrypted at rest and in transit (TLS required)"
  }

  # Protected: two nodes with automatic failover across zones.
  assert {
    condition = (aws_elasticache_replication_group.this.num_cache_clusters == 2
    && aws_elasticache_replication_group.this.automatic_failover_enabled && aws_elasticache_replication_group.this.multi_az_enabled)
    error_message = "a protected online store runs two nodes with failover"
  }

  # IAM authentication: user id = user name, no password.
  # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth-iam.html
  assert {
    condition     = aws_elasticache_user.feast.user_id == aws_elasticache_user.feast.user_name && aws_elasticache_user.feast.authentication_mode[0].type == "iam"
    error_message = "the Feast user authenticates with IAM and has user id = user name"
  }

  # Every user group holds a user named default; ours is switched off.
  assert {
    condition     = aws_elasticache_user.default.user_name == "default" && startswith(aws_elasticache_user.default.access_string, "off")
    error_message = "the default user must exist and be off"
  }
}

run "unprotected_online_store" {
  command = plan

  variables {
    protect = false
  }

  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 1 && !aws_elasticache_replication_group.this.automatic_failover_enabled
    error_message = "an unprotected online store runs one node"
  }
}
