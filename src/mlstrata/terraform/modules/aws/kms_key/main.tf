data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

# EC2 Auto Scaling launches instances with encrypted EBS volumes as its service-linked role; a key
# policy that does not admit it fails every launch ("Client.InternalError: Client error on launch",
# terraform-aws-modules/terraform-aws-eks#1023, #1619).
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
# KMS rejects a policy naming a role that does not exist yet, and a new account has no such role until
# its first Auto Scaling group: look it up and create it when missing.
data "aws_iam_roles" "autoscaling" {
  count = var.allow_ebs_autoscaling ? 1 : 0

  path_prefix = "/aws-service-role/autoscaling.amazonaws.com/"
  name_regex  = "^AWSServiceRoleForAutoScaling$"
}

# Whether the role was missing when this module was first applied, kept from then on (ignore_changes):
# the role this module created is listed by the next plan's look-up, and a count that followed the
# look-up would destroy it again (deleting a service-linked role in use fails,
# hashicorp/terraform-provider-aws#12937). A role the account already had is never taken over: it is
# shared by every state in the account (hashicorp/terraform-provider-aws#29318).
resource "terraform_data" "autoscaling_role_missing" {
  count = var.allow_ebs_autoscaling ? 1 : 0

  input = length(flatten(data.aws_iam_roles.autoscaling[*].names)) == 0

  lifecycle {
    ignore_changes = [input]
  }
}

resource "aws_iam_service_linked_role" "autoscaling" {
  count = var.allow_ebs_autoscaling && one(terraform_data.autoscaling_role_missing[*].input) == true ? 1 : 0

  aws_service_name = "autoscaling.amazonaws.com"
}

locals {
  account_root_arn     = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  autoscaling_role_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"

  # Data-plane actions a user of the key needs for envelope encryption, and nothing that manages the key.
  usage_actions = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
  ]
}

# The user and reader principals may not exist yet when the key policy is applied (a role of a later layer or
# another account): KMS rejects such a policy (MalformedPolicyDocumentException), so each grant names the
# principal's account, which always exists, narrowed to the exact ARNs by aws:PrincipalArn.
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-elements (Principal)
# Named key_policy rather than this: in a key policy Resource "*" means "this key", and scanner
# exceptions for that must not cover other modules' policy documents.
data "aws_iam_policy_document" "key_policy" {
  # The caller's own statements (e.g. the state backend's deploy roles), merged in first; sids are unique.
  source_policy_documents = var.policy_documents

  # The default key policy: the account (through IAM policies) administers the key. Without it the key
  # can become unmanageable. https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
  statement {
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = [local.account_root_arn]
    }
  }

  dynamic "statement" {
    for_each = length(var.service_principals) > 0 ? [1] : []

    content {
      sid       = "ServicesUseKey"
      actions   = local.usage_actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = var.service_principals
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.user_principal_arns) > 0 ? [1] : []

    content {
      sid       = "UsersUseKey"
      actions   = local.usage_actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.user_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.user_principal_arns
      }
    }
  }

  dynamic "statement" {
    for_each = var.allow_ebs_autoscaling ? [1] : []

    content {
      sid       = "AutoScalingUsesKeyForEbs"
      actions   = local.usage_actions
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = [local.autoscaling_role_arn]
      }
    }
  }

  dynamic "statement" {
    for_each = var.allow_ebs_autoscaling ? [1] : []

    content {
      sid       = "AutoScalingGrantsForEbs"
      actions   = ["kms:CreateGrant"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = [local.autoscaling_role_arn]
      }

      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }

  # CloudWatch Logs may use the key only for log groups of this account and region.
  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  dynamic "statement" {
    for_each = var.allow_cloudwatch_logs ? [1] : []

    content {
      sid       = "CloudWatchLogsUseKey"
      actions   = local.usage_actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${data.aws_region.current.region}.amazonaws.com"]
      }

      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
      }
    }
  }

  # Readers in other accounts (model serving, the next stage's promoters) decrypt, nothing more; their
  # own account must allow it too. https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
  dynamic "statement" {
    for_each = length(var.decrypt_principal_arns) > 0 ? [1] : []

    content {
      sid       = "ReadersDecrypt"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.decrypt_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.decrypt_principal_arns
      }
    }
  }

  # Readers and writers of a bucket this key encrypts, in any account: a principal of another account gets a
  # customer managed key only from its key policy (and its own account's IAM policy), never from this
  # account's IAM. Only through S3 (kms:ViaService) and only for that bucket's objects (S3 passes the bucket
  # ARN, with a bucket key, or the object ARN as the encryption context aws:s3:arn).
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
  dynamic "statement" {
    for_each = { for i, g in var.s3_bucket_principals : i => g if length(concat(g.readers, g.writers)) > 0 }

    content {
      sid       = "S3Bucket${statement.key}ReadersDecrypt"
      actions   = ["kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in concat(statement.value.readers, statement.value.writers) : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = distinct(concat(statement.value.readers, statement.value.writers))
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
      }

      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:s3:arn"
        values   = ["arn:${data.aws_partition.current.partition}:s3:::${statement.value.bucket}", "arn:${data.aws_partition.current.partition}:s3:::${statement.value.bucket}/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = { for i, g in var.s3_bucket_principals : i => g if length(g.writers) > 0 }

    content {
      sid       = "S3Bucket${statement.key}WritersEncrypt"
      actions   = ["kms:Encrypt", "kms:GenerateDataKey*"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in statement.value.writers : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = statement.value.writers
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
      }

      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:s3:arn"
        values   = ["arn:${data.aws_partition.current.partition}:s3:::${statement.value.bucket}", "arn:${data.aws_partition.current.partition}:s3:::${statement.value.bucket}/*"]
      }
    }
  }

  # Services such as EC2 Auto Scaling (encrypted EBS volumes) and RDS act through grants; only grants
  # for AWS resources are allowed. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
  dynamic "statement" {
    for_each = length(var.user_principal_arns) > 0 ? [1] : []

    content {
      sid       = "UsersGrantToAwsResources"
      actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.user_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.user_principal_arns
      }

      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }

  # lifecycle.prevent_destroy cannot take a variable (https://github.com/hashicorp/terraform/issues/22544),
  # so protection lives in the key policy. kms:PutKeyPolicy stays allowed: setting protect = false and
  # applying removes this statement again.
  dynamic "statement" {
    for_each = var.protect ? [1] : []

    content {
      sid       = "DenyKeyDeletionWhileProtected"
      effect    = "Deny"
      actions   = ["kms:DisableKey", "kms:ScheduleKeyDeletion"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = var.deletion_window_in_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key_policy.json
  tags                    = var.tags

  depends_on = [aws_iam_service_linked_role.autoscaling]
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
