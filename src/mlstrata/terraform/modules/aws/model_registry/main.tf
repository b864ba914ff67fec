locals {
  group_names = { for stage in var.stages : stage => "${var.name}-${stage}" }

  promoters = { for stage in var.stages : stage => lookup(var.promoter_principal_arns_by_stage, stage, []) }

  # Model package (version) ARNs live under model-package/<group>/<version>, next to the group ARN.
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html#amazonsagemaker-resources-for-iam-policies
  package_arns = {
    for stage, group in aws_sagemaker_model_package_group.this :
    stage => "${replace(group.arn, ":model-package-group/", ":model-package/")}/*"
  }

  promote_actions = ["sagemaker:CreateModelPackage", "sagemaker:UpdateModelPackage"]
  read_actions    = ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup", "sagemaker:ListModelPackages"]
  delete_actions  = ["sagemaker:DeleteModelPackage", "sagemaker:DeleteModelPackageGroup", "sagemaker:DeleteModelPackageGroupPolicy"]
}

resource "aws_sagemaker_model_package_group" "this" {
  for_each = local.group_names

  model_package_group_name        = each.value
  model_package_group_description = "Model versions promoted to stage ${each.key} of ${var.name} (promotion order: ${join(" -> ", var.stages)})."
  tags                            = merge(var.tags, { "mlstrata:stage" = each.key })
}

# The principals the spec names (readers, writers, promoters) may not exist yet when this policy is applied:
# a role created by a later layer (the pipeline runner), another account's role made after this one. S3, KMS
# and SageMaker reject a policy whose principal ARN does not exist ("Invalid principal in policy",
# MalformedPolicyDocumentException), so each grant names the principal's account, which always exists, narrowed to
# the exact ARNs by aws:PrincipalArn (a condition is not resolved to a principal ID, and keeps matching a role
# that is deleted and created again). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
data "aws_iam_policy_document" "this" {
  for_each = local.group_names

  dynamic "statement" {
    for_each = length(local.promoters[each.key]) > 0 ? [1] : []

    content {
      sid       = "StagePromoters"
      actions   = local.promote_actions
      resources = [aws_sagemaker_model_package_group.this[each.key].arn, local.package_arns[each.key]]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in local.promoters[each.key] : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = local.promoters[each.key]
      }
    }
  }

  # An Allow alone would not stop other principals whose IAM policies allow sagemaker:*, so promotion
  # into this stage is denied to everybody who is not one of its promoters.
  dynamic "statement" {
    for_each = length(local.promoters[each.key]) > 0 ? [1] : []

    content {
      sid       = "DenyPromotionByOthers"
      effect    = "Deny"
      actions   = local.promote_actions
      resources = [aws_sagemaker_model_package_group.this[each.key].arn, local.package_arns[each.key]]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }

      condition {
        test     = "ArnNotEquals"
        variable = "aws:PrincipalArn"
        values   = local.promoters[each.key]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.reader_principal_arns) > 0 ? [1] : []

    content {
      sid       = "Readers"
      actions   = local.read_actions
      resources = [aws_sagemaker_model_package_group.this[each.key].arn, local.package_arns[each.key]]

      principals {
        type        = "AWS"
        identifiers = distinct([for arn in var.reader_principal_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:PrincipalArn"
        values   = var.reader_principal_arns
      }
    }
  }

  # Model package groups have no deletion-protection flag and lifecycle.prevent_destroy cannot take a
  # variable (https://github.com/hashicorp/terraform/issues/22544), so protection is a Deny here.
  # Terraform deletes this policy before the group, hence DeleteModelPackageGroupPolicy is denied too.
  dynamic "statement" {
    for_each = var.protect ? [1] : []

    content {
      sid       = "DenyDeletionWhileProtected"
      effect    = "Deny"
      actions   = local.delete_actions
      resources = [aws_sagemaker_model_package_group.this[each.key].arn, local.package_arns[each.key]]

      principals {
        type        = "AWS"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_sagemaker_model_package_group_policy" "this" {
  for_each = {
    for stage, group in local.group_names : stage => group
    if var.protect || length(local.promoters[stage]) > 0 || length(var.reader_principal_arns) > 0
  }

  model_package_group_name = aws_sagemaker_model_package_group.this[each.key].model_package_group_name
  resource_policy          = data.aws_iam_policy_document.this[each.key].json
}
